"""GPU paths: captured CUDA graphs against the eager loop, fp16 with a scaler, NaN handling, out-of-memory fallback.
Skipped without a GPU (CI has none); run on a GPU machine with `python -m pytest -q tests/test_cuda.py`.
The models are small random-weight BERT and DeBERTa-v2 architectures, so nothing is downloaded."""
import os
import warnings
from functools import partial

import numpy as np
import pytest
import torch

import kit
from conftest import tiny_model, tokenizer

pytestmark = pytest.mark.skipif(not torch.cuda.is_available(), reason='needs a CUDA GPU')


def sample_df(n=1500, seed=0):
    from conftest import make_pairs
    df = make_pairs(100, 15, seed=seed)
    return df.iloc[:n].reset_index(drop=True)


@pytest.fixture(scope='module')
def dls():
    df = sample_df()
    _, val = kit.anchor_split(df)
    return kit.get_dls(df, partial(kit.build_inputs, sep=' [SEP] '), tokenizer(), val, batch_size=64)


@pytest.mark.parametrize('arch', ['bert', 'deberta'])
def test_graphs_capture_and_match_the_eager_loop(dls, arch):
    runs = {}
    for graphs in (True, False):
        kit.set_seed(0)
        learn = kit.get_learner(dls, tiny_model(arch), cuda_graphs=graphs, progress=False)
        with warnings.catch_warnings():
            warnings.simplefilter('error', UserWarning)  # a failed capture warns: make it fail the test
            learn.fit_one_cycle(2, 1e-3)
        if graphs: assert learn._graphs and all(g is not False for g in learn._graphs.values())
        runs[graphs] = (learn.history, learn.get_preds())
    (h1, p1), (h0, p0) = runs[True], runs[False]
    np.testing.assert_allclose(h1.train_loss, h0.train_loss, rtol=0.05)
    assert abs(h1.pearson.iloc[-1] - h0.pearson.iloc[-1]) < 0.05
    assert np.corrcoef(p1, p0)[0, 1] > 0.98


def test_fp16_with_a_scaler_survives_overflow(dls):
    learn = kit.get_learner(dls, tiny_model(), precision='fp16', progress=False)
    assert learn.scaler is not None and not learn.use_graphs
    learn.scaler = torch.amp.GradScaler('cuda', init_scale=2.0 ** 40)  # overflows at first: steps skipped, not stopped
    learn.fit_one_cycle(1, 1e-3)
    assert learn.scaler.get_scale() < 2.0 ** 40 and np.isfinite(learn.history.train_loss).all()


def test_a_nan_loss_stops_and_restores_on_gpu():
    df = sample_df()
    dls = kit.get_dls(df, partial(kit.build_inputs), tokenizer(), kit.anchor_split(df)[1], batch_size=64)
    learn = kit.get_learner(dls, tiny_model(), progress=False, check_every=5)
    learn.fit_one_cycle(1, 1e-3)
    good = {k: v.clone() for k, v in learn.model.state_dict().items()}
    dls.train.labels[:] = np.inf
    with pytest.raises(kit.NonFiniteLoss, match=r'step \d+ .*lr'):
        learn.fit_one_cycle(1, 1e-3)
    for k, v in learn.model.state_dict().items(): torch.testing.assert_close(v, good[k])


def test_eval_falls_back_to_smaller_batches_on_oom(dls, monkeypatch):
    learn = kit.get_learner(dls, tiny_model(), progress=False)
    calls = []
    real = learn._predict_batches
    def flaky(loader, bs):
        calls.append(bs)
        if bs > 32: raise torch.cuda.OutOfMemoryError('CUDA out of memory (simulated)')
        return real(loader, bs)
    monkeypatch.setattr(learn, '_predict_batches', flaky)
    with pytest.warns(UserWarning, match='retrying with batch size'):
        p = learn.get_preds()
    assert calls == [128, 64, 32] and len(p) == len(dls.valid.rows)

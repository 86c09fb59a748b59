"""Faults injected on purpose: random text, NaN losses, fp16 overflow, crashes and interrupts mid-fit, crashes
while writing, and runs repeated for bit-for-bit reproducibility."""
import warnings
from functools import partial

import numpy as np
import pandas as pd
import pytest
import torch
from conftest import make_pairs, tiny_model
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import kit

TINY = make_pairs(16, 10, seed=3)  # 160 rows, 16 anchors: fast fits


def tiny_dls(tokz, df=TINY, bs=16, val=None):
    val = np.arange(120, len(df)) if val is None else val
    return kit.get_dls(df, partial(kit.build_inputs, sep=' [SEP] '), tokz, val, batch_size=bs)


def weights(model):
    return {k: v.detach().clone() for k, v in model.state_dict().items()}


def assert_same(a, b):
    assert a.keys() == b.keys()
    for k in a: torch.testing.assert_close(a[k], b[k], rtol=0, atol=0)


# --- random text through the input builders and the tokenizer -----------------------------------------
phrase = st.text(st.characters(blacklist_categories=('Cs',)), max_size=300) | st.sampled_from(['', ' ', '\t\n', '\u200b', 'x' * 3000])


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.tuples(phrase, phrase, st.sampled_from(['A47', 'H01', 'Y02'])), min_size=1, max_size=12),
       lower=st.booleans(), sec=st.booleans(), group=st.sampled_from([None, 'anchor', 'anchor_context']))
def test_any_text_keeps_row_count_and_order(tokz, rows, lower, sec, group):
    df = pd.DataFrame(rows, columns=['anchor', 'target', 'context'])
    texts = kit.build_inputs(df, sep=' [SEP] ', lower_case=lower, section_tokens=sec, group_targets=group, seed=1)
    assert len(texts) == len(df) and all(isinstance(t, str) for t in texts)
    for t, (a, tg, c) in zip(texts, rows):  # row i's text is built from row i
        assert (c.lower() if lower else c) in t
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')  # very long rows: the truncation warning is tested elsewhere
        toks = kit.Tokens(texts, tokz)
    assert len(toks) == len(df) and (toks.lengths >= 2).all() and (toks.lengths <= 512).all()
    for i, t in enumerate(texts):  # no silent reordering: each row's ids are its own text's
        expect = tokz(t, truncation=True, max_length=512)['input_ids']
        assert toks[i].tolist()[:-1] == expect[:-1]


# --- numeric faults -------------------------------------------------------------------------------------
def test_a_nan_loss_stops_with_step_and_lr_and_restores_weights(tokz):
    dls = tiny_dls(tokz)
    learn = kit.get_learner(dls, tiny_model(), progress=False)
    learn.fit_one_cycle(1, 1e-3)
    good = weights(learn.model)
    dls.train.labels[5:9] = np.nan  # a corrupted label reaches the loss in some step of the next epoch
    with pytest.raises(kit.NonFiniteLoss, match=r'became nan at epoch 0, step \d+ of 8 \(lr [0-9.e-]+\)'):
        learn.fit_one_cycle(1, 1e-3)
    assert_same(weights(learn.model), good)  # the last good weights, not NaN ones
    dls.train.labels[5:9] = 0.5
    learn.fit_one_cycle(1, 1e-3)  # and the learner goes on
    assert np.isfinite(learn.get_preds()).all()


def test_a_diverging_lr_is_caught_too(tokz):
    learn = kit.get_learner(tiny_dls(tokz), tiny_model(), progress=False, use_fp16=False)
    with pytest.raises(kit.NonFiniteLoss, match='lower lr_max'):
        learn.fit_one_cycle(2, 1e12)


def test_fp16_overflow_is_handled_by_the_scaler(tokz):
    if not kit._autocast_supports('cpu', torch.float16):
        with pytest.raises(ValueError, match="precision='bf16'"):  # torch 2.1: CPU autocast is bf16 only
            kit.get_learner(tiny_dls(tokz), tiny_model(), progress=False, precision='fp16')
        pytest.skip(f'torch {torch.__version__} has no fp16 autocast on CPU')
    learn = kit.get_learner(tiny_dls(tokz), tiny_model(), progress=False, precision='fp16')
    assert learn.scaler is not None
    learn.scaler = kit._grad_scaler(learn.device)
    learn.scaler._init_scale = 2.0 ** 60  # the first steps overflow: skipped and the scale lowered, no stop
    learn.fit_one_cycle(1, 1e-3)
    assert learn.scaler.get_scale() < 2.0 ** 60 and np.isfinite(learn.history.train_loss).all()


@pytest.mark.filterwarnings('ignore:precision=.bf16. on a CPU without native bf16')  # asked for on purpose
def test_old_torch_attention_under_cpu_autocast(tokz, monkeypatch):
    monkeypatch.setattr(kit, '_cpu_autocast_handles_sdpa', lambda: False)  # torch 2.1: SDPA left out of CPU autocast
    twin = type('TwinAttention', (torch.nn.Module,), {})
    model = tiny_model()
    model.twin = type('TwinSdpaAttention', (twin,), {})()  # how transformers 4.x names an SDPA class and its eager parent
    learn = kit.get_learner(tiny_dls(tokz), model, progress=False, precision='bf16')
    assert type(learn.model.twin) is twin and learn.amp == torch.bfloat16  # swapped for eager attention: bf16 kept
    model.odd = type('OddSdpaAttention', (torch.nn.Module,), {})()  # no eager twin to swap in
    with pytest.warns(UserWarning, match='training in fp32'):
        learn = kit.get_learner(tiny_dls(tokz), model, progress=False, precision='bf16')
    assert learn.amp is None


def test_an_unknown_precision_is_refused(tokz):
    with pytest.raises(ValueError, match="precision must be 'bf16', 'fp16' or 'fp32'"):
        kit.get_learner(tiny_dls(tokz), tiny_model(), progress=False, precision='fp8')


def test_predictions_are_checked_finite(tokz):
    learn = kit.get_learner(tiny_dls(tokz), tiny_model(), progress=False)
    with torch.no_grad(): learn.model.classifier.bias.fill_(float('nan'))
    with pytest.raises(kit.NonFiniteLoss, match='predictions are NaN'):
        learn.predict(TINY)


# --- interruptions ----------------------------------------------------------------------------------------
def test_a_crash_mid_fit_resumes_from_the_epoch_checkpoint_bit_for_bit(tokz, tmp_path, monkeypatch):
    def run(path, crash_at=None):
        kit.set_seed(0)
        learn = kit.get_learner(tiny_dls(tokz), tiny_model(dropout=0.1), progress=False, checkpoint=True, path=path)
        if crash_at is not None:
            real, calls = learn._train_epoch, []
            def crashing(epoch, sched):
                calls.append(epoch)
                if epoch == crash_at: raise RuntimeError('power cut')
                return real(epoch, sched)
            monkeypatch.setattr(learn, '_train_epoch', crashing)
        learn.fit_one_cycle(3, 1e-3)
        return learn
    ref = run(tmp_path / 'ref')
    with pytest.raises(RuntimeError, match='power cut'):
        run(tmp_path / 'crash', crash_at=2)
    assert (tmp_path / 'crash' / 'models' / 'checkpoint.pt').is_file()
    assert not list((tmp_path / 'crash' / 'models').glob('.*'))  # no half-written temporary file
    kit.set_seed(123)  # a new process: nothing in memory carries over
    resumed = kit.get_learner(tiny_dls(tokz), tiny_model(seed=99, dropout=0.1), progress=False, checkpoint=True,
                              path=tmp_path / 'crash')
    resumed.fit_one_cycle(3, 1e-3, resume=True)
    assert_same(weights(resumed.model), weights(ref.model))
    pd.testing.assert_frame_equal(resumed.history.drop(columns=['time', 'train_time']),
                                  ref.history.drop(columns=['time', 'train_time']))
    with pytest.raises(ValueError, match='resume with the same arguments'):
        resumed.fit_one_cycle(4, 1e-3, resume=True)


def test_keyboard_interrupt_leaves_a_usable_learner(tokz, monkeypatch, capsys):
    learn = kit.get_learner(tiny_dls(tokz), tiny_model(), progress=False)
    learn.fit_one_cycle(1, 1e-3)
    good = weights(learn.model)
    real, n = learn._step, []
    def interrupted(*a, **k):
        n.append(1)
        if len(n) == 4: raise KeyboardInterrupt
        return real(*a, **k)
    monkeypatch.setattr(learn, '_step', interrupted)
    with pytest.raises(KeyboardInterrupt):
        learn.fit_one_cycle(1, 1e-3)
    assert 'weights restored' in capsys.readouterr().out
    assert_same(weights(learn.model), good)
    monkeypatch.setattr(learn, '_step', real)
    learn.fit_one_cycle(1, 1e-3)
    assert np.isfinite(learn.predict(TINY)).all()


# --- reproducibility --------------------------------------------------------------------------------------
def test_same_seed_same_numbers_bit_for_bit(tokz):
    def run(seed):
        kit.set_seed(seed)
        learn = kit.get_learner(tiny_dls(tokz), tiny_model(seed=seed, dropout=0.1), progress=False, seed=seed)
        learn.fit_one_cycle(2, 1e-3)
        return learn.history, learn.predict(TINY)
    (h1, p1), (h2, p2), (h3, p3) = run(0), run(0), run(1)
    cols = ['train_loss', 'valid_loss', 'pearson']
    assert h1[cols].equals(h2[cols]) and np.array_equal(p1, p2)
    assert not np.array_equal(p1, p3)


# --- files are written whole or not at all ------------------------------------------------------------------
def test_a_failed_write_leaves_the_old_file(tmp_path, monkeypatch):
    out = tmp_path / 'submission.csv'
    tst = TINY.drop(columns='score')
    kit.write_submission(np.zeros(len(tst)), tst, out)
    before = out.read_bytes()
    def broken(self, f, *a, **k):
        f.write('id,score\n1,'); raise OSError('disk full')
    monkeypatch.setattr(pd.DataFrame, 'to_csv', broken)
    with pytest.raises(OSError, match='disk full'):
        kit.write_submission(np.ones(len(tst)), tst, out)
    assert out.read_bytes() == before and [p.name for p in tmp_path.iterdir()] == ['submission.csv']


def test_written_files_and_folders_get_the_usual_permissions(tokz, tmp_path):
    # written under a temporary name first, yet readable by the team as a plain open() / mkdir() would make them
    plain = tmp_path / 'plain'; plain.write_text('x'); plain_dir = tmp_path / 'plain_dir'; plain_dir.mkdir()
    sub = tmp_path / 'submission.csv'; kit.write_submission(np.zeros(len(TINY)), TINY.drop(columns='score'), sub)
    folder = kit.get_learner(tiny_dls(tokz), tiny_model(), progress=False).save(tmp_path / 'model')
    mode = lambda p: p.stat().st_mode & 0o777
    assert mode(sub) == mode(plain) and mode(folder) == mode(plain_dir)


def test_a_failed_save_keeps_the_old_model_folder(tokz, tmp_path, monkeypatch):
    learn = kit.get_learner(tiny_dls(tokz), tiny_model(), progress=False)
    path = learn.save(tmp_path / 'model')
    files = sorted(p.name for p in path.iterdir())
    monkeypatch.setattr(type(tokz), 'save_pretrained', lambda *a, **k: (_ for _ in ()).throw(OSError('disk full')))
    with pytest.raises(OSError, match='disk full'):
        learn.save(tmp_path / 'model')
    assert sorted(p.name for p in path.iterdir()) == files
    assert [p.name for p in tmp_path.iterdir()] == ['model']


def test_a_crash_mid_cross_validation_keeps_finished_folds(tokz, tmp_path, monkeypatch):
    df = TINY
    recipe = dict(epochs=1, lr=1e-3, batch_size=16)
    monkeypatch.setattr(kit, 'get_hf_objects', lambda *a, **k: ('bert', None, tokz, tiny_model()))
    real, trained = kit.fit_recipe, []
    def crash_on_second(learn, r=None):
        trained.append(1)
        if len(trained) == 2: raise RuntimeError('killed')
        return real(learn, r)
    monkeypatch.setattr(kit, 'fit_recipe', crash_on_second)
    with pytest.raises(RuntimeError, match='killed'):
        kit.cross_validate(df, recipe, n_folds=3, out=tmp_path, name='tiny', progress=False)
    run_dir = next((tmp_path / 'runs').iterdir())
    assert [p.name for p in run_dir.glob('fold*.json')] == ['fold0.json'] and not (tmp_path / 'log.jsonl').exists()
    retrained = []
    monkeypatch.setattr(kit, 'fit_recipe', lambda learn, r=None: (retrained.append(1), real(learn, r))[1])
    res = kit.cross_validate(df, recipe, n_folds=3, out=tmp_path, name='tiny', progress=False)
    assert len(retrained) == 2  # folds 1 and 2; fold 0 was kept, not trained again
    assert len(kit.read_log(tmp_path)) == 1 and np.isfinite(res['oof']).all()


def test_a_pearson_loss_model_predicts_on_the_score_scale(tokz, tmp_path):
    # the Pearson loss leaves scale and offset free: the fit maps outputs back onto the scores (least squares on the
    # training rows), and the mapping travels with the saved model, so clipping a submission to [0, 1] is harmless
    learn = kit.get_learner(tiny_dls(tokz), tiny_model(), progress=False, loss='pearson')
    learn.fit_one_cycle(2, 3e-3)
    assert learn.calibration is not None
    p, y = learn.predict(TINY.iloc[:120]), TINY.score.values[:120]
    assert p.mean() == pytest.approx(y.mean(), abs=1e-3) and p.std() <= y.std() + 1e-3
    assert learn.history.pearson.iloc[-1] == pytest.approx(kit.pearson(learn.get_preds(), TINY.score.values[120:]), abs=1e-4)
    learn.save(tmp_path / 'm')
    loaded = kit.load_learner(tmp_path / 'm')
    assert loaded.calibration == pytest.approx(learn.calibration)
    # bf16 noise, scaled up by the calibration slope (about 20 for this tiny model), is all that may differ
    np.testing.assert_allclose(loaded.predict(TINY), learn.predict(TINY), atol=0.02)

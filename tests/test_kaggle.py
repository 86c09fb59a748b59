"""Kaggle and beyond one GPU: the upload folder, offline model folders, DDP (gloo, 2 CPU processes), versions."""
import json
import os
import subprocess
import sys
from functools import partial
from types import SimpleNamespace

import numpy as np
import pytest
import torch
from conftest import ROOT, make_pairs, tiny_model

import kit

TINY = make_pairs(16, 10, seed=7)
VALID = np.arange(120, 160)  # the rows _ddp_fit validates on


def _ddp_fit(seed=0, group=False):
    """Two epochs of a small model (no dropout, fp32) on TINY; run in one process or in each DDP process. group: a
    group model (its batches are lists of chunks of an anchor's rows: a rank gets some of the chunks)."""
    from transformers import AutoTokenizer
    tokz = AutoTokenizer.from_pretrained(os.environ.get('KIT_TEST_TOKENIZER') or kit.default_checkpoint())
    get_x = partial(kit.build_inputs, group='anchor_context') if group else partial(kit.build_inputs)
    dls = kit.get_dls(TINY, get_x, tokz, VALID, batch_size=4 if group else 16, group_size=4)
    model = tiny_model(seed=seed)
    if group: model = kit.GroupModel(model.bert)
    learn = kit.get_learner(dls, model, use_fp16=False, progress=False, seed=seed)
    learn.fit_one_cycle(2, 1e-3)
    return dict(world=learn.world, history=learn.history[['train_loss', 'valid_loss', 'pearson']].values,
                preds=learn.get_preds(), n_train=[int(len(learn._shard(p))) for p in dls.train.batches(0)])


def assert_same_fit(two, one):
    """Two DDP processes trained what one process trains, up to fp noise (the gradient sums run in another order)."""
    np.testing.assert_allclose(two['history'][:, :2], one['history'][:, :2], atol=1e-4)  # train and valid loss
    # The tiny model barely learns in 8 steps: its predictions spread over ~5e-4, so Pearson amplifies the fp noise
    # (CI once saw 0.08068 vs 0.08057). Compare the predictions themselves, tightly enough that rows gathered in the
    # wrong order would fail, and check rank 0's Pearson is the one of the gathered predictions, in input order.
    np.testing.assert_allclose(two['preds'], one['preds'], atol=1e-5)
    assert np.ptp(one['preds']) > 1e-4  # else the order check above could not fail
    assert two['history'][-1, 2] == pytest.approx(np.corrcoef(two['preds'], TINY.score.values[VALID])[0, 1], abs=1e-5)


@pytest.mark.parametrize('start_method', ['spawn', 'fork'])  # fork: what a function typed into a notebook gets
def test_ddp_matches_one_process(start_method):
    one = _ddp_fit()  # torch has run in this process before the fork: the workers must not hang
    two = kit.launch(_ddp_fit, 2, start_method=start_method)
    assert one['world'] == 1 and two['world'] == 2
    assert sum(two['n_train']) < sum(one['n_train'])  # rank 0 trained on its share of every batch
    assert_same_fit(two, one)


def test_ddp_trains_a_group_model_as_one_process():
    one = _ddp_fit(group=True)
    two = kit.launch(partial(_ddp_fit, group=True), 2, start_method='spawn')
    assert two['world'] == 2 and sum(two['n_train']) < sum(one['n_train'])
    assert_same_fit(two, one)


def _ddp_fit_to(path):
    """What a notebook hands accelerate's notebook_launcher: join the group first, fit, rank 0 writes the result."""
    kit.init_distributed()
    out = _ddp_fit()
    if kit._rank() == 0: np.savez(path, world=out['world'], history=out['history'], preds=out['preds'])


def test_accelerate_notebook_launcher(tmp_path):
    accelerate = pytest.importorskip('accelerate')  # on Kaggle images; CI's second environment installs it
    one = _ddp_fit()  # torch has run in this process before the fork: before the fix the workers hung here
    accelerate.notebook_launcher(_ddp_fit_to, args=(tmp_path / 'two.npz',), num_processes=2)
    two = np.load(tmp_path / 'two.npz')
    assert int(two['world']) == 2
    assert_same_fit(two, one)


def test_shards_cover_every_row_once():
    pos = np.arange(37)
    parts = [kit.Learner._shard(SimpleNamespace(world=3, rank=r), pos) for r in range(3)]
    assert sorted(np.concatenate(parts).tolist()) == pos.tolist()
    tiny = [kit.Learner._shard(SimpleNamespace(world=4, rank=r), np.arange(2)) for r in range(4)]
    assert sorted(np.concatenate(tiny).tolist()) == [0, 1]  # ranks without rows get a zero-weight filler row


def test_torchrun_train_command(tmp_path, data_dir):
    cmd = [sys.executable, '-m', 'torch.distributed.run', '--standalone', '--nproc_per_node', '2', str(ROOT / 'kit.py'),
           'train', '--recipe', 'walkthrough', '--full', '--epochs', '1', '--rows', '300', '--data', str(data_dir), '--out', 'out']
    r = subprocess.run(cmd, capture_output=True, text=True, cwd=tmp_path, env={**os.environ, 'OMP_NUM_THREADS': '1'})
    assert r.returncode == 0, r.stderr[-3000:]
    assert r.stdout.count('train_loss') == 2  # the live table and the summary, printed by rank 0 only
    assert [f.name for f in kit.find_model_folders(tmp_path / 'out')] == ['walkthrough-full']
    assert not [p for p in (tmp_path / 'out').iterdir() if p.name.startswith('.')]


def test_package_builds_an_offline_dataset(tmp_path, tokz):
    dls = kit.get_dls(TINY, partial(kit.build_inputs, sep=' [s] ', section_tokens=True), tokz, [], batch_size=16)
    model = tiny_model()
    kit.add_special_tokens(tokz, model, kit.section_tokens())
    learn = kit.get_learner(dls, model, progress=False)
    learn.fit_one_cycle(1, 1e-3)
    learn.save(tmp_path / 'trained' / 'fold0')
    out = kit.package(tmp_path / 'pkg', models=[tmp_path / 'trained'], fp16=True)
    names = {str(p.relative_to(out)) for p in out.rglob('*') if p.is_file()}
    assert {'kit.py', 'README.md', 'requirements.txt', 'dataset-metadata.json', 'notebooks/walkthrough.ipynb',
            'notebooks/inference.ipynb', 'models/fold0/kit.json', 'models/fold0/model.safetensors'} <= names
    meta = json.loads((out / 'dataset-metadata.json').read_text())
    assert meta['id'].endswith(f'/{kit.DEFAULT_SLUG}') and meta['licenses'] and 6 <= len(meta['title']) <= 50
    from safetensors import safe_open
    with safe_open(str(out / 'models/fold0/model.safetensors'), 'pt') as f:
        assert all(f.get_tensor(k).dtype in (torch.float16, torch.int64) for k in f.keys())
    # the packaged model loads offline, with its added tokens, and predicts like the original
    loaded = kit.load_learner(out / 'models' / 'fold0')
    assert '[A]' in loaded.tokenizer.get_vocab()
    np.testing.assert_allclose(loaded.predict(TINY), learn.predict(TINY), atol=0.02)
    # and the packaged kit.py imports on its own
    r = subprocess.run([sys.executable, '-c', 'import kit; print(kit.__version__)'], cwd=out, capture_output=True, text=True)
    assert r.stdout.strip() == kit.__version__


def test_old_versions_are_refused_with_what_to_do(monkeypatch):
    monkeypatch.setattr(torch, '__version__', '2.0.1')
    with pytest.raises(ImportError, match=r'torch 2\.0\.1 \(needs >= 2\.1\).*pip install -U "torch>=2\.1"'):
        kit.check_versions()


def test_package_carries_the_blend_weights(tmp_path, tokz):
    # a CV run's fold folders with blend weights beside them; the package renames the folders, the weights follow
    learn = kit.get_learner(kit.get_dls(TINY, kit.build_inputs, tokz, [], batch_size=16), tiny_model(), progress=False)
    learn.fit_one_cycle(1, 1e-3)
    for name in ('fold0', 'fold1'): learn.save(tmp_path / 'runs' / 'best' / name)
    kit.write_blend(tmp_path / 'runs', {'best/fold0': 0.3, 'best/fold1': 0.7})
    out = kit.package(tmp_path / 'pkg', models=[tmp_path / 'runs'])
    folders = kit.find_model_folders(out / 'models')
    assert [f.name for f in folders] == ['best-fold0', 'best-fold1']
    assert kit.blend_weights(out / 'models', folders) == [0.3, 0.7]
    # without weights for every packaged model, none are kept, and the user is told
    learn.save(tmp_path / 'other')
    with pytest.warns(UserWarning, match='blend weights dropped'):
        out2 = kit.package(tmp_path / 'pkg2', models=[tmp_path / 'runs', tmp_path / 'other'])
    assert not (out2 / 'models' / 'blend.json').exists()

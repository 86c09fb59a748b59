"""DataLoaders: tokenised once, every training row once per epoch, evaluation in input order."""
from functools import partial

import numpy as np
import pytest

import kit


@pytest.fixture(scope='module')
def dls(small_df, hf):
    tokz = hf[2]
    _, val = kit.anchor_split(small_df)
    return kit.get_dls(small_df, partial(kit.build_inputs, sep=f' {tokz.sep_token} '), tokz, val, batch_size=64)


def test_train_and_valid_hold_the_split(dls, small_df):
    trn, val = kit.anchor_split(small_df)
    assert sorted(dls.train.rows) == sorted(trn) and sorted(dls.valid.rows) == sorted(val)
    assert len(dls.train) == -(-len(trn) // 64)


def test_every_training_sample_exactly_once_per_epoch(dls):
    for epoch in range(3):
        batches = dls.train.batches(epoch)
        seen = np.concatenate(batches)
        assert len(seen) == len(dls.train.rows) and len(set(seen)) == len(seen)
        assert all(len(b) <= dls.train.bs for b in batches)
    assert not np.array_equal(np.concatenate(dls.train.batches(0)), np.concatenate(dls.train.batches(1)))  # reshuffled


def test_training_batches_are_length_bucketed(dls):
    lengths = dls.train.tokens.lengths
    batches = dls.train.batches(0)
    spread = np.mean([lengths[b].max() - lengths[b].min() for b in batches])
    rng = np.random.default_rng(0)
    random_spread = np.mean([np.ptp(lengths[rng.choice(len(lengths), len(b), replace=False)]) for b in batches])
    assert spread < random_spread / 2
    assert lengths[batches[0]].max() == lengths.max()  # the longest batch first


def test_collate_pads_dynamically(dls):
    b = dls.train.collate(dls.train.batches(0)[1])
    L = int(b['attention_mask'].sum(1).max())
    assert b['input_ids'].shape[1] == L  # padded to the longest row of this batch only
    for i, pos in enumerate(dls.train.batches(0)[1]):
        n = int(b['attention_mask'][i].sum())
        assert b['input_ids'][i, :n].tolist() == dls.train.tokens[pos].tolist()
        assert b['idx'][i] == dls.train.rows[pos]
    s = dls.train.collate(dls.train.batches(0)[1][:5], rows=8, buckets=True)
    assert s['input_ids'].shape == (8, kit.bucket_length(L)) and s['weight'].tolist() == [1] * 5 + [0] * 3


def test_show_batch_and_one_batch(dls, small_df):
    table = dls.show_batch(max_n=2)
    assert list(table.columns) == ['text', 'target'] and len(table) == 2
    assert '[SEP]' in table.text[0] and set(table.target) <= {0, 0.25, 0.5, 0.75, 1}
    b = dls.one_batch()
    assert b['input_ids'].shape[0] == 64 and b['labels'].dtype.is_floating_point
    rows = b['idx'].numpy()
    np.testing.assert_allclose(b['labels'].numpy(), small_df.score.values[rows])


def test_valid_batches_are_sorted_by_length(dls):
    lengths = dls.valid.tokens.lengths
    order = np.concatenate(dls.valid.batches())
    assert (np.diff(lengths[order]) <= 0).all()


def test_long_inputs_are_truncated_with_one_warning(tokz):
    texts = ['short one', 'word ' * 700, 'word ' * 600]
    with pytest.warns(UserWarning, match=r'2 of 3 .* longer than 512 tokens .* truncated'):
        t = kit.Tokens(texts, tokz)
    assert t.lengths.max() == 512 and t[1][-1] == tokz.sep_token_id and len(t) == 3

"""The Learner: a short real fit that must learn, the schedule, lr_find, predictions, save/load, submissions."""
import json
from functools import partial

import numpy as np
import pandas as pd
import pytest
import torch
from conftest import fresh_model, make_pairs, tiny_model

import kit


@pytest.fixture(scope='module')
def fitted(small_df, hf, tmp_path_factory):
    """One epoch of the embedded model (mean pooling) on ~3,000 real rows (or the generated sample)."""
    tokz = hf[2]
    _, val = kit.anchor_split(small_df)
    get_x = partial(kit.build_inputs, sep=f' {tokz.sep_token} ')
    dls = kit.get_dls(small_df, get_x, tokz, val, batch_size=64)
    learn = kit.get_learner(dls, fresh_model('mean'), progress=False)
    learn.fit_one_cycle(3 if len(small_df) < 2000 else 1, 5e-4 if len(small_df) < 2000 else 3e-4)
    return learn


def test_a_short_fit_learns(fitted):
    h = fitted.history
    assert list(h.columns[:5]) == ['epoch', 'train_loss', 'valid_loss', 'pearson', 'time']
    assert h.pearson.iloc[-1] > 0.3, h
    assert np.isfinite(h.train_loss).all() and (h.time > 0).all()
    assert len(fitted.losses) == len(h) * len(fitted.dls.train)


def test_validate_matches_the_last_epoch(fitted):
    v = fitted.validate()
    assert v['pearson'] == pytest.approx(fitted.history.pearson.iloc[-1], abs=1e-6)
    assert v['valid_loss'] == pytest.approx(fitted.history.valid_loss.iloc[-1], abs=1e-6)


def test_predictions_come_back_in_input_order(fitted, small_df):
    df = small_df.iloc[fitted.dls.val_idxs]
    p = fitted.predict(df)
    shuffled = df.sample(frac=1, random_state=0)
    ps = fitted.predict(shuffled)
    np.testing.assert_allclose(ps, pd.Series(p, index=df.index)[shuffled.index].values, atol=1e-6)
    np.testing.assert_allclose(fitted.get_preds(), p, atol=1e-6)  # the valid set, in its own order
    assert p.dtype == np.float32 and len(p) == len(df)


def test_a_bi_encoder_trains_saves_and_predicts(small_df, tmp_path):
    """The `biencoder` recipe: anchor and target embedded apart (batches stack the two sides), the cosine trained."""
    _, val = kit.anchor_split(small_df)
    learn = kit.make_learner(dict(kit.RECIPES['biencoder'], epochs=1), small_df, val_idxs=val, progress=False)
    b = learn.dls.one_batch()
    assert b['input_ids'].shape[0] == 2 * b['labels'].shape[0] == 2 * 64
    assert list(learn.dls.show_batch(2).columns) == ['text_a', 'text_b', 'target']
    before = learn.validate()['pearson']
    kit.fit_recipe(learn)
    after = learn.history.pearson.iloc[-1]
    assert after > 0.3 and after != before, (before, after)
    p = learn.predict(small_df.iloc[val])
    assert np.abs(p).max() <= 1 + 1e-5  # a cosine
    learn.save(tmp_path / 'bi')
    assert json.loads((tmp_path / 'bi' / 'kit.json').read_text())['pooling'] == 'biencoder'
    rows = small_df.iloc[val[:100]]  # one batch either way: bf16 results depend on the batch's padded length
    np.testing.assert_allclose(kit.load_learner(tmp_path / 'bi').predict(rows), learn.predict(rows), atol=1e-5)
    # one text a row cannot feed a bi-encoder, nor pairs a cross-encoder: a clear error, not a shape mismatch
    tokz = learn.tokenizer
    with pytest.raises(ValueError, match='pair=True'):
        kit.get_learner(kit.get_dls(small_df, kit.build_inputs, tokz, val), learn.model)
    with pytest.raises(ValueError, match="pooling='biencoder'"):
        kit.get_learner(kit.get_dls(small_df, partial(kit.build_inputs, pair=True), tokz, val), fresh_model())


def test_a_group_model_scores_an_anchors_targets_together(small_df, tmp_path):
    """pooling='group': every target of an anchor and context in one sequence, one score each; prediction averages
    reshuffled chunkings and gives every row back in input order."""
    _, val = kit.anchor_split(small_df)
    learn = kit.make_learner(dict(kit.RECIPES['group'], epochs=1, group_size=8), small_df, val_idxs=val, progress=False)
    b = learn.dls.one_batch()
    B, T = b['input_ids'].shape[0], len(b['labels']) // b['input_ids'].shape[0]
    assert B == kit.RECIPES['group']['batch_size'] and 1 <= T <= 8
    # every target's tokens carry its slot; the rows of one sequence share anchor and context
    rows = b['idx'].view(B, T)
    for i in range(B):
        r = rows[i][rows[i] >= 0].numpy()
        assert sorted(set(b['slots'][i].tolist()) - {-1}) == list(range(len(r)))
        assert small_df.iloc[r][['anchor', 'context']].drop_duplicates().shape[0] == 1
    shown = learn.dls.show_batch(2)
    assert list(shown.columns) == ['text', 'targets', 'scores'] and '[SEP]' in shown.text[0]
    kit.fit_recipe(learn)
    assert learn.history.pearson.iloc[-1] > 0.3, learn.history
    # identical pairs in one group sit in different slots, so they swap places when shuffled: keep one of each
    df = small_df.iloc[val].drop_duplicates(['anchor', 'target', 'context'])
    p = learn.predict(df)
    shuffled = df.sample(frac=1, random_state=0)  # groups are laid out in a canonical order: the same predictions
    np.testing.assert_allclose(learn.predict(shuffled), pd.Series(p, index=df.index)[shuffled.index].values, atol=1e-6)
    one = learn.predict(df.iloc[:1])  # a row alone is a group of one
    assert one.shape == (1,) and np.isfinite(one).all()
    learn.save(tmp_path / 'grp')
    meta = json.loads((tmp_path / 'grp' / 'kit.json').read_text())
    assert (meta['pooling'], meta['group_size'], meta['group_passes']) == ('group', 8, kit.RECIPES['group']['group_passes'])
    np.testing.assert_allclose(kit.load_learner(tmp_path / 'grp').predict(df), p, atol=1e-5)
    with pytest.raises(ValueError, match="pooling='group'"):
        kit.get_learner(kit.get_dls(small_df, partial(kit.build_inputs, group='anchor_context'), learn.tokenizer, val),
                        fresh_model())
    with pytest.raises(ValueError, match="group='anchor_context'"):
        kit.get_learner(kit.get_dls(small_df, kit.build_inputs, learn.tokenizer, val), learn.model)


def test_group_inputs_chunk_every_group_and_fit_the_length(tokz):
    df = pd.DataFrame(dict(anchor=['a b'] * 5 + ['c'] * 2, target=['t1', 't2', 't3', 't4', 'word ' * 40, 'u1', 'u2'],
                           context=['A47'] * 5 + ['B60'] * 2, score=0.5))
    rows = kit.build_inputs(df, sep=' [SEP] ', group='anchor_context')
    assert rows[0] == ('A47 [SEP] a b', 'A47 [SEP] a b', 't1') and isinstance(rows[0], kit.Grouped)
    assert kit.build_inputs(df, group='anchor')[5] == ('c', 'c', 'B60 u1')
    toks = kit.make_tokens(rows, tokz, max_length=24, group_size=2)
    assert isinstance(toks, kit.GroupTokens)
    chunks = toks.chunks()
    assert sorted(len(c) for c in chunks) == [1, 2, 2, 2]          # 5 rows -> 2, 2, 1; 2 rows -> 2
    assert sorted(np.concatenate(chunks).tolist()) == list(range(7))
    shuffled = toks.chunks(np.random.default_rng(0))
    assert len(shuffled) == len(chunks) and sorted(np.concatenate(shuffled).tolist()) == list(range(7))
    ids, mask, slots = toks.gather(chunks, 1, tokz.pad_token_id)
    assert ids.shape[1] <= 24                                       # the 40-word target was cut to fit
    for c, sl in zip(chunks, slots): assert set(sl.tolist()) - {-1} == set(range(len(c)))
    with pytest.raises(ValueError, match='pair=True'): kit.build_inputs(df, group='anchor', pair=True)
    with pytest.raises(ValueError, match="'anchor_context' or 'anchor'"): kit.build_inputs(df, group='context')


@pytest.mark.parametrize('pooling', ['cls', 'mean', 'biencoder', 'group'])
def test_every_trainable_weight_gets_a_gradient(pooling, tokz):
    # DDP fails on a parameter that takes no part in the loss (a mean-pooling model's unused BERT pooler did)
    model = fresh_model(pooling)
    texts = ['A47 abatement', 'A47 act of abating'] if pooling == 'biencoder' else ['A47 [SEP] abatement [SEP] act of abating']
    b = tokz(texts, padding=True, return_tensors='pt')
    kw = dict(slots=torch.zeros_like(b['input_ids'])) if pooling == 'group' else {}  # one target: every token
    model(input_ids=b['input_ids'], attention_mask=b['attention_mask'], **kw).logits.sum().backward()
    assert not [n for n, p in model.named_parameters() if p.requires_grad and p.grad is None]


def test_own_pooling_keeps_the_backbone_working():
    # the unused pooler is frozen, not removed: SqueezeBERT (like LayoutLM) calls it in every forward
    from transformers import SqueezeBertConfig, SqueezeBertModel
    torch.manual_seed(0)
    backbone = SqueezeBertModel(SqueezeBertConfig(vocab_size=100, hidden_size=32, embedding_size=32, num_hidden_layers=1,
                                                  num_attention_heads=4, intermediate_size=64, q_groups=1, k_groups=1,
                                                  v_groups=1, post_attention_groups=1, intermediate_groups=1, output_groups=1))
    model = kit.BiEncoderModel(backbone)
    assert model.kit_pooling == 'biencoder' and not any(p.requires_grad for p in backbone.pooler.parameters())
    ids = torch.randint(5, 100, (4, 6))
    assert model(input_ids=ids, attention_mask=torch.ones_like(ids)).logits.shape == (2, 1)
    assert kit.MeanPoolModel(backbone)(input_ids=ids, attention_mask=torch.ones_like(ids)).logits.shape == (4, 1)


def test_metrics_table_is_printed(small_df, hf, capsys):
    tokz = hf[2]
    df = small_df.iloc[:300]
    dls = kit.get_dls(df, partial(kit.build_inputs), tokz, np.arange(200, 300), batch_size=64)
    kit.get_learner(dls, fresh_model(), progress=False).fit_one_cycle(1, 1e-4)
    out = capsys.readouterr().out.splitlines()
    assert out[0].split() == ['epoch', 'train_loss', 'valid_loss', 'pearson', 'time']
    assert out[1].split()[0] == '0' and len(out[1].split()) == 5


def test_one_cycle_schedule_is_fastais():
    m = kit.one_cycle(100, pct_start=0.25, div=25, div_final=1e5)
    assert m[0] == pytest.approx(1 / 25) and m.argmax() == 25 and m.max() == pytest.approx(1)
    assert m[-1] < 1e-3 and (np.diff(m[:25]) > 0).all() and (np.diff(m[25:]) < 0).all()


def test_layer_groups_and_discriminative_lrs(hf):
    model = fresh_model()
    groups = kit.layer_groups(model)
    assert len(groups) == 8  # embeddings, 6 encoder layers, head
    assert all('embeddings' in n for n in groups[0]) and all('.layer.5.' in n for n in groups[6])
    assert {n.split('.')[0] for n in groups[-1]} == {'bert', 'classifier'} and any('pooler' in n for n in groups[-1])
    lrs = kit._group_lrs(slice(1e-6, 1e-4), len(groups))
    assert lrs[0] == pytest.approx(1e-6) and lrs[-1] == pytest.approx(1e-4)
    assert np.allclose(np.diff(np.log(lrs)), np.log(100) / 7)  # geometric
    learn = kit.Learner(None, model, progress=False)
    learn._make_opt()
    for g in learn.opt.param_groups:  # no weight decay on biases and LayerNorm weights
        assert (g['weight_decay'] == 0) == all(p.ndim == 1 for p in g['params'])


def test_fgm_adds_the_gradient_at_pushed_embeddings_and_puts_them_back(tokz):
    # FGM (recipe key `adv`): the optimizer gets the clean gradient plus the one at embeddings moved by
    # adv * g / |g|, and the embeddings it steps from are the clean ones
    def batch():
        b = tokz(['A47 [SEP] abatement [SEP] act of abating', 'B60 [SEP] wheel [SEP] tyre', 'C01 [SEP] salt [SEP] pepper'],
                 padding=True, return_tensors='pt')
        return dict(input_ids=b['input_ids'], attention_mask=b['attention_mask'], labels=torch.tensor([.5, 1., .25]),
                    weight=torch.ones(3))
    learn = kit.Learner(None, tiny_model(), precision='fp32', adv=0.5, progress=False)
    model, b = learn.model, batch()
    w = model.get_input_embeddings().weight
    w0 = w.detach().clone()
    learn._loss(learn._logits(model, b), b, 3)[1].backward()
    g_clean = {n: p.grad.clone() for n, p in model.named_parameters()}
    learn._fgm([b], 3)  # a batch of one micro-batch
    torch.testing.assert_close(w.detach(), w0, rtol=0, atol=1e-6)  # put back
    g_total = {n: p.grad.clone() for n, p in model.named_parameters()}

    other = kit.Learner(None, tiny_model(), precision='fp32', progress=False).model  # the same weights, by hand
    with torch.no_grad(): other.get_input_embeddings().weight.add_(0.5 * g_clean['bert.embeddings.word_embeddings.weight']
                                                                    / g_clean['bert.embeddings.word_embeddings.weight'].norm())
    learn._loss(learn._logits(other, b), b, 3)[1].backward()
    for n, p in other.named_parameters():
        torch.testing.assert_close(g_total[n], g_clean[n] + p.grad, rtol=1e-4, atol=1e-6)
    assert not torch.allclose(g_total['classifier.weight'], 2 * g_clean['classifier.weight'])  # not the same batch twice
    for bad in (0, -1.0):
        with pytest.raises(ValueError, match='adv'): kit.Learner(None, tiny_model(), adv=bad, progress=False)


def test_precision_follows_the_hardware(monkeypatch):
    monkeypatch.setattr(kit, 'cpu_has_bf16', lambda: True)
    assert kit.amp_dtype('cpu') == torch.bfloat16 and kit.amp_dtype('cpu', use_fp16=False) is None
    monkeypatch.setattr(kit, 'cpu_has_bf16', lambda: False)
    assert kit.amp_dtype('cpu') is None
    with pytest.warns(UserWarning, match='without native bf16'):  # asked for anyway: emulated, many times slower
        assert kit.Learner(None, tiny_model(), device='cpu', precision='bf16', progress=False).amp == torch.bfloat16
    monkeypatch.setattr(torch.cuda, 'get_device_capability', lambda d=None: (7, 5))  # a T4
    assert kit.amp_dtype('cuda') == torch.float16
    monkeypatch.setattr(torch.cuda, 'get_device_capability', lambda d=None: (9, 0))  # an H100
    assert kit.amp_dtype('cuda') == torch.bfloat16


def test_lr_find_suggests_and_restores(small_df, hf):
    tokz = hf[2]
    dls = kit.get_dls(small_df.iloc[:640], partial(kit.build_inputs), tokz, [], batch_size=32)
    learn = kit.get_learner(dls, fresh_model(), progress=False)
    before = {k: v.clone() for k, v in learn.model.state_dict().items()}
    sugg = learn.lr_find(num_it=40, show_plot=False)
    assert set(sugg) == {'minimum', 'steep', 'valley', 'slide'} and all(1e-7 <= v <= 10 for v in sugg.values())
    assert sugg.valley == sugg['valley']
    for k, v in learn.model.state_dict().items(): torch.testing.assert_close(v, before[k], rtol=0, atol=0)
    assert not learn.opt.state  # the optimizer as it was: no moments yet
    res = learn.lr_find_results
    assert res['lrs'][0] == pytest.approx(1e-7) and len(res['losses']) == len(res['lrs'])


def test_suggestion_functions_on_a_known_curve():
    lrs = np.geomspace(1e-6, 1, 90)
    x = np.log10(lrs)
    losses = 1 + 0.5 * np.tanh(-(x + 3.5)) + np.where(x > -1.5, (x + 1.5) ** 2, 0)  # falls around 3e-4, rises after 3e-2
    assert 1e-5 < kit.steep(lrs, losses)[0] < 1e-3
    assert 1e-4 < kit.valley(lrs, losses)[0] < 3e-2
    assert kit.minimum(lrs, losses)[0] == pytest.approx(lrs[np.argmin(losses)] / 10)


def test_save_and_load_round_trip(fitted, small_df, tmp_path):
    df = small_df.iloc[:50]
    p = fitted.predict(df)
    path = fitted.save(tmp_path / 'model')
    meta = json.loads((path / 'kit.json').read_text())
    assert meta['inputs'] == {'sep': ' [SEP] '} and meta['pooling'] == 'mean' and meta['kit_version'] == kit.__version__
    assert (path / 'model.safetensors').is_file() and not list(path.glob('*.bin')) and not list(path.glob('*.pkl'))
    loaded = kit.load_learner(path)
    np.testing.assert_allclose(loaded.predict(df), p, atol=1e-5)
    # into an existing learner too
    other = kit.get_learner(fitted.dls, fresh_model('mean', seed=7), progress=False)
    np.testing.assert_allclose(other.load(path).predict(df), p, atol=1e-5)
    # half-precision weights for a smaller upload still load and predict alike
    half = fitted.save(tmp_path / 'half', dtype=torch.float16)
    assert (half / 'model.safetensors').stat().st_size < 0.6 * (path / 'model.safetensors').stat().st_size
    np.testing.assert_allclose(kit.load_learner(half).predict(df), p, atol=0.02)
    assert not [f for f in tmp_path.iterdir() if f.name.startswith('.')]  # no temporary folders left


def test_write_submission(tmp_path, data_dir):
    _, tst = kit.load_data(data_dir)
    out = tmp_path / 'submission.csv'
    preds = np.linspace(-0.2, 1.2, len(tst))
    sub = kit.write_submission(preds, tst, out)
    back = pd.read_csv(out, dtype={'id': str})
    assert back.id.tolist() == tst.id.tolist() and back.score.between(0, 1).all()
    assert back.score.iloc[0] == 0 and back.score.iloc[-1] == 1 and list(back.columns) == ['id', 'score']
    before = out.read_bytes()
    for bad, match in [(np.r_[preds[:-1], np.nan], 'NaN or inf'), (np.r_[preds[:-1], np.inf], 'NaN or inf'),
                       (preds[:-1], 'predictions for')]:
        with pytest.raises(ValueError, match=match):
            kit.write_submission(bad, tst, out)
    reordered = tst.iloc[::-1].reset_index(drop=True)
    reordered.attrs = tst.attrs
    with pytest.raises(kit.DataError, match='order differs'):
        kit.write_submission(preds, reordered, out)
    assert out.read_bytes() == before  # a refusal never touches the file


def test_a_deberta_architecture_trains_through_the_kit(small_df, hf):
    """deberta-v3's architecture (random weights, tiny) trains through the kit."""
    tokz = hf[2]
    df = small_df.iloc[:400]
    dls = kit.get_dls(df, partial(kit.build_inputs), tokz, np.arange(300, 400), batch_size=32)
    model = tiny_model('deberta')
    learn = kit.get_learner(dls, model, progress=False)
    learn.fit_one_cycle(1, 1e-3)
    assert np.isfinite(learn.history.train_loss).all()
    assert len(kit.layer_groups(model)) == 4  # embeddings (+ relative embeddings), 2 layers, head


@pytest.mark.parametrize('buckets', [256, 8])  # 8: lengths beyond 4 use log buckets
def test_deberta_speedups_keep_the_maths(hf, monkeypatch, buckets):
    """The windowed, broadcast disentangled attention gives transformers' own outputs and gradients."""
    from transformers.models.deberta_v2 import modeling_deberta_v2 as m
    kit.deberta_speedups()
    if not getattr(m.build_relative_position, '_kit', False):  # older DeBERTa code (transformers < 4.45) is left alone
        import transformers
        pytest.skip(f'deberta_speedups leaves the DeBERTa code of transformers {transformers.__version__} as it is')
    assert m.DisentangledSelfAttention.disentangled_attention_bias._kit and m.build_relative_position._kit
    tokz = hf[2]
    b = tokz(['A47 [SEP] abatement [SEP] act of abating pollution control', 'H01 [SEP] wet etching [SEP] dry'],
             padding=True, return_tensors='pt')
    def run():
        model = tiny_model('deberta', seed=3)
        model.config.position_buckets = buckets
        for mod in model.modules():
            if isinstance(mod, m.DisentangledSelfAttention): mod.position_buckets = mod.pos_ebd_size = buckets
        model.deberta.encoder.position_buckets = buckets
        out = model(input_ids=b['input_ids'], attention_mask=b['attention_mask']).logits
        out.sum().backward()
        return out.detach(), {n: p.grad.clone() for n, p in model.named_parameters() if p.grad is not None}
    fast_out, fast_grads = run()
    monkeypatch.setattr(m.DisentangledSelfAttention, 'disentangled_attention_bias',
                        m.DisentangledSelfAttention.disentangled_attention_bias._original)
    monkeypatch.setattr(m, 'build_relative_position', m.build_relative_position._original)
    ref_out, ref_grads = run()
    torch.testing.assert_close(fast_out, ref_out, rtol=1e-5, atol=1e-6)
    assert fast_grads.keys() == ref_grads.keys()
    for n in ref_grads: torch.testing.assert_close(fast_grads[n], ref_grads[n], rtol=1e-4, atol=1e-6)


# --- the training step's phases: forward, get_loss, backward (FGM, accumulation), opt_step ---------------------------
TINY_STEP = make_pairs(16, 10, seed=7)


def _one_batch_grads(tokz, loss, accum, dropout=0.0, seed=0):
    """The gradients of one 24-row training batch, as the Learner's backward phase leaves them (float64: exact up to
    rounding far below any real difference)."""
    df = make_pairs(8, 3, seed=3)
    dls = kit.get_dls(df, kit.build_inputs, tokz, [], batch_size=24)
    learn = kit.Learner(dls, tiny_model(seed=seed, dropout=dropout).double(), loss=loss, precision='fp32',
                        accum=accum, progress=False)
    learn._make_opt()
    pos = dls.train.batches(0)[0]
    micro = learn._micro(dls.train, pos, {})
    torch.manual_seed(123)  # the dropout masks start from the same state
    s = learn.backward(micro, len(pos))
    return micro, s, {n: p.grad.clone() for n, p in learn.model.named_parameters() if p.grad is not None}


@pytest.mark.parametrize('loss', ['mse', 'bce', 'pearson'])
def test_accumulated_micro_batches_give_the_whole_batch_gradient(tokz, loss):
    whole_b, s1, whole = _one_batch_grads(tokz, loss, accum=1)
    micro, s4, acc = _one_batch_grads(tokz, loss, accum=4)
    assert len(whole_b) == 1 and len(micro) == 4 and sum(len(b['labels']) for b in micro) == 24
    assert float(s4) == pytest.approx(float(s1), rel=1e-5)  # the loss sum the progress bar and history see
    assert whole.keys() == acc.keys()
    for n in whole: torch.testing.assert_close(acc[n], whole[n], rtol=1e-9, atol=1e-12)


def test_pearson_accumulation_replays_each_micro_batch_dropout(tokz):
    # with dropout, a micro-batch run twice (scores first, gradient second) must see the same masks: the gradient is
    # then the one of all micro-batches scored in one graph, in the same order, with the batch's Pearson loss
    micro, s, acc = _one_batch_grads(tokz, 'pearson', accum=3, dropout=0.3)
    learn = kit.Learner(None, tiny_model(seed=0, dropout=0.3).double(), loss='pearson', precision='fp32', progress=False)
    learn.model.train()
    torch.manual_seed(123)
    scores = torch.cat([learn.forward(b) for b in micro])
    whole = {k: torch.cat([b[k] for b in micro]) for k in ('labels', 'weight')}
    learn.get_loss(scores, whole, 24)[1].backward()
    for n, p in learn.model.named_parameters():
        if n in acc: torch.testing.assert_close(acc[n], p.grad, rtol=1e-9, atol=1e-12)


def test_a_fit_with_accumulation_trains_like_the_whole_batch(tokz):
    def fit(accum):
        dls = kit.get_dls(TINY_STEP, kit.build_inputs, tokz, np.arange(40), batch_size=16)
        learn = kit.get_learner(dls, tiny_model(), precision='fp32', accum=accum, progress=False)
        learn.fit_one_cycle(2, 1e-3)
        return learn
    one, three = fit(1), fit(3)
    np.testing.assert_allclose(three.history[['train_loss', 'valid_loss']].values,
                               one.history[['train_loss', 'valid_loss']].values, rtol=1e-4)
    np.testing.assert_allclose(three.get_preds(), one.get_preds(), atol=1e-5)
    with pytest.raises(ValueError, match='accum'): kit.Learner(None, tiny_model(), accum=0, progress=False)


def test_a_phase_can_be_replaced_by_a_subclass(tokz):
    class Huber(kit.Learner):
        """The step's loss phase swapped for a Huber loss; forward, backward and the optimizer step stay the kit's."""
        def get_loss(self, logits, b, n_global):
            per_row = torch.nn.functional.huber_loss(logits, b['labels'], reduction='none', delta=0.1) * b['weight']
            return per_row.sum(), per_row.sum() * (self.world / n_global)
    dls = kit.get_dls(TINY_STEP, kit.build_inputs, tokz, np.arange(40), batch_size=16)
    learn = Huber(dls, tiny_model(), precision='fp32', progress=False)
    learn.fit_one_cycle(1, 1e-3)
    plain = kit.get_learner(kit.get_dls(TINY_STEP, kit.build_inputs, tokz, np.arange(40), batch_size=16), tiny_model(),
                            precision='fp32', progress=False)
    plain.fit_one_cycle(1, 1e-3)
    assert learn.history.train_loss.iloc[0] < 0.5 * plain.history.train_loss.iloc[0]  # Huber(0.1) < MSE on these errors


def test_plot_loss_shows_the_loss_and_the_learning_rate(fitted):
    import matplotlib
    matplotlib.use('Agg')
    ax = fitted.plot_loss()
    assert list(ax.lines[0].get_ydata()) == fitted.losses
    assert list(ax.lr_axis.lines[0].get_ydata()) == fitted.lrs and max(fitted.lrs) > 10 * min(fitted.lrs)  # one cycle
    assert 'lr (top group)' in [t.get_text() for t in ax.get_legend().get_texts()]


def test_a_fit_that_does_not_learn_says_so(tokz):
    def fit(lr):
        dls = kit.get_dls(make_pairs(40, 20, seed=7), kit.build_inputs, tokz, np.arange(80), batch_size=16)
        learn = kit.get_learner(dls, tiny_model(), precision='fp32', progress=False)
        rows = []
        learn.fit_one_cycle(1, lr, on_epoch=rows.append)
        return rows
    with pytest.warns(UserWarning, match='not learning: the training loss did not fall.*--lr'): fit(1e-9)
    with pytest.warns(UserWarning, match='not learning: it scores every validation pair alike'): fit(1.0)  # diverged
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        rows = fit(3e-3)
    assert [r['epoch'] for r in rows] == [0]  # on_epoch saw the epoch's metrics row


def test_a_fit_that_collapses_after_its_first_epoch_is_called_diverged(tokz, monkeypatch):
    row = lambda e, loss, r: dict(epoch=e, train_loss=loss, valid_loss=loss, pearson=r)
    # recipe `group` on all-mpnet-base-v2 at lr 6e-4, anchor fold 0: it learned a little, then predicted near-constants
    collapsed = [row(0, 0.6123, 0.2057), row(1, 0.9990, 0.0643)]
    assert 'the training loss rose (0.6123 -> 0.999)' in kit._diverged(collapsed)
    walkthrough = [row(0, 0.0602, 0.6723), row(1, 0.0331, 0.7196), row(2, 0.0224, 0.7400), row(3, 0.0163, 0.7438)]
    assert not any(kit._diverged(walkthrough[:i]) for i in range(1, 5))
    assert kit._diverged([row(0, 0.050, 0.70), row(1, 0.051, 0.69)]) is None  # a wobble is not a collapse
    # and fit_one_cycle says so after each later epoch that looks like one
    monkeypatch.setattr(kit, '_diverged', lambda hist: 'it collapsed' if len(hist) == 2 else None)
    dls = kit.get_dls(make_pairs(40, 20, seed=7), kit.build_inputs, tokz, np.arange(80), batch_size=16)
    learn = kit.get_learner(dls, tiny_model(), precision='fp32', progress=False)
    with pytest.warns(UserWarning, match='the fit diverged: it collapsed at lr_max 0.003.*--lr'):
        learn.fit_one_cycle(2, 3e-3)


def test_top_losses_and_show_results_name_the_worst_rows(fitted):
    top = fitted.top_losses(5)
    assert list(top.columns) == ['anchor', 'target', 'context', 'score', 'pred', 'error'] and len(top) == 5
    assert top.error.is_monotonic_decreasing
    preds = fitted.get_preds()
    assert top.error.iloc[0] == pytest.approx(np.abs(preds - fitted.dls.valid.labels).max(), abs=1e-6)
    shown = fitted.show_results(3)
    assert list(shown.columns) == ['text', 'score', 'pred'] and len(shown) == 3
    np.testing.assert_allclose(shown.pred, preds[:3], atol=5e-3)  # other batch shapes: bf16 rounds otherwise

"""Input builders, special tokens, and the three walkthrough bugs the kit does not copy."""
import pandas as pd
import pytest
import torch

import kit

DF = pd.DataFrame(dict(id=['a', 'b', 'c'], anchor=['Abatement', 'Abatement', 'Wet Etching'],
                       target=['Act Of Abating', 'Rubber', 'Dry Etching'], context=['A47', 'F16', 'H01'],
                       score=[0.75, 0.0, 0.5]))
DF['section'] = DF.context.str[0]


def test_default_layout():
    assert kit.build_inputs(DF, sep=' [SEP] ')[0] == 'A47 [SEP] Abatement [SEP] Act Of Abating'
    assert kit.build_inputs(DF, sep=' [s] ')[2] == 'H01 [s] Wet Etching [s] Dry Etching'


def test_lower_case_is_applied_but_the_separator_is_kept():
    # walkthrough bug 1: its lower_case argument was ignored, so the "lower-case" experiment changed nothing
    plain, lower = kit.build_inputs(DF, sep=' [SEP] '), kit.build_inputs(DF, sep=' [SEP] ', lower_case=True)
    assert plain != lower
    assert lower[0] == 'a47 [SEP] abatement [SEP] act of abating'


def test_section_tokens_are_per_row():
    # walkthrough bug 2: f'[{train_df.section}]' made one string out of the whole Series
    texts = kit.build_inputs(DF, sep=' [SEP] ', section_tokens=True)
    assert [t.split(' ')[0] for t in texts] == ['[A]', '[F]', '[H]']
    assert texts[1] == '[F] [SEP] F16 [SEP] Abatement [SEP] Rubber'
    assert all('\n' not in t and 'Name:' not in t for t in texts)


def test_pairs_for_a_bi_encoder():
    # a bi-encoder embeds each side on its own, so each row is two texts, both with the context
    assert kit.build_inputs(DF, sep=' ', pair=True)[0] == ('A47 Abatement', 'A47 Act Of Abating')
    assert kit.build_inputs(DF, sep=' ', pair=True, section_tokens=True, lower_case=True)[2] == \
        ('[H] h01 wet etching', '[H] h01 dry etching')
    with pytest.raises(ValueError, match='group_targets'): kit.build_inputs(DF, pair=True, group_targets='anchor')


def test_context_titles_and_grouped_targets():
    cmap = {'A47': 'HUMAN NECESSITIES. FURNITURE', 'F16': 'MECHANICAL. ENGINEERING ELEMENTS', 'H01': 'ELECTRICITY. BASIC ELEMENTS'}
    t = kit.build_inputs(DF, sep=' | ', context_map=cmap)
    assert t[0] == 'HUMAN NECESSITIES. FURNITURE | Abatement | Act Of Abating'
    g = kit.build_inputs(DF, sep=' | ', group_targets='anchor')
    assert g[0].endswith(' | Rubber') and g[1].endswith(' | Act Of Abating')  # the others, not itself
    assert g[2].endswith(' | ')  # an anchor with one target has nothing to add
    with pytest.raises(kit.DataError, match='context_map has no text'):
        kit.build_inputs(DF, context_map={'A47': 'x'})


def test_cpc_titles_read_both_layouts(tmp_path):
    (tmp_path / 'context_texts.csv').write_text('context,section,section_title,class_title,text\nA47,A,HUMAN,FURNITURE,HUMAN. FURNITURE\n')
    assert kit.load_cpc_texts(tmp_path / 'context_texts.csv') == {'A47': 'HUMAN. FURNITURE'}
    (tmp_path / 'titles.csv').write_text('code,title,section,class,subclass,group,main_group\nA,HUMAN NECESSITIES,A,,,,\n'
                                         'A47,FURNITURE,A,47,,,\nA47B,TABLES,A,47,B,,\n')
    assert kit.load_cpc_texts(tmp_path / 'titles.csv') == {'A47': 'HUMAN NECESSITIES. FURNITURE'}


def test_add_special_tokens_initialises_every_new_row():
    # walkthrough bug 3: it zeroed the single row at -len(tokenizer) and left the other new rows random
    _, _, tokz, model = kit.get_hf_objects(seed=0)
    old = model.get_input_embeddings().weight.detach().clone()
    toks = kit.section_tokens()
    ids = kit.add_special_tokens(tokz, model, toks)
    W = model.get_input_embeddings().weight.detach()
    assert len(ids) == len(toks) and W.shape[0] >= len(tokz)
    mean = old[:len(tokz) - len(toks)].mean(0)
    for i in ids: torch.testing.assert_close(W[i], mean)
    assert W[ids].abs().sum() > 0  # not zeros
    torch.testing.assert_close(W[:old.shape[0]][[i for i in range(old.shape[0]) if i not in ids]],
                               old[[i for i in range(old.shape[0]) if i not in ids]])
    enc = tokz('[A] [SEP] A47')['input_ids']
    assert ids[0] in enc  # "[A]" is one token now
    assert kit.add_special_tokens(tokz, model, toks) == []  # adding again is a no-op


def test_add_special_tokens_on_a_mean_pool_model():
    _, _, tokz, model = kit.get_hf_objects(seed=0, pooling='mean')
    ids = kit.add_special_tokens(tokz, model, ['[Q]'])
    assert model.get_input_embeddings().weight.shape[0] > ids[0]

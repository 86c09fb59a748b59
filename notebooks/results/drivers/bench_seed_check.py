# The seed check behind README's AVX2 bench note: the kit on bench.py's --rows 9000 subset, 2 epochs, lr 8e-5,
# seeds 42/43 with the kit's Adam (eps 1e-5, beta2 0.99) and seed 42 with the Trainer's (eps 1e-8, beta2 0.999).
import sys, time, kit, numpy as np
from functools import partial
df,_ = kit.load_data()
keep = df.anchor.isin(df.anchor.unique()[:max(1, int(df.anchor.nunique() * 9000 / len(df)))])
sub = df[keep].reset_index(drop=True)
trn, val = kit.anchor_split(sub); print(len(trn), len(val))
for eps, betas, seed in [(1e-5, (0.9, 0.99), 42), (1e-5, (0.9, 0.99), 43), (1e-8, (0.9, 0.999), 42)]:
    kit.ADAM_EPS, kit.ADAM_BETAS = eps, betas
    arch, cfg, tokz, model = kit.get_hf_objects(seed=seed)
    dls = kit.get_dls(sub, partial(kit.build_inputs, sep=f' {tokz.sep_token} '), tokz, val, trn_idxs=trn, batch_size=128, seed=seed)
    learn = kit.get_learner(dls, model, progress=False, seed=seed)
    t=time.time(); learn.fit_one_cycle(2, 8e-5)
    print('eps', eps, 'betas', betas, 'seed', seed, 'pearson', learn.history.pearson.round(4).tolist(), f'{time.time()-t:.0f}s', flush=True)
    kit.free_memory(learn)

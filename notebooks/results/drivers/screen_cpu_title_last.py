# CPU: does the CPC title help when it goes last (anchor [SEP] target [SEP] title) instead of first? 'best' otherwise.
import json, time, numpy as np, pandas as pd, kit
from functools import partial
from pathlib import Path
out = Path('runs/cpu2'); log = out / 'screen.jsonl'
df, _ = kit.load_data()
held = kit.read_pairs('/work/shared/data/google/validation.csv', scored=True)
trn, val = kit.anchor_split(df)
titles = kit.load_cpc_texts()

def title_last(d, sep):
    return (d.anchor.astype(str) + sep + d.target.astype(str) + sep + d.context.astype(str).map(titles)).tolist()

done = {(d['name'], d['seed']) for d in map(json.loads, open(log))} if log.is_file() else set()
for seed in (42, 43):
    name = 'best_title_last'
    if (name, seed) in done: continue
    r = kit.resolve_recipe('best', seed=seed)
    t0 = time.time()
    _, _, tokz, model = kit.get_hf_objects(None, pooling=r['pooling'], seed=seed)
    dls = kit.get_dls(df, partial(title_last, sep=f' {tokz.sep_token} '), tokz, val, batch_size=r['batch_size'], seed=seed, trn_idxs=trn)
    learn = kit.get_learner(dls, model, weight_decay=r['weight_decay'], seed=seed, loss=r['loss'], progress=False, recipe=r)
    kit.fit_recipe(learn, r)
    np.save(out / f'held-{name}-s{seed}.npy', learn.predict(held))
    np.save(out / f'val-{name}-s{seed}.npy', learn.get_preds())
    d = dict(name=name, seed=seed, pearson=float(learn.history.pearson.iloc[-1]), time=time.time() - t0)
    kit.append_jsonl(log, d); print(d, flush=True)
    kit.free_memory(learn)

# CPU screen of 'best' and its neighbours on the anchor split (seeds 42, 43); held-out predictions stored, scored later.
import json, time, sys, numpy as np, kit
from pathlib import Path
out = Path('runs/cpu2'); log = out / 'screen.jsonl'
df, _ = kit.load_data()
held = kit.read_pairs('/work/shared/data/google/validation.csv', scored=True)
trn, val = kit.anchor_split(df)
B = kit.RECIPES['best']
cands = {
    'walkthrough': kit.RECIPES['walkthrough'],
    'best': B,
    'best_lr1e-3': dict(B, lr=1e-3),
    'best_section': dict(B, inputs=dict(B['inputs'], section_tokens=True)),
}
done = {(d['name'], d['seed']) for d in map(json.loads, open(log))} if log.is_file() else set()
for seed in (42, 43):
    for name, r in cands.items():
        if (name, seed) in done: continue
        r = kit.resolve_recipe(r, seed=seed)
        t0 = time.time()
        learn = kit.make_learner(r, df, val_idxs=val, trn_idxs=trn, progress=False)
        kit.fit_recipe(learn, r)
        np.save(out / f'held-{name}-s{seed}.npy', learn.predict(held))
        np.save(out / f'val-{name}-s{seed}.npy', learn.get_preds())
        d = dict(name=name, seed=seed, pearson=float(learn.history.pearson.iloc[-1]), time=time.time() - t0)
        kit.append_jsonl(log, d); print(d, flush=True)
        kit.free_memory(learn)

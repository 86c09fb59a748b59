# CPU screen, session 2026-11-27: symmetric (anchor/target swapped) training + test-time averaging, more epochs.
# Anchor split, seeds 42/43; held-out predictions are saved and scored only at the very end.
import json, time, sys, numpy as np, pandas as pd, kit
from pathlib import Path
out = Path('runs/cpu3'); log = out / 'screen.jsonl'
df, _ = kit.load_data()
held = kit.read_pairs('/work/shared/data/google/validation.csv', scored=True)
trn, val = kit.anchor_split(df)
def swapped(d): return d.assign(anchor=d.target.values, target=d.anchor.values)
B = kit.RECIPES['best']
cands = {  # name: (recipe, swap-augmented training)
    'best_swap_e2': (dict(B, epochs=2), True),   # same number of steps as best (4 epochs of half the rows)
    'best_e6': (dict(B, epochs=6), False),
    'best_swap_e3': (dict(B, epochs=3), True),
    'best_grouped': (dict(B, inputs=dict(B['inputs'], group_targets='anchor_context', group_max_chars=200)), False),
    'best_e3': (dict(B, epochs=3), False),
    'best_bs64': (dict(B, batch_size=64), False),
    'best_drop0': (dict(B, dropout=0.0), False),
}
only = sys.argv[1].split(',') if len(sys.argv) > 1 else list(cands)
done = {(d['name'], d['seed']) for d in map(json.loads, open(log))} if log.is_file() else set()
for seed in (42, 43):
    for name in only:
        r, swap = cands[name]
        if (name, seed) in done: continue
        r = kit.resolve_recipe(r, seed=seed)
        t0 = time.time()
        if swap:
            d2 = pd.concat([df, swapped(df)], ignore_index=True)
            learn = kit.make_learner(r, d2, val_idxs=val, trn_idxs=np.concatenate([trn, trn + len(df)]), progress=False)
        else:
            learn = kit.make_learner(r, df, val_idxs=val, trn_idxs=trn, progress=False)
        kit.fit_recipe(learn, r)
        v = learn.get_preds(); vs = learn.predict(swapped(df.iloc[val]))
        h = learn.predict(held); hs = learn.predict(swapped(held))
        for k, a in dict(val=v, vals=vs, held=h, helds=hs).items(): np.save(out / f'{k}-{name}-s{seed}.npy', a)
        y = df.score.values[val]
        d = dict(name=name, seed=seed, pearson=float(learn.history.pearson.iloc[-1]), pearson_swapped=kit.pearson(vs, y),
                 pearson_tta=kit.pearson((v + vs) / 2, y), time=time.time() - t0, hist=learn.history.pearson.round(4).tolist())
        kit.append_jsonl(log, d); print(d, flush=True)
        kit.free_memory(learn)

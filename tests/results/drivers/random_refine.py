# Does the refiner help on anchors seen in training (the competition's hidden test, where `kit.py predict` refines by
# default)? On random_split.py's random 75/25 row split: the refiner fitted on the validation rows' predictions (each
# recipe alone and the NNLS blend), nested over 4 anchor folds of those rows, against the plain predictions.
# `python random_refine.py SEED` (after random_split.py for that seed) -> tests/results/random-refine.jsonl
import json, sys, numpy as np, kit
from pathlib import Path
seed = int(sys.argv[1]) if len(sys.argv) > 1 else 42
df, _ = kit.load_data()
perm = np.random.default_rng(seed).permutation(len(df)); val = np.sort(perm[:len(df) // 4])
vdf = df.iloc[val].reset_index(drop=True); y = vdf.score.values
P = {f.name.split('-s')[0]: np.load(f).astype(np.float64) for f in sorted(Path('runs/random').glob(f'*-s{seed}-val.npy'))}
folds = kit.anchor_folds(vdf, 4, seed=42)
emb = kit.phrase_embeddings(list(vdf.anchor) + list(vdf.target))
res = dict(seed=seed, rows=len(vdf), mean_rows_per_anchor=float(vdf.groupby('anchor').size().mean()), plain={}, refined={})
cands = dict(P)
if len(P) > 1:
    w = kit.blend(P, y, folds)['weights']
    cands['+'.join(P)] = sum(w[n] * P[n] for n in P)   # weights fitted on all these rows: the blend is a touch optimistic
for n, p in cands.items():
    rf = kit.fit_refiner(vdf, p, folds, emb=emb)
    res['plain'][n], res['refined'][n] = rf['pearson_before'], rf['nested_pearson']
print(json.dumps(res, indent=1, default=float))
with open('tests/results/random-refine.jsonl', 'a') as f: f.write(json.dumps(res, default=float) + '\n')

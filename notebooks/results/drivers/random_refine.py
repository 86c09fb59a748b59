# Does the refiner help on anchors seen in training (the competition's hidden test)? On random_split.py's random 75/25
# row split, two refiners on the validation rows' predictions (each recipe alone and blends):
#  - `seen_nested`: fitted on those seen-anchor predictions themselves, nested over 4 anchor folds of the rows;
#  - `fold_refiner`: the kit's own, fitted on the 4 anchor folds' out-of-fold predictions of all train.csv (runs/cvg,
#    cv_group.py; blends with the weights cv_group_report.py fitted there), as `kit.py predict` would apply it
#    (refine(..., seen=True): the kit now leaves seen anchors alone because of what this measures).
# `python random_refine.py SEED` (after random_split.py for that seed) -> notebooks/results/random-refine.jsonl
import json, sys, numpy as np, kit
from pathlib import Path
seed = int(sys.argv[1]) if len(sys.argv) > 1 else 42
df, _ = kit.load_data()
perm = np.random.default_rng(seed).permutation(len(df)); val = np.sort(perm[:len(df) // 4])
vdf = df.iloc[val].reset_index(drop=True); y = vdf.score.values
P = {f.name.split('-s')[0]: np.load(f).astype(np.float64) for f in sorted(Path('runs/random').glob(f'*-s{seed}-val.npy'))}
folds, vfolds = kit.anchor_folds(df, 4, seed=42), kit.anchor_folds(vdf, 4, seed=42)
emb = kit.phrase_embeddings(list(df.anchor) + list(df.target))
runs = {r['name']: r for r in kit.read_log('runs/cvg')}
oof = {n: kit.load_run('runs/cvg', runs[n]['run_id'])['oof'] for n in ('group', 'best', 'biencoder')}
cvb = json.load(open('notebooks/results/cv-group.json'))['blends']
members = {n: {n: 1.0} for n in P} | {k: cvb[k]['weights'] for k in ('group+best', 'group+best+biencoder')}
res = dict(seed=seed, rows=len(vdf), mean_rows_per_anchor=float(vdf.groupby('anchor').size().mean()), results={})
for name, w in members.items():
    if not set(w) <= set(P): continue
    p = sum(w[n] * P[n] for n in w)
    seen_rf = kit.fit_refiner(vdf, p, vfolds, emb=emb)
    fold_rf = kit.fit_refiner(df, sum(w[n] * oof[n] for n in w), emb=emb)
    res['results'][name] = dict(plain=kit.pearson(p, y), seen_nested=seen_rf['nested_pearson'],
                                fold_refiner=kit.pearson(kit.refine(vdf, p, fold_rf, emb=emb, seen=True), y))
if len(P) > 1:  # the blend's weights fitted on these rows, nested over random folds as random_split.py does
    res['own_weights_nested'] = kit.blend(P, y, np.random.default_rng(seed).integers(0, 4, len(val)))['nested_pearson']
print(json.dumps(res, indent=1, default=float))
with open('notebooks/results/random-refine.jsonl', 'a') as f: f.write(json.dumps(res, default=float) + '\n')

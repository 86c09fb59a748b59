# After `backbones_cv.py` (runs/cvb): each finished member's out-of-fold and google/validation.csv predictions are kept
# in notebooks/results/cvb/NAME.npz (so a later session adds members without refitting these), then every combination
# of the kept members is blended (NNLS nested over the 4 anchor folds) and refined, chosen on the folds, and scored once
# on google/validation.csv (fold ensembles). -> notebooks/results/backbones-cv.json
from blends import blend_and_refine
import itertools, json, numpy as np, pandas as pd, kit
from pathlib import Path
out, keep = Path('runs/cvb'), Path('notebooks/results/cvb')
keep.mkdir(exist_ok=True)
df, _ = kit.load_data(); y = df.score.values
google = kit.read_pairs(kit.data_path().parent / 'google' / 'validation.csv', scored=True); yg = google.score.values
for r in kit.read_log(out):
    p = kit.load_run(out, r['run_id'])
    np.savez_compressed(keep / f"{r['name']}.npz", oof=p['oof'].astype(np.float32),
                        google=p['test_preds'].astype(np.float32), folds=np.array(r['fold_pearson']),
                        train_time=r['train_time'], run_id=r['run_id'])
R = {f.stem: dict(np.load(f)) for f in sorted(keep.glob('*.npz'))}
for n in R: R[n]['test_preds'] = R[n].pop('google')
folds = kit.anchor_folds(df, 4, seed=42)
emb = kit.phrase_embeddings(list(df.anchor) + list(df.target) + list(google.anchor) + list(google.target))
combos = [list(c) for k in range(1, len(R) + 1) for c in itertools.combinations(sorted(R), k)]
res = dict(cv={n: dict(folds=R[n]['folds'].tolist(), oof=kit.pearson(R[n]['oof'], y), train_time=float(R[n]['train_time']))
               for n in R})
res['blends'], held = blend_and_refine(R, combos, df, folds, emb, google)
res['chosen'] = max(res['blends'], key=lambda k: res['blends'][k]['refined_nested'])   # on the folds, not google
res['held_out'] = {k: kit.pearson(v, yg) for k, v in held.items()}   # the one look at google/validation.csv
print(pd.DataFrame(res['cv']).T.round(4).to_string())
print(pd.DataFrame(res['blends']).T.drop(columns='weights').round(4).to_string())
print('chosen on the folds:', res['chosen']); print(pd.Series(res['held_out']).round(4).to_string())
with kit.atomic_write('notebooks/results/backbones-cv.json') as f: json.dump(res, f, indent=1, default=float)

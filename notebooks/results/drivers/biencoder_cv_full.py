# The final-submission path with the bi-encoder as a member: `biencoder` (or the RECIPES name in argv[1]) cross-validated on the same 4 anchor folds as `best` (cv_best_calibrated.py), blend
# weights fitted on the out-of-fold predictions (best + bi-encoder + zero-shot cosine), then the same recipe retrained
# on every row. google/validation.csv is scored once, at the end, with weights fixed before it was looked at.
import json, sys, time, numpy as np, kit
from pathlib import Path
name = sys.argv[1] if len(sys.argv) > 1 else 'biencoder'
recipe = kit.RECIPES
out = Path('runs/cpu4'); df, _ = kit.load_data(); y = df.score.values
google = kit.read_pairs('/work/shared/data/google/validation.csv', scored=True); yg = google.score.values
folds = kit.anchor_folds(df, 4, seed=42)
res = kit.cross_validate(df, recipe[name], 4, out=out / 'cv', name=name, folds=folds, test_df=google, progress=False)
best = kit.load_run('runs/cpu3/cv', 'best-s42-a6ebbe4d')
cos_oof, cos_g = kit.sentence_similarity(df), kit.sentence_similarity(google)
oofs = {'best': best['oof'], name: res['oof'], 'cosine': cos_oof}
blends = {'+'.join(c): kit.blend({k: oofs[k] for k in c}, y, folds) for c in (['best', 'cosine'], ['best', name], ['best', name, 'cosine'])}
t0 = time.time(); f = out / f'held-{name}-full-s42.npy'
if not f.is_file():
    learn = kit.retrain_full(df, recipe[name], out=out / f'{name}-full', progress=False); np.save(f, learn.predict(google))
full_time = time.time() - t0
# google, only now: fold ensembles and full-data retrains (5 seeds of `best`, cv_best_calibrated.py/full_seeds*.py)
fold = {'best': best['test_preds'], name: res['test_preds'], 'cosine': cos_g}
best_full = np.mean([kit.load_learner('runs/exp/best-full').predict(google)] + [np.load(f'runs/cpu3/held-best-full-s{s}.npy') for s in (43, 44, 45, 46)], 0)
full = {'best': best_full, name: np.load(f), 'cosine': cos_g}
def score(preds, w): return kit.pearson(sum(w[k] * preds[k] for k in w), yg)
r = dict(name=name, oof=res['oof_pearson'], folds=res['fold_pearson'], cv_time=res['train_time'], full_time=full_time,
         blends={k: dict(weights=b['weights'], oof=b['blend_pearson'], nested=b['nested_pearson']) for k, b in blends.items()},
         google=dict(single_fold_ensemble={k: kit.pearson(v, yg) for k, v in fold.items()},
                     single_full={k: kit.pearson(v, yg) for k, v in full.items()},
                     fold_blends={k: score(fold, b['weights']) for k, b in blends.items()},
                     full_blends={k: score(full, b['weights']) for k, b in blends.items()}))
print(json.dumps(r, indent=1, default=float)); json.dump(r, open(out / f'cv-full-{name}.json', 'w'), indent=1, default=float)

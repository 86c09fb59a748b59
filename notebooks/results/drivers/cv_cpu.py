# CPU: cross-validate 'best' and 'walkthrough' on 4 anchor folds, blend them, retrain 'best' on every row;
# google/validation.csv is predicted along the way and scored only at the end.
import json, time, numpy as np, pandas as pd, kit
df, test_df = kit.load_data()
google = kit.read_pairs('/work/shared/data/google/validation.csv', scored=True)
folds = kit.anchor_folds(df, 4, seed=42)
res = {}
for name in ('best', 'walkthrough'):
    res[name] = kit.cross_validate(df, name, 4, out='runs/exp', folds=folds, test_df=google)
ens = kit.blend({k: r['oof'] for k, r in res.items()}, df.score.values, folds)
t0 = time.time()
full = kit.retrain_full(df, 'best', out='runs/exp/best-full')
full_time = time.time() - t0
g_full = full.predict(google)
w = np.array([ens['weights'][k] for k in res])
g_blend = np.column_stack([res[k]['test_preds'] for k in res]) @ w
out = dict(
    oof={k: r['oof_pearson'] for k, r in res.items()}, folds={k: r['fold_pearson'] for k, r in res.items()},
    cv_time={k: r['train_time'] for k, r in res.items()}, blend=ens,
    google_fold_ensemble={k: kit.pearson(r['test_preds'], google.score) for k, r in res.items()},
    google_blend=kit.pearson(g_blend, google.score), google_best_full=kit.pearson(g_full, google.score),
    full_time=full_time)
json.dump(out, open('runs/exp/summary.json', 'w'), indent=1, default=float)
print(json.dumps(out, indent=1, default=float))

# `best` cross-validated on all of train.csv (4 anchor folds, seed 42), predicting google/validation.csv with every fold
# model; the refiner fitted on the out-of-fold predictions (nested over the folds), then, once, applied to the fold
# ensemble's held-out predictions. What `kit.py train --folds 4` + `kit.py predict` do.
import json, sys, numpy as np, pandas as pd, kit
df, _ = kit.load_data()
google = kit.read_pairs('/work/shared/data/google/validation.csv', scored=True)
res = kit.cross_validate(df, 'best', 4, out='runs/cvr', test_df=google, progress=False)
emb = kit.phrase_embeddings(pd.concat([df, google]).pipe(lambda d: list(d.anchor) + list(d.target)))
rf = kit.fit_refiner(df, res['oof'], res['folds'], emb=emb)
h = res['test_preds']
out = dict(fold_pearson=res['fold_pearson'], oof=res['oof_pearson'], oof_refined_nested=rf['nested_pearson'],
           weights=dict(zip(rf['features'] + ['intercept'], rf['weights'])), train_time=res['train_time'],
           held_fold_ensemble=kit.pearson(h, google.score), held_fold_ensemble_refined=kit.pearson(kit.refine(google, h, rf, emb=emb), google.score))
print(json.dumps(out, indent=1, default=float))
json.dump(out, open('notebooks/results/cv-refine.json', 'w'), indent=1, default=float)

# 'best' cross-validated again with the current kit (Pearson-loss models calibrated onto the score scale, so blend
# weights fitted on its out-of-fold predictions transfer to the full-data retrains). Then the final-submission path:
# 3 seeds of `best` retrained on every row, averaged, blended with the zero-shot cosine by the OOF weights.
import json, numpy as np, kit
df, _ = kit.load_data(); google = kit.read_pairs('/work/shared/data/google/validation.csv', scored=True)
folds = kit.anchor_folds(df, 4, seed=42)
res = kit.cross_validate(df, 'best', 4, out='runs/cpu3/cv', folds=folds, test_df=google, progress=False)
cos_oof, cos_g = kit.sentence_similarity(df), kit.sentence_similarity(google)
b = kit.blend({'best': res['oof'], 'cosine': cos_oof}, df.score.values, folds)
w = b['weights']
full = np.mean([kit.load_learner('runs/exp/best-full').predict(google)] + [np.load(f'runs/cpu3/held-best-full-s{s}.npy') for s in (43, 44)], 0)
y = google.score.values
out = dict(oof=res['oof_pearson'], folds=res['fold_pearson'], cv_time=res['train_time'], oof_std=float(res['oof'].std()),
           blend=b, google=dict(fold_ensemble=kit.pearson(res['test_preds'], y),
                                fold_ensemble_cosine=kit.pearson(w['best'] * res['test_preds'] + w['cosine'] * cos_g, y),
                                full_3_seeds=kit.pearson(full, y),
                                full_3_seeds_cosine=kit.pearson(w['best'] * full + w['cosine'] * cos_g, y)))
print(json.dumps(out, indent=1, default=float)); json.dump(out, open('runs/cpu3/cv_best2.json', 'w'), indent=1, default=float)

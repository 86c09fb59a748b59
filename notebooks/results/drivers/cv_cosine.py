# The zero-shot cosine as a third blend member beside last session's CPU cross-validation runs (runs/exp).
# Weights are fitted on the out-of-fold predictions of train.csv; google/validation.csv is scored only at the end.
import json, time, numpy as np, torch, kit
torch.set_num_threads(1)
df, _ = kit.load_data(); google = kit.read_pairs('/work/shared/data/google/validation.csv', scored=True)
folds = kit.anchor_folds(df, 4, seed=42)
t0 = time.time(); cos_oof = kit.sentence_similarity(df); cos_g = kit.sentence_similarity(google); t = time.time() - t0
runs = {'best': 'best-s42-a6ebbe4d', 'walkthrough': 'walkthrough-s42-e8e7ce70'}
R = {k: kit.load_run('runs/exp', v) for k, v in runs.items()}
R['cosine'] = dict(oof=cos_oof, test_preds=cos_g)
out = dict(cosine_time=t, cosine_oof=kit.pearson(cos_oof, df.score.values))
for combo in (['best', 'walkthrough'], ['best', 'cosine'], ['best', 'walkthrough', 'cosine']):
    b = kit.blend({k: R[k]['oof'] for k in combo}, df.score.values, folds)
    w = np.array([b['weights'][k] for k in combo])
    g = np.column_stack([R[k]['test_preds'] for k in combo]) @ w
    out['+'.join(combo)] = dict(weights=b['weights'], oof=b['blend_pearson'], nested=b['nested_pearson'], google=kit.pearson(g, google.score))
out['google_cosine_alone'] = kit.pearson(cos_g, google.score)
print(json.dumps(out, indent=1, default=float))
json.dump(out, open('runs/cpu3/cv_cosine.json', 'w'), indent=1, default=float)

# The kit's refiner (fit_refiner / refine) on the anchor split: fitted on the split's validation predictions of `best`
# (seeds 42, 43; runs/s2 from anchor_refine_base.py), nested over 4 anchor folds of those rows; then, once, applied to
# the same models' predictions on google/validation.csv.
import json, numpy as np, pandas as pd, kit
df, _ = kit.load_data(); trn, val = kit.anchor_split(df); vdf = df.iloc[val].reset_index(drop=True)
google = kit.read_pairs('/work/shared/data/google/validation.csv', scored=True)
emb = kit.phrase_embeddings(pd.concat([vdf, google]).pipe(lambda d: list(d.anchor) + list(d.target)))
folds, res = kit.anchor_folds(vdf, 4), {}
for seed in (42, 43):
    p, h = np.load(f'runs/s2/val-best-s{seed}.npy'), np.load(f'runs/s2/held-best-s{seed}.npy')
    rf = kit.fit_refiner(vdf, p, folds, emb=emb)
    res[seed] = dict(split=rf['pearson_before'], split_refined_nested=rf['nested_pearson'], weights=dict(zip(rf['features'] + ['intercept'], rf['weights'])),
                     held=kit.pearson(h, google.score), held_refined=kit.pearson(kit.refine(google, h, rf, emb=emb), google.score))
    print(seed, {k: v for k, v in res[seed].items() if k != 'weights'}, flush=True)
json.dump(res, open('notebooks/results/refine-split.json', 'w'), indent=1, default=float)

# The kit's `biencoder` recipe (pooling='biencoder') on the anchor split, seeds 42/43: does it reproduce the prototype
# (notebooks/results/biencoder-prototype-s*.json: 0.6877 / 0.6885 alone, ~+0.010 nested as a member beside `best`)?
# google/validation.csv predictions are saved and scored only at the end, with weights fitted on the split.
import json, sys, time, numpy as np, kit
from pathlib import Path
out = Path('runs/cpu4'); out.mkdir(parents=True, exist_ok=True)
seeds = [int(s) for s in sys.argv[1].split(',')] if len(sys.argv) > 1 else [42]
df, _ = kit.load_data(); trn, val = kit.anchor_split(df)
google = kit.read_pairs('/work/shared/data/google/validation.csv', scored=True)
vdf = df.iloc[val].reset_index(drop=True); y = vdf.score.values; f = kit.anchor_folds(vdf, 4)
res = {}
for seed in seeds:
    t0 = time.time()
    learn = kit.make_learner('biencoder', df, val_idxs=val, seed=seed, progress=False)
    kit.fit_recipe(learn); t = time.time() - t0
    v, h = learn.get_preds(), learn.predict(google)
    np.save(out / f'val-biencoder-s{seed}.npy', v); np.save(out / f'held-biencoder-s{seed}.npy', h)
    P = dict(best=np.load(f'runs/cpu2/val-best-s{seed}.npy'), biencoder=v, cosine=np.load('runs/cpu3/val-cosine.npy'))
    H = dict(best=np.load(f'runs/cpu2/held-best-s{seed}.npy'), biencoder=h, cosine=np.load('runs/cpu3/held-cosine.npy'))
    r = dict(time=t, history=learn.history.to_dict('list'), split=kit.pearson(v, y))
    for combo in (['best', 'biencoder'], ['best', 'biencoder', 'cosine']):
        b = kit.blend({k: P[k] for k in combo}, y, folds=f)
        r['+'.join(combo)] = dict(weights=b['weights'], split=b['blend_pearson'], nested=b['nested_pearson'],
                                  google=kit.pearson(sum(b['weights'][k] * H[k] for k in combo), google.score.values))
    r['google_single'] = {k: kit.pearson(H[k], google.score.values) for k in H}
    res[seed] = r; kit.free_memory(learn)
    print(json.dumps({seed: r}, indent=1, default=float), flush=True)
json.dump(res, open(out / f'biencoder-recipe-{"-".join(map(str, seeds))}.json', 'w'), indent=1, default=float)

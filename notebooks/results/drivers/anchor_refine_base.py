# Base predictions for the anchor-group refinement prototype (anchor_refine.py): `best` (seed from argv, default 42)
# trained on the anchor split's training rows; its predictions on the split's validation rows and on
# google/validation.csv are saved. The held-out predictions are not scored here.
import json, sys, time, numpy as np, kit
from pathlib import Path
out = Path('runs/s2'); out.mkdir(parents=True, exist_ok=True)
seed = int(sys.argv[1]) if len(sys.argv) > 1 else 42
recipe = sys.argv[2] if len(sys.argv) > 2 else 'best'
df, _ = kit.load_data(); trn, val = kit.anchor_split(df)
google = kit.read_pairs('/work/shared/data/google/validation.csv', scored=True)
t0 = time.time()
learn = kit.make_learner(recipe, df, val_idxs=val, seed=seed, progress=False)
kit.fit_recipe(learn); t = time.time() - t0
v, h = learn.get_preds(), learn.predict(google)
np.save(out / f'val-{recipe}-s{seed}.npy', v); np.save(out / f'held-{recipe}-s{seed}.npy', h)
r = dict(recipe=recipe, seed=seed, time=t, split=kit.pearson(v, df.score.values[val]), history=learn.history.to_dict('list'))
json.dump(r, open(out / f'base-{recipe}-s{seed}.json', 'w'), indent=1, default=float); print(json.dumps(r, default=float))

# One recipe through the kit on the walkthrough's anchor split: `python split_fit.py RECIPE SEED [key=value ...]`.
# Saves the split's validation predictions and the google/validation.csv predictions (runs/split/NAME-sSEED-*.npy) and
# prints the split Pearson only: the held-out file is scored once, at the end, by group_blend.py.
import json, sys, time, numpy as np, torch, kit
from pathlib import Path
torch.set_num_threads(2)
recipe, seed = sys.argv[1], int(sys.argv[2])
over = {}
for a in sys.argv[3:]:
    k, v = a.split('=', 1)
    over[k] = json.loads(v) if v[:1] in '0123456789-[{.' or v in ('true', 'false', 'null') else v
name = over.pop('name', None) or recipe + ''.join(f'-{k}{v}' for k, v in over.items())   # name=... names the files
df, _ = kit.load_data(); trn, val = kit.anchor_split(df)
google = kit.read_pairs(kit.data_path().parent / 'google' / 'validation.csv', scored=True)
out = Path('runs/split'); out.mkdir(parents=True, exist_ok=True)
r = dict(kit.resolve_recipe(recipe), **over)
t0 = time.time()
learn = kit.make_learner(r, df, val, trn_idxs=trn, seed=seed, progress=False)
kit.fit_recipe(learn, r)
fit = time.time() - t0
v = learn.get_preds(); h = learn.predict(google)
np.save(out / f'{name}-s{seed}-val.npy', v); np.save(out / f'{name}-s{seed}-held.npy', h)
res = dict(name=name, recipe=recipe, overrides=over, seed=seed, split=kit.pearson(v, df.score.values[val]), fit_time=fit,
           history=learn.history.to_dict('list'))
print(json.dumps(res, default=float))
with open(out / 'log.jsonl', 'a') as f: f.write(json.dumps(res, default=float) + '\n')

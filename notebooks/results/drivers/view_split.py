# Blend members that read the pair another way (prototype outside the kit): `best` with the input text changed.
# `python view_split.py VIEW SEED` with VIEW one of
#   title_last  context{sep}anchor{sep}target{sep}CPC title   (the title's words, which no other member reads)
#   reversed    context{sep}target{sep}anchor                 (the models learn the order: another view)
#   no_context  anchor{sep}target
# Saves runs/split/best_VIEW-sSEED-{val,held}.npy like split_fit.py, so group_blend.py --members ... blends them.
import json, sys, time, numpy as np, torch, kit
from functools import partial
from pathlib import Path
torch.set_num_threads(2)
view, seed = sys.argv[1], int(sys.argv[2])
recipe = sys.argv[3] if len(sys.argv) > 3 else 'best'
titles = kit.load_cpc_texts()
def get_x(d, sep):
    a, t, c = d.anchor.astype(str), d.target.astype(str), d.context.astype(str)
    if view == 'title_last': s = c + sep + a + sep + t + sep + c.map(titles)
    elif view == 'reversed': s = c + sep + t + sep + a
    elif view == 'no_context': s = a + sep + t
    else: raise SystemExit(f'unknown view {view}')
    return s.tolist()
df, _ = kit.load_data(); trn, val = kit.anchor_split(df)
google = kit.read_pairs(kit.data_path().parent / 'google' / 'validation.csv', scored=True)
out = Path('runs/split'); out.mkdir(parents=True, exist_ok=True)
name = f'{recipe}_{view}'
r = kit.resolve_recipe(recipe, seed=seed)
t0 = time.time()
_, _, tokz, model = kit.get_hf_objects(None, pooling=r['pooling'], seed=seed)
dls = kit.get_dls(df, partial(get_x, sep=f' {tokz.sep_token} '), tokz, val, batch_size=r['batch_size'], seed=seed, trn_idxs=trn)
learn = kit.get_learner(dls, model, weight_decay=r['weight_decay'], seed=seed, loss=r['loss'], adv=r['adv'],
                        progress=False, recipe=r)
kit.fit_recipe(learn, r)
v = learn.get_preds(); h = learn.predict(google)
np.save(out / f'{name}-s{seed}-val.npy', v); np.save(out / f'{name}-s{seed}-held.npy', h)
res = dict(name=name, recipe=recipe, view=view, seed=seed, split=kit.pearson(v, df.score.values[val]),
           fit_time=time.time() - t0)
print(json.dumps(res, default=float))
with open(out / 'log.jsonl', 'a') as f: f.write(json.dumps(res, default=float) + '\n')

# After cv_group.py: blends of the three recipes' out-of-fold predictions (NNLS, nested over the 4 anchor folds), the
# refiner on each, and distilled students (alpha 0.5, fixed as for distill_full.py before any held-out look: teacher =
# the group + best + biencoder OOF blend), plain and distilled retrains on every row. Then, once, every figure on
# google/validation.csv. -> notebooks/results/cv-group.json (predictions kept in runs/cvg).
from blends import blend_and_refine
import json, time, numpy as np, pandas as pd, kit
from pathlib import Path
out = Path('runs/cvg')
df, _ = kit.load_data(); y = df.score.values
google = kit.read_pairs(kit.data_path().parent / 'google' / 'validation.csv', scored=True); yg = google.score.values
runs = {r['name']: r for r in kit.read_log(out)}
R = {n: kit.load_run(out, runs[n]['run_id']) for n in ('group', 'best', 'biencoder')}
folds = kit.anchor_folds(df, 4, seed=42)
emb = kit.phrase_embeddings(list(df.anchor) + list(df.target) + list(google.anchor) + list(google.target))
res = dict(cv={n: dict(folds=runs[n]['fold_pearson'], oof=runs[n]['oof_pearson'], train_time=runs[n]['train_time']) for n in R},
           blends={}, retrains={})
combos = [['group'], ['best'], ['group', 'best'], ['best', 'biencoder'], ['group', 'biencoder'], ['group', 'best', 'biencoder']]
res['blends'], held = blend_and_refine(R, combos, df, folds, emb, google)
# retrains on every row: plain and distilled from the three-recipe OOF blend
w = res['blends']['group+best+biencoder']['weights']
teacher = sum(w[n] * R[n]['oof'] for n in w)
rf_teacher = kit.fit_refiner(df, teacher, folds, emb=emb)
for name, labels in (('group', None), ('group student', teacher), ('best student', teacher)):
    f = out / f'held-{name.replace(" ", "-")}-full.npy'
    t0 = time.time()
    if not f.is_file():
        d = df if labels is None else kit.distill_labels(df, labels, alpha=0.5)
        learn = kit.retrain_full(d, name.split()[0], progress=False)
        np.save(f, learn.predict(google)); kit.free_memory(learn)
        res['retrains'][name] = dict(time=time.time() - t0)
    held[f'{name}, retrained on every row'] = np.load(f)
    held[f'{name}, retrained on every row, refined'] = kit.refine(google, np.load(f), rf_teacher, emb=emb)
    print(name, 'done', flush=True)
res['held_out'] = {k: kit.pearson(v, yg) for k, v in held.items()}   # the one look at google/validation.csv
print(pd.Series(res['held_out']).round(4).to_string())
json.dump(res, open('notebooks/results/cv-group.json', 'w'), indent=1, default=float)

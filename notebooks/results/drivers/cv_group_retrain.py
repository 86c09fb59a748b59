# The notebook's submission, measured: `group`, `best` and `biencoder` each retrained on every row (seed 42) and blended
# by the weights their 4-fold OOF predictions earned (cv_group_report.py), plain and refined by the refiner fitted on
# the OOF blend. Reuses runs/cvg/held-group-full.npy. Scores google/validation.csv (its look was already taken by
# cv_group_report.py; nothing here is tuned) -> notebooks/results/cv-group-retrain.json.
import json, time, numpy as np, kit
from pathlib import Path
out = Path('runs/cvg')
df, _ = kit.load_data()
google = kit.read_pairs(kit.data_path().parent / 'google' / 'validation.csv', scored=True); yg = google.score.values
runs = {r['name']: r for r in kit.read_log(out)}
R = {n: kit.load_run(out, runs[n]['run_id']) for n in ('group', 'best', 'biencoder')}
folds = kit.anchor_folds(df, 4, seed=42)
w = json.load(open('notebooks/results/cv-group.json'))['blends']['group+best+biencoder']['weights']
res = dict(weights=w, times={})
P = {}
for n in w:
    f = out / f'held-{n}-full.npy'
    if not f.is_file():
        t0 = time.time(); learn = kit.retrain_full(df, n, progress=False)
        np.save(f, learn.predict(google)); kit.free_memory(learn); res['times'][n] = time.time() - t0
    P[n] = np.load(f)
emb = kit.phrase_embeddings(list(df.anchor) + list(df.target) + list(google.anchor) + list(google.target))
rf = kit.fit_refiner(df, sum(w[n] * R[n]['oof'] for n in w), folds, emb=emb)
blend = sum(w[n] * P[n] for n in w)
res['held_out'] = {**{f'{n}, retrained': kit.pearson(P[n], yg) for n in w},
                   'group + best + biencoder, retrained': kit.pearson(blend, yg),
                   'group + best + biencoder, retrained, refined': kit.pearson(kit.refine(google, blend, rf, emb=emb), yg)}
print(json.dumps(res, indent=1, default=float))
json.dump(res, open('notebooks/results/cv-group-retrain.json', 'w'), indent=1, default=float)

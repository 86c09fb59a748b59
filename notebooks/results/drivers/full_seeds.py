# The final-submission path on the CPU: `best` retrained on every row with more seeds, averaged, then blended with the
# zero-shot cosine using the weights fitted on the 4-fold out-of-fold predictions (runs/exp, runs/cpu3/cv_cosine.py).
# google/validation.csv predictions are saved; scored once at the end.
import json, time, numpy as np, torch, kit
from pathlib import Path
out = Path('runs/cpu3'); df, _ = kit.load_data()
google = kit.read_pairs('/work/shared/data/google/validation.csv', scored=True)
times = {}
for seed in (43, 44):
    f = out / f'held-best-full-s{seed}.npy'
    if f.is_file(): continue
    t0 = time.time(); learn = kit.retrain_full(df, 'best', seed=seed, progress=False)
    np.save(f, learn.predict(google)); times[seed] = time.time() - t0; kit.free_memory(learn); print(seed, times[seed], flush=True)
s42 = kit.load_learner('runs/exp/best-full').predict(google)
g = {42: s42, **{s: np.load(out / f'held-best-full-s{s}.npy') for s in (43, 44)}}
cos = kit.sentence_similarity(google)
w = json.load(open(out / 'cv_cosine.json'))['best+cosine']['weights']
avg = np.mean(list(g.values()), 0)
y = google.score.values
res = dict(times=times, single={s: kit.pearson(p, y) for s, p in g.items()}, seeds_2=kit.pearson((g[42] + g[43]) / 2, y),
           seeds_3=kit.pearson(avg, y), seeds_3_cosine=kit.pearson(w['best'] * avg + w['cosine'] * cos, y), weights=w)
print(json.dumps(res, indent=1, default=float)); json.dump(res, open(out / 'full_seeds.json', 'w'), indent=1, default=float)

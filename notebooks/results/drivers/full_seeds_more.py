# Two more seeds of `best` retrained on every row; the mean of 5 seeds, alone and + the zero-shot cosine at the OOF
# weights of the calibrated CV (notebooks/results/cv-best-calibrated.json). google/validation.csv scored once, at the end.
import json, time, numpy as np, kit
from pathlib import Path
out = Path('runs/cpu3'); df, _ = kit.load_data()
google = kit.read_pairs('/work/shared/data/google/validation.csv', scored=True)
times = {}
for seed in (45, 46):
    f = out / f'held-best-full-s{seed}.npy'
    if f.is_file(): continue
    t0 = time.time(); learn = kit.retrain_full(df, 'best', seed=seed, progress=False)
    np.save(f, learn.predict(google)); times[seed] = time.time() - t0; kit.free_memory(learn); print(seed, times[seed], flush=True)
g = {42: kit.load_learner('runs/exp/best-full').predict(google), **{s: np.load(out / f'held-best-full-s{s}.npy') for s in (43, 44, 45, 46)}}
w = json.load(open('notebooks/results/cv-best-calibrated.json'))['blend']['weights']
cos, y = kit.sentence_similarity(google), google.score.values
avg = np.mean(list(g.values()), 0)
res = dict(times=times, single={s: kit.pearson(p, y) for s, p in g.items()},
           mean_of_first={n: kit.pearson(np.mean([g[s] for s in list(g)[:n]], 0), y) for n in range(1, 6)},
           seeds_5_cosine=kit.pearson(w['best'] * avg + w['cosine'] * cos, y), weights=w)
print(json.dumps(res, indent=1, default=float)); json.dump(res, open(out / 'full_seeds_more.json', 'w'), indent=1, default=float)

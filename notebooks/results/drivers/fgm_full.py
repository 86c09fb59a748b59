# `best_fgm` (best + FGM, adv 1.0; picked on the anchor split, fgm_prototype.py) retrained on every row of train.csv
# (retrain_full), then scored once on google/validation.csv, beside plain `best` retrained the same way (full_seeds.py:
# 0.7406 / 0.7426 / 0.7452 for seeds 42 / 43 / 44). `python fgm_full.py [seeds]` -> notebooks/results/fgm-full.json
import json, sys, time, numpy as np, kit
from pathlib import Path
seeds = [int(s) for s in sys.argv[1].split(',')] if len(sys.argv) > 1 else [42]
df, _ = kit.load_data()
google = kit.read_pairs(kit.data_path().parent / 'google' / 'validation.csv', scored=True)
res_file = Path('notebooks/results/fgm-full.json')
res = json.loads(res_file.read_text()) if res_file.is_file() else {}
for seed in seeds:
    key = f'best_fgm-s{seed}'
    if key in res: continue
    t0 = time.time()
    learn = kit.retrain_full(df, 'best_fgm', seed=seed, progress=False)
    p = learn.predict(google); kit.free_memory(learn)
    np.save(f'runs/cvg/held-{key}-full.npy', p)
    res[key] = dict(time=time.time() - t0, google=kit.pearson(p, google.score.values))
    print(key, res[key], flush=True)
    with kit.atomic_write(res_file) as f: json.dump(res, f, indent=1, default=float)

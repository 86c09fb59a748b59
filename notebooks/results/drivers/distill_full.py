# Knowledge distillation for the submission, fixed before google/validation.csv was looked at (alpha 0.5, as on the
# anchor split, distill_split.py): teacher = best + biencoder blended by NNLS on their 4-fold out-of-fold predictions
# over every training row (cv_best_calibrated.py, biencoder_cv_full.py), mapped onto the score scale; student = `best`
# retrained on all rows with alpha*score + (1-alpha)*teacher. Scored once on google/validation.csv beside the plain
# `best` full retrains of the same seeds (runs/exp/best-full is s42; runs/cpu3/held-best-full-s43.npy).
import json, sys, time, numpy as np, kit
from pathlib import Path
out = Path('runs/cpu5'); seeds = [int(s) for s in sys.argv[1].split(',')] if len(sys.argv) > 1 else [42]
df, _ = kit.load_data(); y = df.score.values
google = kit.read_pairs('/work/shared/data/google/validation.csv', scored=True); yg = google.score.values
oofs = {'best': kit.load_run('runs/cpu3/cv', 'best-s42-a6ebbe4d')['oof'], 'biencoder': kit.load_run('runs/cpu4/cv', 'biencoder-s42-fb37354b')['oof']}
b = kit.blend(oofs, y, kit.anchor_folds(df, 4, seed=42))
teacher = sum(b['weights'][n] * oofs[n] for n in oofs)
res = dict(weights=b['weights'], teacher_oof=kit.pearson(teacher, y), students={})
for seed in seeds:
    t0 = time.time(); f = out / f'held-student-full-s{seed}.npy'
    learn = kit.retrain_full(kit.distill_labels(df, teacher, alpha=0.5), 'best', seed=seed, progress=False)
    np.save(f, learn.predict(google)); kit.free_memory(learn)
    plain = kit.load_learner('runs/exp/best-full').predict(google) if seed == 42 else np.load(f'runs/cpu3/held-best-full-s{seed}.npy')
    res['students'][seed] = dict(time=time.time() - t0, google=kit.pearson(np.load(f), yg), plain_best_google=kit.pearson(plain, yg))
    print(seed, res['students'][seed], flush=True)
    json.dump(res, open(out / 'distill-full.json', 'w'), indent=1, default=float)

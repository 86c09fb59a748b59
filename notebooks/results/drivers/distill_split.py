# Knowledge distillation, measured on the anchor split: can one `best` model learn what the best + biencoder blend
# knows? Teacher: both recipes cross-validated on the split's training rows only (4 inner anchor folds), blended by
# NNLS on those out-of-fold predictions and mapped onto the score scale; the validation rows are never seen by a
# teacher. Student: `best` trained on the training rows with soft labels alpha*score + (1-alpha)*teacher, scored on
# the split's validation rows (true scores), seed by seed against plain `best` (runs/cpu2/val-best-s*.npy).
# google/validation.csv predictions are saved for the end, not looked at here.
import json, sys, time, numpy as np, kit
from pathlib import Path
out = Path('runs/cpu5'); out.mkdir(parents=True, exist_ok=True)
alphas = [float(a) for a in sys.argv[1].split(',')] if len(sys.argv) > 1 else [0.5]
seeds = [int(s) for s in sys.argv[2].split(',')] if len(sys.argv) > 2 else [42]
df, _ = kit.load_data(); trn, val = kit.anchor_split(df)
google = kit.read_pairs('/work/shared/data/google/validation.csv', scored=True)
tdf, vdf = df.iloc[trn].reset_index(drop=True), df.iloc[val].reset_index(drop=True)
y, yv = tdf.score.values, vdf.score.values
folds = kit.anchor_folds(tdf, 4, seed=42)
cv = {n: kit.cross_validate(tdf, n, 4, out=out / 'cv', name=f'{n}-inner', folds=folds, test_df=vdf, progress=False)
      for n in ('best', 'biencoder')}
b = kit.blend({n: cv[n]['oof'] for n in cv}, y, folds)
raw = sum(b['weights'][n] * cv[n]['oof'] for n in cv)
slope, icpt = np.polyfit(raw, y, 1)  # onto the score scale, so it mixes with the labels
teacher = icpt + slope * raw
teacher_val = icpt + slope * sum(b['weights'][n] * cv[n]['test_preds'] for n in cv)
res = dict(weights=b['weights'], teacher_oof=kit.pearson(teacher, y), teacher_nested=b['nested_pearson'],
           inner_oof={n: cv[n]['oof_pearson'] for n in cv},
           teacher_val=kit.pearson(teacher_val, yv), fold_ens_val={n: kit.pearson(cv[n]['test_preds'], yv) for n in cv},
           students={})
print(json.dumps(res, indent=1, default=float), flush=True)
for alpha in alphas:
    for seed in seeds:
        key = f'a{alpha}-s{seed}'
        d = df.copy(); d.loc[d.index[trn], 'score'] = (alpha * y + (1 - alpha) * teacher).astype(np.float32)
        t0 = time.time()
        learn = kit.make_learner('best', d, val_idxs=val, seed=seed, progress=False)
        kit.fit_recipe(learn); t = time.time() - t0
        v = learn.get_preds(); np.save(out / f'val-student-{key}.npy', v); np.save(out / f'held-student-{key}.npy', learn.predict(google))
        plain = np.load(f'runs/cpu2/val-best-s{seed}.npy')
        res['students'][key] = dict(time=t, split=kit.pearson(v, yv), plain_best=kit.pearson(plain, yv),
                                    history=learn.history.to_dict('list'))
        kit.free_memory(learn)
        print(key, json.dumps(res['students'][key], default=float), flush=True)
        json.dump(res, open(out / 'distill-split.json', 'w'), indent=1, default=float)

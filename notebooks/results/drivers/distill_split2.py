# Which teacher makes the best student? distill_split.py measured `best` distilled from best + biencoder (+0.010 on the
# anchor split). Here the teacher is group + best (the strongest pair on the split, 0.7848 blended), raw or refined
# (fit_refiner's anchor features, nested over the inner folds so no teacher label saw its own row). Both recipes are
# cross-validated on the split's training rows only (4 inner anchor folds); the split's validation rows are never seen
# by a teacher. Student: `best`, alpha 0.5 (as before) or given, scored on the split's validation rows.
# `python distill_split2.py [teachers] [seeds] [alpha] [student recipe]`  teachers: comma list of raw,refined -> notebooks/results/distill-split2.json
import json, sys, time, numpy as np, torch, kit
from pathlib import Path
torch.set_num_threads(2)
out = Path('runs/cpu6'); out.mkdir(parents=True, exist_ok=True)
which = sys.argv[1].split(',') if len(sys.argv) > 1 else ['raw', 'refined']
seeds = [int(s) for s in sys.argv[2].split(',')] if len(sys.argv) > 2 else [42]
alpha = float(sys.argv[3]) if len(sys.argv) > 3 else 0.5
student = sys.argv[4] if len(sys.argv) > 4 else 'best'
members = ('group', 'best')
df, _ = kit.load_data(); trn, val = kit.anchor_split(df)
google = kit.read_pairs(kit.data_path().parent / 'google' / 'validation.csv', scored=True)
tdf, vdf = df.iloc[trn].reset_index(drop=True), df.iloc[val].reset_index(drop=True)
y, yv = tdf.score.values, vdf.score.values
folds = kit.anchor_folds(tdf, 4, seed=42)
cv = {n: kit.cross_validate(tdf, n, 4, out=out / 'cv', name=f'{n}-inner', folds=folds, test_df=vdf, progress=False)
      for n in members}
b = kit.blend({n: cv[n]['oof'] for n in cv}, y, folds)
raw = sum(b['weights'][n] * cv[n]['oof'] for n in cv)
emb = kit.phrase_embeddings(list(tdf.anchor) + list(tdf.target))
refined = kit.refine_oof(tdf, raw, folds, emb=emb)  # the refiner that labels fold k was fitted on the other inner folds
teachers = dict(raw=raw, refined=refined)
res_file = Path('notebooks/results/distill-split2.json')
res = json.loads(res_file.read_text()) if res_file.is_file() else {}
res.update(weights=b['weights'], inner_oof={n: cv[n]['oof_pearson'] for n in cv}, teacher_oof_nested=b['nested_pearson'],
           teacher_oof={t: kit.pearson(teachers[t], y) for t in teachers},
           teacher_val=kit.pearson(sum(b['weights'][n] * cv[n]['test_preds'] for n in cv), yv),
           fold_ens_val={n: kit.pearson(cv[n]['test_preds'], yv) for n in cv})
res.setdefault('students', {})
print(json.dumps(res, indent=1, default=float), flush=True)
for t in which:
    for seed in seeds:
        key = f'{t}-a{alpha}-s{seed}' + ('' if student == 'best' else f'-{student}')
        if key in res['students']: continue
        d = df.copy(); d.loc[d.index[trn], 'score'] = kit.distill_labels(tdf, teachers[t], alpha=alpha).score.values
        t0 = time.time()
        learn = kit.make_learner(student, d, val_idxs=val, trn_idxs=trn, seed=seed, progress=False)
        kit.fit_recipe(learn); ft = time.time() - t0
        v = learn.get_preds(); np.save(out / f'val-student-{key}.npy', v); np.save(out / f'held-student-{key}.npy', learn.predict(google))
        res['students'][key] = dict(time=ft, split=kit.pearson(v, yv), history=learn.history.to_dict('list'))
        kit.free_memory(learn)
        print(key, json.dumps(res['students'][key], default=float), flush=True)
        json.dump(res, open(res_file, 'w'), indent=1, default=float)
json.dump(res, open(res_file, 'w'), indent=1, default=float)

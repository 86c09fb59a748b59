# After cv_seed2.py: `best_fgm`'s two seeds averaged (out of fold, and their fold ensembles on google) as one member
# ('best_fgm/best_fgm_seed43'), the teacher's blends with it against those with one seed: NNLS weights and the refiner
# nested over the same folds (the choice), then, once, google/validation.csv. -> notebooks/results/cv-seed2.json
from blends import blend_and_refine
import json, pandas as pd, kit
from pathlib import Path
out = Path('runs/cvg')
df, _ = kit.load_data(); y = df.score.values
google = kit.read_pairs(kit.data_path().parent / 'google' / 'validation.csv', scored=True); yg = google.score.values
runs = {r['name']: r for r in kit.read_log(out)}
R = {n: kit.load_run(out, runs[n]['run_id']) for n in ('group', 'best', 'biencoder', 'best_fgm', 'best_fgm_seed43')}
two = 'best_fgm/best_fgm_seed43'
R[two] = {k: (R['best_fgm'][k] + R['best_fgm_seed43'][k]) / 2 for k in ('oof', 'test_preds')}
folds = kit.anchor_folds(df, 4, seed=42)
emb = kit.phrase_embeddings(list(df.anchor) + list(df.target) + list(google.anchor) + list(google.target))
res = dict(cv={n: dict(folds=runs[n]['fold_pearson'], oof=runs[n]['oof_pearson'], train_time=runs[n]['train_time'])
               for n in ('best_fgm', 'best_fgm_seed43')}, blends={})
res['cv'][two] = dict(oof=kit.pearson(R[two]['oof'], y))
combos = [['best_fgm'], ['best_fgm_seed43'], [two], ['group', 'best_fgm', 'biencoder'], ['group', two, 'biencoder'],
          ['group', 'best', 'best_fgm', 'biencoder'], ['group', 'best', two, 'biencoder']]
res['blends'], held = blend_and_refine(R, combos, df, folds, emb, google)
res['teacher'] = max(res['blends'], key=lambda k: res['blends'][k]['refined_nested'])   # on the folds, not google
res['held_out'] = {k: kit.pearson(v, yg) for k, v in held.items()}   # the one look at google/validation.csv
print('teacher:', res['teacher']); print(pd.Series(res['held_out']).round(4).to_string())
with kit.atomic_write('notebooks/results/cv-seed2.json') as f: json.dump(res, f, indent=1, default=float)

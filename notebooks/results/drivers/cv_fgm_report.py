# After `cv_group.py best_fgm` (4 anchor folds on all of train.csv, runs/cvg, beside the group / best / biencoder runs):
# best_fgm's folds, then NNLS blends with it (nested over the folds) and the refiner on each; the teacher for
# pseudo_full.py is the blend with the best nested refined OOF Pearson (chosen on the folds). Then, once, every figure
# on google/validation.csv (fold ensembles). -> notebooks/results/cv-fgm.json
from blends import blend_and_refine
import json, pandas as pd, kit
from pathlib import Path
out = Path('runs/cvg')
df, _ = kit.load_data(); y = df.score.values
google = kit.read_pairs(kit.data_path().parent / 'google' / 'validation.csv', scored=True); yg = google.score.values
runs = {r['name']: r for r in kit.read_log(out)}
R = {n: kit.load_run(out, runs[n]['run_id']) for n in ('group', 'best', 'biencoder', 'best_fgm')}
folds = kit.anchor_folds(df, 4, seed=42)
emb = kit.phrase_embeddings(list(df.anchor) + list(df.target) + list(google.anchor) + list(google.target))
res = dict(cv={n: dict(folds=runs[n]['fold_pearson'], oof=runs[n]['oof_pearson'], train_time=runs[n]['train_time']) for n in R},
           blends={})
combos = [['best_fgm'], ['best', 'best_fgm'], ['group', 'best_fgm'], ['group', 'best_fgm', 'biencoder'],
          ['group', 'best', 'best_fgm', 'biencoder'], ['group', 'best', 'biencoder']]
res['blends'], held = blend_and_refine(R, combos, df, folds, emb, google)
res['teacher'] = max(res['blends'], key=lambda k: res['blends'][k]['refined_nested'])   # on the folds, not google
res['held_out'] = {k: kit.pearson(v, yg) for k, v in held.items()}   # the one look at google/validation.csv
print('teacher:', res['teacher']); print(pd.Series(res['held_out']).round(4).to_string())
with kit.atomic_write('notebooks/results/cv-fgm.json') as f: json.dump(res, f, indent=1, default=float)

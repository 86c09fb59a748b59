# Issue 25: the tuning study's winner (tune30-best-recipe.json) against `best` on the 4 anchor folds of train.csv (fold
# seed 42, the folds of backbones_cv.py), with seed repeats; each fold model also predicts google/validation.csv, scored
# once here as fold ensembles. `best` seed 42 is the member kept in cvb/best.npz (backbones_cv.py best: the same recipe
# and folds), so it is not fitted again. Each finished fold is kept, gzipped, in notebooks/results/tuned/folds/ and
# restored at the start: a run a session could not finish goes on in the next (a tuned seed is about 70 min of fits on a
# 2-core bf16 CPU, `best` 26 min).
# `python tuned_cv.py [NAME@SEED,...]`, default tuned30@42,best@43,tuned30@43 -> notebooks/results/tuned-cv.json: each
# run's folds, OOF and fit time; compare_experiments with the noise floor of the seed repeats; google per run.
from blends import keep_folds, restore_folds
import json, sys, numpy as np, torch, kit
from pathlib import Path
torch.set_num_threads(2)
RECIPES = dict(best='best', tuned30='notebooks/results/tune30-best-recipe.json')
todo = (sys.argv[1] if len(sys.argv) > 1 else 'tuned30@42,best@43,tuned30@43').split(',')
df, _ = kit.load_data(); y = df.score.values
google = kit.read_pairs(kit.data_path().parent / 'google' / 'validation.csv', scored=True); yg = google.score.values
out, kept = Path('runs/tuned'), Path('notebooks/results/tuned/folds')
restore_folds(out / 'runs', kept)
runs = []
b = np.load('notebooks/results/cvb/best.npz')
runs.append(dict(name='best', seed=42, oof_pearson=kit.pearson(b['oof'], y), fold_pearson=b['folds'].tolist(),
                 train_time=float(b['train_time']), google=kit.pearson(b['google'], yg), run=str(b['run_id'])))
for item in todo:
    name, seed = item.split('@')
    res = kit.cross_validate(df, RECIPES[name], 4, out=out, name=name, seed=int(seed), test_df=google.drop(columns='score'),
                             progress=False, on_fold=lambda *_: keep_folds(out / 'runs', kept))
    runs.append(dict(name=name, seed=int(seed), oof_pearson=res['oof_pearson'], fold_pearson=res['fold_pearson'],
                     train_time=res['train_time'], google=kit.pearson(res['test_preds'], yg), run=res['run_id']))
    print(item, {k: v for k, v in runs[-1].items() if k != 'run'}, flush=True)
table = kit.compare_experiments(runs, baseline='best', plot=False)
print(table.round(4).to_string(), '\nnoise floor (seed std, pooled):', round(table.attrs['noise_floor'], 4))
google_mean = {n: float(np.mean([r['google'] for r in runs if r['name'] == n])) for n in RECIPES}
print('google/validation.csv, fold ensembles, mean over seeds:', {k: round(v, 4) for k, v in google_mean.items()})
res = dict(runs=runs, compare=json.loads(table.to_json(orient='index')), noise_floor=table.attrs['noise_floor'],
           google_mean=google_mean, machine=kit.machine())
with kit.atomic_write('notebooks/results/tuned-cv.json') as f: json.dump(res, f, indent=1, default=float)

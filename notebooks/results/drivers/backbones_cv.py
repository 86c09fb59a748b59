# Members of a MiniLM + mpnet blend cross-validated through the kit on all of train.csv (4 anchor folds, seed 42), each
# fold model also predicting google/validation.csv (kept, scored once by backbones_report.py). Resumes finished folds.
# `python backbones_cv.py NAME[,NAME...]` with NAME a recipe, or RECIPE@BACKBONE (e.g. best@all-mpnet-base-v2), or
# RECIPE@BACKBONE@key=value (e.g. best@all-mpnet-base-v2@lr=3e-4, best@@seed=43). -> runs/cvb
# Each finished fold is also kept, gzipped, in notebooks/results/cvb/folds/RUN/ and restored from there at the start, so
# a run that a session could not finish (an mpnet fold is about half an hour on 2 cores) goes on in the next one.
from blends import keep_folds, restore_folds
import json, sys, torch, kit
from pathlib import Path
torch.set_num_threads(2)
df, _ = kit.load_data()
google = kit.read_pairs(kit.data_path().parent / 'google' / 'validation.csv', scored=True).drop(columns='score')


runs, kept = Path('runs/cvb/runs'), Path('notebooks/results/cvb/folds')


def member(name):
    recipe, *rest = name.split('@')
    over = {}
    if rest and rest[0]: over['model'] = rest[0]  # best@@seed=43: the recipe's own backbone
    for kv in rest[1:]:
        k, v = kv.split('='); over[k] = json.loads(v)
    return kit.resolve_recipe(recipe, **over)


restore_folds(runs, kept)
for name in sys.argv[1].split(','):
    res = kit.cross_validate(df, member(name), 4, out='runs/cvb', name=name, test_df=google, progress=False,
                             on_fold=lambda *_: keep_folds(runs, kept))
    print(name, res['run_id'], 'OOF', round(res['oof_pearson'], 4), 'folds', [round(x, 4) for x in res['fold_pearson']],
          'train', round(res['train_time']), 's', flush=True)

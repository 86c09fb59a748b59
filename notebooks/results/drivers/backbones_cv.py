# Members of a MiniLM + mpnet blend cross-validated through the kit on all of train.csv (4 anchor folds, seed 42), each
# fold model also predicting google/validation.csv (kept, scored once by backbones_report.py). Resumes finished folds.
# `python backbones_cv.py NAME[,NAME...]` with NAME a recipe, or RECIPE@BACKBONE (e.g. best@all-mpnet-base-v2), or
# RECIPE@BACKBONE@key=value (e.g. best@all-mpnet-base-v2@lr=3e-4). -> runs/cvb
import json, sys, torch, kit
torch.set_num_threads(2)
df, _ = kit.load_data()
google = kit.read_pairs(kit.data_path().parent / 'google' / 'validation.csv', scored=True).drop(columns='score')


def member(name):
    recipe, *rest = name.split('@')
    over = {}
    if rest: over['model'] = rest[0]
    for kv in rest[1:]:
        k, v = kv.split('='); over[k] = json.loads(v)
    return kit.resolve_recipe(recipe, **over)


for name in sys.argv[1].split(','):
    res = kit.cross_validate(df, member(name), 4, out='runs/cvb', name=name, test_df=google, progress=False)
    print(name, res['run_id'], 'OOF', round(res['oof_pearson'], 4), 'folds', [round(x, 4) for x in res['fold_pearson']],
          'train', round(res['train_time']), 's', flush=True)

# `group`, `best` and `biencoder` cross-validated on all of train.csv through the kit (4 anchor folds, seed 42), every
# fold model predicting google/validation.csv (kept, not scored here). Resumes finished folds (runs/cvg).
# Then cv_group_report.py blends, refines, distils and scores the held-out file once.
import sys, kit
df, _ = kit.load_data()
google = kit.read_pairs(kit.data_path().parent / 'google' / 'validation.csv', scored=True)
for name in (sys.argv[1].split(',') if len(sys.argv) > 1 else ['group', 'best', 'biencoder']):
    res = kit.cross_validate(df, name, 4, out='runs/cvg', test_df=google, progress=False)
    print(name, res['run_id'], 'OOF', round(res['oof_pearson'], 4), 'folds', [round(x, 4) for x in res['fold_pearson']],
          'train', round(res['train_time']), 's', flush=True)

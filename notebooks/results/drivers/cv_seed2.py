# A second seed of `best_fgm` cross-validated on the same 4 anchor folds of all of train.csv (runs/cvg, name
# best_fgm_seed43 so the seed-42 run keeps its name), every fold model predicting google/validation.csv (kept, not
# scored here). Resumes finished folds. Then cv_seed2_report.py blends it in, on the folds first.
import kit
df, _ = kit.load_data()
google = kit.read_pairs(kit.data_path().parent / 'google' / 'validation.csv', scored=True)
res = kit.cross_validate(df, 'best_fgm', 4, out='runs/cvg', name='best_fgm_seed43', seed=43, test_df=google, progress=False)
print(res['run_id'], 'OOF', round(res['oof_pearson'], 4), 'folds', [round(x, 4) for x in res['fold_pearson']],
      'train', round(res['train_time']), 's', flush=True)

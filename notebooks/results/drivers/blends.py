# Shared by the CV report drivers (cv_group_report.py, cv_fgm_report.py, cv_seed2_report.py): each combination of
# members' out-of-fold predictions blended (NNLS weights nested over the folds; one member alone as it is), the refiner
# fitted on each blend, and each blend's fold ensembles on the test set, plain and refined (scored by the caller, once).
import kit


def blend_and_refine(R, combos, df, folds, emb, test_df):
    """R: {member: {'oof', 'test_preds'}}; combos: lists of members. -> ({key: weights and nested Pearsons}, {key: test preds})."""
    y, blends, held = df.score.values, {}, {}
    for c in combos:
        key = '+'.join(c)
        b = kit.blend({n: R[n]['oof'] for n in c}, y, folds) if len(c) > 1 else \
            dict(weights={c[0]: 1.0}, nested_pearson=kit.pearson(R[c[0]]['oof'], y))
        oof = sum(b['weights'][n] * R[n]['oof'] for n in c); test = sum(b['weights'][n] * R[n]['test_preds'] for n in c)
        rf = kit.fit_refiner(df, oof, folds, emb=emb)
        blends[key] = dict(weights=b['weights'], oof_nested=b['nested_pearson'], refined_nested=rf['nested_pearson'])
        held[key + ', fold ensembles'] = test
        held[key + ', fold ensembles, refined'] = kit.refine(test_df, test, rf, emb=emb)
        print(key, blends[key], flush=True)
    return blends, held

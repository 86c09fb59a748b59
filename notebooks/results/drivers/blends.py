# Shared by the CV report drivers (cv_group_report.py, cv_fgm_report.py, cv_seed2_report.py): each combination of
# members' out-of-fold predictions blended (NNLS weights nested over the folds; one member alone as it is), the refiner
# fitted on each blend, and each blend's fold ensembles on the test set, plain and refined (scored by the caller, once);
# the pseudo-label students' training set (pseudo_full.py, backbones_student.py); and the finished folds of a run kept
# in the repository between sessions (backbones_cv.py, tuned_cv.py).
import gzip, shutil, pandas as pd, kit
from pathlib import Path


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


def pseudo_label_set(R, df, folds, test_df):
    """The pseudo-label students' training set (pseudo_full.py, backbones_student.py). R: {member: {'oof', 'test_preds'}}.
    Teacher = the members' NNLS blend, refined; df's rows distilled from its nested-refined OOF blend (alpha 0.5),
    test_df's pairs (no score read) labelled by it. -> (training rows, weights, refiner, phrase embeddings,
    teacher on df, teacher on test_df)."""
    w = kit.blend({n: R[n]['oof'] for n in R}, df.score.values, folds)['weights']
    oof, tp = sum(w[n] * R[n]['oof'] for n in w), sum(w[n] * R[n]['test_preds'] for n in w)
    emb = kit.phrase_embeddings(list(df.anchor) + list(df.target) + list(test_df.anchor) + list(test_df.target))
    rf = kit.fit_refiner(df, oof, folds, emb=emb)
    teach_trn = kit.refine_oof(df, oof, folds, emb=emb)
    unscored = test_df.drop(columns='score', errors='ignore')
    teach_test = kit.refine(unscored, tp, rf, emb=emb)
    d = pd.concat([kit.distill_labels(df, teach_trn, alpha=0.5), kit.pseudo_labels(unscored, teach_test, df, teach_trn)],
                  ignore_index=True)
    return d, w, rf, emb, teach_trn, teach_test


def gzip_to(src, dst):
    """`src` gzipped into `dst`, atomically (mtime 0: the same bytes for the same file, so git sees no change)."""
    with open(src, 'rb') as s, kit.atomic_write(dst, 'wb') as fh, gzip.GzipFile(fileobj=fh, mode='wb', mtime=0) as z:
        shutil.copyfileobj(s, z)


def gunzip_to(src, dst):
    with gzip.open(src, 'rb') as s, kit.atomic_write(dst, 'wb') as fh: shutil.copyfileobj(s, fh)


def restore_folds(runs, kept):
    """Copy the folds kept in `kept`/RUN/foldK.json.gz back to `runs`/RUN/foldK.json, where cross_validate resumes."""
    for f in Path(kept).glob('*/fold*.json.gz'):
        dst = Path(runs) / f.parent.name / f.name[:-3]
        if not dst.is_file():  # atomic_write makes the folder
            gunzip_to(f, dst)


def keep_folds(runs, kept):
    """Gzip each finished fold of `runs` into `kept` (committed), so a run a session could not finish goes on in the next."""
    for f in Path(runs).glob('*/fold*.json'):
        dst = Path(kept) / f.parent.name / (f.name + '.gz')
        if not dst.is_file(): gzip_to(f, dst)

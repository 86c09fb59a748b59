# Before the mpnet run has all 4 folds: MiniLM `best` (4 folds) and mpnet `best` (its finished folds, from
# notebooks/results/cvb/folds) on the rows of those folds, and their NNLS blend nested over them.
import gzip, json, numpy as np, kit
from pathlib import Path
df, _ = kit.load_data(); y = df.score.values
folds = kit.anchor_folds(df, 4, seed=42)
def fold_preds(run):
    out = {}
    for f in sorted(Path('notebooks/results/cvb/folds', run).glob('fold*.json.gz')):
        d = json.loads(gzip.open(f).read()); out[d['fold']] = (np.array(d['val_idxs']), np.array(d['preds']))
    return out
mp = fold_preds('best@all-mpnet-base-v2-s42-f47eb939')
mini = np.load('notebooks/results/cvb/best.npz')['oof']
idx = np.concatenate([v[0] for v in mp.values()]); pm = np.full(len(df), np.nan)
for i, p in mp.values(): pm[i] = p
res = dict(folds=sorted(mp), rows=len(idx), mpnet=kit.pearson(pm[idx], y[idx]), minilm=kit.pearson(mini[idx], y[idx]))
b = kit.blend({'mpnet': pm[idx], 'minilm': mini[idx]}, y[idx], folds[idx])
res['blend'] = dict(weights=b['weights'], nested=b['nested_pearson'])
print(json.dumps(res, indent=1, default=float))

# Prototype: refine a model's predictions with what the other targets of the same anchor say (all targets of an anchor
# are scored together at test time, so this is available for unseen anchors too). A linear second stage on features
# computed within each anchor's group, fitted on the anchor split's validation rows and evaluated nested over 4 anchor
# folds of them; the paired anchor bootstrap of the gain gives its noise. google/validation.csv is scored only once a
# feature set is chosen on the split (argv[2] == 'held').
import json, sys, numpy as np, kit
from pathlib import Path
out = Path('runs/s2')
tag = sys.argv[1] if len(sys.argv) > 1 else 'best-s42'
df, _ = kit.load_data(); trn, val = kit.anchor_split(df)
vdf = df.iloc[val].reset_index(drop=True)
google = kit.read_pairs('/work/shared/data/google/validation.csv', scored=True)

def features(d, p, E, tau=0.05):
    """Per row: the prediction, leave-one-out means of the anchor's and the anchor+context's other predictions, the
    similarity-weighted mean of the siblings' predictions, the target's top similarity to a sibling, zero-shot cosine."""
    n = len(d); f = np.zeros((n, 10)); f[:, 0] = p
    T = np.stack([E[t] for t in d.target]); A = np.stack([E[a] for a in d.anchor])
    f[:, 5] = (A * T).sum(1)
    for _, g in d.groupby('anchor').indices.items():
        g = np.asarray(g); pg = p[g]; k = len(g)
        f[g, 1] = (pg.sum() - pg) / max(k - 1, 1) if k > 1 else pg
        S = T[g] @ T[g].T; np.fill_diagonal(S, -np.inf)
        W = np.exp((S - S.max(1, keepdims=True)) / tau) if k > 1 else np.ones((1, 1))
        f[g, 3] = (W @ pg) / W.sum(1) if k > 1 else pg
        f[g, 4] = S.max(1) if k > 1 else 0
        f[g, 6] = np.sqrt(np.maximum((np.sum(pg ** 2) - pg ** 2) / max(k - 1, 1) - f[g, 1] ** 2, 0)) if k > 1 else 0
        f[g, 7] = (np.argsort(np.argsort(pg)) + 0.5) / k
    f[:, 8] = p * f[:, 5]
    f[:, 9] = p ** 2
    for _, g in d.groupby(['anchor', 'context']).indices.items():
        g = np.asarray(g); pg = p[g]; k = len(g)
        f[g, 2] = (pg.sum() - pg) / (k - 1) if k > 1 else f[g, 1]
    return f

def fit_ls(X, y):
    X1 = np.c_[X, np.ones(len(X))]; return np.linalg.lstsq(X1, y, rcond=None)[0]
def apply_ls(w, X): return np.c_[X, np.ones(len(X))] @ w

def nested(X, y, folds):
    o = np.zeros(len(y))
    for k in np.unique(folds):
        tr, va = folds != k, folds == k; o[va] = apply_ls(fit_ls(X[tr], y[tr]), X[va])
    return o

def boot_gain(a, b, y, groups, n=2000, seed=0):
    """Paired bootstrap over anchors of pearson(b) - pearson(a): mean and std."""
    rng = np.random.default_rng(seed); ug, inv = np.unique(groups, return_inverse=True)
    idx = [np.flatnonzero(inv == i) for i in range(len(ug))]; d = []
    for _ in range(n):
        s = np.concatenate([idx[i] for i in rng.integers(0, len(ug), len(ug))])
        d.append(kit.pearson(b[s], y[s]) - kit.pearson(a[s], y[s]))
    return float(np.mean(d)), float(np.std(d))

ef = out / 'emb.npz'
if ef.is_file(): z = np.load(ef, allow_pickle=True); E = dict(zip(z['k'], z['v']))
else:
    E = kit.phrase_embeddings(list(vdf.anchor) + list(vdf.target) + list(google.anchor) + list(google.target))
    np.savez(ef, k=np.array(list(E), object), v=np.stack(list(E.values())))
p = np.load(out / f'val-{tag}.npy').astype(np.float64); y = vdf.score.values.astype(np.float64)
X = features(vdf, p, E); fold_of = kit.anchor_folds(vdf, 4)
names = ['p', 'anchor_mean', 'anchor_ctx_mean', 'sib_sim_mean', 'sib_max_sim', 'zs_cos', 'anchor_std', 'rank', 'p*zs', 'p2']
subsets = {'p': [0], 'p+anchor_mean': [0, 1], 'p+anchor_ctx_mean': [0, 2], 'p+sib_sim_mean': [0, 3],
           'p+anchor_mean+sib_sim_mean': [0, 1, 3], 'p+zs_cos': [0, 5], 'all6': [0, 1, 2, 3, 4, 5],
           'all6+std': [0, 1, 2, 3, 4, 5, 6], 'all6+rank': [0, 1, 2, 3, 4, 5, 7], 'all6+p*zs+p2': [0, 1, 2, 3, 4, 5, 8, 9],
           'p+anchor_mean+sib_max_sim+zs_cos': [0, 1, 4, 5], 'all10': list(range(10))}
res = dict(tag=tag, split_raw=kit.pearson(p, y), subsets={})
base = nested(X[:, [0]], y, fold_of)
for name, cols in subsets.items():
    o = nested(X[:, cols], y, fold_of); g = boot_gain(base, o, y, vdf.anchor.values)
    res['subsets'][name] = dict(nested=kit.pearson(o, y), gain=g[0], gain_std=g[1], weights=fit_ls(X[:, cols], y).tolist())
    print(f'{name:28s} nested {kit.pearson(o, y):.4f}  gain {g[0]:+.4f} ± {g[1]:.4f}', flush=True)
if len(sys.argv) > 2 and sys.argv[2] == 'held':
    choice = sys.argv[3]; cols = subsets[choice]
    h = np.load(out / f'held-{tag}.npy').astype(np.float64); Xh = features(google, h, E)
    w = fit_ls(X[:, cols], y); r = apply_ls(w, Xh[:, cols])
    res['held'] = dict(choice=choice, raw=kit.pearson(h, google.score.values), refined=kit.pearson(r, google.score.values))
    print('held-out', res['held'])
json.dump(res, open(out / f'refine-{tag}.json', 'w'), indent=1, default=float)

# Does a member that reads the pair another way add to the split's blend? `python view_blend.py BASE X1 X2 ...`:
# BASE (comma-separated members, runs/split/NAME-s42-val.npy) blended alone and with each X, NNLS weights and the
# refiner nested over 4 anchor folds of the split's validation rows (as group_blend.py). Split figures only;
# `--out FILE.json` appends the table to FILE.json (a list of tables).
import json, sys, numpy as np, pandas as pd, kit
from pathlib import Path
args = sys.argv[1:]
out = args.pop(args.index('--out') + 1) if '--out' in args else None
args = [a for a in args if a != '--out']
seed = 42
base, extra = args[0].split(','), args[1:]
df, _ = kit.load_data(); trn, val = kit.anchor_split(df); vdf = df.iloc[val].reset_index(drop=True)
y = vdf.score.values; folds = kit.anchor_folds(vdf, 4)
emb = kit.phrase_embeddings(list(vdf.anchor) + list(vdf.target))
load = lambda m: np.load('runs/split/{}-s{}-val.npy'.format(*(m.split('@') if '@' in m else (m, seed)))).astype(np.float64)
V = {m: load(m) for m in base + extra}   # a member NAME@SEED: that seed's run
rows = []
for c in [[m] for m in base + extra] + ([base] if len(base) > 1 else []) + [base + [x] for x in extra] + ([base + extra] if len(extra) > 1 else []):
    b = kit.blend({m: V[m] for m in c}, y, folds) if len(c) > 1 else None
    w = b['weights'] if b else {c[0]: 1.0}
    p = sum(w[m] * V[m] for m in c)
    rf = kit.fit_refiner(vdf, p, folds, emb=emb)
    rows.append(dict(members='+'.join(c), split=b['nested_pearson'] if b else kit.pearson(p, y), refined=rf['nested_pearson'],
                     weights=' '.join(f'{w[m]:.2f}' for m in c)))
with pd.option_context('display.width', 200, 'display.max_colwidth', 80): print(pd.DataFrame(rows).round(4).to_string())
if out:
    old = json.loads(Path(out).read_text()) if Path(out).is_file() else []
    with kit.atomic_write(out) as f: json.dump(old + [rows], f, indent=1, default=float)

# Members trained on the anchor split by split_fit.py (runs/split/NAME-sSEED-{val,held}.npy): each alone, blends (NNLS
# weights nested over 4 anchor folds of the split's validation rows) and the anchor refiner on top (nested likewise).
# `python group_blend.py` prints the split figures only; `python group_blend.py --held-out OUT.json` then scores the same
# combinations once on google/validation.csv, with weights and refiners fitted on all the split's validation rows.
import json, sys, numpy as np, pandas as pd, kit
MEMBERS = sys.argv[sys.argv.index('--members') + 1].split(',') if '--members' in sys.argv else ['group', 'best', 'biencoder']
SEEDS = (42, 43)
df, _ = kit.load_data(); trn, val = kit.anchor_split(df); vdf = df.iloc[val].reset_index(drop=True)
google = kit.read_pairs(kit.data_path().parent / 'google' / 'validation.csv', scored=True)
y, yh = vdf.score.values, google.score.values
folds = kit.anchor_folds(vdf, 4)
emb = kit.phrase_embeddings(list(vdf.anchor) + list(vdf.target) + list(google.anchor) + list(google.target))
load = lambda m, s, part: np.load(f'runs/split/{m}-s{s}-{part}.npy').astype(np.float64)
combos = [[m] for m in MEMBERS] + [['group', 'best'], ['best', 'biencoder'], ['group', 'biencoder'], ['group', 'best', 'biencoder']]
combos = [c for c in combos if all(m in MEMBERS for m in c)]
if len(MEMBERS) > 3: combos += [MEMBERS]   # --members with more: all of them too
rows, held = [], []
for seeds in [(s,) for s in SEEDS] + [SEEDS]:
    V = {m: np.mean([load(m, s, 'val') for s in seeds], 0) for m in MEMBERS}
    H = {m: np.mean([load(m, s, 'held') for s in seeds], 0) for m in MEMBERS}
    for c in combos:
        b = kit.blend({m: V[m] for m in c}, y, folds) if len(c) > 1 else None
        w = b['weights'] if b else {c[0]: 1.0}
        p, ph = sum(w[m] * V[m] for m in c), sum(w[m] * H[m] for m in c)
        rf = kit.fit_refiner(vdf, p, folds, emb=emb)
        row = dict(seeds='+'.join(map(str, seeds)), members='+'.join(c), weights=w,
                   split=b['nested_pearson'] if b else kit.pearson(p, y), refined=rf['nested_pearson'])
        rows.append(row)
        if '--held-out' in sys.argv:
            held.append(dict(row, held_out=kit.pearson(ph, yh), held_out_refined=kit.pearson(kit.refine(google, ph, rf, emb=emb), yh)))
t = pd.DataFrame(held or rows)
with pd.option_context('display.width', 200, 'display.max_colwidth', 60): print(t.drop(columns='weights').round(4).to_string())
if '--held-out' in sys.argv:
    json.dump(held, open(sys.argv[sys.argv.index('--held-out') + 1], 'w'), indent=1, default=float)

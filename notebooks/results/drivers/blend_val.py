# Blends on the anchor-split validation rows only (weights nested over 4 anchor folds of those rows).
import numpy as np, kit
df, _ = kit.load_data(); trn, val = kit.anchor_split(df)
v = df.iloc[val].reset_index(drop=True); y = v.score.values; f = kit.anchor_folds(v, 4)
L = lambda p: np.load(p)
P = {n: (L(f'runs/cpu2/val-{n}-s42.npy') + L(f'runs/cpu2/val-{n}-s43.npy')) / 2 for n in ['walkthrough', 'best', 'best_section', 'best_title_last', 'best_lr1e-3']}
P['best_s42'] = L('runs/cpu2/val-best-s42.npy'); P['cosine'] = L('runs/cpu3/val-cosine.npy')
for n, p in P.items(): print(f'{n:18s} {kit.pearson(p, y):.4f}')
for combo in [['best_s42', 'cosine'], ['best', 'cosine'], ['best', 'best_section', 'best_title_last'],
              ['best', 'best_section', 'best_title_last', 'walkthrough', 'cosine']]:
    r = kit.blend({c: P[c] for c in combo}, y, folds=f); print(combo, r['weights'], round(r['blend_pearson'], 4), 'nested', round(r['nested_pearson'], 4))

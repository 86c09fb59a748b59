# Variants of the `biencoder` recipe on the anchor split (seed 42): lr, CPC titles as the context (a sentence-
# transformer reads titles, not codes), the Pearson loss. Judged alone and as a member beside `best` s42 (nested over
# 4 anchor folds of the split's validation rows). google/validation.csv predictions saved, scored only at the end.
import json, sys, time, numpy as np, kit
from pathlib import Path
out = Path('runs/cpu4'); log = out / 'biencoder-screen.jsonl'
B = kit.RECIPES['biencoder']
cands = {
    'bi_lr1e-4': dict(B, lr=1e-4),
    'bi_lr2e-4': dict(B, lr=2e-4),
    'bi_title': dict(B, inputs=dict(B['inputs'], context='title')),
    'bi_pearson': dict(B, loss='pearson'),
    'bi_e6': dict(B, epochs=6),
    'bi_lr2e-5': dict(B, lr=2e-5),
}
only = sys.argv[1].split(',') if len(sys.argv) > 1 else list(cands)
seed = int(sys.argv[2]) if len(sys.argv) > 2 else 42
df, _ = kit.load_data(); trn, val = kit.anchor_split(df)
google = kit.read_pairs('/work/shared/data/google/validation.csv', scored=True)
vdf = df.iloc[val].reset_index(drop=True); y = vdf.score.values; f = kit.anchor_folds(vdf, 4)
done = {(d['name'], d['seed']) for d in map(json.loads, open(log))} if log.is_file() else set()
best = np.load(f'runs/cpu2/val-best-s{seed}.npy')
for name in only:
    if (name, seed) in done: continue
    t0 = time.time()
    learn = kit.make_learner(cands[name], df, val_idxs=val, seed=seed, progress=False)
    kit.fit_recipe(learn); t = time.time() - t0
    v, h = learn.get_preds(), learn.predict(google)
    np.save(out / f'val-{name}-s{seed}.npy', v); np.save(out / f'held-{name}-s{seed}.npy', h)
    b = kit.blend({'best': best, name: v}, y, folds=f)
    rec = dict(name=name, seed=seed, time=t, split=kit.pearson(v, y), epochs=learn.history.pearson.tolist(),
               with_best=b['nested_pearson'], weights=b['weights'])
    kit.append_jsonl(log, rec); print(json.dumps(rec, default=float), flush=True); kit.free_memory(learn)

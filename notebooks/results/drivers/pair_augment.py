# Target-as-anchor pseudo-labels, measured on the anchor split: train.csv has 733 anchors but ~29k distinct targets, and
# the held-out anchors are unseen, so give the model more "anchors" to learn from. For every target t of an anchor +
# context group of the split's *training* rows, pair it with a random sibling target s of the same group, as
# (anchor=t, target=s, context); a teacher that saw only the training rows scores those pairs; the student (`best`)
# trains on the true rows plus the pseudo-labelled ones and is scored on the split's validation rows (true scores only).
# `python pair_augment.py SEED [n_per_target] [epochs]` -> runs/aug/, notebooks/results/pair-augment.jsonl. The teacher is
# a `best` model fitted here on the training rows. google/validation.csv predictions are saved, not scored here.
import json, sys, time, numpy as np, pandas as pd, torch, kit
from pathlib import Path
torch.set_num_threads(2)
seed = int(sys.argv[1]) if len(sys.argv) > 1 else 42
per = int(sys.argv[2]) if len(sys.argv) > 2 else 1
epochs = int(sys.argv[3]) if len(sys.argv) > 3 else None
out = Path('runs/aug'); out.mkdir(parents=True, exist_ok=True)
df, _ = kit.load_data(); trn, val = kit.anchor_split(df)
google = kit.read_pairs(kit.data_path().parent / 'google' / 'validation.csv', scored=True)
tdf = df.iloc[trn]

rng = np.random.default_rng(seed)
rows = []
for (a, c), g in tdf.groupby(['anchor', 'context']):
    ts = g.target.unique()
    if len(ts) < 2: continue
    for t in ts:
        for s in rng.choice(ts[ts != t], size=min(per, len(ts) - 1), replace=False):
            rows.append((t, s, c))
pairs = pd.DataFrame(rows, columns=['anchor', 'target', 'context']).drop_duplicates(ignore_index=True)
pairs.insert(0, 'id', [f'aug{i}' for i in range(len(pairs))])
print(f'{len(pairs)} target-as-anchor pairs from {len(tdf)} training rows', flush=True)

tpath = out / f'teacher-best-s{seed}'
t0 = time.time()
if (tpath / 'kit.json').is_file():
    teacher = kit.load_learner(tpath)
    tv = np.load(out / f'teacher-best-s{seed}-val.npy')
else:
    teacher = kit.make_learner('best', df, val, trn_idxs=trn, seed=seed, progress=False)
    kit.fit_recipe(teacher); teacher.save(tpath)
    tv = teacher.get_preds(); np.save(out / f'teacher-best-s{seed}-val.npy', tv)
    np.save(out / f'teacher-best-s{seed}-held.npy', teacher.predict(google))
teacher_time = time.time() - t0
pl = np.clip(teacher.predict(pairs), 0, 1)
kit.free_memory(teacher)
pairs['score'] = pl.astype(np.float32)
print('teacher split', kit.pearson(tv, df.score.values[val]), 'pseudo-label mean/std', pl.mean(), pl.std(), flush=True)

aug = pd.concat([df, pairs], ignore_index=True)
trn_aug = np.r_[trn, np.arange(len(df), len(aug))]
t0 = time.time()
learn = kit.make_learner(kit.resolve_recipe('best', epochs=epochs), aug, val, trn_idxs=trn_aug, seed=seed, progress=False)
kit.fit_recipe(learn)
fit = time.time() - t0
v = learn.get_preds()
key = f'aug-per{per}-e{epochs or 4}-s{seed}'
np.save(out / f'{key}-val.npy', v); np.save(out / f'{key}-held.npy', learn.predict(google))
res = dict(name=key, seed=seed, n_pairs=len(pairs), per_target=per, epochs=epochs or 4, teacher_split=kit.pearson(tv, df.score.values[val]),
           student_split=kit.pearson(v, df.score.values[val]), teacher_time=teacher_time, fit_time=fit,
           history=learn.history.to_dict('list'))
print(json.dumps(res, default=float), flush=True)
with open('notebooks/results/pair-augment.jsonl', 'a') as f: f.write(json.dumps(res, default=float) + '\n')

# A second round of pseudo-labelling on the anchor split: the validation pairs relabelled by the first round's students
# (the `best` and `group` students of pseudo_split.py, seed 42, standardised and averaged with equal weights fixed
# beforehand; no validation score read), the training rows as in round one (distilled from the refined teacher), and
# a new `best` student trained on both, scored on the validation rows' true scores. -> tests/results/pseudo-split.jsonl
# (Record 5 used the first round's students of records 1-2; record 9, rerun, those of records 6 and 8.)
import json, sys, time, numpy as np, pandas as pd, torch, kit
from pathlib import Path
torch.set_num_threads(2)
seed = int(sys.argv[1]) if len(sys.argv) > 1 else 42
out = Path('runs/cpu6')
df, _ = kit.load_data(); trn, val = kit.anchor_split(df)
tdf, vdf = df.iloc[trn].reset_index(drop=True), df.iloc[val].reset_index(drop=True)
y, yv = tdf.score.values, vdf.score.values
folds = kit.anchor_folds(tdf, 4, seed=42)
runs = {r['name']: r for r in kit.read_log(out / 'cv')}
R = {n: kit.load_run(out / 'cv', runs[f'{n}-inner']['run_id']) for n in ('group', 'best')}
w = json.load(open('tests/results/distill-split2.json'))['weights']
oof = sum(w[n] * R[n]['oof'] for n in w)
emb = kit.phrase_embeddings(list(df.anchor) + list(df.target))
teach_trn = kit.refine_oof(tdf, oof, folds, emb=emb)
z = lambda p: (p - p.mean()) / p.std()
firsts = [np.load(out / f'val-pseudo-refined-distilled-{s}-s42.npy') for s in ('best', 'group')]
teach_val = sum(map(z, firsts)) / 2
d = pd.concat([kit.distill_labels(tdf, teach_trn, alpha=0.5), kit.pseudo_labels(vdf, teach_val, tdf, teach_trn), vdf],
              ignore_index=True)
n2 = 2 * len(vdf) + len(tdf) - len(vdf)
rec = dict(seed=seed, student='best', teacher='round 2: best + group pseudo-label students (s42), averaged',
           train_labels='distilled', map='kit.pseudo_labels', share=1.0, rows=len(vdf), teacher_val=kit.pearson(teach_val, yv))
print(json.dumps(rec), flush=True)
t0 = time.time()
learn = kit.make_learner('best', d, val_idxs=np.arange(n2, len(d)), trn_idxs=np.arange(n2), seed=seed, progress=False)
kit.fit_recipe(learn); rec['time'] = time.time() - t0
v = learn.get_preds(); np.save(out / f'val-pseudo-round2-best-s{seed}.npy', v)
rec.update(split=kit.pearson(v, yv), history=learn.history.to_dict('list'))
kit.append_jsonl('tests/results/pseudo-split.jsonl', rec)
print(json.dumps(rec, default=float), flush=True)

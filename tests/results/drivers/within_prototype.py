# Prototype, outside the kit: the `group` model's Pearson loss plus a within-sequence one. Most of the score's variance
# lies between the targets of one anchor and context (on the anchor split, true anchor means with `best`'s deviations
# score 0.78, `best`'s means with true deviations 0.98), and each group sequence holds the siblings of one anchor and
# context, so the loss can ask for their order directly: loss = (1 - r_batch) + LAM * mean over sequences of (1 - r_seq).
# `python within_prototype.py SEED [LAM]`: anchor-split Pearson, appended to tests/results/within-prototype.jsonl.
import json, sys, time, numpy as np, torch, kit
from pathlib import Path
torch.set_num_threads(2)
seed = int(sys.argv[1]); lam = float(sys.argv[2]) if len(sys.argv) > 2 else 1.0
_loss = kit.Learner._loss

def seq_corr(p, y, w):
    """Pearson within each row of (B, T) predictions, weighted; sequences with no spread in y get weight 0."""
    W = w.sum(1).clamp(min=1)
    dp = (p - (p * w).sum(1, keepdim=True) / W[:, None]) * w
    dy = (y - (y * w).sum(1, keepdim=True) / W[:, None]) * w
    vy = (dy * dy).sum(1)
    r = (dp * dy).sum(1) / (((dp * dp).sum(1) + 1e-12).sqrt() * (vy + 1e-12).sqrt() + 1e-8)
    ok = (vy > 1e-6) & (w.sum(1) >= 3)
    return r, ok

def within_loss(self, logits, b, n_global):
    s, loss = _loss(self, logits, b, n_global)
    if 'slots' not in b or not self.model.training or lam == 0: return s, loss
    B = len(b['input_ids'])
    r, ok = seq_corr(logits.view(B, -1), b['labels'].view(B, -1), b['weight'].view(B, -1))
    if ok.any(): loss = loss + lam * (1 - r[ok]).mean()
    return s, loss
kit.Learner._loss = within_loss

df, _ = kit.load_data(); trn, val = kit.anchor_split(df)
google = kit.read_pairs(kit.data_path().parent / 'google' / 'validation.csv', scored=True)
out = Path('runs/split'); out.mkdir(parents=True, exist_ok=True)
name = f'group-within{lam}'
t0 = time.time()
learn = kit.make_learner('group', df, val, trn_idxs=trn, seed=seed, progress=False)
kit.fit_recipe(learn)
fit = time.time() - t0
v = learn.get_preds(); h = learn.predict(google)
np.save(out / f'{name}-s{seed}-val.npy', v); np.save(out / f'{name}-s{seed}-held.npy', h)
y = df.score.values[val]; g = (df.anchor + '|' + df.context).values[val]
within = np.mean([np.corrcoef(v[g == k], y[g == k])[0, 1] for k in np.unique(g) if (g == k).sum() > 4 and y[g == k].std() > 0])
res = dict(name=name, lam=lam, seed=seed, split=kit.pearson(v, y), within=within, fit_time=fit,
           history=learn.history.to_dict('list'))
print(json.dumps(res, default=float))
with open('tests/results/within-prototype.jsonl', 'a') as f: f.write(json.dumps(res, default=float) + '\n')

# Prototype, outside the kit: `best` trained with FGM adversarial training (Miyato et al.; the USPPPM winners used it
# or AWP): after each backward, the word embeddings are pushed by eps along their normalised gradient, the batch is
# run again and its gradient added, then the embeddings are put back before the optimizer step (2x the compute).
# `python fgm_prototype.py SEED [EPS] [RECIPE]`: anchor-split Pearson, appended to tests/results/fgm-prototype.jsonl.
import json, sys, time, numpy as np, torch, kit
from pathlib import Path
torch.set_num_threads(2)
seed = int(sys.argv[1]); eps = float(sys.argv[2]) if len(sys.argv) > 2 else 1.0
recipe = sys.argv[3] if len(sys.argv) > 3 else 'best'

def fgm_step(self, b, i, n_global, eager=False):
    emb = self.model.get_input_embeddings().weight if hasattr(self.model, 'get_input_embeddings') else \
        self.model.backbone.get_input_embeddings().weight
    with self._autocast(): logits = self._logits(self.train_model, b)
    s, loss = self._loss(logits, b, n_global)
    loss.backward()
    g = emb.grad
    norm = g.norm()
    if eps > 0 and torch.isfinite(norm) and norm > 0:
        r = eps * g / norm
        emb.data.add_(r)
        with self._autocast(): logits_adv = self._logits(self.train_model, b)
        self._loss(logits_adv, b, n_global)[1].backward()
        emb.data.sub_(r)
    if self.clip: torch.nn.utils.clip_grad_norm_(self.model.parameters(), self.clip, foreach=True)
    self.opt.step(); self.opt.zero_grad(set_to_none=True)
    self._ema_step()
    self._loss_buf[i] = s.detach()
kit.Learner._step = fgm_step

df, _ = kit.load_data(); trn, val = kit.anchor_split(df)
google = kit.read_pairs(kit.data_path().parent / 'google' / 'validation.csv', scored=True)
out = Path('runs/split'); out.mkdir(parents=True, exist_ok=True)
name = f'{recipe}-fgm{eps}'
t0 = time.time()
learn = kit.make_learner(recipe, df, val, trn_idxs=trn, seed=seed, progress=False)
assert learn.scaler is None and not learn.use_graphs, 'prototype: CPU / eager path only'
kit.fit_recipe(learn)
fit = time.time() - t0
v = learn.get_preds(); h = learn.predict(google)
np.save(out / f'{name}-s{seed}-val.npy', v); np.save(out / f'{name}-s{seed}-held.npy', h)
res = dict(name=name, recipe=recipe, eps=eps, seed=seed, split=kit.pearson(v, df.score.values[val]), fit_time=fit,
           history=learn.history.to_dict('list'))
print(json.dumps(res, default=float))
with open('tests/results/fgm-prototype.jsonl', 'a') as f: f.write(json.dumps(res, default=float) + '\n')

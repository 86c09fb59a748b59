# Prototype, outside the kit: `best` trained with AWP (adversarial weight perturbation, Wu et al. 2020), as the
# USPPPM solutions ran it (8th place, discussion 332492): after the clean backward every weight matrix ('weight' in its
# name) moves by adv_lr * g/|g| * |w| (per tensor), clamped to w ± adv_eps * |w| elementwise; the clean gradient is
# dropped, the batch is run at the perturbed weights, its gradient is the step's, and the weights are put back before
# the optimizer step (SAM-like; 2x the compute). `mode=add` keeps the clean gradient and adds the adversarial one (as
# the kit's FGM does). `python awp_prototype.py SEED [ADV_LR] [ADV_EPS] [MODE] [RECIPE] [START_EPOCH]`: anchor-split
# Pearson, appended to tests/results/awp-prototype.jsonl.
import json, sys, time, numpy as np, torch, kit
from pathlib import Path
torch.set_num_threads(2)
seed = int(sys.argv[1]); adv_lr = float(sys.argv[2]) if len(sys.argv) > 2 else 1.0
adv_eps = float(sys.argv[3]) if len(sys.argv) > 3 else 1e-2
mode = sys.argv[4] if len(sys.argv) > 4 else 'replace'
recipe = sys.argv[5] if len(sys.argv) > 5 else 'best'
start_epoch = int(sys.argv[6]) if len(sys.argv) > 6 else 0
state = dict(step=0, steps_per_epoch=None)

def awp(self, b, n_global):
    state['step'] += 1
    if state['steps_per_epoch'] and state['step'] <= start_epoch * state['steps_per_epoch']: return
    params = [p for n, p in self.model.named_parameters() if p.requires_grad and p.grad is not None and 'weight' in n]
    saved = []
    with torch.no_grad():
        for p in params:
            g = p.grad.norm()
            if not torch.isfinite(g) or g == 0: continue
            w0 = p.detach().clone(); lim = adv_eps * w0.abs()
            p.add_(p.grad * (adv_lr * w0.norm() / (g + 1e-6)))
            p.copy_(torch.minimum(torch.maximum(p, w0 - lim), w0 + lim))
            saved.append((p, w0))
    if mode == 'replace': self.opt.zero_grad(set_to_none=True)
    try:
        with self._autocast(): logits = self._logits(self.train_model, b)
        self._backward(self._loss(logits, b, n_global)[1])
    finally:
        with torch.no_grad():
            for p, w0 in saved: p.copy_(w0)
kit.Learner._fgm = awp

df, _ = kit.load_data(); trn, val = kit.anchor_split(df)
google = kit.read_pairs(kit.data_path().parent / 'google' / 'validation.csv', scored=True)
out = Path('runs/split'); out.mkdir(parents=True, exist_ok=True)
name = f'{recipe}-awp{adv_lr:g}-{adv_eps:g}-{mode}' + (f'-from{start_epoch}' if start_epoch else '')
r = dict(kit.resolve_recipe(recipe), adv=1.0)   # adv set: the kit calls _fgm after each clean backward
t0 = time.time()
learn = kit.make_learner(r, df, val, trn_idxs=trn, seed=seed, progress=False)
assert learn.scaler is None and not learn.use_graphs, 'prototype: CPU / eager path only'
state['steps_per_epoch'] = len(learn.dls.train)
kit.fit_recipe(learn, r)
fit = time.time() - t0
v = learn.get_preds(); h = learn.predict(google)
np.save(out / f'{name}-s{seed}-val.npy', v); np.save(out / f'{name}-s{seed}-held.npy', h)
res = dict(name=name, recipe=recipe, adv_lr=adv_lr, adv_eps=adv_eps, mode=mode, start_epoch=start_epoch, seed=seed,
           split=kit.pearson(v, df.score.values[val]), fit_time=fit, history=learn.history.to_dict('list'))
print(json.dumps(res, default=float))
kit.append_jsonl('tests/results/awp-prototype.jsonl', res)

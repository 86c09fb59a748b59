# A deeper model from the embedded one (depth up-scaling, as SOLAR did): each of MiniLM's 6 layers duplicated in place
# (12 layers, 2x the compute), then `best` fine-tuned as usual with llrd 0.8 ** 0.5 per layer (the same spread over the
# depth). Anchor split, `python grow_prototype.py SEED` -> runs/split/grow-*.npy, tests/results/grow-prototype.jsonl.
import copy, json, sys, time, numpy as np, torch, kit
from torch import nn
torch.set_num_threads(2)
seed = int(sys.argv[1]) if len(sys.argv) > 1 else 42
orig = kit.get_hf_objects
def grown(*a, **k):
    arch, config, tokz, model = orig(*a, **k)
    enc = model.base_model.encoder
    enc.layer = nn.ModuleList([copy.deepcopy(l) for l in enc.layer for _ in (0, 1)])
    model.config.num_hidden_layers = len(enc.layer)
    return arch, config, tokz, model
kit.get_hf_objects = grown
df, _ = kit.load_data(); trn, val = kit.anchor_split(df)
google = kit.read_pairs(kit.data_path().parent / 'google' / 'validation.csv', scored=True)
r = kit.resolve_recipe('best', llrd=0.8 ** 0.5)
t0 = time.time()
learn = kit.make_learner(r, df, val, trn_idxs=trn, seed=seed, progress=False)
assert len(learn.model.base_model.encoder.layer) == 12
kit.fit_recipe(learn, r); fit = time.time() - t0
v = learn.get_preds(); np.save(f'runs/split/grow-s{seed}-val.npy', v); np.save(f'runs/split/grow-s{seed}-held.npy', learn.predict(google))
res = dict(name='best, 6 layers duplicated to 12', seed=seed, split=kit.pearson(v, df.score.values[val]), fit_time=fit,
           history=learn.history.to_dict('list'))
print(json.dumps(res, default=float))
with open('tests/results/grow-prototype.jsonl', 'a') as f: f.write(json.dumps(res, default=float) + '\n')

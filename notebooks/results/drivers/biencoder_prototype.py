# Prototype, not in kit.py: the embedded sentence-transformer fine-tuned as a bi-encoder (cosine of mean-pooled
# embeddings regressed on the score, as sentence-transformers' CosineSimilarityLoss), as a blend member beside `best`.
# Anchor split, seed 42 (or argv[1]); google/validation.csv predicted, scored only at the end with weights fitted on the split.
import json, sys, time, math, numpy as np, torch, torch.nn.functional as F, kit
SEED = int(sys.argv[1]) if len(sys.argv) > 1 else 42
from transformers import AutoModel, AutoTokenizer
torch.manual_seed(SEED); rng = np.random.default_rng(SEED)
df, _ = kit.load_data(); trn, val = kit.anchor_split(df)
google = kit.read_pairs('/work/shared/data/google/validation.csv', scored=True)
ck = kit.default_checkpoint(); tok = AutoTokenizer.from_pretrained(ck); model = AutoModel.from_pretrained(ck)
def text(d, col): return (d.context.astype(str) + ' ' + d[col].astype(str)).tolist()   # the CPC code on both sides
def embed(texts):
    b = tok(texts, padding=True, truncation=True, max_length=64, return_tensors='pt')
    with torch.autocast('cpu', dtype=torch.bfloat16):
        h = model(input_ids=b['input_ids'], attention_mask=b['attention_mask']).last_hidden_state.float()
    m = b['attention_mask'].unsqueeze(-1).float()
    return F.normalize((h * m).sum(1) / m.sum(1), dim=-1)
@torch.no_grad()
def predict(d, bs=512):
    model.eval(); out = []
    for i in range(0, len(d), bs): out.append((embed(text(d.iloc[i:i+bs], 'anchor')) * embed(text(d.iloc[i:i+bs], 'target'))).sum(-1))
    model.train(); return torch.cat(out).numpy()
EPOCHS, BS, LR = 4, 64, 5e-5
tr = df.iloc[trn].reset_index(drop=True); steps = EPOCHS * math.ceil(len(tr) / BS)
opt = torch.optim.AdamW(model.parameters(), lr=LR, weight_decay=0.01)
sched = torch.optim.lr_scheduler.OneCycleLR(opt, LR, total_steps=steps, pct_start=0.1)
t0 = time.time(); hist = []
for ep in range(EPOCHS):
    perm = rng.permutation(len(tr))
    for i in range(0, len(tr), BS):
        d = tr.iloc[perm[i:i+BS]]
        cos = (embed(text(d, 'anchor')) * embed(text(d, 'target'))).sum(-1)
        loss = F.mse_loss(cos, torch.tensor(d.score.values, dtype=torch.float32))
        opt.zero_grad(); loss.backward(); opt.step(); sched.step()
    v = predict(df.iloc[val]); hist.append(kit.pearson(v, df.score.values[val])); print(ep, hist[-1], time.time() - t0, flush=True)
np.save(f'runs/cpu3/val-biencoder-s{SEED}.npy', v); h = predict(google); np.save(f'runs/cpu3/held-biencoder-s{SEED}.npy', h)
# blend with `best` (same seed, runs/cpu2) on the split's validation rows, nested over 4 anchor folds of those rows
vdf = df.iloc[val].reset_index(drop=True); y = vdf.score.values; f = kit.anchor_folds(vdf, 4)
P = dict(best=np.load(f'runs/cpu2/val-best-s{SEED}.npy'), biencoder=v, cosine=np.load('runs/cpu3/val-cosine.npy'))
H = dict(best=np.load(f'runs/cpu2/held-best-s{SEED}.npy'), biencoder=h, cosine=np.load('runs/cpu3/held-cosine.npy'))
res = dict(hist=hist, time=time.time() - t0)
for combo in (['best', 'biencoder'], ['best', 'cosine'], ['best', 'biencoder', 'cosine']):
    b = kit.blend({k: P[k] for k in combo}, y, folds=f)
    res['+'.join(combo)] = dict(weights=b['weights'], split=b['blend_pearson'], nested=b['nested_pearson'],
                                google=kit.pearson(sum(b['weights'][k] * H[k] for k in combo), google.score.values))
res['google_single'] = {k: kit.pearson(H[k], google.score.values) for k in H}
print(json.dumps(res, indent=1, default=float)); json.dump(res, open(f'runs/cpu3/biencoder-s{SEED}.json', 'w'), indent=1, default=float)

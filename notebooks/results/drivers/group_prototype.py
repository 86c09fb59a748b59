# Prototype, not in kit.py: score all the targets of one anchor (and context) in one sequence, as the top USPPPM
# solutions did ("target lists", per-target outputs): [CLS] context [SEP] anchor [SEP] t1 [SEP] t2 [SEP] ... and one
# score per target from the mean of its tokens (and the CLS state). Each target sees its siblings, which is what the
# anchor refiner found worth +0.02 post hoc, and it is ~3x fewer tokens than one pair per row.
# Anchor split, seed 42 (or argv[1]); options as key=value after it. google/validation.csv is only predicted (save=PREFIX),
# and scored once, at the end, by another script: choices are made on the anchor split alone.
import json, sys, time, math, numpy as np, torch, torch.nn as nn, torch.nn.functional as F, kit
from transformers import AutoModel, AutoTokenizer
torch.set_num_threads(2)
SEED = int(sys.argv[1]) if len(sys.argv) > 1 else 42
O = dict(epochs=4, lr=6e-4, llrd=0.8, bs=16, K=32, loss='pearson', tta=4, group='anchor_context', head='cat',
         wd=0.01, pct=0.25, name='', save='', ctx='code')
for a in sys.argv[2:]:
    k, v = a.split('=', 1); O[k] = type(O[k])(v) if not isinstance(O[k], str) else v
torch.manual_seed(SEED)
df, _ = kit.load_data(); trn, val = kit.anchor_split(df)
google = kit.read_pairs('/work/shared/data/google/validation.csv', scored=True)
ck = kit.default_checkpoint(); tok = AutoTokenizer.from_pretrained(ck)
CLS, SEP, PAD = tok.cls_token_id, tok.sep_token_id, tok.pad_token_id


class GroupModel(nn.Module):
    def __init__(self):
        super().__init__()
        self.backbone = AutoModel.from_pretrained(ck)
        H = self.backbone.config.hidden_size
        self.head = nn.Linear(2 * H if O['head'] == 'cat' else H, 1)

    def forward(self, ids, mask, pool):  # pool: (B, T, L) rows sum to 1 over a target's tokens
        h = self.backbone(input_ids=ids, attention_mask=mask).last_hidden_state.float()
        t = torch.bmm(pool, h)                               # (B, T, H): each target's mean token state
        if O['head'] == 'cat': t = torch.cat([t, h[:, :1].expand(-1, t.shape[1], -1)], -1)
        return self.head(t).squeeze(-1)                      # (B, T)


def toks(strings):
    u = list(dict.fromkeys(strings))
    return dict(zip(u, tok(u, add_special_tokens=False)['input_ids']))


def groups_of(d):
    keys = ['anchor', 'context'] if O['group'] == 'anchor_context' else ['anchor']
    return list(d.reset_index(drop=True).groupby(keys, sort=False).indices.values())


def chunks(d, rng):
    """Row positions of each sequence: every group's targets (shuffled when rng is given) in near-equal chunks <= K."""
    out = []
    for pos in groups_of(d):
        if rng is not None: pos = rng.permutation(pos)
        out += np.array_split(pos, math.ceil(len(pos) / O['K']))
    return out


TITLES = kit.load_cpc_texts() if O['ctx'] == 'title' else None


def encode(d, T):
    """Per row of d: its anchor/context/target token ids, looked up once (the context as its CPC title if ctx=title)."""
    ctx = d.context if TITLES is None else d.context.map(TITLES)
    return (d.anchor.map(T).tolist(), ctx.map(T).tolist(), d.target.map(T).tolist(),
            d.context.tolist(), d.anchor.tolist())


def collate(E, rows):
    A, C, Tg, ctx, anc = E
    seqs, spans = [], []
    for r in rows:
        r0 = r[0]
        s = [CLS] + C[r0] + [SEP] + A[r0] + [SEP]
        sp = []
        for q in r:
            if O['group'] == 'anchor': s += C[q]            # each target carries its own context when grouped by anchor
            sp.append((len(s), len(s) + len(Tg[q]))); s += Tg[q] + [SEP]
        seqs.append(s[:512]); spans.append(sp)
    B, L, Tm = len(seqs), max(map(len, seqs)), max(map(len, rows))
    ids = torch.full((B, L), PAD); mask = torch.zeros(B, L, dtype=torch.long); pool = torch.zeros(B, Tm, L)
    for i, (s, sp) in enumerate(zip(seqs, spans)):
        ids[i, :len(s)] = torch.tensor(s); mask[i, :len(s)] = 1
        for j, (a, b) in enumerate(sp):
            b = min(b, L); pool[i, j, a:b] = 1 / max(b - a, 1)
    return ids, mask, pool


def wcorr(p, y):
    p, y = p - p.mean(), y - y.mean()
    return (p * y).sum() / (p.norm() * y.norm() + 1e-8)


@torch.no_grad()
def predict(model, d, n_tta):
    model.eval(); E = encode(d, T); out = np.zeros(len(d)); n = 0
    for t in range(n_tta):
        rng = None if t == 0 else np.random.default_rng(1000 + t)   # first pass in frame order, then shuffles
        ch = chunks(d, rng); ch.sort(key=len)
        p = np.zeros(len(d))
        for i in range(0, len(ch), 64):
            rows = ch[i:i + 64]; ids, mask, pool = collate(E, rows)
            with torch.autocast('cpu', dtype=torch.bfloat16): o = model(ids, mask, pool).float()
            for j, r in enumerate(rows): p[r] = o[j, :len(r)].numpy()
        out += p; n += 1
    model.train(); return out / n


d_tr = df.iloc[trn].reset_index(drop=True); d_val = df.iloc[val].reset_index(drop=True)
T = toks((df.anchor.tolist() + df.target.tolist() + df.context.tolist() +
                        google.anchor.tolist() + google.target.tolist() + google.context.tolist() +
          (list(TITLES.values()) if TITLES else [])))
E_tr = encode(d_tr, T); y_tr = torch.tensor(d_tr.score.values, dtype=torch.float32)
model = GroupModel()
# layer groups as kit.layer_groups: embeddings, each encoder layer, head; llrd spreads the lr over them
layers = [model.backbone.embeddings] + list(model.backbone.encoder.layer) + [model.head]
ng = len(layers); groups = []
for gi, m in enumerate(layers):
    lr = O['lr'] * (O['llrd'] ** (ng - 1 - gi) if O['llrd'] else 1)
    dec = [p for p in m.parameters() if p.ndim > 1]; nod = [p for p in m.parameters() if p.ndim <= 1]
    groups += [dict(params=dec, weight_decay=O['wd'], lr=lr, max_lr=lr), dict(params=nod, weight_decay=0., lr=lr, max_lr=lr)]
opt = torch.optim.AdamW(groups, betas=(0.9, 0.99), eps=1e-5)
rng = np.random.default_rng(SEED)
n_batches = math.ceil(len(chunks(d_tr, None)) / O['bs']); steps = O['epochs'] * n_batches
sched = kit.one_cycle(steps, O['pct'])
t0, hist, step = time.time(), [], 0
for ep in range(O['epochs']):
    ch = chunks(d_tr, rng); perm = rng.permutation(len(ch)); ch = [ch[k] for k in perm]
    for i in range(0, len(ch), O['bs']):
        rows = ch[i:i + O['bs']]; ids, mask, pool = collate(E_tr, rows)
        m = sched[min(step, steps - 1)]
        for g in opt.param_groups: g['lr'] = g['max_lr'] * m
        with torch.autocast('cpu', dtype=torch.bfloat16): o = model(ids, mask, pool).float()
        valid = torch.zeros_like(o, dtype=torch.bool)
        for j, r in enumerate(rows): valid[j, :len(r)] = True
        p = o[valid]; y = torch.cat([y_tr[torch.as_tensor(r)] for r in rows])
        loss = 1 - wcorr(p, y) if O['loss'] == 'pearson' else F.mse_loss(p, y)
        opt.zero_grad(); loss.backward(); opt.step(); step += 1
    v = predict(model, d_val, 1); hist.append(kit.pearson(v, d_val.score.values))
    print(ep, round(hist[-1], 4), round(time.time() - t0), flush=True)
fit_time = time.time() - t0
res = dict(opts=O, seed=SEED, hist=hist, time=fit_time)
for n in sorted({1, 4, O['tta']}):
    res[f'split_tta{n}'] = kit.pearson(predict(model, d_val, n), d_val.score.values)
v = predict(model, d_val, O['tta']); h = predict(model, google, O['tta'])
if O['save']: np.save(f"{O['save']}-val.npy", v); np.save(f"{O['save']}-held.npy", h)
print(json.dumps(res, default=float))
with open('runs/group-prototype.jsonl', 'a') as f: f.write(json.dumps(res, default=float) + '\n')

# Prototype, not in kit.py: domain adaptation by masked-language modelling before fine-tuning. The embedded model is
# trained with MLM (15% of tokens masked) on the input texts of the anchor split's *training* rows (no labels; the
# validation anchors and google/validation.csv never seen), then `best` is fine-tuned from it (anchor split, seed 42)
# and compared with `best` from the original weights (runs/cpu2/val-best-s42.npy, 0.7589). google/validation.csv
# predictions saved, scored only at the end.
import json, sys, time, math, numpy as np, torch, kit
from pathlib import Path
from transformers import AutoModelForMaskedLM, AutoTokenizer, DataCollatorForLanguageModeling
SEED, EPOCHS, LR, BS = 42, int(sys.argv[1]) if len(sys.argv) > 1 else 2, 1e-4, 64
out = Path('runs/cpu4'); folder = out / f'mlm-e{EPOCHS}'
df, _ = kit.load_data(); trn, val = kit.anchor_split(df)
google = kit.read_pairs('/work/shared/data/google/validation.csv', scored=True)
ck = kit.default_checkpoint(); tok = AutoTokenizer.from_pretrained(ck)
kit.set_seed(SEED)
model = AutoModelForMaskedLM.from_pretrained(ck)
texts = kit.build_inputs(df.iloc[trn], sep=f' {tok.sep_token} ')
texts = list(dict.fromkeys(texts))
enc = tok(texts, truncation=True, max_length=64)['input_ids']
coll = DataCollatorForLanguageModeling(tok, mlm_probability=0.15)
opt = torch.optim.AdamW(model.parameters(), lr=LR, weight_decay=0.01)
steps = EPOCHS * math.ceil(len(enc) / BS)
sched = torch.optim.lr_scheduler.OneCycleLR(opt, LR, total_steps=steps, pct_start=0.1)
rng = np.random.default_rng(SEED); t0 = time.time(); model.train(); losses = []
for ep in range(EPOCHS):
    perm = rng.permutation(len(enc))
    for i in range(0, len(enc), BS):
        b = coll([{'input_ids': enc[j]} for j in perm[i:i + BS]])
        with torch.autocast('cpu', dtype=torch.bfloat16): loss = model(**b).loss
        opt.zero_grad(); loss.backward(); opt.step(); sched.step(); losses.append(loss.item())
    print(ep, np.mean(losses[-100:]), time.time() - t0, flush=True)
mlm_time = time.time() - t0
# the adapted encoder into the original model, which keeps its pretrained pooler (MLM models have none; the CLS head uses it)
from transformers import AutoModel
enc_model = AutoModel.from_pretrained(ck); r = enc_model.load_state_dict(model.base_model.state_dict(), strict=False)
assert not r.unexpected_keys and all('pooler' in k for k in r.missing_keys), r
enc_model.save_pretrained(folder); tok.save_pretrained(folder)
t0 = time.time()
learn = kit.make_learner(dict(kit.RECIPES['best'], model=str(folder)), df, val_idxs=val, seed=SEED, progress=False)
kit.fit_recipe(learn); fit_time = time.time() - t0
v, h = learn.get_preds(), learn.predict(google)
np.save(out / f'val-best_mlm{EPOCHS}-s{SEED}.npy', v); np.save(out / f'held-best_mlm{EPOCHS}-s{SEED}.npy', h)
y = df.score.values[val]
res = dict(mlm_epochs=EPOCHS, mlm_texts=len(enc), mlm_time=mlm_time, mlm_loss_first=float(np.mean(losses[:50])),
           mlm_loss_last=float(np.mean(losses[-50:])), fit_time=fit_time, split=kit.pearson(v, y),
           split_best_plain=kit.pearson(np.load(f'runs/cpu2/val-best-s{SEED}.npy'), y),
           epochs=learn.history.pearson.tolist())
print(json.dumps(res, indent=1, default=float)); json.dump(res, open(out / f'mlm-e{EPOCHS}.json', 'w'), indent=1, default=float)

# Prototype, not in kit.py: one group model trained on both views of every row, its anchor's targets together (chunks
# of up to group_size, bs 8 sequences) and the row alone (`[CLS] context [SEP] anchor [SEP] target [SEP]`, batches of
# 128 rows), the two kinds of batches interleaved at random. `group` and `best` blended give +0.02 over either on the
# anchor split: does one model with both views get there? Predicts each view apart (the group view with the recipe's
# passes, the single view with chunks of one row) and their mean. Anchor split; held-out predictions only saved.
import json, sys, time, numpy as np, torch, kit
from pathlib import Path
torch.set_num_threads(2)
seed = int(sys.argv[1]) if len(sys.argv) > 1 else 42
SINGLES_BS = int(sys.argv[2]) if len(sys.argv) > 2 else 128
df, _ = kit.load_data(); trn, val = kit.anchor_split(df)
google = kit.read_pairs(kit.data_path().parent / 'google' / 'validation.csv', scored=True)
out = Path('runs/split'); out.mkdir(parents=True, exist_ok=True)


class MultiViewLoader(kit.GroupLoader):
    def __len__(self): return super().__len__() + -(-len(self.rows) // SINGLES_BS)

    def batches(self, epoch=0):
        if not self.shuffle: return super().batches(epoch)
        b = super().batches(epoch)
        rng = np.random.default_rng([self.seed, epoch, 1])
        perm = rng.permutation(len(self.rows))
        b += [[perm[i:i + 1] for i in range(j, min(j + SINGLES_BS, len(perm)))] for j in range(0, len(perm), SINGLES_BS)]
        return [b[k] for k in rng.permutation(len(b))]


t0 = time.time()
learn = kit.make_learner('group', df, val, trn_idxs=trn, seed=seed, progress=False)
tr = learn.dls.train
learn.dls.train = MultiViewLoader(tr.tokens, tr.labels, tr.rows, tr.bs, True, tr.seed, tr.pad_id)
kit.fit_recipe(learn)
fit = time.time() - t0


def views(d):
    g = learn.predict(d)
    toks = kit.make_tokens(learn.get_x(d.reset_index(drop=True)), learn.tokenizer, learn.max_length, group_size=1)
    s = learn._predict_loader(kit.make_loader(toks, np.zeros(len(d), np.float32), np.arange(len(d)), 256, False, 0, learn.pad_id), passes=1)
    return g, s


y = df.score.values[val]
gv, sv = views(df.iloc[val]); gh, sh = views(google)
name = f'multiview-bs{SINGLES_BS}'
for view, v, h in (('group', gv, gh), ('single', sv, sh), ('mean', (gv + sv) / 2, (gh + sh) / 2)):
    np.save(out / f'{name}-{view}-s{seed}-val.npy', v); np.save(out / f'{name}-{view}-s{seed}-held.npy', h)
vdf = df.iloc[val].reset_index(drop=True)
b = kit.blend({'group': gv, 'single': sv}, y, kit.anchor_folds(vdf, 4))
res = dict(name=name, seed=seed, fit_time=fit, group_view=kit.pearson(gv, y), single_view=kit.pearson(sv, y),
           mean=kit.pearson((gv + sv) / 2, y), blend_nested=b['nested_pearson'], weights=b['weights'],
           history=learn.history.to_dict('list'))
print(json.dumps(res, default=float))
with open(out / 'log.jsonl', 'a') as f: f.write(json.dumps(res, default=float) + '\n')

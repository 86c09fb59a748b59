# lr_find of a recipe (default `best`) on each embedded backbone, on the anchor split's training rows (seed 42), to carry
# the recipe's lr across model sizes: `python lr_find_backbones.py [names] [recipe]`
# -> notebooks/results/lr-find-backbones.json (keyed NAME for `best`, RECIPE@NAME otherwise)
import json, sys, time, numpy as np, torch, kit
from pathlib import Path
torch.set_num_threads(2)
names = sys.argv[1].split(',') if len(sys.argv) > 1 and sys.argv[1] else list(kit.BACKBONES)
recipe = sys.argv[2] if len(sys.argv) > 2 else 'best'
df, _ = kit.load_data(); trn, val = kit.anchor_split(df)
out = Path('notebooks/results/lr-find-backbones.json')
res = json.loads(out.read_text()) if out.is_file() else {}
for name in names:
    t0 = time.time()
    learn = kit.make_learner(kit.resolve_recipe(recipe, model=name), df, [], trn_idxs=trn, progress=False)
    r = learn.lr_find(show_plot=False)
    fr = learn.lr_find_results
    key = name if recipe == 'best' else f'{recipe}@{name}'
    res[key] = dict(suggestions={k: float(v) for k, v in r.items()}, lrs=fr['lrs'].tolist(), losses=fr['losses'].tolist(),
                     n_groups=learn.n_groups, time=time.time() - t0)
    print(key, res[key]['suggestions'], f'{res[key]["time"]:.0f}s', flush=True)
    kit.free_memory(learn); del learn
    with kit.atomic_write(out) as f: json.dump(res, f, indent=1)

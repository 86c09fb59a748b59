"""Screen the recipe options of kit.RECIPES on the anchor split, with seed repeats for the noise floor, then try the
helpful ones together. Not collected by pytest. Choices use the anchor split only; `--held-out` rows are predicted by
the finalists and scored at the very end (never used to choose).

    python notebooks/results/drivers/screen_recipes.py --out runs/screen            # hours on a 2-core CPU, minutes on a GPU

Every fit is appended to OUT/screen.jsonl as it finishes (a crash or a time limit keeps what was done);
`--deadline` (seconds) stops starting new fits in time to print the tables.
"""
import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))  # the checkout, where kit.py is
os.environ.setdefault('HF_HUB_OFFLINE', '1')
os.environ.setdefault('TOKENIZERS_PARALLELISM', 'false')
import kit  # noqa: E402

OPTIONS = ['mean_pool', 'cpc_titles', 'grouped_targets', 'llrd', 'bce', 'pearson_loss', 'ema']


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--data', default=None, help='folder with train.csv (default: kit.data_path())')
    ap.add_argument('--model', default=None, help='checkpoint (default: the embedded MiniLM)')
    ap.add_argument('--seeds', default='42,43', help='seeds of every option (the spread is the noise floor)')
    ap.add_argument('--options', default=','.join(OPTIONS))
    ap.add_argument('--recipes', default=None, help='JSON file {name: recipe dict} of more candidates to screen')
    ap.add_argument('--rows', type=int, default=None, help='use the first N rows (smoke runs)')
    ap.add_argument('--epochs', type=int, default=None)
    ap.add_argument('--held-out', default=None, help='scored CSV with unseen anchors, scored only at the end')
    ap.add_argument('--deadline', type=float, default=None, help='seconds after which no new fit starts')
    ap.add_argument('--out', default='runs/screen')
    a = ap.parse_args()
    t_start, out = time.time(), Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    df = kit.read_pairs(Path(a.data or kit.data_path()) / 'train.csv', scored=True)
    if a.rows: df = df.iloc[:a.rows].reset_index(drop=True)
    held = kit.read_pairs(a.held_out, scored=True) if a.held_out else None
    trn, val = kit.anchor_split(df)
    seeds = [int(s) for s in a.seeds.split(',')]
    done = [json.loads(l) for l in open(out / 'screen.jsonl')] if (out / 'screen.jsonl').is_file() else []
    held_preds = {}

    def fit(name, recipe, seed):
        for d in done:  # resume: a fit already in the log is not repeated
            if d['name'] == name and d['seed'] == seed: return d
        if a.deadline is not None and time.time() - t_start > a.deadline: return None
        r = kit.resolve_recipe(recipe, seed=seed, epochs=a.epochs, model=a.model)
        t0 = time.time()
        learn = kit.make_learner(r, df, val_idxs=val, trn_idxs=trn, progress=False)
        kit.fit_recipe(learn, r)
        d = dict(name=name, seed=seed, pearson=float(learn.history.pearson.iloc[-1]), time=time.time() - t0,
                 recipe={k: v for k, v in r.items() if v != kit.DEFAULT_RECIPE.get(k)})
        if held is not None: held_preds[(name, seed)] = learn.predict(held)
        kit.append_jsonl(out / 'screen.jsonl', d)
        done.append(d)
        print(f'{name:40s} seed {seed}: anchor-split Pearson {d["pearson"]:.4f} ({d["time"]:.0f}s)', flush=True)
        kit.free_memory(learn)
        return d

    options = {o: o for o in a.options.split(',') if o}
    if a.recipes: options.update(json.loads(Path(a.recipes).read_text()))
    for seed in seeds:  # every option once before any repeat, so a deadline still leaves a full first pass
        for name, recipe in {'walkthrough': 'walkthrough', **options}.items(): fit(name, recipe, seed)
    if not done: return
    # the kit's own comparison: noise floor pooled over the repeated recipes, verdicts against the walkthrough
    table = kit.compare_experiments([dict(name=d['name'], seed=d['seed'], oof_pearson=d['pearson'], train_time=d['time'])
                                     for d in done], baseline='walkthrough' if any(d['name'] == 'walkthrough' for d in done) else None, plot=False)
    noise, base = table.attrs['noise_floor'], table.loc['walkthrough', 'mean'] if 'walkthrough' in table.index else float('nan')
    print(f'\nnoise floor (pooled seed-to-seed std): {noise:.4f}\n')
    print(table.sort_values('mean', ascending=False).round(4).to_string())

    # combine: start from the best single option, add each other option that beat the baseline beyond the noise,
    # one at a time, keeping it only when the combination improves by more than the noise floor
    singles = table.drop(index='walkthrough', errors='ignore').sort_values('mean', ascending=False)
    recipes = {**kit.RECIPES, **{n: kit.resolve_recipe(r) for n, r in options.items() if isinstance(r, dict)},
               **{d['name']: kit.resolve_recipe(d['recipe']) for d in done}}
    helpful = [n for n in singles.index if n in recipes and table.loc[n, 'verdict'] == 'better']
    best_name, best_score = ('walkthrough', base) if not helpful else (helpful[0], singles.loc[helpful[0], 'mean'])
    best_recipe = dict(recipes[best_name])
    for opt in helpful[1:]:
        cand = _combine(best_recipe, recipes[opt])
        name = f'{best_name}+{opt}'
        rs = [fit(name, cand, s) for s in seeds]
        if any(r is None for r in rs): break
        score = float(np.mean([r['pearson'] for r in rs]))
        keep = score > best_score + noise
        print(f'{name}: {score:.4f} vs {best_score:.4f} -> {"keep" if keep else "drop"}', flush=True)
        if keep: best_name, best_score, best_recipe = name, score, cand
    summary = dict(noise_floor=noise, baseline=base, chosen=best_name, chosen_anchor_pearson=best_score,
                   chosen_recipe={k: v for k, v in best_recipe.items() if v != kit.DEFAULT_RECIPE.get(k)},
                   options=table.reset_index().to_dict('records'), wall=time.time() - t_start)
    # the held-out figures, once, at the end: the baseline and the chosen recipe only
    if held is not None:
        for n in ('walkthrough', best_name):
            ps = [p for (k, s), p in held_preds.items() if k == n]
            if ps: summary[f'held_out_{n}'] = dict(single=[kit.pearson(p, held.score) for p in ps],
                                                    seed_average=kit.pearson(np.mean(ps, 0), held.score))
    (out / 'summary.json').write_text(json.dumps(summary, indent=1, default=str))
    print(json.dumps({k: v for k, v in summary.items() if k != 'options'}, indent=1, default=str))


def _combine(base, option):
    """`base` with the settings that `option` changes from the default recipe (inputs merged)."""
    r = dict(base, inputs=dict(base['inputs']))
    for k, v in option.items():
        if k == 'inputs': r['inputs'].update({i: x for i, x in v.items() if x != kit.DEFAULT_RECIPE['inputs'].get(i)})
        elif v != kit.DEFAULT_RECIPE.get(k): r[k] = v
    return r


if __name__ == '__main__':
    main()

# Transductive pseudo-labels on the kit's full path, scored once on google/validation.csv (fixed on the anchor split
# first, pseudo_split.py): teacher = the notebook's blend, group + best + biencoder 4-fold ensembles (runs/cvg, weights
# from their OOF predictions, notebooks/results/cv-group.json), refined by the refiner fitted on the OOF blend; the training
# rows distilled from the nested-refined OOF blend (alpha 0.5), google's *pairs* (its score column dropped) labelled by
# the teacher with kit.pseudo_labels; one `best` model trained on both (retrain_full), then scored on google's scores.
# `python pseudo_full.py [seeds] [student recipe] [teacher members]` -> notebooks/results/pseudo-full.json; the members'
# NNLS weights are fitted on their OOF predictions (kit.blend: for group,best,biencoder, cv-group.json's 0.5723 / 0.3195 /
# 0.1082 again); other members (e.g. group,best,best_fgm,biencoder, after `cv_group.py best_fgm`) get their own file,
# notebooks/results/pseudo-full-MEMBERS.json. A member 'a/b' is runs a and b averaged (cv_seed2.py: best_fgm/best_fgm_seed43).
from blends import pseudo_label_set
import json, sys, time, numpy as np, kit
from pathlib import Path
seeds = [int(s) for s in sys.argv[1].split(',')] if len(sys.argv) > 1 else [42]
student = sys.argv[2] if len(sys.argv) > 2 else 'best'
members = sys.argv[3].split(',') if len(sys.argv) > 3 else ['group', 'best', 'biencoder']
default = members == ['group', 'best', 'biencoder']
out = Path('runs/cvg')
df, _ = kit.load_data(); y = df.score.values
google = kit.read_pairs(kit.data_path().parent / 'google' / 'validation.csv', scored=True); yg = google.score.values
unscored = google.drop(columns='score')
runs = {r['name']: r for r in kit.read_log(out)}
def member(n):   # 'a/b': runs a and b (e.g. two seeds of one recipe) averaged, one member
    rs = [kit.load_run(out, runs[m]['run_id']) for m in n.split('/')]
    return {k: sum(r[k] for r in rs) / len(rs) for k in ('oof', 'test_preds')}
R = {n: member(n) for n in members}
folds = kit.anchor_folds(df, 4, seed=42)
d, w, rf, emb, teach_trn, teach_google = pseudo_label_set(R, df, folds, google)
name = '+'.join(members).replace('/', '_and_')
res_file = Path('notebooks/results/pseudo-full.json' if default else f'notebooks/results/pseudo-full-{name}.json')
tag = '' if default else '-' + name   # the prediction files of another teacher's students
res = json.loads(res_file.read_text()) if res_file.is_file() else {}
res.update(weights=w, teacher_oof_nested=kit.pearson(teach_trn, y), teacher_google=kit.pearson(teach_google, yg),
           students=res.get('students', {}))
for seed in seeds:
    key = f'{student}-s{seed}'
    if key in res['students']: continue
    t0 = time.time()
    learn = kit.retrain_full(d, student, seed=seed, progress=False)
    p = learn.predict(google); ft = time.time() - t0; kit.free_memory(learn)
    np.save(out / f'held-pseudo-{key}{tag}.npy', p)
    res['students'][key] = dict(time=ft, rows=len(d), google=kit.pearson(p, yg),
                                google_refined=kit.pearson(kit.refine(unscored, p, rf, emb=emb), yg))
    print(key, res['students'][key], flush=True)
    with kit.atomic_write(res_file) as f: json.dump(res, f, indent=1, default=float)
# the students averaged with equal weights (standardised first), nothing fitted: each recipe's seeds, and all of them
done = [k for k in res['students'] if (out / f'held-pseudo-{k}{tag}.npy').is_file()]
z = lambda p: (p - p.mean()) / p.std()
recipe_of = lambda k: k.rsplit('-s', 1)[0]
sets = {tuple(k for k in done if recipe_of(k) == r) for r in map(recipe_of, done)} | {tuple(done)}
res['students_averaged'] = {' + '.join(ks): kit.pearson(sum(z(np.load(out / f'held-pseudo-{k}{tag}.npy')) for k in ks), yg)
                            for ks in sets if len(ks) > 1}
print(res['students_averaged'], flush=True)
with kit.atomic_write(res_file) as f: json.dump(res, f, indent=1, default=float)

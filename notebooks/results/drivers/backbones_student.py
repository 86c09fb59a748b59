# The pseudo-label student taught by the MiniLM + mpnet blend (pseudo_full.py's recipe on the members that
# backbones_cv.py cross-validated and backbones_report.py kept in notebooks/results/cvb/NAME.npz): teacher = NNLS blend of
# the members' OOF predictions (their fold ensembles on google/validation.csv's pairs), refined; the training rows
# distilled from the nested-refined OOF blend (alpha 0.5), google's *pairs* (score dropped) labelled by the teacher; one
# student trained on both with kit.retrain_full, then scored once on google's scores.
# `python backbones_student.py [student recipe] [model] [seeds] [members]`, defaults best, all-mpnet-base-v2 ('' for
# the embedded MiniLM), 42, every kept member -> notebooks/results/backbones-student.json (the student's predictions
# beside the members' npz files).
from blends import pseudo_label_set
import json, sys, time, numpy as np, torch, kit
from pathlib import Path
torch.set_num_threads(2)
student = sys.argv[1] if len(sys.argv) > 1 else 'best'
model = (sys.argv[2] if len(sys.argv) > 2 else 'all-mpnet-base-v2') or None  # '': the embedded MiniLM
seeds = [int(s) for s in sys.argv[3].split(',')] if len(sys.argv) > 3 else [42]
keep = Path('notebooks/results/cvb')
members = sys.argv[4].split(',') if len(sys.argv) > 4 else sorted(f.stem for f in keep.glob('*.npz'))
df, _ = kit.load_data(); y = df.score.values
google = kit.read_pairs(kit.data_path().parent / 'google' / 'validation.csv', scored=True); yg = google.score.values
unscored = google.drop(columns='score')
R = {n: dict(np.load(keep / f'{n}.npz')) for n in members}
for n in R: R[n]['test_preds'] = R[n].pop('google')
folds = kit.anchor_folds(df, 4, seed=42)
d, w, rf, emb, teach_trn, teach_google = pseudo_label_set(R, df, folds, google)
res_file = Path('notebooks/results/backbones-student.json')
res = json.loads(res_file.read_text()) if res_file.is_file() else {}
teacher = '+'.join(members)
res.setdefault(teacher, {}).update(weights=w, teacher_oof_nested=kit.pearson(teach_trn, y),
                                   teacher_google=kit.pearson(teach_google, yg))
students = res[teacher].setdefault('students', {})
print('teacher', teacher, {k: round(v, 4) for k, v in w.items()}, 'nested refined OOF', round(kit.pearson(teach_trn, y), 4),
      flush=True)
for seed in seeds:
    key = f'{student}@{model or "minilm"}-s{seed}'
    if key in students: continue
    t0 = time.time()
    learn = kit.retrain_full(d, student, seed=seed, model=model, progress=False)
    p = learn.predict(google); ft = time.time() - t0; kit.free_memory(learn)
    np.save(keep / f'student-{key}-{teacher}.npy', p.astype(np.float32))
    students[key] = dict(time=ft, rows=len(d), google=kit.pearson(p, yg),
                         google_refined=kit.pearson(kit.refine(unscored, p, rf, emb=emb), yg))
    print(key, students[key], flush=True)
    with kit.atomic_write(res_file) as f: json.dump(res, f, indent=1, default=float)
# teacher_google printed last: the one look at the held-out scores is the student's, the teacher's is for comparison
print('teacher on google/validation.csv', round(res[teacher]['teacher_google'], 4), flush=True)
with kit.atomic_write(res_file) as f: json.dump(res, f, indent=1, default=float)

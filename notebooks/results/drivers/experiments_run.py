# Runs notebooks/experiments.ipynb for real (not smoke, the embedded model) across sessions. Every finished fold, and
# the tuning study, is kept gzipped in notebooks/results/experiments-run/ (committed) and restored at the start, so
# the next session's rerun skips what an earlier one finished. When the whole notebook has run, the executed copy
# replaces notebooks/experiments.ipynb. `python experiments_run.py` (KIT_DATA set; about 12 h on 2 cores in all)
# -> runs/exp-nb
from blends import gunzip_to, gzip_to, keep_folds, restore_folds
import os, shutil, sqlite3, subprocess, sys, time, kit
from pathlib import Path

out = Path('runs/exp-nb')
runs, tune = out / 'experiments' / 'runs', out / 'experiments' / 'tune'
kept = Path('notebooks/results/experiments-run')
executed = out / 'experiments.out.ipynb'


def keep_tune():
    """The study (a consistent copy through sqlite's backup, even mid-trial) and the trial log, gzipped."""
    if not (tune / 'study.db').is_file(): return
    tmp = out / 'study.copy.db'
    with sqlite3.connect(tune / 'study.db') as src, sqlite3.connect(tmp) as dst: src.backup(dst)
    for f in (tmp, tune / 'log.jsonl'):
        if f.is_file(): gzip_to(f, kept / 'tune' / (f.name.replace('.copy', '') + '.gz'))


def restore_tune():
    for f in (kept / 'tune').glob('*.gz'):
        dst = tune / f.name[:-3]
        if not dst.is_file(): gunzip_to(f, dst)


restore_folds(runs, kept / 'folds'); restore_tune()
env = dict(os.environ, KIT_OUT=str(out))
proc = subprocess.Popen([sys.executable, 'kit.py', 'notebook', 'notebooks/experiments.ipynb', '--out', str(executed)],
                        env=env)
while proc.poll() is None:
    time.sleep(60)
    keep_folds(runs, kept / 'folds'); keep_tune()
keep_folds(runs, kept / 'folds'); keep_tune()
if proc.returncode == 0:
    shutil.copyfile(executed, 'notebooks/experiments.ipynb')
    print('executed notebook written to notebooks/experiments.ipynb')
sys.exit(proc.returncode)

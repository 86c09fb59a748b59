# The Kaggle round trip with the embedded model, as a user runs it: `python $D/kaggle_round_trip.py [WORKDIR]`.
# Trains two fold models (kit.py train), packages them (kit.py package), uploads the package with the real Kaggle
# client (its network calls replaced: the archives land in WORKDIR/server), mounts it the way Kaggle does beside a
# stranger's dataset, runs the packaged inference notebook there and prints what it printed.
import os, subprocess, sys, tempfile
from pathlib import Path
import pytest
ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / 'tests'))
from test_package import fake_kaggle, kaggle_cli, mount  # the suite's simulation of the Kaggle side
import kit

work = Path(sys.argv[1] if len(sys.argv) > 1 else tempfile.mkdtemp(prefix='kaggle-rt-'))
work.mkdir(parents=True, exist_ok=True)
def sh(*args):
    print('$', ' '.join(map(str, args)), flush=True)
    subprocess.run([sys.executable, str(ROOT / 'kit.py'), *map(str, args)], check=True)

sh('train', '--recipe', 'best', '--folds', '2', '--epochs', '2', '--rows', '5000', '--out', work / 'runs')
sh('package', work / 'upload', '--models', work / 'runs', '--slug', 'patent-kit', '--owner', 'tester',
   '--title', 'Patent phrase kit and models')
mp = pytest.MonkeyPatch()
server = work / 'server'; server.mkdir()
sent = fake_kaggle(mp, server)
cmd = kit.upload_command(work / 'upload')
print('$', cmd)
kaggle_cli(mp, *cmd.split()[1:])
print('the client sent:', sorted(sent['files']), 'as', f"{sent['request'].owner_slug}/{sent['request'].slug}",
      'private' if sent['request'].is_private else 'public')

inp = work / 'input'
ds = inp / 'datasets' / 'tester' / 'patent-kit'
mount(server, ds)
comp = inp / 'competitions' / kit.COMPETITION; comp.mkdir(parents=True)
for f in ('train.csv', 'test.csv'): (comp / f).write_bytes((kit.data_path() / f).read_bytes())
(inp / 'other-dataset' / 'models').mkdir(parents=True)
(inp / 'other-dataset' / 'kit.py').write_text('raise SystemExit("a stranger\'s kit.py ran")\n')
print('mounted:', *sorted(str(p.relative_to(inp)) for p in inp.rglob('*') if p.is_dir() and len(p.parts) - len(inp.parts) <= 4))

import nbformat
from nbclient import NotebookClient
for k in ('KIT_DATA', 'KIT_DATASET', 'KIT_MODELS', 'KIT_SMOKE', 'PYTHONPATH'): os.environ.pop(k, None)
os.environ.update(KAGGLE_KERNEL_RUN_TYPE='Batch', KIT_KAGGLE_INPUT=str(inp), KIT_OUT=str(work / 'working'))
(work / 'working').mkdir()
nb = nbformat.read(ds / 'notebooks' / 'inference.ipynb', as_version=4)
NotebookClient(nb, timeout=600, kernel_name='python3', resources={'metadata': {'path': str(work / 'working')}}).execute()
print('--- the inference notebook printed:')
for c in nb.cells:
    for o in c.get('outputs', []): print((o.get('text') or o.get('data', {}).get('text/plain', '')).rstrip())
print('--- submission.csv:'); print(*(work / 'working' / 'submission.csv').read_text().splitlines()[:5], sep='\n')

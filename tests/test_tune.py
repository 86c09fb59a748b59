"""Hyper-parameter search: an Optuna study of recipes that prunes, resumes, shares one storage between workers and
hands back its best trial as a recipe file; and error analysis of a model's predictions."""
import json
import os
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from conftest import CONTEXTS, ROOT, make_pairs

import kit

optuna = pytest.importorskip('optuna')
# 600 rows, 40 anchors, scored by their context: a tiny model learns it in a few steps, so studies take seconds
PAIRS = make_pairs(40, 15, seed=1).assign(score=lambda d: d.context.map({c: i % 5 / 4 for i, c in enumerate(CONTEXTS)}))
FAST = dict(lr=('log', 2e-3, 4e-3), loss=['mse', 'pearson'])


@pytest.fixture()
def best(tiny_ckpt):
    """RECIPES['best'] on the tiny model, in small batches (enough steps per epoch on 450 training rows)."""
    return dict(kit.RECIPES['best'], model=str(tiny_ckpt), batch_size=16)


def test_a_study_tries_recipes_and_hands_back_the_best(tmp_path, best):
    out = tmp_path / 'tune'
    study = kit.tune(PAIRS, best, space=dict(FAST, lr=('log', 5e-4, 4e-3)), n_trials=3, out=out, epochs=2)
    t = kit.study_table(study)
    assert len(t) == 3 and set(t.state) == {'complete'} and list(t.columns[:3]) == ['trial', 'state', 'pearson']
    # trial 0 is the recipe itself; every finished trial is a line of the experiment log
    assert study.trials[0].params == dict(lr=6e-4, loss='pearson')
    rows = kit.read_log(out)
    assert [r['trial'] for r in rows] == [0, 1, 2] and {r['metric'] for r in rows} == {'split'}
    assert [r['split_pearson'] for r in rows] == [tr.value for tr in study.trials]
    table = kit.compare_experiments(out, metric='split', plot=False)
    assert len(table) == 3 and table.verdict.iloc[0] == 'baseline'
    # the best trial is a recipe file that the kit trains from, and reproduces: its seed is in it
    best = json.loads((out / 'best-recipe.json').read_text())
    assert best == study.best_trial.user_attrs['recipe'] and best['seed'] == 42 and best['epochs'] == 2
    again = kit.split_fit(PAIRS, out / 'best-recipe.json', progress=False)
    assert again['split_pearson'] == pytest.approx(study.best_value, abs=1e-6)


def test_an_interrupted_study_resumes_where_it_stopped(tmp_path, best):
    out, space = tmp_path / 'tune', dict(FAST, lr=('log', 5e-4, 4e-3))
    first = kit.tune(PAIRS, best, space=space, n_trials=2, out=out, epochs=1)
    seen = [t.params for t in first.trials]
    study = kit.tune(PAIRS, best, space=space, n_trials=4, out=out, epochs=1)
    assert len(study.trials) == 4 and [t.params for t in study.trials[:2]] == seen  # the first two were kept
    assert [r['trial'] for r in kit.read_log(out)] == [0, 1, 2, 3]  # trial 0 (the recipe) was not queued again
    assert len(kit.tune(PAIRS, best, space=space, n_trials=4, out=out, epochs=1).trials) == 4  # finished: no more


def test_hopeless_trials_are_pruned(tmp_path, best):
    out = tmp_path / 'tune'
    kit.tune(PAIRS, best, space=dict(lr=('log', 5e-4, 4e-3)), n_trials=5, out=out, epochs=2)  # 5 that learn, then
    with pytest.warns(UserWarning, match='outside the search space'):                     # one that cannot
        study = kit.tune(PAIRS, best, space=dict(lr=('log', 1e-9, 2e-9)), n_trials=6, out=out, epochs=2)
    last = study.trials[-1]
    assert last.state == optuna.trial.TrialState.PRUNED and list(last.intermediate_values) == [50]  # after epoch 1
    assert len(kit.read_log(out)) == 5  # a pruned trial is not a finished run


def test_two_workers_share_one_study(tmp_path, tiny_ckpt, data_dir):
    out = tmp_path / 'tune'
    cmd = [sys.executable, str(ROOT / 'kit.py'), 'tune', '--recipe', 'best', '--model', str(tiny_ckpt), '--epochs', '1',
           '--trials', '4', '--rows', '600', '--data', str(data_dir), '--out', str(out)]
    env = {**os.environ, 'OMP_NUM_THREADS': '1'}
    workers = [subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
               for _ in range(2)]
    logs = [w.communicate(timeout=600)[0] for w in workers]
    assert [w.returncode for w in workers] == [0, 0], logs
    study = optuna.load_study(study_name='best-split', storage=f'sqlite:///{out / "study.db"}')
    done = [t for t in study.trials if t.state.is_finished()]
    assert 4 <= len(done) <= 5  # a worker may finish the trial it had started when the other reached 4
    assert len({t.user_attrs['worker'] for t in done}) == 2  # both worked ...
    params = [tuple(sorted(t.params.items())) for t in done]
    assert len(set(params)) == len(params)  # ... on different trials
    assert sorted(r['trial'] for r in kit.read_log(out)) == sorted(t.number for t in done
                                                                   if t.state == optuna.trial.TrialState.COMPLETE)
    assert 'best-recipe.json' in logs[0] + logs[1]
    assert kit.resolve_recipe(str(out / 'best-recipe.json'))['lr'] == study.best_params['lr']


def test_a_recipe_file_is_checked(tmp_path):
    bad = tmp_path / 'r.json'
    bad.write_text('{"lr": 1e-3, "lr_typo": 2}')
    with pytest.raises(kit.RecipeError, match=r"r\.json.*lr_typo"): kit.resolve_recipe(str(bad))
    bad.write_text('[1, 2]')
    with pytest.raises(kit.RecipeError, match='one JSON object'): kit.resolve_recipe(bad)
    with pytest.raises(FileNotFoundError, match='no such recipe file'): kit.resolve_recipe(str(tmp_path / 'gone.json'))
    with pytest.raises(kit.RecipeError, match=r"\['lr_max'\] are not recipe keys"):
        kit.tune(PAIRS, 'best', space=dict(lr_max=('log', 1e-4, 1e-3)), n_trials=1, out=tmp_path / 't')


def test_anchor_report_finds_the_weakest_anchors():
    df = make_pairs(6, 10, seed=2)
    preds = df.score.values + np.random.default_rng(0).normal(0, 0.05, len(df))
    worst = df.anchor.unique()[3]
    preds[df.anchor.values == worst] = np.random.default_rng(1).random(10)  # one anchor scored at random
    rep = kit.anchor_report(df, preds, plot=False)
    assert rep.anchor.iloc[0] == worst and rep.rows.iloc[0] == 10
    assert rep.pearson.iloc[-1] > 0.9 and list(rep.columns) == ['anchor', 'rows', 'pearson', 'mae', 'mean_score',
                                                                  'mean_pred']
    by_section = kit.anchor_report(df.assign(section=df.context.str[0]), preds, by='section', plot=False)
    assert by_section.rows.sum() == len(df)
    with pytest.raises(ValueError, match='5 predictions for 60 rows'): kit.anchor_report(df, preds[:5])

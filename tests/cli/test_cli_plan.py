"""``hyperscout plan``: a config's budget plan, printed without running anything."""

from __future__ import annotations

from cli_helpers import hyperscout

CONFIG = """
trial_command: python3 train.py
search_space:
  lr: {_type: loguniform, _value: [0.0001, 0.1]}
scheduler: {name: hyperband, args: {max_epochs: 81, factor: 3}}
max_trials: 100
"""


def test_plan_prints_brackets_totals_and_the_max_trials_cut(tmp_path):
    (tmp_path / "exp.yml").write_text(CONFIG)
    out = hyperscout("plan", "--config", str(tmp_path / "exp.yml"), storage=tmp_path / "s")
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0].startswith("hyperband plan")
    assert "206 trials" in out.stdout and "1581 budget" in out.stdout
    assert "max_trials=100 cuts it to about 100 trials" in out.stdout
    assert not (tmp_path / "s").exists() or not any((tmp_path / "s").iterdir())


def test_plan_of_a_fifo_config_says_there_is_none(tmp_path):
    (tmp_path / "exp.yml").write_text(CONFIG.replace("scheduler: {name: hyperband, args: "
                                                     "{max_epochs: 81, factor: 3}}\n", ""))
    out = hyperscout("plan", "--config", str(tmp_path / "exp.yml"))
    assert out.returncode == 0 and "no budget plan" in out.stdout


def test_a_bad_scheduler_option_is_one_clear_line(tmp_path):
    (tmp_path / "exp.yml").write_text(CONFIG.replace("factor: 3", "factor: 1"))
    out = hyperscout("plan", "--config", str(tmp_path / "exp.yml"))
    assert out.returncode == 1
    assert out.stderr.strip() == ("hyperscout: error: hyperband option `factor` (eta) must be "
                                  "a number > 1, but got 1.")

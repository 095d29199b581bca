"""The Ray executor on a real Ray cluster of several nodes on this machine
(`ray.cluster_utils.Cluster`): function and command trials land on every node with their
reports and logs complete; a kill ends a trial and keeps what it reported; a node that
dies under a trial leaves it stale, it is retried on another node, and nothing reported
is lost."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import pytest

ray = pytest.importorskip("ray", reason="the Ray executor tests need Ray: pip install -e '.[ray]' in hyperscout's clone")
from hyperscout import Experiment, TrialState  # noqa: E402
from hyperscout.store import Store  # noqa: E402

pytestmark = [pytest.mark.slow, pytest.mark.ray]

SPACE = {"x": {"_type": "uniform", "_value": [0.0, 1.0]}}

COMMAND_TRIAL = """\
import sys, time
import nni
p = nni.get_next_parameter()
for step in range(3):
    nni.report_intermediate_result(p["x"] * step)
print("command trial", p["x"])
print("to stderr", file=sys.stderr)
open("result.txt", "w").write(str(p["x"]))
nni.report_final_result(p["x"])
"""


def function_trial(p: dict[str, Any]) -> float:
    import hyperscout

    for step in range(3):
        hyperscout.report_intermediate_result(p["x"] * step)
    time.sleep(0.5)  # long enough that concurrent trials spread over the nodes
    print("function trial", p["x"])
    return p["x"]


def slow_trial(p: dict[str, Any]) -> float:
    import hyperscout

    for step in range(400):
        hyperscout.report_intermediate_result(float(step))
        time.sleep(0.05)
    return p["x"]


def train_with_checkpoints(p: dict[str, Any]) -> float:
    """Trains up to the budget from the checkpoint it is given, and says where it found it."""
    import json

    import hyperscout

    budget, start = int(hyperscout.get_budget()), 0
    previous = hyperscout.load_checkpoint_dir()
    if previous is not None:
        start = json.loads((previous / "state.json").read_text())["epoch"]
        print("continued from", previous)
    assert start == hyperscout.get_previous_budget()
    for epoch in range(start + 1, budget + 1):
        hyperscout.report_intermediate_result(p["x"] * epoch, step=epoch)
    (hyperscout.checkpoint_dir() / "state.json").write_text(json.dumps({"epoch": budget}))
    return p["x"] * budget


def placements(store: Store, exp_id: str) -> dict[int, str]:
    return {e.trial: e.message for e in store.events(exp_id) if e.kind == "placement"}


def test_function_and_command_trials_run_on_every_node(ray_cluster: Any, tmp_path: Path) -> None:
    store = Store(tmp_path / "store")
    exp = Experiment(function_trial, SPACE, max_trials=6, concurrency=2, tuner="random",
                     executor="ray", storage=store, progress=False, seed=1)
    exp.run()
    trials = exp.trials()
    assert [t.state for t in trials] == [TrialState.SUCCEEDED] * 6
    assert all(t.n_intermediate == 3 and t.value == t.params["x"] for t in trials)
    nodes = {m.rsplit("Ray node ", 1)[1].rstrip(")") for m in placements(store, exp.id).values()}
    assert len(nodes) == 2
    assert "function trial" in Path(trials[0].directory, "stdout.log").read_text()
    assert store.experiment(exp.id).config["executor"] == "ray"

    (tmp_path / "trial.py").write_text(COMMAND_TRIAL)
    cmd = Experiment("python trial.py", SPACE, code_dir=tmp_path, max_trials=4, concurrency=2,
                     tuner="random", executor="ray", storage=store, progress=False, seed=2)
    cmd.run()
    for t in cmd.trials():
        assert t.state is TrialState.SUCCEEDED and t.n_intermediate == 3
        folder = Path(t.directory)
        assert "command trial" in (folder / "stdout.log").read_text()
        assert "to stderr" in (folder / "stderr.log").read_text()
        assert (folder / "result.txt").read_text() == str(t.params["x"])  # brought back
    assert len(placements(store, cmd.id)) == 4


def test_a_killed_trial_keeps_what_it_reported(ray_cluster: Any, tmp_path: Path) -> None:
    store = Store(tmp_path / "store")
    exp = Experiment(slow_trial, SPACE, max_trials=1, tuner="random", executor="ray",
                     storage=store, progress=False)

    def kill_when_reporting() -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if exp.id is not None:
                trials = store.trials(exp.id)
                if trials and trials[0].n_intermediate >= 5:
                    store.add_command(exp.id, "kill", 0)
                    return
            time.sleep(0.1)

    threading.Thread(target=kill_when_reporting, daemon=True).start()
    started = time.monotonic()
    exp.run()
    [trial] = exp.trials()
    assert trial.state is TrialState.USER_CANCELED
    assert trial.n_intermediate >= 5
    assert time.monotonic() - started < 30  # not the trial's 20 s


def test_a_dead_node_leaves_its_trial_stale_and_the_retry_runs_elsewhere(
        ray_cluster: Any, tmp_path: Path) -> None:
    store = Store(tmp_path / "store")
    extra = ray_cluster.add_node(num_cpus=1)  # the node this test kills
    ray_cluster.wait_for_nodes()
    exp = Experiment(slow_trial, SPACE, max_trials=1, tuner="random", executor="ray",
                     executor_args={"cpus_per_trial": 1}, max_retries={"stale": 1},
                     storage=store, progress=False)
    killed: list[str] = []

    def kill_its_node() -> None:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and not killed:
            if exp.id is not None:
                where = placements(store, exp.id).get(0)
                trials = store.trials(exp.id)
                if where and trials and trials[0].n_intermediate >= 5:
                    node_id = where.rsplit("Ray node ", 1)[1].rstrip(")")
                    target = next(n for n in [extra, *ray_cluster.workers]
                                  if n.node_id.startswith(node_id))
                    killed.append(node_id)
                    ray_cluster.remove_node(target, allow_graceful=False)
                    return
            time.sleep(0.1)

    threading.Thread(target=kill_its_node, daemon=True).start()
    exp.run()
    trials = exp.trials()
    assert killed, "the trial never reported from a node"
    first, retry = trials[0], trials[1]
    assert first.state is TrialState.STALE and first.n_intermediate >= 5
    assert retry.retry_of == 0 and retry.state is TrialState.SUCCEEDED
    assert killed[0] not in placements(store, exp.id)[1]
    points = store.intermediates(exp.id, 0)
    assert len(points) == first.n_intermediate  # nothing reported was lost


def test_the_cli_runs_a_config_on_the_cluster_with_executor_flags(ray_cluster: Any, tmp_path: Path
                                                                   ) -> None:
    import subprocess
    import sys

    (tmp_path / "trial.py").write_text(COMMAND_TRIAL)
    (tmp_path / "config.yml").write_text(
        "trial_command: python trial.py\ntrial_code_directory: .\nsearch_space:\n"
        "  x: {_type: uniform, _value: [0, 1]}\nmax_trials: 3\nconcurrency: 2\n")

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "hyperscout.cli", *args, "--storage",
                               str(tmp_path / "store")], capture_output=True, text=True,
                              timeout=180, cwd=tmp_path)

    created = cli("create", "--config", str(tmp_path / "config.yml"), "--foreground",
                  "--executor", "ray", "--executor-arg", f"address={ray_cluster.address}",
                  "--executor-arg", "cpus_per_trial=0.5")
    assert created.returncode == 0, created.stderr
    store = Store(tmp_path / "store")
    [record] = store.experiments()
    assert record.config["executor"] == "ray"
    assert record.config["executor_args"]["cpus_per_trial"] == 0.5
    assert [t.state for t in store.trials(record.id)] == [TrialState.SUCCEEDED] * 3
    listed = cli("trial", "ls", record.id)
    assert "node" in listed.stdout and "Ray node" in listed.stdout


def test_promoted_trials_continue_from_checkpoints_sent_to_their_node(ray_cluster: Any,
                                                                      tmp_path: Path) -> None:
    store = Store(tmp_path / "store")
    exp = Experiment(train_with_checkpoints, SPACE, tuner="random", scheduler="hyperband",
                     scheduler_args={"max_epochs": 9, "factor": 3}, concurrency=2,
                     executor="ray", executor_args={"cpus_per_trial": 0.5}, storage=store,
                     progress=False, seed=0)
    exp.run()
    trials = exp.trials()
    assert len(trials) == 22 and all(t.state is TrialState.SUCCEEDED for t in trials)
    continued = [t for t in trials if t.schedule["parent"] is not None]
    assert continued
    for t in trials:
        steps = [p.step for p in store.intermediates(exp.id, t.number)]
        assert steps == list(range(int(t.schedule["previous_budget"]) + 1,
                                   int(t.schedule["budget"]) + 1))
        assert (Path(t.directory) / "checkpoint" / "state.json").exists()  # brought back
    for t in continued:  # read from the copy sent along, not from the head's folder
        out = (Path(t.directory) / "stdout.log").read_text()
        assert "continued from" in out and str(tmp_path) not in out


TRIALS_MODULE = """
import time

def trial(p):
    import hyperscout
    for step in range(3):
        hyperscout.report_intermediate_result(p["x"] * step)
        time.sleep(0.3)
    return p["x"]
"""

ENGINE = """
import sys
from hyperscout import Experiment
from my_trials import trial

exp = Experiment(trial, {"x": {"_type": "uniform", "_value": [0, 1]}}, max_trials=8,
                 concurrency=2, seed=3, executor="ray",
                 executor_args={"address": sys.argv[2], "cpus_per_trial": 0.5},
                 storage=sys.argv[1], progress=False)
exp.create()
print(exp.id, flush=True)
exp.run()
"""


def test_a_killed_engine_resumes_on_the_cluster_and_keeps_what_it_stored(
        ray_cluster: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import signal
    import subprocess
    import sys

    from hyperscout.executors import RayOptions

    (tmp_path / "engine.py").write_text(ENGINE)
    (tmp_path / "my_trials.py").write_text(TRIALS_MODULE)
    monkeypatch.syspath_prepend(str(tmp_path))  # resume imports the trial by name
    store_dir = tmp_path / "store"
    engine = subprocess.Popen([sys.executable, "engine.py", str(store_dir), ray_cluster.address],
                              cwd=tmp_path, stdout=subprocess.PIPE, text=True)
    exp_id = engine.stdout.readline().strip()
    store = Store(store_dir)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:  # kill it with trials done and trials running
        trials = store.trials(exp_id)
        if sum(t.state is TrialState.SUCCEEDED for t in trials) >= 2 and any(
                t.state is TrialState.RUNNING and t.n_intermediate for t in trials):
            break
        time.sleep(0.1)
    engine.send_signal(signal.SIGKILL)
    engine.wait()
    before = {t.number: t for t in store.trials(exp_id) if t.state is TrialState.SUCCEEDED}
    assert len(before) >= 2

    exp = Experiment.load(exp_id, storage=store, progress=False)
    assert RayOptions.from_args(exp.config.executor_args).address == ray_cluster.address
    exp.run()
    trials = exp.trials()
    assert store.experiment(exp_id).status == "done"
    for number, t in before.items():  # nothing stored before the kill changed
        again = next(x for x in trials if x.number == number)
        assert (again.state, again.value, again.n_intermediate) == (t.state, t.value, 3)
    finished = {t.retry_of if t.retry_of is not None else t.number for t in trials
                if t.state is TrialState.SUCCEEDED}
    assert len(finished) == 8  # every configuration ended with a result, on the cluster
    assert all(t.state is not TrialState.RUNNING for t in trials)
    relays = [a["name"] for a in ray.util.list_named_actors(all_namespaces=True)]
    assert f"hyperscout-relay-{exp_id}" not in relays  # the resumed engine ended it

"""The Ray executor on a real Ray cluster of several nodes on this machine
(`ray.cluster_utils.Cluster`): function and command trials land on every node with their
reports and logs complete; a kill ends a trial and keeps what it reported; a node that
dies under a trial leaves it stale, it is retried on another node, and nothing reported
is lost."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ray = pytest.importorskip("ray", reason="the Ray executor tests need Ray: pip install 'hyperscout[ray]'")
cluster_utils = pytest.importorskip("ray.cluster_utils")

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


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """A head with no CPUs for trials and two worker nodes of one CPU each."""
    saved = {k: os.environ.get(k) for k in ("RAY_AUTH_MODE", "RAY_TMPDIR")}
    base = tmp_path_factory.mktemp("ray")
    os.environ.update(RAY_AUTH_MODE="disabled", RAY_TMPDIR=str(base))  # every node's files here
    c = cluster_utils.Cluster(initialize_head=True, head_node_args={
        "num_cpus": 0, "temp_dir": str(base / "ray"), "include_dashboard": False})
    workers = [c.add_node(num_cpus=1, resources={f"node{i}": 1}) for i in range(2)]
    ray.init(address=c.address, log_to_driver=False, configure_logging=False)
    c.wait_for_nodes()
    c.workers = workers
    yield c
    ray.shutdown()
    c.shutdown()
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


def placements(store: Store, exp_id: str) -> dict[int, str]:
    return {e.trial: e.message for e in store.events(exp_id) if e.kind == "placement"}


def test_function_and_command_trials_run_on_every_node(cluster: Any, tmp_path: Path) -> None:
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


def test_a_killed_trial_keeps_what_it_reported(cluster: Any, tmp_path: Path) -> None:
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
        cluster: Any, tmp_path: Path) -> None:
    store = Store(tmp_path / "store")
    extra = cluster.add_node(num_cpus=1)  # the node this test kills
    cluster.wait_for_nodes()
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
                    target = next(n for n in [extra, *cluster.workers]
                                  if n.node_id.startswith(node_id))
                    killed.append(node_id)
                    cluster.remove_node(target, allow_graceful=False)
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

"""Dashboard benchmark: is it quick with a big experiment?

    python bench/web/run.py                     # 10,000 trials; writes bench/results/web.md
    python bench/web/run.py --trials 2000 --output /tmp/web.md

Builds a store holding one experiment of `--trials` finished trials (five parameters of
every kind, five intermediate results each, a mix of states) through the Store API, serves
the dashboard on 127.0.0.1 with uvicorn in this process, and measures:

- the JSON API over real HTTP: each query's first answer (the trials are read from the
  store) and the median of the next ten (they are reused until the store changes);
- in headless chromium (Playwright, Debian's /usr/bin/chromium, fresh browser context
  each time, so plotly.js is fetched every time): first contentful paint of the overview
  and the time until its status cards show (the first *meaningful* paint), and until its
  chart has drawn; on the trials page, timed inside the page, from a click on a column
  header (sort) or a state choice (filter) to the painted frame that shows the answer, and
  the same for a search (which waits 200 ms for more typing first).

Goals (issue 6): first meaningful paint of the overview under 1 s; sorting and filtering
10,000 trials answer under 300 ms. There is no peer here: NNI's web UI needs its Node.js
manager running the experiment, which this benchmark does not drive.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import machine  # noqa: E402

from hyperscout import Experiment, TrialState  # noqa: E402
from hyperscout.store import Store  # noqa: E402

SPACE = {
    "lr": {"_type": "loguniform", "_value": [1e-5, 1e-1]},
    "momentum": {"_type": "uniform", "_value": [0.0, 0.99]},
    "layers": {"_type": "randint", "_value": [1, 9]},
    "units": {"_type": "choice", "_value": [32, 64, 128, 256, 512]},
    "optimizer": {"_type": "choice", "_value": ["sgd", "adam", "rmsprop"]},
}
CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--no-first-run", "--disable-sync"]


def build_store(folder: Path, n_trials: int, seed: int = 0) -> tuple[Path, str]:
    """A store with one finished experiment of `n_trials` trials."""
    rng = random.Random(seed)
    storage = folder / "store"
    store = Store(storage)
    exp = Experiment("python trial.py", SPACE, code_dir=folder, name="web-bench",
                     max_trials=n_trials, storage=store, progress=False)
    exp_id = exp.create()
    now = time.time() - n_trials * 2.0
    for chunk in range(0, n_trials, 500):
        with store.transaction():
            for number in range(chunk, min(chunk + 500, n_trials)):
                params = {"lr": 10 ** rng.uniform(-5, -1), "momentum": rng.uniform(0, 0.99),
                          "layers": rng.randint(1, 8), "units": rng.choice([32, 64, 128, 256, 512]),
                          "optimizer": rng.choice(["sgd", "adam", "rmsprop"])}
                store.add_trial(exp_id, number, params)
                store.start_trial(exp_id, number, lease_until=now + 60)
                value = 1 - abs(params["lr"] - 0.003) * 5 - rng.random() * 0.1
                reports = [{"seq": s, "kind": "intermediate", "value": value * (s + 1) / 5,
                            "step": s, "time": now, "metrics": {"default": value * (s + 1) / 5}}
                           for s in range(5)]
                roll = rng.random()
                state = (TrialState.FAILED if roll < 0.1 else TrialState.EARLY_STOPPED
                         if roll < 0.15 else TrialState.SUCCEEDED)
                if state is TrialState.SUCCEEDED:
                    reports.append({"seq": 5, "kind": "final", "value": value, "step": None,
                                    "time": now, "metrics": {"default": value, "loss": 1 - value}})
                store.add_reports(exp_id, number, reports)
                store.finish_trial(exp_id, number, state,
                                   reason="exit code 1" if state is TrialState.FAILED else None)
                now += 2.0
    store.set_status(exp_id, "done")
    store.close()
    return storage, exp_id


class Server:
    def __init__(self, storage: Path) -> None:
        import uvicorn

        from hyperscout.web import bind, create_app

        self.app = create_app(storage)
        self.sock = bind("127.0.0.1", 0)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.server = uvicorn.Server(uvicorn.Config(self.app, log_level="warning"))
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]},
                                       daemon=True)
        self.thread.start()
        while not self.server.started:
            time.sleep(0.02)

    def close(self) -> None:
        self.server.should_exit = True
        self.thread.join(10)


def timed_get(url: str) -> tuple[float, int]:
    started = time.perf_counter()
    with urllib.request.urlopen(url, timeout=60) as response:
        body = response.read()
    return 1000 * (time.perf_counter() - started), len(body)


def api_timings(base: str, exp_id: str) -> list[dict[str, Any]]:
    e = f"{base}/api/experiments/{exp_id}"
    queries = [
        ("overview", f"{e}"),
        ("trials page (by number)", f"{e}/trials"),
        ("sort by a parameter", f"{e}/trials?sort=param:lr&order=desc"),
        ("sort by value", f"{e}/trials?sort=value&order=desc"),
        ("filter by state", f"{e}/trials?state=failed"),
        ("filter by parameter range", f"{e}/trials?range=lr:0.001:0.01&range=layers:2:4"),
        ("search", f"{e}/trials?q=rmsprop"),
        ("sort + filter + search, page 10", f"{e}/trials?sort=param:momentum&state=succeeded"
                                            f"&q=adam&offset=450&limit=50"),
        ("CSV export (all trials)", f"{e}/trials.csv"),
        ("chart: metric over time", f"{e}/charts/metric"),
        ("chart: parallel coordinates", f"{e}/charts/parallel?top=10"),
        ("chart: durations", f"{e}/charts/duration"),
        ("chart: curves of the best 20", f"{e}/charts/curves?best=20"),
        ("parameter importance", f"{e}/importance"),
    ]
    rows = []
    for name, url in queries:
        first, size = timed_get(url)
        warm = [timed_get(url)[0] for _ in range(10)]
        rows.append({"query": name, "first_ms": first, "median_ms": statistics.median(warm),
                     "kb": size / 1024})
    return rows


# Timed inside the page, from the user's action to the frame that shows the answer (the
# table redrawn and painted), so the driver's own latency is not counted.
_SORT = """async ([key, direction]) => {
  const t0 = performance.now();
  document.querySelector(`#trials-table th[data-sort='${key}']`).click();
  const done = `#trials-table th.sorted.${direction}[data-sort='${key}']`;
  while (!document.querySelector(done)) await new Promise(r => requestAnimationFrame(r));
  await new Promise(r => requestAnimationFrame(r));
  return performance.now() - t0;
}"""
_CHANGE = """async ([selector, value, event]) => {
  const info = document.getElementById("trials-info"), before = info.textContent;
  const t0 = performance.now();
  const el = document.querySelector(selector);
  el.value = value; el.dispatchEvent(new Event(event));
  while (info.textContent === before) await new Promise(r => requestAnimationFrame(r));
  await new Promise(r => requestAnimationFrame(r));
  return performance.now() - t0;
}"""


def browser_timings(base: str, exp_id: str, repeats: int) -> dict[str, list[float]]:
    from playwright.sync_api import sync_playwright

    out: dict[str, list[float]] = {k: [] for k in (
        "fcp", "meaningful", "chart", "trials_rows", "sort", "filter", "search")}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        for _ in range(repeats):
            context = browser.new_context(viewport={"width": 1400, "height": 900})
            page = context.new_page()
            page.goto(f"{base}/#/e/{exp_id}", wait_until="commit")
            page.wait_for_selector("#overview .cards")
            out["meaningful"].append(page.evaluate("performance.now()"))
            page.wait_for_selector("#overview-metric .main-svg .point")
            out["chart"].append(page.evaluate("performance.now()"))
            fcp = page.evaluate("(performance.getEntriesByName('first-contentful-paint')[0]"
                                " || {}).startTime || null")
            out["fcp"].append(fcp if fcp is not None else float("nan"))

            page.evaluate(f"location.hash = '#/e/{exp_id}/trials'")
            t0 = time.perf_counter()
            page.wait_for_selector("#trials-table tbody tr")
            out["trials_rows"].append(1000 * (time.perf_counter() - t0))
            for key, direction in (("param:lr", "asc"), ("param:lr", "desc"), ("value", "asc")):
                out["sort"].append(page.evaluate(_SORT, [key, direction]))
            for state in ("failed", "early_stopped", ""):
                out["filter"].append(page.evaluate(_CHANGE, ["#state-filter", state, "change"]))
            out["search"].append(page.evaluate(_CHANGE, ["#search", "rmsprop", "input"]))
            context.close()
        browser.close()
    return out


def report(n: int, api: list[dict[str, Any]], ui: dict[str, list[float]] | None,
           repeats: int) -> str:
    lines = ["# Dashboard: a 10,000-trial experiment in the browser" if n == 10000
             else f"# Dashboard: a {n}-trial experiment in the browser", "",
             f"`python bench/web/run.py --trials {n}`: one stored experiment of {n} finished "
             "trials (5 parameters, 5 intermediate results each), served by uvicorn on "
             "127.0.0.1 in the benchmark's process; the browser is Debian's headless chromium "
             "driven by Playwright on the same machine.", ""]
    if ui:
        med = {k: statistics.median(v) for k, v in ui.items() if v}
        worst = {k: max(v) for k, v in ui.items() if v}
        lines += [f"## In the browser (median and worst of {repeats} fresh page loads)", "",
                  "| measure | median ms | worst ms | goal |", "|---|---:|---:|---|",
                  f"| overview: first contentful paint | {med['fcp']:.0f} | {worst['fcp']:.0f} | |",
                  f"| overview: status cards shown (first meaningful paint) | {med['meaningful']:.0f} | "
                  f"{worst['meaningful']:.0f} | < 1000 |",
                  f"| overview: results chart drawn (plotly.js loaded) | {med['chart']:.0f} | "
                  f"{worst['chart']:.0f} | |",
                  f"| trials page: first 50 rows shown | {med['trials_rows']:.0f} | "
                  f"{worst['trials_rows']:.0f} | |",
                  f"| trials table: sort by a column (click to redrawn) | {med['sort']:.0f} | "
                  f"{worst['sort']:.0f} | < 300 |",
                  f"| trials table: filter by state | {med['filter']:.0f} | {worst['filter']:.0f} | < 300 |",
                  f"| trials table: search (incl. the page's 200 ms typing pause) | "
                  f"{med['search']:.0f} | {worst['search']:.0f} | |", ""]
    lines += ["## The JSON API over HTTP", "",
              "| query | first ms | then (median of 10) ms | answer KiB |", "|---|---:|---:|---:|"]
    lines += [f"| {r['query']} | {r['first_ms']:.0f} | {r['median_ms']:.1f} | {r['kb']:.0f} |"
              for r in api]
    lines += ["", f"Machine: {machine.cpu_model()}; Python {sys.version.split()[0]}; hyperscout "
              f"{machine.git_revision()}; fastapi {machine.version('fastapi')}, uvicorn "
              f"{machine.version('uvicorn')}, chromium at {CHROMIUM}, playwright "
              f"{machine.version('playwright')}; {machine.timestamp()}.", ""]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--trials", type=int, default=10000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--output", default=str(machine.REPO / "bench" / "results" / "web.md"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        storage, exp_id = build_store(Path(tmp), args.trials)
        print(f"stored {args.trials} trials in {time.perf_counter() - t0:.1f} s", flush=True)
        server = Server(storage)
        try:
            api = api_timings(server.url, exp_id)
            for row in api:
                print(json.dumps(row), flush=True)
            ui = None
            if Path(CHROMIUM).exists():
                ui = browser_timings(server.url, exp_id, args.repeats)
                print(json.dumps(ui), flush=True)
            else:
                print(f"no {CHROMIUM}: browser timings skipped (apt-get install -y chromium)")
        finally:
            server.close()
    text = report(args.trials, api, ui, args.repeats)
    Path(args.output).write_text(text)
    print(text)


if __name__ == "__main__":
    main()

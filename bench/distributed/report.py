"""`bench/results/distributed.md` from the raw results of `run.py`."""

from __future__ import annotations

from typing import Any

CASES = ("hyperscout-ray", "raytune-default", "raytune-reuse", "hyperscout-local")


def render(raw: dict[str, Any]) -> str:
    parts = ["# hyperscout on a Ray cluster vs Ray Tune\n"]
    if "side_by_side" in raw:
        parts.append(_side_by_side(raw["side_by_side"]))
    if "scale" in raw:
        parts.append(_scale(raw["scale"]))
    return "\n".join(parts)


def _info(info: dict[str, Any]) -> str:
    v = info["versions"]
    return (f"`{info['command']}` on {info['cpu']} ({info['cores']} cores), hyperscout "
            f"{info['revision']}, ray {v['ray']}; {info['date']}.\n")


def _side_by_side(block: dict[str, Any]) -> str:
    rows = block["rows"]
    by = {(r["workload"], r["concurrency"], r["case"]): r for r in rows}
    lines = [
        "## Side by side: the same local cluster, resources and trials\n",
        _info(block["info"]),
        "One `ray.cluster_utils.Cluster`: a head with no CPUs for trials and two worker "
        "nodes of 8 logical CPUs; at concurrency C each trial asks for 16/C CPUs, so C "
        "trials fit at once for both libraries. Trivial trials return a number; sleep "
        "trials sleep 1 s (4 waves of C trials). Overhead per trial = wall x C / trials "
        "- the trial's own work. hyperscout-local is the local executor on this machine, "
        "without Ray, for reference. Every case ran once after one unmeasured warm-up of "
        "each; the order of the cases rotates with the concurrency.\n",
        "| workload | C | trials | case | wall s | trials/s | overhead ms/trial | "
        "hyperscout-ray / case (trials/s) |",
        "|---|---:|---:|---|---:|---:|---:|---:|",
    ]
    for workload in dict.fromkeys(r["workload"] for r in rows):
        for c in sorted({r["concurrency"] for r in rows}):
            ours = by.get((workload, c, "hyperscout-ray"))
            for case in CASES:
                r = by.get((workload, c, case))
                if r is None:
                    continue
                ratio = (f"{ours['trials_per_s'] / r['trials_per_s']:.2f}"
                         if ours and case != "hyperscout-ray" else "")
                failed = "" if r["succeeded"] == r["trials"] else f" ({r['succeeded']} ok)"
                lines.append(f"| {workload} | {c} | {r['trials']}{failed} | {case} | "
                             f"{r['wall_s']:.2f} | {r['trials_per_s']:.2f} | "
                             f"{r['overhead_ms']:.0f} | {ratio} |")
    lines.append("")
    lines.append(_goals(by, rows))
    lines.append(_where_we_lose(by, rows))
    return "\n".join(lines)


def _where_we_lose(by: dict[Any, Any], rows: list[dict[str, Any]]) -> str:
    out = ["### Where hyperscout on Ray loses\n",
           "Against hyperscout's own local executor on one machine, Ray costs its scheduling, "
           "a task per trial and the relay of reports (trials/s, Ray / local):\n"]
    for workload in dict.fromkeys(r["workload"] for r in rows):
        cells = []
        for c in sorted({r["concurrency"] for r in rows}):
            ours, local = by.get((workload, c, "hyperscout-ray")), by.get((workload, c, "hyperscout-local"))
            if ours and local:
                cells.append(f"C={c}: {ours['trials_per_s'] / local['trials_per_s']:.2f}")
        out.append(f"- {workload}: " + ", ".join(cells))
    out.append("\nOn this 2-core machine every Ray worker process (one per concurrent trial) "
               "competes with the engine, Ray's own processes and the trial for the same two "
               "cores, so overhead per trial grows with concurrency for every Ray case; a real "
               "cluster gives each node its own cores. Use the local executor on one machine.")
    return "\n".join(out) + "\n"


def _goals(by: dict[Any, Any], rows: list[dict[str, Any]]) -> str:
    out = ["### The goals, read from the table\n",
           "Goal: hyperscout on Ray at least as fast as Ray Tune's defaults, and within 1.5x "
           "of Ray Tune with `reuse_actors=True` (ratio of trials/s >= 1.0 and >= 0.67).\n",
           "| workload | C | vs defaults | met | vs reuse_actors | met |", "|---|---:|---:|---|---:|---|"]
    for workload in dict.fromkeys(r["workload"] for r in rows):
        for c in sorted({r["concurrency"] for r in rows}):
            ours = by.get((workload, c, "hyperscout-ray"))
            d = by.get((workload, c, "raytune-default"))
            u = by.get((workload, c, "raytune-reuse"))
            if not (ours and d and u):
                continue
            rd = ours["trials_per_s"] / d["trials_per_s"]
            ru = ours["trials_per_s"] / u["trials_per_s"]
            out.append(f"| {workload} | {c} | {rd:.2f} | {'yes' if rd >= 1.0 else 'no'} | "
                       f"{ru:.2f} | {'yes' if ru >= 1 / 1.5 else 'no'} |")
    return "\n".join(out) + "\n"


def _scale(block: dict[str, Any]) -> str:
    lines = ["## Scale: many trials through hyperscout on Ray\n", _info(block["info"]),
             f"{block['trials']} trivial trials at concurrency {block['concurrency']} on a local "
             f"cluster of two 32-CPU nodes (1 CPU per trial): {block['wall_s']:.1f} s in all, "
             f"{block['trials'] / block['wall_s']:.1f} trials/s, {block['succeeded']} succeeded; "
             f"the engine's process used {block['engine_cpu_s']:.1f} s of CPU "
             f"({1e3 * block['engine_cpu_s'] / block['trials']:.1f} ms per trial); the store "
             f"ended at {block['db_bytes'] / 2**20:.1f} MiB. The first seconds are Ray starting a "
             "worker process per concurrent trial on this machine's two cores; after that the "
             "rate is the engine's and Ray's steady state.\n",
             "| time s | trials done | trials/s in the interval | engine CPU % in the interval "
             "| store MiB |", "|---:|---:|---:|---:|---:|"]
    previous = {"t": 0.0, "finished": 0, "engine_cpu_s": 0.0}
    samples = block["samples"]
    step = max(1, len(samples) // 20)
    for s in samples[step - 1::step]:
        dt = s["t"] - previous["t"]
        lines.append(f"| {s['t']:.0f} | {s['finished']} | "
                     f"{(s['finished'] - previous['finished']) / dt:.1f} | "
                     f"{100 * (s['engine_cpu_s'] - previous['engine_cpu_s']) / dt:.0f} | "
                     f"{s['db_bytes'] / 2**20:.1f} |")
        previous = s
    return "\n".join(lines) + "\n"

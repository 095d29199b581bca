"""The dashboard's HTTP server: a JSON API over the store (documented at ``/docs`` and
``/openapi.json``) and the page that uses it.

The server only reads the store, except for the stop and kill actions, which queue the
same control commands as ``hyperscout stop`` and ``hyperscout trial kill``; the engine acts
on them. Each worker thread has its own store connection; an experiment's trials are read
once and reused until the store says they changed, which is what keeps 10,000 trials
quick to sort and filter.
"""

from __future__ import annotations

import gc
import json
import threading
import time
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from fastapi import FastAPI, Query, Request
from fastapi.responses import (
    FileResponse,
    HTMLResponse,
    JSONResponse,
    PlainTextResponse,
    Response,
)

from .. import __version__
from ..errors import ConfigError, ExperimentNotFound, HyperscoutError, StoreError, TrialNotFound
from ..states import TrialState
from ..store import Store, TrialRecord
from . import _auth, _files, _queries
from ._importance import importance

_FRESH_SECONDS = 1.0  # a running experiment's trials are re-read at least this often


class _Reader:
    """Store access for the request threads: one connection per thread, and each
    experiment's trials cached until the store's fingerprint of them changes."""

    def __init__(self, storage: str | Path | None, only: str | None) -> None:
        self.storage = storage
        self.only = only
        self._local = threading.local()
        self._cache: dict[str, tuple[tuple[Any, ...], float, _queries.TrialTable]] = {}
        self._lock = threading.Lock()
        Store(storage).close()  # fail now, with the store's own message, on a bad path

    @property
    def store(self) -> Store:
        store = getattr(self._local, "store", None)
        if store is None:
            store = self._local.store = Store(self.storage)
        return store

    def experiment(self, experiment_id: str) -> Any:
        if self.only is not None and experiment_id != self.only:
            raise ExperimentNotFound(
                f"no experiment {experiment_id!r} here: this dashboard serves only "
                f"{self.only} (`hyperscout dashboard` serves them all).")
        return self.store.experiment(experiment_id)

    def experiments(self) -> list[Any]:
        records = self.store.experiments()
        return [r for r in records if self.only is None or r.id == self.only]

    def trials(self, experiment_id: str) -> list[TrialRecord]:
        return self.table(experiment_id).trials

    def table(self, experiment_id: str) -> _queries.TrialTable:
        version = self.store.trials_version(experiment_id)
        now = time.monotonic()
        with self._lock:
            cached = self._cache.get(experiment_id)
        if cached is not None and cached[0] == version:
            running = "running" in str(version[-1] or "")
            if not running or now - cached[1] < _FRESH_SECONDS:
                return cached[2]
        table = _queries.TrialTable(self.store.trials(experiment_id),
                                    self.store.placements(experiment_id))
        gc.freeze()  # the records live until the next change: keep the collector off them
        with self._lock:
            self._cache[experiment_id] = (version, now, table)
        return table

    def trial(self, experiment_id: str, number: int) -> TrialRecord:
        self.experiment(experiment_id)
        return self.store.trial(experiment_id, number)


def create_app(storage: str | Path | None = None, *, experiment_id: str | None = None,
               token: str | None = None, require_token: bool = False) -> FastAPI:
    """The dashboard app over the store at `storage`.

    Args:
        storage: the store's folder or database file (default: the default store).
        experiment_id: serve only this experiment (``hyperscout view ID``).
        token: the token actions (and, with `require_token`, every request) must carry;
            generated when None.
        require_token: whether reads need the token too (the server is reachable beyond
            the loopback address).
    """
    reader = _Reader(storage, experiment_id)
    if experiment_id is not None:
        reader.experiment(experiment_id)  # a bad id fails at start, not on first load
    secret = token or _auth.new_token()
    app = FastAPI(title="hyperscout dashboard", version=__version__,
                  description="The JSON API of hyperscout's dashboard: experiments, trials, "
                              "logs and chart data, read from the store; stop and kill "
                              "actions (with the X-Hyperscout-Token header).")
    app.state.token = secret
    app.state.reader = reader
    app.state.last_request = time.monotonic()

    @app.middleware("http")
    async def check_token(request: Request, call_next: Any) -> Response:
        app.state.last_request = time.monotonic()
        if not require_token and not _auth.is_local_name(request.headers.get("host")):
            return JSONResponse(
                {"detail": "this dashboard serves only requests to localhost or 127.0.0.1; "
                           "to reach it under another name, serve it with --host and use "
                           "its token."}, status_code=403)
        given = (request.headers.get(_auth.HEADER) or request.query_params.get("token")
                 or request.cookies.get(_auth.COOKIE))
        if request.method not in ("GET", "HEAD", "OPTIONS"):
            if not _auth.matches(request.headers.get(_auth.HEADER), secret):
                return JSONResponse(
                    {"detail": f"this action needs the dashboard's token in the "
                               f"{_auth.HEADER} header (the page sends it; scripts: the "
                               "token the server printed, or the one given with --token)."},
                    status_code=403)
        elif require_token and not _auth.matches(given, secret):
            return JSONResponse(
                {"detail": "this dashboard needs its token: open the address the server "
                           "printed (it ends in ?token=...), or send the X-Hyperscout-Token "
                           "header."}, status_code=401)
        response: Response = await call_next(request)
        if request.query_params.get("token") and _auth.matches(request.query_params["token"],
                                                               secret):
            response.set_cookie(_auth.COOKIE, secret, httponly=True, samesite="strict")
        return response

    @app.exception_handler(HyperscoutError)
    async def hyperscout_error(request: Request, exc: HyperscoutError) -> JSONResponse:
        if isinstance(exc, (ExperimentNotFound, TrialNotFound)):
            return JSONResponse({"detail": str(exc)}, status_code=404)
        if isinstance(exc, StoreError):
            return JSONResponse({"detail": str(exc)}, status_code=503)
        return JSONResponse({"detail": str(exc)}, status_code=400)

    @app.exception_handler(_files.FileRefused)
    async def file_refused(request: Request, exc: _files.FileRefused) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=404)

    @app.exception_handler(LookupError)
    async def not_found(request: Request, exc: LookupError) -> JSONResponse:
        return JSONResponse({"detail": str(exc).strip("'\"")}, status_code=404)

    @app.exception_handler(Exception)
    async def internal(request: Request, exc: Exception) -> JSONResponse:
        return JSONResponse({"detail": f"internal error ({type(exc).__name__}); the "
                                       "server's log has the details."}, status_code=500)

    _pages(app, secret, experiment_id)
    _experiment_routes(app, reader)
    _trial_routes(app, reader)
    _chart_routes(app, reader)
    _action_routes(app, reader)
    return app


# -- the page ------------------------------------------------------------------------------
def _static(name: str) -> Path:
    return Path(str(resources.files("hyperscout.web") / "static" / name))


def _pages(app: FastAPI, token: str, only: str | None) -> None:
    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def index() -> HTMLResponse:
        html = _static("index.html").read_text()
        settings = json.dumps({"token": token, "only": only, "version": __version__})
        html = html.replace("/*SETTINGS*/", f"window.HYPERSCOUT = {settings};")
        return HTMLResponse(html, headers={"Cache-Control": "no-store"})

    @app.get("/static/{name}", include_in_schema=False)
    def static(name: str) -> Response:
        if name == "plotly.min.js":
            return FileResponse(_plotly_js(), media_type="application/javascript",
                                headers={"Cache-Control": "max-age=86400"})
        if name not in ("app.js", "style.css"):
            raise LookupError(f"no static file {name!r}.")
        kind = "application/javascript" if name.endswith(".js") else "text/css"
        return FileResponse(_static(name), media_type=kind)


def _plotly_js() -> Path:
    """plotly.js as the installed plotly package ships it: never fetched from a CDN."""
    try:
        import plotly
    except ImportError as exc:
        raise StoreError("the dashboard's charts need plotly: pip install -e '.[web]' in "
                         "hyperscout's clone") from exc
    return Path(plotly.__file__).parent / "package_data" / "plotly.min.js"


# -- experiments ---------------------------------------------------------------------------
def _experiment_routes(app: FastAPI, reader: _Reader) -> None:
    @app.get("/api/experiments", summary="Every experiment, with its progress and best")
    def experiments() -> list[dict[str, Any]]:
        return [_queries.experiment_summary(r, reader.trials(r.id)) for r in reader.experiments()]

    @app.get("/api/experiments/{experiment_id}", summary="One experiment: status, limits, best")
    def experiment(experiment_id: str) -> dict[str, Any]:
        record = reader.experiment(experiment_id)
        summary = _queries.experiment_summary(record, reader.trials(experiment_id))
        summary["config"] = record.config
        summary["space"] = record.space
        summary["directory"] = record.directory
        summary["engine_pid"] = record.engine_pid
        return summary

    @app.get("/api/experiments/{experiment_id}/version",
             summary="A fingerprint that changes whenever the experiment's trials do")
    def version(experiment_id: str) -> dict[str, Any]:
        record = reader.experiment(experiment_id)
        return {"status": record.status,
                "trials": json.dumps(reader.store.trials_version(experiment_id))}

    @app.get("/api/experiments/{experiment_id}/config", summary="The config, as JSON or YAML")
    def config(experiment_id: str, format: str = "json") -> Response:
        return _download(reader.experiment(experiment_id).config, format,
                         f"{experiment_id}-config")

    @app.get("/api/experiments/{experiment_id}/space", summary="The search space, as JSON or YAML")
    def space(experiment_id: str, format: str = "json") -> Response:
        return _download(reader.experiment(experiment_id).space, format,
                         f"{experiment_id}-search-space")

    @app.get("/api/experiments/{experiment_id}/events", summary="The experiment's event log")
    def events(experiment_id: str, trial: int | None = None) -> list[dict[str, Any]]:
        reader.experiment(experiment_id)
        return [{"time": e.time, "kind": e.kind, "trial": e.trial, "message": e.message}
                for e in reader.store.events(experiment_id)
                if trial is None or e.trial == trial]


def _download(data: Any, fmt: str, stem: str) -> Response:
    if fmt == "json":
        return Response(json.dumps(data, indent=2), media_type="application/json",
                        headers={"Content-Disposition": f'attachment; filename="{stem}.json"'})
    if fmt == "yaml":
        return Response(yaml.safe_dump(data, sort_keys=False), media_type="application/yaml",
                        headers={"Content-Disposition": f'attachment; filename="{stem}.yaml"'})
    raise ConfigError(f"`format` must be 'json' or 'yaml', not {fmt!r}.")


# -- trials --------------------------------------------------------------------------------
def _query(sort: str, order: str, state: list[str], q: str, range_: list[str],
           eq: list[str], offset: int, limit: int) -> _queries.TrialQuery:
    if order not in ("asc", "desc"):
        raise ConfigError(f"`order` must be 'asc' or 'desc', not {order!r}.")
    states = [s for item in state for s in item.split(",") if s]
    return _queries.TrialQuery(
        sort=sort, descending=order == "desc", states=states, search=q,
        ranges=dict(_queries.parse_range(r) for r in range_),
        equals=dict(_queries.parse_equals(e) for e in eq), offset=offset, limit=limit)


def _trial_routes(app: FastAPI, reader: _Reader) -> None:
    @app.get("/api/experiments/{experiment_id}/trials",
             summary="A page of trials: sorted, filtered by state and parameter, searched")
    def trials(experiment_id: str, sort: str = "number", order: str = "asc",
               state: list[str] = Query(default=[]), q: str = "",
               range_: list[str] = Query(default=[], alias="range",
                                         description="NAME:LOW:HIGH, a bound may be empty"),
               eq: list[str] = Query(default=[], description="NAME:VALUE"),
               offset: int = 0, limit: int = 50) -> dict[str, Any]:
        reader.experiment(experiment_id)
        query = _query(sort, order, state, q, range_, eq, offset, limit)
        return _queries.page(reader.table(experiment_id), query)

    @app.get("/api/experiments/{experiment_id}/trials.csv",
             summary="The trials (with the same filters) as CSV")
    def trials_csv(experiment_id: str, sort: str = "number", order: str = "asc",
                   state: list[str] = Query(default=[]), q: str = "",
                   range_: list[str] = Query(default=[], alias="range"),
                   eq: list[str] = Query(default=[])) -> Response:
        reader.experiment(experiment_id)
        query = _query(sort, order, state, q, range_, eq, 0, 1)
        rows = _queries.select(reader.table(experiment_id), query)
        return Response(_queries.to_csv(rows), media_type="text/csv",
                        headers={"Content-Disposition":
                                 f'attachment; filename="{experiment_id}-trials.csv"'})

    @app.get("/api/experiments/{experiment_id}/trials/{number}",
             summary="One trial: parameters, metrics, intermediate results, events")
    def trial(experiment_id: str, number: int) -> dict[str, Any]:
        record = reader.trial(experiment_id, number)
        row = _queries.trial_row(record)
        points = reader.store.intermediates(experiment_id, number)
        row["intermediates"] = [{"step": p.step, "value": p.value, "metrics": p.metrics,
                                 "time": p.time} for p in points]
        row["events"] = [{"time": e.time, "kind": e.kind, "message": e.message}
                         for e in reader.store.events(experiment_id) if e.trial == number]
        row["files"] = _files.list_files(record.directory)
        return row

    @app.get("/api/experiments/{experiment_id}/trials/{number}/log/{stream}",
             summary="A trial's stdout or stderr: the tail, or from a byte offset on")
    def log(experiment_id: str, number: int, stream: str, offset: int | None = None,
            tail: int = _files.DEFAULT_TAIL) -> dict[str, Any]:
        if stream not in _files.LOGS:
            raise LookupError(f"no log {stream!r}; the logs are {sorted(_files.LOGS)}.")
        record = reader.trial(experiment_id, number)
        try:
            path = _files.safe_path(record.directory, _files.LOGS[stream])
        except _files.FileRefused:
            return {"text": "", "offset": 0, "next": 0, "size": 0, "truncated": False}
        return _files.read_chunk(path, offset, max(1, min(tail, _files.MAX_READ)))

    @app.get("/api/experiments/{experiment_id}/trials/{number}/files/{path:path}",
             summary="A file of the trial's folder, as text (at most 1 MiB)")
    def trial_file(experiment_id: str, number: int, path: str) -> PlainTextResponse:
        record = reader.trial(experiment_id, number)
        chunk = _files.read_chunk(_files.safe_path(record.directory, path), 0)
        return PlainTextResponse(chunk["text"], headers={"X-Content-Type-Options": "nosniff"})


# -- charts --------------------------------------------------------------------------------
def _chart_routes(app: FastAPI, reader: _Reader) -> None:
    def _how(experiment_id: str) -> str:
        return _queries.direction(reader.experiment(experiment_id))

    @app.get("/api/experiments/{experiment_id}/charts/metric",
             summary="Each trial's value by end time, with the best-so-far line")
    def metric(experiment_id: str) -> dict[str, Any]:
        how = _how(experiment_id)
        return _queries.metric_chart(reader.trials(experiment_id), how)

    @app.get("/api/experiments/{experiment_id}/charts/duration", summary="Trial durations")
    def duration(experiment_id: str) -> dict[str, Any]:
        reader.experiment(experiment_id)
        return _queries.duration_chart(reader.trials(experiment_id))

    @app.get("/api/experiments/{experiment_id}/charts/parallel",
             summary="Parameters and values for parallel coordinates, top percent marked")
    def parallel(experiment_id: str, top: float = 10.0) -> dict[str, Any]:
        how = _how(experiment_id)
        log = _queries.log_params(reader.experiment(experiment_id).space)
        return _queries.parallel_chart(reader.trials(experiment_id), how, top, log)

    @app.get("/api/experiments/{experiment_id}/charts/curves",
             summary="Intermediate curves: of the given trials, else of the best N")
    def curves(experiment_id: str, trials: str = "", best: int = 20) -> dict[str, Any]:
        how = _how(experiment_id)
        numbers = _numbers(trials) if trials else _queries.top_numbers(
            reader.trials(experiment_id), how, max(1, min(best, 100)))
        points = [p for n in numbers for p in reader.store.intermediates(experiment_id, n)]
        return _queries.curves(points, numbers)

    @app.get("/api/experiments/{experiment_id}/importance",
             summary="Parameter importance, with the method used")
    def param_importance(experiment_id: str) -> dict[str, Any]:
        reader.experiment(experiment_id)
        return importance(reader.trials(experiment_id))

    @app.get("/api/experiments/{experiment_id}/compare",
             summary="2 to 5 trials side by side")
    def compare(experiment_id: str, trials: str) -> dict[str, Any]:
        reader.experiment(experiment_id)
        numbers = _numbers(trials)
        points = [p for n in numbers for p in reader.store.intermediates(experiment_id, n)]
        return _queries.compare(reader.trials(experiment_id), numbers, points)


def _numbers(text: str) -> list[int]:
    try:
        return [int(x) for x in text.split(",") if x.strip()]
    except ValueError:
        raise ConfigError(f"`trials` must be trial numbers separated by commas, not {text!r}.") from None


# -- actions -------------------------------------------------------------------------------
def _action_routes(app: FastAPI, reader: _Reader) -> None:
    @app.post("/api/experiments/{experiment_id}/stop",
              summary="Ask the experiment's engine to stop (as `hyperscout stop`)")
    def stop(experiment_id: str) -> dict[str, Any]:
        record = reader.experiment(experiment_id)
        if record.status != "running":
            return JSONResponse(  # type: ignore[return-value]
                {"detail": f"experiment {experiment_id} is not running (status "
                           f"{record.status}); there is nothing to stop."}, status_code=409)
        reader.store.add_command(experiment_id, "stop")
        return {"queued": "stop", "experiment": experiment_id}

    @app.post("/api/experiments/{experiment_id}/trials/{number}/kill",
              summary="Ask the engine to kill a running trial (as `hyperscout trial kill`)")
    def kill(experiment_id: str, number: int) -> dict[str, Any]:
        record = reader.experiment(experiment_id)
        trial = reader.trial(experiment_id, number)
        if record.status != "running" or trial.state is not TrialState.RUNNING:
            return JSONResponse(  # type: ignore[return-value]
                {"detail": f"trial {number} is {trial.state.value} and experiment "
                           f"{experiment_id} is {record.status}; only a running trial of a "
                           "running experiment can be killed."}, status_code=409)
        reader.store.add_command(experiment_id, "kill", number)
        return {"queued": "kill", "experiment": experiment_id, "trial": number}

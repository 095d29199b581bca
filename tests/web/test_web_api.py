"""The dashboard's JSON API over a real finished experiment: every endpoint, bad ids,
paging, sorting and filtering, downloads, and errors that never show a traceback."""

from __future__ import annotations

import csv
import io
import math
from typing import Any

import yaml
from conftest import N_TRIALS, TOKEN
from fastapi.testclient import TestClient


def api(client: TestClient, path: str, **params: Any) -> Any:
    response = client.get(path, params=params)
    assert response.status_code == 200, response.text
    return response.json()


def test_the_page_carries_its_settings_and_loads_plotly_from_the_plotly_package(
        client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200
    assert "window.HYPERSCOUT" in page.text and TOKEN in page.text
    assert "http" not in page.text.split("<body>")[1]  # no script or style from elsewhere
    plotly_js = client.get("/static/plotly.min.js")
    assert plotly_js.status_code == 200 and "plotly.js" in plotly_js.text[:200]
    assert client.get("/static/app.js").status_code == 200
    assert client.get("/static/style.css").status_code == 200
    assert client.get("/static/../_app.py").status_code == 404


def test_the_api_is_documented_by_its_openapi_schema(client: TestClient) -> None:
    paths = api(client, "/openapi.json")["paths"]
    for route in ("/api/experiments", "/api/experiments/{experiment_id}/trials",
                  "/api/experiments/{experiment_id}/trials/{number}/log/{stream}",
                  "/api/experiments/{experiment_id}/charts/parallel",
                  "/api/experiments/{experiment_id}/importance",
                  "/api/experiments/{experiment_id}/stop"):
        assert route in paths


def test_experiments_list_their_status_progress_and_best(client: TestClient, exp_id: str) -> None:
    [row] = api(client, "/api/experiments")
    assert row["id"] == exp_id and row["name"] == "web-tests" and row["status"] == "done"
    assert row["trials"] == N_TRIALS and row["finished"] == N_TRIALS and row["max_trials"] == N_TRIALS
    assert row["best"]["value"] == max(
        t["value"] for t in api(client, f"/api/experiments/{exp_id}/trials")["rows"]
        if t["value"] is not None)
    assert row["started"] and row["elapsed"] > 0


def test_overview_has_limits_tuner_counts_config_and_space(client: TestClient, exp_id: str) -> None:
    e = api(client, f"/api/experiments/{exp_id}")
    assert e["tuner"] == "random" and e["scheduler"] == "fifo"
    assert sum(e["state_counts"].values()) == N_TRIALS and e["state_counts"]["succeeded"] >= 1
    assert e["config"]["max_trials"] == N_TRIALS
    assert {p["name"] for p in e["space"]["parameters"]} == {"lr", "units"}
    assert set(e["best"]["params"]) == {"lr", "units"}


def test_config_and_space_download_as_json_or_yaml(client: TestClient, exp_id: str) -> None:
    as_yaml = client.get(f"/api/experiments/{exp_id}/config", params={"format": "yaml"})
    assert as_yaml.status_code == 200
    assert "attachment" in as_yaml.headers["content-disposition"]
    assert yaml.safe_load(as_yaml.text)["max_trials"] == N_TRIALS
    space = api(client, f"/api/experiments/{exp_id}/space", format="json")
    assert space["parameters"][0]["name"] == "lr"
    bad = client.get(f"/api/experiments/{exp_id}/space", params={"format": "xml"})
    assert bad.status_code == 400 and "'json' or 'yaml'" in bad.json()["detail"]


def test_the_version_changes_only_when_the_trials_do(client: TestClient, exp_id: str) -> None:
    first = api(client, f"/api/experiments/{exp_id}/version")
    assert first == api(client, f"/api/experiments/{exp_id}/version")
    assert first["status"] == "done"


def test_trials_page_sorts_by_any_column_and_pages(client: TestClient, exp_id: str) -> None:
    url = f"/api/experiments/{exp_id}/trials"
    page = api(client, url, sort="param:lr", order="desc", limit=3)
    assert page["total"] == N_TRIALS and page["all"] == N_TRIALS and len(page["rows"]) == 3
    lrs = [r["params"]["lr"] for r in page["rows"]]
    assert lrs == sorted(lrs, reverse=True)
    everything = api(client, url, sort="param:lr", order="desc", limit=500)["rows"]
    assert max(r["params"]["lr"] for r in everything) == lrs[0]
    second = api(client, url, sort="param:lr", order="desc", limit=3, offset=3)["rows"]
    assert [r["number"] for r in second] == [r["number"] for r in everything[3:6]]
    by_value = [r["value"] for r in api(client, url, sort="value", order="desc")["rows"]]
    present = [v for v in by_value if v is not None]
    assert present == sorted(present, reverse=True) and by_value[:len(present)] == present
    durations = [r["duration"] for r in api(client, url, sort="duration")["rows"]]
    assert durations == sorted(durations)


def test_trials_filter_by_state_range_equality_and_search(client: TestClient, exp_id: str) -> None:
    url = f"/api/experiments/{exp_id}/trials"
    rows = api(client, url, limit=500)["rows"]
    failed = api(client, url, state="failed")
    assert failed["total"] == sum(r["state"] == "failed" for r in rows)
    assert all(r["state"] == "failed" for r in failed["rows"])
    ranged = api(client, url, range="lr:0.001:0.05")["rows"]
    assert {r["number"] for r in ranged} == {
        r["number"] for r in rows if 0.001 <= r["params"]["lr"] <= 0.05}
    open_ended = api(client, url, range="lr::0.001")["rows"]
    assert all(r["params"]["lr"] <= 0.001 for r in open_ended)
    units = api(client, url, eq="units:64")["rows"]
    assert {r["number"] for r in units} == {r["number"] for r in rows if r["params"]["units"] == 64}
    found = api(client, url, q="exit code")["rows"]
    assert found and all("exit code" in (r["reason"] or "") for r in found)
    assert api(client, url, q="succeeded")["total"] == sum(r["state"] == "succeeded" for r in rows)


def test_bad_trial_queries_say_what_to_send(client: TestClient, exp_id: str) -> None:
    url = f"/api/experiments/{exp_id}/trials"
    for params, words in [({"state": "exploded"}, "unknown trial state"),
                          ({"sort": "colour"}, "cannot sort by"),
                          ({"order": "sideways"}, "'asc' or 'desc'"),
                          ({"limit": 0}, "`limit` between 1"),
                          ({"limit": 501}, "`limit` between 1"),
                          ({"offset": -1}, "`offset` must be"),
                          ({"range": "lr:0.1"}, "NAME:LOW:HIGH"),
                          ({"range": "lr:a:b"}, "must be numbers"),
                          ({"eq": "units"}, "NAME:VALUE")]:
        response = client.get(url, params=params)
        assert response.status_code == 400, params
        assert words in response.json()["detail"], (params, response.json())


def test_csv_export_has_every_trial_with_the_filters_applied(client: TestClient, exp_id: str) -> None:
    response = client.get(f"/api/experiments/{exp_id}/trials.csv")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert len(rows) == N_TRIALS and {"number", "state", "value", "param:lr", "param:units"} <= set(rows[0])
    filtered = client.get(f"/api/experiments/{exp_id}/trials.csv", params={"state": "failed"})
    assert all(r["state"] == "failed" for r in csv.DictReader(io.StringIO(filtered.text)))


def test_a_trial_has_params_metrics_curve_events_and_files(client: TestClient, exp_id: str) -> None:
    t = api(client, f"/api/experiments/{exp_id}/trials/1")
    assert set(t["params"]) == {"lr", "units"}
    assert [p["step"] for p in t["intermediates"]] == [0, 1, 2]
    assert {f["path"] for f in t["files"]} >= {"stdout.log", "stderr.log"}


def test_logs_give_the_tail_or_follow_from_an_offset(client: TestClient, exp_id: str) -> None:
    url = f"/api/experiments/{exp_id}/trials/1/log/stdout"
    whole = api(client, url)
    assert whole["text"].startswith("training with") and whole["next"] == whole["size"]
    assert api(client, url, offset=whole["next"])["text"] == ""
    tail = api(client, url, tail=5)
    assert tail["text"] == whole["text"][-5:] and tail["truncated"]
    assert api(client, url, offset=9)["text"] == whole["text"][9:]
    stderr = api(client, f"/api/experiments/{exp_id}/trials/1/log/stderr")
    assert "<b>bold</b>" in stderr["text"]  # as text: the page never renders it as HTML
    bad = client.get(f"/api/experiments/{exp_id}/trials/1/log/passwords")
    assert bad.status_code == 404 and "stdout" in bad.json()["detail"]


def test_trial_files_are_served_as_plain_text(client: TestClient, exp_id: str) -> None:
    response = client.get(f"/api/experiments/{exp_id}/trials/1/files/stderr.log")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/plain")
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "<b>bold</b>" in response.text
    missing = client.get(f"/api/experiments/{exp_id}/trials/1/files/nothing.txt")
    assert missing.status_code == 404 and "no file" in missing.json()["detail"]


def test_charts_answer_with_data_for_every_trial(client: TestClient, exp_id: str) -> None:
    rows = api(client, f"/api/experiments/{exp_id}/trials")["rows"]
    valued = [r for r in rows if r["value"] is not None]
    metric = api(client, f"/api/experiments/{exp_id}/charts/metric")
    assert len(metric["points"]) == len(valued) == metric["total"]
    best = [p["y"] for p in metric["best"]]
    assert best == sorted(best) and best[-1] == max(r["value"] for r in valued)
    assert all(set(p["params"]) == {"lr", "units"} for p in metric["points"])
    duration = api(client, f"/api/experiments/{exp_id}/charts/duration")
    assert len(duration["points"]) == N_TRIALS
    parallel = api(client, f"/api/experiments/{exp_id}/charts/parallel", top=50)
    assert [d["name"] for d in parallel["dimensions"]] == ["lr", "units"]
    assert [d["log"] for d in parallel["dimensions"]] == [True, False]  # lr is loguniform
    assert sum(parallel["top"]) == math.ceil(len(valued) * 0.5)
    top_values = [v for v, top in zip(parallel["value"], parallel["top"]) if top]
    assert min(top_values) >= max(v for v, top in zip(parallel["value"], parallel["top"]) if not top)
    curves = api(client, f"/api/experiments/{exp_id}/charts/curves", trials="1,2")
    assert [c["number"] for c in curves["curves"]] == [1, 2]
    best_curves = api(client, f"/api/experiments/{exp_id}/charts/curves", best=3)
    assert len(best_curves["curves"]) == 3


def test_importance_names_its_method(client: TestClient, exp_id: str) -> None:
    answer = api(client, f"/api/experiments/{exp_id}/importance")
    assert "omega-squared" in answer["method"] or "variance" in answer["method"]
    assert answer["trials"] == sum(
        r["value"] is not None for r in api(client, f"/api/experiments/{exp_id}/trials")["rows"])


def test_compare_shows_two_to_five_trials(client: TestClient, exp_id: str) -> None:
    answer = api(client, f"/api/experiments/{exp_id}/compare", trials="1,2,3")
    assert [t["number"] for t in answer["trials"]] == [1, 2, 3]
    assert [c["number"] for c in answer["curves"]] == [1, 2, 3]
    for bad in ("1", "1,2,3,4,5,6", "1,x"):
        response = client.get(f"/api/experiments/{exp_id}/compare", params={"trials": bad})
        assert response.status_code == 400, bad


def test_bad_ids_give_404_with_a_message_and_no_traceback(client: TestClient, exp_id: str) -> None:
    for path in ("/api/experiments/nope", "/api/experiments/nope/trials",
                 "/api/experiments/nope/charts/metric", f"/api/experiments/{exp_id}/trials/99",
                 f"/api/experiments/{exp_id}/trials/99/log/stdout",
                 f"/api/experiments/{exp_id}/compare?trials=1,99"):
        response = client.get(path)
        assert response.status_code == 404, path
        detail = response.json()["detail"]
        assert ("no experiment" in detail or "no trial" in detail), (path, detail)
        assert "Traceback" not in response.text
    assert client.get(f"/api/experiments/{exp_id}/trials/abc").status_code == 422


def test_a_view_app_serves_only_its_experiment(finished: dict[str, Any], exp_id: str) -> None:
    from hyperscout.web import create_app

    only = TestClient(create_app(finished["storage"], experiment_id=exp_id),
                      base_url="http://127.0.0.1")
    assert [e["id"] for e in only.get("/api/experiments").json()] == [exp_id]
    assert f'"only": "{exp_id}"' in only.get("/").text


def test_events_list_the_experiment_log_and_filter_by_trial(
        finished: dict[str, Any], client: TestClient, exp_id: str) -> None:
    from hyperscout.store import Store

    store = Store(finished["storage"])
    store.add_event(exp_id, "note", "a note about trial 2", trial=2)
    store.add_event(exp_id, "note", "an experiment-wide note")
    events = api(client, f"/api/experiments/{exp_id}/events")
    assert {"a note about trial 2", "an experiment-wide note"} <= {e["message"] for e in events}
    only = api(client, f"/api/experiments/{exp_id}/events", trial=2)
    assert only and all(e["trial"] == 2 for e in only)
    assert "a note about trial 2" in [
        e["message"] for e in api(client, f"/api/experiments/{exp_id}/trials/2")["events"]]

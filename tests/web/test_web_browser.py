"""The dashboard in a real headless browser (Debian's chromium driven by Playwright):
every page of a real stored experiment draws, the table sorts and filters, a trial's log
opens, a running experiment's new trial appears without reload, and a trial is killed from
the page. With HYPERSCOUT_SCREENSHOTS=DIR, each page is saved there as a PNG (the README's
pictures come from ``HYPERSCOUT_SCREENSHOTS=docs/images``)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import N_TRIALS, LiveServer, start_running, stop_running, wait_until

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--no-first-run", "--disable-sync"]

sync_api = pytest.importorskip("playwright.sync_api",
                               reason="the browser tests need playwright (in the dev extra)")
if not Path(CHROMIUM).exists() and shutil.which("chromium") is None:
    pytest.skip("the browser tests need Debian's chromium: apt-get install -y chromium",
                allow_module_level=True)

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with sync_api.sync_playwright() as p:
        launched = p.chromium.launch(executable_path=CHROMIUM if Path(CHROMIUM).exists()
                                     else shutil.which("chromium"), args=FLAGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("dialog", lambda dialog: dialog.accept())  # the kill and stop confirmations
    yield page
    context.close()
    assert not errors, f"the page raised: {errors}"


@pytest.fixture(scope="module")
def server(finished: dict[str, Any]) -> Iterator[LiveServer]:
    live = LiveServer(finished["storage"])
    yield live
    live.close()


def shoot(page: Any, name: str) -> None:
    folder = os.environ.get("HYPERSCOUT_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"dashboard-{name}.png"), full_page=True)


def drawn(page: Any, selector: str) -> int:
    """How many data marks the plotly chart at `selector` drew: points, bars and lines, or
    the axes of parallel coordinates (whose lines are WebGL, not SVG)."""
    page.wait_for_selector(f"{selector} .main-svg", timeout=20_000)
    return int(page.eval_on_selector(
        selector, "el => el.querySelectorAll("
        "'.point, path.js-line, .bars path, .trace, .parcoords .y-axis').length"))


def table_column(page: Any, column: int) -> list[str]:
    return page.eval_on_selector_all(
        "#trials-table tbody tr", f"rows => rows.map(r => r.children[{column}].textContent)")


def test_experiment_list_opens_an_experiment(page: Any, server: LiveServer, exp_id: str) -> None:
    page.goto(server.url + "/")
    page.wait_for_selector("#experiments tbody tr a")
    assert exp_id in page.inner_text("#experiments")
    assert "done" in page.inner_text("#experiments")
    shoot(page, "experiments")
    page.click(f"#experiments a[href='#/e/{exp_id}']")
    page.wait_for_selector("#overview .cards")
    assert f"Experiment {exp_id}" in page.inner_text("h1")


def test_overview_shows_status_best_config_and_draws_its_chart(
        page: Any, server: LiveServer, exp_id: str) -> None:
    page.goto(f"{server.url}/#/e/{exp_id}")
    page.wait_for_selector("#overview .cards")
    text = page.inner_text("#overview")
    for words in ("done", f"{N_TRIALS}/{N_TRIALS}", "random", "Best trial's parameters", "lr", "units"):
        assert words in text, words
    assert f'"max_trials": {N_TRIALS}' in page.inner_text("#config")
    assert drawn(page, "#overview-metric") > 0
    assert page.is_disabled("#stop")  # the experiment is over
    shoot(page, "overview")


def test_trials_table_sorts_filters_and_searches(page: Any, server: LiveServer, exp_id: str) -> None:
    page.goto(f"{server.url}/#/e/{exp_id}/trials")
    page.wait_for_selector("#trials-table tbody tr")
    assert len(table_column(page, 1)) == N_TRIALS
    page.click("#trials-table th[data-sort='value']")
    page.wait_for_selector("#trials-table th.sorted.asc[data-sort='value']")
    page.click("#trials-table th[data-sort='value']")
    page.wait_for_selector("#trials-table th.sorted.desc[data-sort='value']")
    values = [float(v) for v in table_column(page, 3) if v != "–"]
    assert values == sorted(values, reverse=True) and len(values) >= 2
    shoot(page, "trials")

    page.select_option("#state-filter", "succeeded")
    wait_until(lambda: set(table_column(page, 2)) == {"succeeded"}, 10)
    page.select_option("#state-filter", "")
    page.select_option("#range-param", "units")
    page.fill("#range-low", "64")
    page.fill("#range-high", "64")
    page.click("#range-add")
    wait_until(lambda: table_column(page, 1) and f"(filtered from {N_TRIALS})" in page.inner_text("#trials-info"), 10)
    headers = page.eval_on_selector_all("#trials-table th", "ths => ths.map(t => t.textContent)")
    units = headers.index("units")
    assert set(table_column(page, units)) == {"64"}
    page.click("#range-chips button")
    wait_until(lambda: len(table_column(page, 1)) == N_TRIALS, 10)
    page.fill("#search", "exit code")
    wait_until(lambda: set(table_column(page, 2)) == {"failed"}, 10)


def test_a_trial_shows_its_parameters_curve_and_log(page: Any, server: LiveServer, exp_id: str) -> None:
    page.goto(f"{server.url}/#/e/{exp_id}/trials")
    page.wait_for_selector("#trials-table tbody tr")
    page.click("#trials-table tbody tr[data-number='1'] td:nth-child(2)")
    page.wait_for_selector("#trial")
    wait_until(lambda: "training with" in page.inner_text("#log-stdout"), 10)
    assert "<b>bold</b>" in page.inner_text("#log-stderr")  # shown as text, never as HTML
    assert page.query_selector("#log-stderr b") is None
    assert drawn(page, "#trial-curve") > 0
    shoot(page, "trial")


def test_charts_all_draw(page: Any, server: LiveServer, exp_id: str) -> None:
    page.goto(f"{server.url}/#/e/{exp_id}/charts")
    for chart in ("#chart-metric", "#chart-parallel", "#chart-duration", "#chart-curves",
                  "#chart-importance"):
        assert drawn(page, chart) > 0, chart
    assert "top" in page.inner_text("#chart-parallel")
    shoot(page, "charts")


def test_compare_two_selected_trials(page: Any, server: LiveServer, exp_id: str) -> None:
    page.goto(f"{server.url}/#/e/{exp_id}/trials")
    page.wait_for_selector("#trials-table tbody tr")
    assert page.is_disabled("#compare")
    page.check("#trials-table tbody tr[data-number='1'] input[type=checkbox]")
    page.check("#trials-table tbody tr[data-number='2'] input[type=checkbox]")
    page.click("#compare")
    page.wait_for_selector("#compare-table")
    text = page.inner_text("#compare-table")
    assert "trial 1" in text and "trial 2" in text and "lr" in text
    assert drawn(page, "#compare-curves") > 0
    shoot(page, "compare")


def test_a_running_experiment_updates_live_and_a_trial_is_killed_from_the_page(
        page: Any, tmp_path: Path) -> None:
    storage, exp_id = start_running(tmp_path)
    live = LiveServer(storage)
    try:
        from hyperscout.store import Store

        store = Store(storage)
        page.goto(f"{live.url}/#/e/{exp_id}/trials")
        wait_until(lambda: table_column(page, 2) == ["running", "waiting"]
                   or table_column(page, 2) == ["running"], 20)
        page.click("#trials-table tbody tr[data-number='0'] button.kill")  # confirms
        wait_until(lambda: store.trial(exp_id, 0).state.value == "user_canceled", 20)
        # no reload: the page sees the kill and the next trial by itself
        wait_until(lambda: table_column(page, 2)[:2] == ["user_canceled", "running"], 10)
        page.click("#trials-table tbody tr[data-number='1'] td:nth-child(2)")
        wait_until(lambda: "step" in page.inner_text("#log-stdout"), 10)
        first = page.inner_text("#log-stdout").count("step")
        wait_until(lambda: page.inner_text("#log-stdout").count("step") > first + 5, 10)
        page.click("#kill")
        wait_until(lambda: store.trial(exp_id, 1).state.value == "user_canceled", 20)
        wait_until(lambda: "user_canceled" in page.inner_text("#trial h1"), 10)
    finally:
        stop_running(storage, exp_id)
        live.close()

// hyperscout's dashboard: one page, no build step, no network beyond this server.
// Every view reads the JSON API (see /docs); text from the store is always set with
// textContent, never parsed as HTML.

const SETTINGS = window.HYPERSCOUT || {};
const STATES = ["waiting", "running", "succeeded", "failed", "early_stopped", "timeout",
                "user_canceled", "stale"];
const POLL_MS = 1000;
const STATE_COLOURS = { succeeded: "#1f9d55", failed: "#d64545", timeout: "#d64545", stale: "#d64545",
                        early_stopped: "#c98a00", user_canceled: "#c98a00", running: "#2f6fde" };

// -- plumbing ------------------------------------------------------------------------
async function api(path, options = {}) {
  const headers = Object.assign({}, options.headers || {});
  if (SETTINGS.token) headers["X-Hyperscout-Token"] = SETTINGS.token;
  const response = await fetch(path, Object.assign({}, options, { headers }));
  const body = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(body.detail || `${response.status} ${response.statusText}`);
  return body;
}

function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith("on")) el.addEventListener(key.slice(2), value);
    else if (key === "class") el.className = value;
    else if (key === "dataset") Object.assign(el.dataset, value);
    else el.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

function fmt(v) {
  if (v === null || v === undefined) return "–";
  if (typeof v === "number") {
    if (Number.isInteger(v)) return String(v);
    const a = Math.abs(v);
    return a !== 0 && (a < 1e-3 || a >= 1e6) ? v.toExponential(3) : String(+v.toPrecision(5));
  }
  if (typeof v === "object") return JSON.stringify(v);
  return String(v);
}
function fmtTime(t) { return t ? new Date(t * 1000).toLocaleString() : "–"; }
function fmtDur(s) {
  if (s === null || s === undefined) return "–";
  if (s < 60) return `${s.toFixed(1)} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
  return `${Math.floor(s / 3600)} h ${Math.round((s % 3600) / 60)} min`;
}
function state(s) { return h("span", { class: `state ${s}` }, s); }
function toast(text) {
  const el = document.getElementById("toast");
  el.textContent = text; el.classList.add("show");
  clearTimeout(toast.timer); toast.timer = setTimeout(() => el.classList.remove("show"), 3000);
}
function card(label, ...value) {
  return h("div", { class: "card" }, h("div", { class: "label" }, label), h("div", { class: "big" }, ...value));
}
// plotly.js (from the installed plotly package) is 4.7 MB: it loads once, after the first
// view has drawn its text, so the page shows its numbers before any chart.
let plotlyLoading = null;
function loadPlotly() {
  if (window.Plotly) return Promise.resolve(window.Plotly);
  if (!plotlyLoading) {
    plotlyLoading = new Promise((resolve, reject) => {
      const script = h("script", { src: "/static/plotly.min.js" });
      script.onload = () => resolve(window.Plotly);
      script.onerror = () => { plotlyLoading = null; reject(new Error("could not load plotly.js from this server")); };
      document.head.append(script);
    });
  }
  return plotlyLoading;
}
async function plot(el, data, layout = {}) {
  await loadPlotly();
  const base = { margin: { l: 60, r: 20, t: 40, b: 50 }, hovermode: "closest",
                 paper_bgcolor: "#fff", plot_bgcolor: "#fff" };
  return window.Plotly.react(el, data, Object.assign(base, layout), { responsive: true, displaylogo: false });
}
function hoverParams(params) {
  return Object.entries(params || {}).map(([k, v]) => `${k}=${fmt(v)}`).join("<br>");
}

// -- views ----------------------------------------------------------------------------
// A view renders into `main` and returns { refresh } for live updates.
const main = () => document.getElementById("main");

async function listView() {
  const box = h("div", {}, h("h1", {}, "Experiments"));
  const table = h("table", { id: "experiments" });
  box.append(table);
  main().replaceChildren(box);
  async function refresh() {
    const rows = await api("/api/experiments");
    const head = h("tr", {}, ["id", "name", "status", "progress", "best", "started", "duration"].map(c => h("th", {}, c)));
    const body = rows.map(e => h("tr", { class: "clickable", onclick: () => (location.hash = `#/e/${e.id}`) },
      h("td", {}, h("a", { href: `#/e/${e.id}` }, e.id)), h("td", {}, e.name || "–"),
      h("td", {}, state(e.status)), h("td", { class: "num" }, `${e.finished}/${e.max_trials ?? "?"}`),
      h("td", { class: "num" }, e.best ? fmt(e.best.value) : "–"), h("td", {}, fmtTime(e.started)),
      h("td", { class: "num" }, e.started ? fmtDur(e.elapsed) : "–")));
    table.replaceChildren(h("thead", {}, head), h("tbody", {}, body.length ? body :
      h("tr", {}, h("td", { colspan: 7, class: "muted" }, "No experiments in this store yet."))));
  }
  await refresh();
  return { refresh, everyTick: true };
}

async function overviewView(id) {
  const box = h("div", { id: "overview" });
  main().replaceChildren(box);
  const chart = h("div", { class: "chart", id: "overview-metric" });
  async function refresh() {
    const e = await api(`/api/experiments/${id}`);
    const stop = h("button", { class: "danger", id: "stop", disabled: e.status !== "running",
      onclick: async () => {
        if (!confirm(`Stop experiment ${id}? Running trials finish or are ended by the engine.`)) return;
        try { await api(`/api/experiments/${id}/stop`, { method: "POST" }); toast("stop requested"); }
        catch (err) { toast(err.message); }
      } }, "Stop experiment");
    const counts = Object.entries(e.state_counts).map(([s, n]) => h("span", {}, state(s), " ", n, "  "));
    const limits = [["max trials", e.max_trials], ["max duration", e.max_duration ? fmtDur(e.max_duration) : null],
                    ["concurrency", e.concurrency], ["trial timeout", e.trial_timeout ? fmtDur(e.trial_timeout) : null]];
    const best = e.best ? h("table", { class: "kv" }, Object.entries(e.best.params).map(([k, v]) =>
      h("tr", {}, h("td", {}, k), h("td", {}, fmt(v))))) : h("p", { class: "muted" }, "No finished trial yet.");
    const download = (what) => h("span", {}, what, ": ",
      h("a", { href: `/api/experiments/${id}/${what}?format=json`, download: "" }, "JSON"), " · ",
      h("a", { href: `/api/experiments/${id}/${what}?format=yaml`, download: "" }, "YAML"), "  ");
    box.replaceChildren(
      h("h1", {}, `Experiment ${id}`, e.name ? ` · ${e.name}` : ""),
      h("div", { class: "cards" },
        card("status", state(e.status), e.message ? h("div", { class: "muted" }, e.message) : null),
        card("progress", `${e.finished}/${e.max_trials ?? "?"}`, h("div", { class: "muted" }, `${e.trials} trials stored`)),
        card("best", e.best ? fmt(e.best.value) : "–", e.best ? h("div", {}, h("a", { href: `#/e/${id}/trials/${e.best.number}` }, `trial ${e.best.number}`)) : null,
             h("div", { class: "muted" }, e.direction)),
        card("tuner", e.tuner || "–", h("div", { class: "muted" }, `scheduler ${e.scheduler || "fifo"} · assessor ${e.assessor || "none"}`)),
        card("run time", fmtDur(e.elapsed), h("div", { class: "muted" }, `started ${fmtTime(e.started)}`))),
      h("div", { class: "toolbar" }, h("span", { id: "state-counts" }, counts), stop),
      h("div", { class: "grid2" },
        h("div", {}, h("h2", {}, "Best trial's parameters"), best,
          h("h2", {}, "Limits"), h("table", { class: "kv" }, limits.map(([k, v]) => h("tr", {}, h("td", {}, k), h("td", {}, fmt(v)))))),
        h("div", {}, h("h2", {}, "Results over time"), chart)),
      h("h2", {}, "Config and search space"),
      h("div", { class: "toolbar" }, download("config"), download("space")),
      h("div", { class: "grid2" }, h("pre", { id: "config" }, JSON.stringify(e.config, null, 2)),
                                   h("pre", { id: "space" }, JSON.stringify(e.space, null, 2))));
    await metricChart(id, chart);
  }
  await refresh();
  return { refresh };
}

async function metricChart(id, el) {
  const m = await api(`/api/experiments/${id}/charts/metric`);
  const t0 = m.points.length ? Math.min(...m.points.map(p => p.x)) : 0;
  await plot(el, [
    { x: m.points.map(p => new Date(p.x * 1000)), y: m.points.map(p => p.y), mode: "markers", type: "scatter",
      name: "trial", text: m.points.map(p => `trial ${p.number}<br>${hoverParams(p.params)}`),
      hovertemplate: "%{y}<br>%{text}<extra></extra>", marker: { size: 6, opacity: .7 } },
    { x: m.best.map(p => new Date(p.x * 1000)), y: m.best.map(p => p.y), mode: "lines", type: "scatter",
      line: { shape: "hv", width: 2 }, name: "best so far" }],
    { title: { text: `default metric (${m.shown} of ${m.total} trials shown)`, font: { size: 13 } },
      xaxis: { title: "trial end" }, yaxis: { title: "value" }, showlegend: true });
  return t0;
}

async function trialsView(id) {
  const s = { sort: "number", order: "asc", states: [], q: "", ranges: [], offset: 0, limit: 50, selected: new Set() };
  const box = h("div", { id: "trials" });
  main().replaceChildren(box);
  const table = h("table", { id: "trials-table" });
  const info = h("span", { class: "muted", id: "trials-info" });
  const search = h("input", { id: "search", placeholder: "search parameters, state, number", size: 30,
    oninput: () => { clearTimeout(search.t); search.t = setTimeout(() => { s.q = search.value; s.offset = 0; refresh(); }, 200); } });
  const stateSel = h("select", { id: "state-filter", onchange: () => { s.states = stateSel.value ? [stateSel.value] : []; s.offset = 0; refresh(); } },
    h("option", { value: "" }, "every state"), STATES.map(x => h("option", { value: x }, x)));
  const rangeParam = h("select", { id: "range-param" });
  const lo = h("input", { id: "range-low", placeholder: "min", size: 6 });
  const hi = h("input", { id: "range-high", placeholder: "max", size: 6 });
  const chips = h("span", { id: "range-chips" });
  const addRange = h("button", { id: "range-add", onclick: () => {
    if (!rangeParam.value) return;
    s.ranges = s.ranges.filter(r => !r.startsWith(rangeParam.value + ":"));
    s.ranges.push(`${rangeParam.value}:${lo.value}:${hi.value}`); s.offset = 0; refresh();
  } }, "filter range");
  const compareBtn = h("button", { id: "compare", class: "primary", disabled: true,
    onclick: () => (location.hash = `#/e/${id}/compare?t=${[...s.selected].join(",")}`) }, "Compare selected");
  const csv = h("a", { id: "csv", download: "" }, "Export CSV");
  const prev = h("button", { onclick: () => { s.offset = Math.max(0, s.offset - s.limit); refresh(); } }, "← previous");
  const next = h("button", { onclick: () => { s.offset += s.limit; refresh(); } }, "next →");
  box.replaceChildren(h("h1", {}, `Trials of ${id}`),
    h("div", { class: "toolbar" }, search, stateSel, rangeParam, lo, hi, addRange, chips, compareBtn, csv),
    h("div", { style: "overflow:auto" }, table), h("div", { class: "pager" }, prev, next, info));

  function params() {
    const p = new URLSearchParams({ sort: s.sort, order: s.order, q: s.q, offset: s.offset, limit: s.limit });
    s.states.forEach(x => p.append("state", x));
    s.ranges.forEach(x => p.append("range", x));
    return p;
  }
  async function refresh() {
    const p = params();
    const page = await api(`/api/experiments/${id}/trials?${p}`);
    p.delete("offset"); p.delete("limit");
    csv.href = `/api/experiments/${id}/trials.csv?${p}`;
    if (rangeParam.options.length !== page.params.length)
      rangeParam.replaceChildren(...page.params.map(n => h("option", { value: n }, n)));
    chips.replaceChildren(...s.ranges.map(r => h("button", { title: "remove this filter",
      onclick: () => { s.ranges = s.ranges.filter(x => x !== r); refresh(); } }, `${r} ✕`)));
    const cols = [["", null], ["#", "number"], ["state", "state"], ["value", "value"], ["latest", "latest"],
      ...page.params.map(n => [n, `param:${n}`]), ...page.metrics.map(n => [n, `metric:${n}`]),
      ["duration", "duration"], ["started", "started"], ...(page.nodes ? [["node", null]] : []), ["", null]];
    const head = h("tr", {}, cols.map(([label, key]) => h("th", {
      class: key && key === s.sort ? `sorted ${s.order}` : null, dataset: key ? { sort: key } : {},
      onclick: key ? () => { s.order = s.sort === key && s.order === "asc" ? "desc" : "asc"; s.sort = key; s.offset = 0; refresh(); } : null,
    }, label)));
    const rows = page.rows.map(r => {
      const box = h("input", { type: "checkbox", checked: s.selected.has(r.number), onclick: ev => ev.stopPropagation(),
        onchange: ev => { ev.target.checked ? s.selected.add(r.number) : s.selected.delete(r.number); updateCompare(); } });
      const kill = r.state === "running" ? h("button", { class: "danger kill", onclick: ev => { ev.stopPropagation(); killTrial(id, r.number); } }, "kill") : "";
      return h("tr", { class: "clickable", dataset: { number: r.number }, onclick: () => (location.hash = `#/e/${id}/trials/${r.number}`) },
        h("td", {}, box), h("td", { class: "num" }, r.number), h("td", {}, state(r.state)),
        h("td", { class: "num" }, fmt(r.value)), h("td", { class: "num" }, fmt(r.latest)),
        page.params.map(n => h("td", { class: "num" }, fmt(r.params[n]))),
        page.metrics.map(n => h("td", { class: "num" }, fmt(r.metrics[n]))),
        h("td", { class: "num" }, fmtDur(r.duration)), h("td", {}, fmtTime(r.started)),
        page.nodes ? h("td", { class: "node" }, r.node || "") : null, h("td", {}, kill));
    });
    table.replaceChildren(h("thead", {}, head), h("tbody", {}, rows));
    info.textContent = `${page.total ? page.offset + 1 : 0}–${Math.min(page.offset + page.limit, page.total)} of ${page.total}` +
      (page.total !== page.all ? ` (filtered from ${page.all})` : "");
    prev.disabled = page.offset === 0; next.disabled = page.offset + page.limit >= page.total;
    updateCompare();
  }
  function updateCompare() { compareBtn.disabled = s.selected.size < 2 || s.selected.size > 5; }
  await refresh();
  return { refresh };
}

async function killTrial(id, number) {
  if (!confirm(`Kill trial ${number}? It ends as user_canceled; what it reported is kept.`)) return;
  try { await api(`/api/experiments/${id}/trials/${number}/kill`, { method: "POST" }); toast(`kill of trial ${number} requested`); }
  catch (err) { toast(err.message); }
}

async function trialView(id, number) {
  const box = h("div", { id: "trial" });
  main().replaceChildren(box);
  const curve = h("div", { class: "chart", id: "trial-curve" });
  const logs = { stdout: h("pre", { id: "log-stdout" }), stderr: h("pre", { id: "log-stderr" }) };
  const offsets = { stdout: null, stderr: null };
  const header = h("div");
  const details = h("div");
  box.replaceChildren(header, details, h("h2", {}, "Intermediate results"), curve,
    h("div", { class: "grid2" }, h("div", {}, h("h2", {}, "stdout"), logs.stdout),
                                 h("div", {}, h("h2", {}, "stderr"), logs.stderr)));
  async function followLogs() {
    for (const stream of ["stdout", "stderr"]) {
      const q = offsets[stream] === null ? "" : `?offset=${offsets[stream]}`;
      const chunk = await api(`/api/experiments/${id}/trials/${number}/log/${stream}${q}`);
      if (offsets[stream] === null) logs[stream].textContent = (chunk.truncated ? "…\n" : "") + chunk.text;
      else if (chunk.text) logs[stream].textContent += chunk.text;
      offsets[stream] = chunk.next;
    }
  }
  async function refresh() {
    const t = await api(`/api/experiments/${id}/trials/${number}`);
    header.replaceChildren(h("h1", {}, `Trial ${number} of `, h("a", { href: `#/e/${id}` }, id), " ", state(t.state)),
      h("div", { class: "toolbar" }, t.state === "running" ? h("button", { class: "danger", id: "kill", onclick: () => killTrial(id, number) }, "Kill trial") : "",
        t.reason ? h("span", { class: "muted" }, t.reason) : ""));
    const kv = (obj) => h("table", { class: "kv" }, Object.entries(obj).map(([k, v]) => h("tr", {}, h("td", {}, k), h("td", {}, fmt(v)))));
    details.replaceChildren(h("div", { class: "grid2" },
      h("div", {}, h("h2", {}, "Parameters"), kv(t.params)),
      h("div", {}, h("h2", {}, "Result"), kv(Object.assign({ value: t.value, latest: t.latest, duration: fmtDur(t.duration),
        started: fmtTime(t.started), ended: fmtTime(t.ended), attempt: t.attempt }, t.metrics))),
      h("div", {}, h("h2", {}, "Files"), h("ul", {}, t.files.map(f => h("li", {},
        h("a", { href: `/api/experiments/${id}/trials/${number}/files/${f.path}`, target: "_blank" }, f.path), ` (${f.size} B)`)))),
      h("div", {}, h("h2", {}, "Events"), h("ul", {}, t.events.map(e => h("li", {}, `${fmtTime(e.time)} ${e.kind}: ${e.message}`))))));
    await plot(curve, [{ x: t.intermediates.map(p => p.step), y: t.intermediates.map(p => p.value), mode: "lines+markers", name: `trial ${number}` }],
      { xaxis: { title: "step" }, yaxis: { title: "default" }, title: { text: `${t.intermediates.length} intermediate results`, font: { size: 13 } } });
    await followLogs();
  }
  await refresh();
  return { refresh, tick: followLogs };
}

async function chartsView(id) {
  const box = h("div", { id: "charts" });
  main().replaceChildren(box);
  const metric = h("div", { class: "chart", id: "chart-metric" });
  const parallel = h("div", { class: "chart", id: "chart-parallel" });
  const duration = h("div", { class: "chart", id: "chart-duration" });
  const curves = h("div", { class: "chart", id: "chart-curves" });
  const imp = h("div", { class: "chart", id: "chart-importance" });
  const impMethod = h("p", { class: "caption", id: "importance-method" });
  const top = h("input", { id: "top-percent", type: "number", min: 1, max: 100, value: 10, size: 4, onchange: () => refresh() });
  box.replaceChildren(h("h1", {}, `Charts of ${id}`),
    h("div", { class: "grid2" }, metric, h("div", {}, imp, impMethod)),
    h("h2", {}, "Parameters of the finished trials ", h("span", { class: "muted" }, "(top "), top, h("span", { class: "muted" }, " % highlighted)")),
    parallel, h("div", { class: "grid2" }, curves, duration));
  async function refresh() {
    await metricChart(id, metric);
    const p = await api(`/api/experiments/${id}/charts/parallel?top=${encodeURIComponent(top.value || 10)}`);
    const dims = p.dimensions.map(d => {
      if (d.log) {
        const logs = d.values.map(v => (v === null ? NaN : Math.log10(v)));
        const finite = logs.filter(Number.isFinite);
        const ticks = [];
        for (let k = Math.floor(Math.min(...finite)); k <= Math.ceil(Math.max(...finite)); k++) ticks.push(k);
        return { label: `${d.name} (log)`, values: logs, tickvals: ticks, ticktext: ticks.map(k => fmt(10 ** k)) };
      }
      if (d.numeric) return { label: d.name, values: d.values.map(v => v ?? NaN) };
      const cats = [...new Set(d.values.map(v => v ?? "–"))];
      return { label: d.name, values: d.values.map(v => cats.indexOf(v ?? "–")), tickvals: cats.map((_, i) => i), ticktext: cats };
    });
    dims.push({ label: "value", values: p.value });
    await plot(parallel, [{ type: "parcoords", dimensions: dims,
      line: { color: p.top.map(x => (x ? 1 : 0)), colorscale: [[0, "#c7cfdd"], [1, "#2f6fde"]], cmin: 0, cmax: 1 } }],
      { title: { text: `${p.shown} of ${p.total} trials; top ${p.top_percent}% in blue`, font: { size: 13 }, y: 0.98 }, margin: { l: 80, r: 80, t: 100, b: 30 } });
    const d = await api(`/api/experiments/${id}/charts/duration`);
    await plot(duration, [{ x: d.points.map(q => q.number), y: d.points.map(q => q.duration), type: "bar", name: "duration",
      text: d.points.map(q => q.state), textposition: "none", marker: { color: d.points.map(q => STATE_COLOURS[q.state] || "#8a93a6") },
      hovertemplate: "trial %{x}: %{y:.2f} s (%{text})<extra></extra>" }],
      { title: { text: "trial duration (s)", font: { size: 13 } }, xaxis: { title: "trial" } });
    const c = await api(`/api/experiments/${id}/charts/curves?best=20`);
    await plot(curves, c.curves.map(k => ({ x: k.steps, y: k.values, mode: "lines", name: `trial ${k.number}` })),
      { title: { text: `intermediate results of the best ${c.curves.length} trials`, font: { size: 13 } }, xaxis: { title: "step" } });
    const i = await api(`/api/experiments/${id}/importance`);
    await plot(imp, [{ type: "bar", orientation: "h", x: i.importances.map(q => q.importance).reverse(), y: i.importances.map(q => q.name).reverse() }],
      { title: { text: i.importances.length ? "parameter importance" : `parameter importance: ${i.note || "no parameter varies"}`, font: { size: 13 } },
        xaxis: { title: "share of the value's variance", range: [0, 1] }, margin: { l: 120, r: 20, t: 40, b: 50 } });
    impMethod.textContent = `${i.trials} finished trials; method: ${i.method}`;
  }
  await refresh();
  return { refresh };
}

async function compareView(id, numbers) {
  const box = h("div", { id: "compare-view" });
  main().replaceChildren(box);
  const chart = h("div", { class: "chart", id: "compare-curves" });
  async function refresh() {
    const c = await api(`/api/experiments/${id}/compare?trials=${numbers}`);
    const keys = [...new Set(c.trials.flatMap(t => Object.keys(t.params)))];
    const metrics = [...new Set(c.trials.flatMap(t => Object.keys(t.metrics)))].filter(k => k !== "default");
    const row = (label, get) => h("tr", {}, h("td", {}, label), c.trials.map(t => h("td", { class: "num" }, get(t))));
    box.replaceChildren(h("h1", {}, `Comparing trials ${numbers} of `, h("a", { href: `#/e/${id}` }, id)),
      h("table", { class: "kv", id: "compare-table" },
        h("tr", {}, h("th", {}, ""), c.trials.map(t => h("th", {}, h("a", { href: `#/e/${id}/trials/${t.number}` }, `trial ${t.number}`)))),
        row("state", t => state(t.state)), row("value", t => fmt(t.value)), row("duration", t => fmtDur(t.duration)),
        keys.map(k => row(k, t => fmt(t.params[k]))), metrics.map(k => row(k, t => fmt(t.metrics[k])))),
      h("h2", {}, "Intermediate results"), chart);
    await plot(chart, c.curves.map(k => ({ x: k.steps, y: k.values, mode: "lines+markers", name: `trial ${k.number}` })), { xaxis: { title: "step" } });
  }
  await refresh();
  return { refresh };
}

// -- routing and live updates ---------------------------------------------------------
let current = null;
let lastVersion = null;
let generation = 0;

function route() {
  const hash = location.hash || (SETTINGS.only ? `#/e/${SETTINGS.only}` : "#/");
  const [path, query] = hash.slice(1).split("?");
  const parts = path.split("/").filter(Boolean);
  const params = new URLSearchParams(query || "");
  if (parts[0] !== "e" || !parts[1]) return { name: "list" };
  const id = decodeURIComponent(parts[1]);
  if (parts[2] === "trials" && parts[3] !== undefined) return { name: "trial", id, number: parts[3] };
  if (parts[2] === "trials") return { name: "trials", id };
  if (parts[2] === "charts") return { name: "charts", id };
  if (parts[2] === "compare") return { name: "compare", id, trials: params.get("t") || "" };
  return { name: "overview", id };
}

function navigation(r) {
  const nav = document.getElementById("nav");
  const links = [];
  if (!SETTINGS.only) links.push(["Experiments", "#/", r.name === "list"]);
  if (r.id) {
    links.push(["Overview", `#/e/${r.id}`, r.name === "overview"], ["Trials", `#/e/${r.id}/trials`, r.name === "trials" || r.name === "trial"],
               ["Charts", `#/e/${r.id}/charts`, r.name === "charts"]);
  }
  nav.replaceChildren(...links.map(([label, href, active]) => h("a", { href, class: active ? "active" : null }, label)));
}

async function render() {
  const r = route();
  const mine = ++generation;
  navigation(r);
  lastVersion = null;
  current = null;
  try {
    const view = r.name === "list" ? await listView()
      : r.name === "overview" ? await overviewView(r.id)
      : r.name === "trials" ? await trialsView(r.id)
      : r.name === "trial" ? await trialView(r.id, r.number)
      : r.name === "charts" ? await chartsView(r.id)
      : await compareView(r.id, r.trials);
    if (mine === generation) { current = Object.assign({ route: r }, view); }
  } catch (err) {
    if (mine === generation) main().replaceChildren(h("p", { class: "error", id: "error" }, err.message));
  }
}

async function tick() {
  const view = current;
  if (!view || document.hidden) return;
  try {
    if (view.tick) await view.tick();
    if (view.everyTick) { await view.refresh(); return; }
    const v = await api(`/api/experiments/${view.route.id}/version`);
    const key = `${v.status}|${v.trials}`;
    if (lastVersion !== null && key !== lastVersion && view === current) await view.refresh();
    lastVersion = key;
    document.getElementById("live").textContent = `${v.status} · updated ${new Date().toLocaleTimeString()}`;
  } catch (err) {
    document.getElementById("live").textContent = `not updating: ${err.message}`;
  }
}

window.addEventListener("hashchange", render);
render();
setInterval(tick, POLL_MS);

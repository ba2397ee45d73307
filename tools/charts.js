"use strict";
// The charts of the workshop page and of the room's console, in one place: each is a Vega-Lite
// specification drawn by the vendored Vega (third_party/vega, served by the workshop server at
// /vendor/), as SVG, so its text is the size it says and an export is the chart as shown.
// Served at /charts.js; nothing is fetched from the network.
//
// Marks carry names the tests and users can find: a layer named "line_a" draws its paths in
// `g.line_a_marks`, and a mark's aria-label is its `description` (a manager's name, an event's
// label), so the SVG says what each line is.
const TenureCharts = (() => {
  const FONT = "system-ui,-apple-system,Segoe UI,Roboto,sans-serif";
  // One colour per meaning, across every chart (Okabe-Ito): pane A blue, pane B vermillion.
  const COLORS = {a: "#0072B2", b: "#D55E00"};
  const EVENT_COLORS = {shock: "#CC79A7", order: "#009E73", conference: "#E69F00", review: "#999999", promotion: "#56B4E9"};
  const MANAGER_COLORS = ["#332288", "#117733", "#882255", "#999933", "#44AA99", "#AA4499", "#DDCC77", "#88CCEE",
                          "#CC6677", "#000000", "#777777", "#661100"];
  // Numbers as the page writes them: 1.2M, 350k, 7.5.
  const NUMBER = "abs(datum.value) >= 1e9 ? format(datum.value / 1e9, '.3~r') + 'B' : " +
                 "abs(datum.value) >= 1e6 ? format(datum.value / 1e6, '.3~r') + 'M' : " +
                 "abs(datum.value) >= 1e4 ? format(datum.value / 1e3, '.3~r') + 'k' : format(datum.value, '.3~r')";

  // Text of at least `fs` px everywhere, titles larger; grey grid, dark axes.
  function config(fs) {
    return {
      font: FONT, background: "#fff", view: {stroke: null}, padding: 8,
      axis: {labelFontSize: fs, titleFontSize: fs, labelColor: "#333", titleColor: "#111", titleFontWeight: "normal",
             gridColor: "#e6e6e6", domainColor: "#333", tickColor: "#333", labelLimit: 260},
      legend: {labelFontSize: fs, titleFontSize: fs, titleFontWeight: "normal", symbolSize: 220, symbolStrokeWidth: 3,
               orient: "top", direction: "horizontal", titleOrient: "left", labelLimit: 200},
      title: {fontSize: fs + 3, subtitleFontSize: fs, anchor: "start", color: "#111", subtitleColor: "#111", offset: 8},
      text: {fontSize: fs},
    };
  }
  function frame(W, H, fs) {
    return {$schema: "https://vega.github.io/schema/vega-lite/v6.json", width: W, height: H,
            autosize: {type: "fit", contains: "padding"}, config: config(fs)};
  }
  // Month ticks about 90 px apart on a chart `W` wide.
  const monthAxis = (last, title, W) =>
    ({field: "month", type: "quantitative", title, scale: {domain: [0, Math.max(1, last)], nice: false},
      axis: {tickMinStep: 1, format: "d", grid: false, tickCount: Math.max(3, Math.round(W / 90))}});

  // The scenario's events as rules (one layer per kind: `event_shock_marks` and so on), labelled
  // in up to three rows; reviews dotted grey and unlabelled. Events past `last` are left out.
  function eventLayers(events, last, x, labels = true) {
    const kinds = {}, seen = new Set();
    let row = 0;
    for (const e of events) {
      const key = e.kind + "|" + e.month + "|" + e.label;
      if (e.month > last || seen.has(key)) continue;
      seen.add(key);
      const review = e.kind === "review";
      (kinds[e.kind] = kinds[e.kind] || []).push({month: e.month, label: e.label, row: review ? 0 : 6 + 20 * (row++ % 3)});
    }
    const layers = [];
    for (const kind in kinds) {
      const review = kind === "review", color = EVENT_COLORS[kind] || "#666";
      layers.push({name: "event_" + kind, data: {values: kinds[kind]},
                   mark: {type: "rule", color, strokeWidth: review ? 1 : 2, strokeDash: review ? [2, 4] : [6, 4]},
                   encoding: {x, description: {field: "label"}}});
      if (labels && !review)
        layers.push({name: "label_" + kind, data: {values: kinds[kind]},
                     mark: {type: "text", align: "left", baseline: "top", dx: 4, fontWeight: 600, color},
                     encoding: {x, y: {field: "row", type: "quantitative", scale: null}, text: {field: "label"}}});
    }
    return layers;
  }

  // Two panes' means with their 95% bands, month by month, and the events of both.
  // `a`/`b`: {mean, low, high}; `from`: {a, b} the month each pane's levers apply from (0: start).
  function abSpec({title, ytitle, a, b, events, from, W, H, fs = 16}) {
    const months = a.mean.length, last = months - 1, rows = [];
    let y0 = Infinity, y1 = -Infinity;
    for (const [pane, d] of [["A", a], ["B", b]]) for (let i = 0; i < months; i++) {
      const r = {month: i, pane, mean: d.mean[i], low: d.low[i] ?? d.mean[i], high: d.high[i] ?? d.mean[i]};
      rows.push(r);
      for (const v of [r.mean, r.low, r.high]) if (v !== null && isFinite(v)) { y0 = Math.min(y0, v); y1 = Math.max(y1, v); }
    }
    if (!isFinite(y0)) { y0 = 0; y1 = 1; }
    if (y0 > 0 && y0 < 0.5 * y1) y0 = 0;
    const pad = (y1 - y0) * 0.05 + 1e-12;
    if (y0 !== 0) y0 -= pad;
    y1 += pad;
    const x = monthAxis(last, "month (dashed: events; dotted grey: reviews)", W);
    const y = {type: "quantitative", title: ytitle, scale: {domain: [y0, y1], nice: false, zero: false},
               axis: {labelExpr: NUMBER, tickCount: Math.max(4, Math.round(H / 60))}};
    const color = pane => ({datum: pane, type: "nominal", scale: {domain: ["A", "B"], range: [COLORS.a, COLORS.b]},
                            legend: {title: "mean, 95% band"}});
    const layers = [];
    for (const pane of ["A", "B"]) {
      const p = pane.toLowerCase(), filter = [{filter: `datum.pane === '${pane}'`}];
      layers.push({name: "band_" + p, transform: filter, mark: {type: "area", opacity: 0.18, color: COLORS[p]},
                   encoding: {x, y: {...y, field: "low"}, y2: {field: "high"}}});
      layers.push({name: "line_" + p, transform: filter, mark: {type: "line", strokeWidth: 3},
                   encoding: {x, y: {...y, field: "mean"}, color: color(pane), description: {value: "pane " + pane}}});
    }
    layers.push(...eventLayers(events, last, x));
    for (const p of ["a", "b"]) if (from && from[p] > 0 && from[p] <= last)
      layers.push({name: "event_from_" + p, data: {values: [{month: from[p], label: `pane ${p.toUpperCase()}'s levers apply from here`}]},
                   mark: {type: "rule", color: COLORS[p], strokeWidth: 2}, encoding: {x, description: {field: "label"}}});
    return {...frame(W, H, fs), title, data: {values: rows}, layer: layers};
  }

  // Each manager's book value month by month (null while not in post): pane A solid, B dashed,
  // one colour per manager. `a`/`b`: {name: [value per month]}.
  function booksSpec({title, a, b, events, W, H, fs = 16}) {
    const names = [...new Set([...Object.keys(a), ...Object.keys(b)])];
    const months = Math.max(1, ...names.map(n => (a[n] || b[n]).length)), rows = [];
    for (const [pane, d] of [["A", a], ["B", b]]) for (const n of names) (d[n] || []).forEach((v, m) => rows.push({month: m, pane, manager: n, value: v}));
    const x = monthAxis(months - 1, "month (mean over replications while in post; dotted grey: reviews)", W);
    const y = {field: "value", type: "quantitative", title: "currency units", axis: {labelExpr: NUMBER}};
    const color = {field: "manager", type: "nominal", scale: {domain: names, range: MANAGER_COLORS}, legend: {title: null}};
    const layers = ["A", "B"].map(pane => ({
      name: "book_" + pane.toLowerCase(), transform: [{filter: `datum.pane === '${pane}'`}],
      mark: {type: "line", strokeWidth: 3, strokeDash: pane === "B" ? [8, 5] : [1, 0], invalid: "break-paths-show-domains"},
      encoding: {x, y, color, description: {field: "manager"}}}));
    layers.push(...eventLayers((events || []).filter(e => e.kind === "review" || e.kind === "shock"), months - 1, x, false));
    return {...frame(W, H, fs), title, data: {values: rows}, layer: layers};
  }

  // One client's satisfaction along its history in every replication of both panes (thin
  // lines), a dot where it left, and the orders that named it. `a`/`b`: the /api/account answers.
  function clientSpec({a, b, events, W, H, fs = 16}) {
    const months = a.horizon_months, rows = [], left = [];
    for (const [pane, d] of [["A", a], ["B", b]]) d.runs.forEach((r, k) => {
      for (const h of r.history) rows.push({pane, run: k, month: h.month, satisfaction: h.satisfaction});
      const end = r.history[r.history.length - 1];
      if (r.left && end) left.push({pane, run: k, month: end.month, satisfaction: end.satisfaction});
    });
    const count = d => d.runs.filter(r => r.left).length;
    const x = monthAxis(months, "month (dashed: the orders; dots: the client left)", W);
    const y = {field: "satisfaction", type: "quantitative", title: "satisfaction (0-10)", scale: {domain: [0, 10]}};
    const layers = [];
    for (const pane of ["A", "B"]) {
      const p = pane.toLowerCase(), filter = [{filter: `datum.pane === '${pane}'`}];
      layers.push({name: "client_" + p, transform: filter, mark: {type: "line", strokeWidth: 1.5, opacity: 0.35, color: COLORS[p]},
                   encoding: {x, y, detail: {field: "run"}, description: {value: `pane ${pane}, one run`}}});
      layers.push({name: "left_" + p, data: {values: left}, transform: filter,
                   mark: {type: "circle", size: 60, opacity: 1, color: COLORS[p]},
                   encoding: {x, y, description: {value: `pane ${pane}: the client left`}}});
    }
    layers.push(...eventLayers(events.filter(e => e.kind === "order"), months, x, false));
    return {...frame(W, H, fs), data: {values: rows}, layer: layers,
            title: {text: "The client the orders name, run by run",
                    subtitle: `A: left in ${count(a)} of ${a.runs.length} runs · B: ${count(b)} of ${b.runs.length}`}};
  }

  // What caused the losses (Shapley values) beside whom a rule blames, as bars on one scale.
  // `caused`, `blamed`: [[label, value]]; `human` formats a value for its label.
  function attributionSpec({causedTitle, blamedTitle, caused, blamed, note, human, W, H, fs = 16}) {
    const top = Math.max(1, ...caused.map(c => c[1]), ...blamed.map(b => b[1]));
    const panel = (name, title, rows, color) => {
      const values = rows.map(([label, v], i) => ({label, value: Math.max(0, v), text: human(v), order: i}));
      const y = {field: "label", type: "nominal", title: null, sort: values.map(r => r.label), axis: {ticks: false, domain: false}};
      const x = {field: "value", type: "quantitative", title: "lost value per run", scale: {domain: [0, top * 1.18], nice: false},
                 axis: {labelExpr: NUMBER, tickCount: 4}};
      return {title, width: Math.max(120, W / 2 - 200), height: Math.max(80, H - 120), data: {values},
              layer: [{name, mark: {type: "bar", color}, encoding: {x, y, description: {field: "label"}}},
                      {name: name + "_value", mark: {type: "text", align: "left", dx: 6, color: "#333"},
                       encoding: {x, y, text: {field: "text"}}}]};
    };
    return {$schema: "https://vega.github.io/schema/vega-lite/v6.json", config: config(fs), autosize: {type: "pad"},
            title: {text: note, orient: "bottom", fontSize: fs, fontWeight: "normal", color: "#444", anchor: "start"},
            hconcat: [panel("caused", causedTitle, caused, "#7A7A7A"), panel("blamed", blamedTitle, blamed, "#1A1A1A")],
            spacing: 40};
  }

  // Managers' book value at each quarter played (the room): one line per manager, a trainee's
  // own thick and vermillion, the others faded; the room's events up to `maxX` months.
  // `series`: [{name, points: [[month, value]], mine}].
  function roomSpec({series, events, maxX, W, H, fs = 16}) {
    const rows = [], names = series.map(s => s.name), mine = series.some(s => s.mine);
    for (const s of series) for (const [m, v] of s.points) rows.push({month: m, manager: s.name, value: v, mine: !!s.mine});
    const x = monthAxis(maxX, "month", W);
    const y = {field: "value", type: "quantitative", title: "book value", axis: {labelExpr: NUMBER}};
    return {...frame(W, H, fs), data: {values: rows},
            layer: [{name: "book", transform: [{filter: "!datum.mine"}], mark: {type: "line", strokeWidth: 1.5, opacity: mine ? 0.45 : 1},
                     encoding: {x, y, color: {field: "manager", type: "nominal", scale: {domain: names, range: MANAGER_COLORS}, legend: null},
                                description: {field: "manager"}}},
                    {name: "mine", transform: [{filter: "datum.mine"}], mark: {type: "line", strokeWidth: 4, color: COLORS.b},
                     encoding: {x, y, description: {field: "manager"}}},
                    ...eventLayers(events, maxX, x, false)]};
  }

  // Draws `spec` into `el` as SVG (replacing what was there) and resolves to the Vega view.
  async function draw(el, spec) {
    if (el._tenureView) el._tenureView.finalize();
    el.replaceChildren();
    const view = new vega.View(vega.parse(vegaLite.compile(spec).spec), {renderer: "svg", container: el, hover: true});
    el._tenureView = view;
    await view.runAsync();
    return view;
  }
  const viewOf = el => (el && el._tenureView) || null;
  // The chart as a standalone SVG document, and as a PNG at `scale` times its size.
  async function svgOf(el) { const v = viewOf(el); return v ? v.toSVG() : ""; }
  async function pngOf(el, scale = 2) {
    const v = viewOf(el);
    if (!v) throw new Error("no chart to export");
    const canvas = await v.toCanvas(scale);
    return new Promise((resolve, reject) => canvas.toBlob(b => b ? resolve(b) : reject(new Error("no PNG")), "image/png"));
  }
  return {COLORS, EVENT_COLORS, MANAGER_COLORS, abSpec, booksSpec, clientSpec, attributionSpec, roomSpec, draw, svgOf, pngOf};
})();

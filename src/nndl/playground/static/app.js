"use strict";
/* The playground page: controls -> the server's session; the server's snapshots -> drawings.
   Everything drawn is a number computed in Python by nndl (see nndl/playground/render.py). */
(function () {
  const $ = (id) => document.getElementById(id);
  const CLIENT = ["discretize", "showtest"];  // settings of the page only (kept in the URL)
  const MAX_SERIES = 2000;
  let meta = null, sid = null, cfg = {}, snap = null, points = null, series = [];
  let source = null, drawnShape = "", dataName = "";

  window.playground = {  // for tests and the curious: the state the page draws
    get snapshot() { return snap; }, get id() { return sid; }, get config() { return cfg; },
    get series() { return series; },
  };

  function sessionUrl(what) { return `/api/session/${sid}/${what}`; }

  async function start() {
    meta = await NN.api("/api/meta");
    fillSelects();
    const q = Object.fromEntries(new URLSearchParams(location.search));
    $("discretize").checked = q.discretize === "1";
    $("show-test").checked = q.showtest === "1";
    for (const k of CLIENT) delete q[k];
    let r;
    try {
      r = await NN.api("/api/session", {settings: q});
    } catch (e) {
      NN.message(`The link's settings were refused: ${e.message}`);
      r = await NN.api("/api/session", {settings: {}});
    }
    sid = r.id;
    $("export-model").href = sessionUrl("model.npz");
    $("export-code").href = sessionUrl("code.py");
    if (r.columns) setColumns(r.columns);
    full(r.snapshot);
    bind();
    openStream();
    document.body.dataset.ready = "1";
  }

  function fillSelects() {
    const ds = $("dataset");
    for (const [k, d] of Object.entries(meta.datasets)) {
      ds.add(new Option(`${d.label} (${d.problem})`, k));
    }
    for (const a of meta.activations) $("activation").add(new Option(a, a));
    for (const a of meta.inits) $("init").add(new Option(a, a));
    for (const [k, label] of Object.entries(meta.presets)) $("preset").add(new Option(label, k));
  }

  function openStream() {
    source = new EventSource(sessionUrl("stream"));
    source.onmessage = (e) => draw(JSON.parse(e.data));
    source.onerror = () => {
      if (source.readyState === EventSource.CLOSED) {
        NN.message("The connection to the playground's server was lost: reload the page.");
      }
    };
  }

  /* ---- settings ------------------------------------------------------------------------ */
  let queue = Promise.resolve();

  /* Send new settings: ``changes`` (an object, or a function of the settings giving one).
     Changes go one after the other, each from the settings the previous one left, so that
     quick clicks (three times "remove a layer") all count. */
  function apply(changes) {
    queue = queue.then(async () => {
      const next = Object.assign({}, cfg, typeof changes === "function" ? changes(cfg) : changes);
      try {
        full(await NN.api(sessionUrl("settings"), {settings: next}));
        NN.message("");
      } catch (e) {
        NN.message(e.message);
        setControls();
      }
    });
    return queue;
  }

  function selectValue(sel, value) {
    const n = Number(value);
    let opt = [...sel.options].find((o) => o.value === String(value)
                                       || (!Number.isNaN(n) && Number(o.value) === n));
    if (!opt) { opt = new Option(String(value), String(value)); sel.add(opt); }
    sel.value = opt.value;
  }

  function setControls() {
    selectValue($("lr"), cfg.lr);
    selectValue($("activation"), cfg.activation);
    selectValue($("init"), cfg.init);
    selectValue($("problem"), cfg.problem);
    if (cfg.dataset === "csv" && ![...$("dataset").options].some((o) => o.value === "csv")) {
      $("dataset").add(new Option(`Uploaded CSV`, "csv"));
    }
    selectValue($("dataset"), cfg.dataset);
    selectValue($("points"), cfg.points);
    selectValue($("keep"), cfg.keep);
    const l2 = Number(cfg.l2);
    $("reg").value = l2 > 0 ? "l2" : "none";
    if (l2 > 0) selectValue($("l2"), cfg.l2);
    $("l2").disabled = !(l2 > 0);
    $("ratio").value = Math.round(Number(cfg.ratio) * 100);
    $("ratio-v").textContent = `${$("ratio").value}%`;
    $("noise").value = Math.round(Number(cfg.noise) * 100);
    $("noise-v").textContent = $("noise").value;
    $("batch").value = Math.min(30, Number(cfg.batch));
    $("batch-v").textContent = Number(cfg.batch) === 0 ? "full" : cfg.batch;
    $("seed").value = cfg.seed;
    const layers = hidden();
    $("layer-count").textContent = layers.length;
    $("csv-columns").hidden = cfg.dataset !== "csv";
    const cols = cfg.columns ? cfg.columns.split(",").map(unescapeColumn) : [];
    if (cols.length === 3) ["csv-x", "csv-y", "csv-label"].forEach((id, i) => {
      selectValue($(id), cols[i]);
    });
    const params = new URLSearchParams(cfg);
    if ($("discretize").checked) params.set("discretize", "1");
    if ($("show-test").checked) params.set("showtest", "1");
    history.replaceState(null, "", `?${params}`);
  }

  function hidden(c = cfg) { return c.layers ? c.layers.split(",").map(Number) : []; }
  function features(c = cfg) { return c.features ? c.features.split(",") : []; }

  // A column's name in the comma-separated columns setting (config.py's escape_column):
  // "%" and "," written "%25" and "%2C", so that "a,1" and "" stay one name each.
  function escapeColumn(name) { return name.replace(/%/g, "%25").replace(/,/g, "%2C"); }
  function unescapeColumn(text) {
    return text.replace(/%(25|2C)/g, (_, code) => (code === "25" ? "%" : ","));
  }

  function setColumns(columns) {
    for (const id of ["csv-x", "csv-y", "csv-label"]) {
      const sel = $(id);
      sel.innerHTML = "";
      for (const c of columns) sel.add(new Option(c, c));
    }
  }

  function bind() {
    $("play").onclick = async () => {
      const want = !(snap && snap.playing);
      try {
        const r = await NN.api(sessionUrl("play"), {playing: want});
        setPlaying(r.playing);
      } catch (e) { NN.message(e.message); }
    };
    $("step").onclick = async () => {
      try { draw(await NN.api(sessionUrl("step"), {})); } catch (e) { NN.message(e.message); }
    };
    $("reset").onclick = async () => {
      try { full(await NN.api(sessionUrl("reset"), {})); NN.message(""); }
      catch (e) { NN.message(e.message); }
    };
    $("lr").onchange = () => apply({lr: $("lr").value});
    $("activation").onchange = () => apply({activation: $("activation").value});
    $("init").onchange = () => apply({init: $("init").value});
    $("keep").onchange = () => apply({keep: $("keep").value});
    $("reg").onchange = () => apply({l2: $("reg").value === "l2" ? $("l2").value : 0});
    $("l2").onchange = () => apply({l2: $("l2").value});
    $("problem").onchange = () => {
      const p = $("problem").value;
      if (cfg.dataset === "csv") return apply({problem: p});
      const first = Object.entries(meta.datasets).find(([, d]) => d.problem === p)[0];
      return apply({problem: p, dataset: first});
    };
    $("dataset").onchange = () => apply({dataset: $("dataset").value});
    $("points").onchange = () => apply({points: $("points").value});
    $("seed").onchange = () => apply({seed: $("seed").value});
    $("ratio").onchange = () => apply({ratio: Number($("ratio").value) / 100});
    $("noise").onchange = () => apply({noise: Number($("noise").value) / 100});
    $("batch").onchange = () => apply({batch: $("batch").value});
    $("add-layer").onclick = () => apply((c) => {
      const l = hidden(c);
      if (l.length < meta.max_layers) l.push(l.length ? l[l.length - 1] : 4);
      return {layers: l.join(",")};
    });
    $("remove-layer").onclick = () => apply((c) => ({layers: hidden(c).slice(0, -1).join(",")}));
    $("preset").onchange = async () => {
      const name = $("preset").value;
      if (!name) return;
      try { full(await NN.api(sessionUrl("preset"), {name})); NN.message(""); }
      catch (e) { NN.message(e.message); }
    };
    $("eq-layer").onchange = async () => {
      try { draw(await NN.api(sessionUrl("inspect"), {layer: Number($("eq-layer").value)})); }
      catch (e) { NN.message(e.message); }
    };
    for (const id of ["discretize", "show-test"]) $(id).onchange = () => {
      setControls(); drawBoundary();
    };
    for (const id of ["csv-x", "csv-y", "csv-label"]) $(id).onchange = () => apply({
      columns: [$("csv-x").value, $("csv-y").value, $("csv-label").value]
        .map(escapeColumn).join(",")});
    $("upload").onchange = upload;
  }

  async function upload() {
    const file = $("upload").files[0];
    if (!file) return;
    try {
      if (file.size > meta.max_upload) {
        throw new Error(`the file has ${file.size} bytes; the playground takes CSV files of ` +
                        `at most ${meta.max_upload / 1048576} MiB`);
      }
      const r = await fetch(sessionUrl("upload"), {
        method: "POST", body: await file.arrayBuffer(),
        headers: {"Content-Type": "text/csv", "X-Filename": encodeURIComponent(file.name)}});
      const data = await r.json().catch(() => ({}));
      if (!r.ok) throw new Error(data.error || `the server answered ${r.status}`);
      setColumns(data.columns);
      full(data.snapshot);
      NN.message("");
    } catch (e) {
      NN.message(`${file.name}: ${e.message}`);
    } finally {
      $("upload").value = "";
    }
  }

  function setPlaying(on) {
    $("play").classList.toggle("playing", !!on);
    $("play").innerHTML = on ? "&#x275A;&#x275A;" : "&#x25B6;";
    $("play").dataset.playing = on ? "1" : "0";
    if (snap) snap.playing = on;
  }

  /* ---- drawing ------------------------------------------------------------------------- */
  function full(s) {
    if (snap && s.version < snap.version) return;
    cfg = s.config;
    points = s.points;
    series = s.series.slice();
    dataName = s.data_name || "";
    setControls();
    draw(s);
  }

  function draw(s) {
    // the stream and the answers to requests may cross: never go back to an older state
    if (snap && s.version < snap.version) return;
    snap = s;
    $("iteration").textContent = s.iteration;
    $("epoch").textContent = s.epoch;
    $("train-loss").textContent = NN.fmt(s.train_loss);
    $("test-loss").textContent = NN.fmt(s.test_loss);
    $("train-loss").dataset.value = s.train_loss;
    $("test-loss").dataset.value = s.test_loss;
    if (!s.series) {
      const last = series[series.length - 1];
      if (!last || last[0] !== s.iteration) series.push([s.iteration, s.train_loss, s.test_loss]);
      if (last && s.iteration < last[0]) series = [[s.iteration, s.train_loss, s.test_loss]];
      if (series.length > MAX_SERIES) series = series.filter((_, i) => i % 2 === 0);
    }
    setPlaying(s.playing);
    if (s.error) NN.message(s.error);
    $("data-name").textContent = dataName ? `Data: ${dataName}` : "";
    NN.chart($("chart"), series, ["#000", "#999"]);
    drawBoundary();
    drawNetwork();
    drawEquations();
  }

  function several() { return !!(snap && snap.classes && snap.classes.length > 2); }

  /* The colour of the model's output at grid cell i (the heat map). */
  function cellColour(i) {
    if (!several()) return valueColour(snap.boundary[i]);
    const k = snap.classes.length, p = snap.confidence[i];
    const strength = $("discretize").checked ? 1 : (p - 1 / k) / (1 - 1 / k);
    return NN.classColour(snap.boundary[i], 0.25 + 0.75 * strength);
  }

  /* The colour of a point's label: a class, or a value on the orange-blue scale. */
  function labelColour(v) { return several() ? NN.classColour(v) : valueColour(v); }

  function valueColour(v) {
    if (!snap) return NN.colour(0);
    const [lo, hi] = snap.range;
    let t = (v - lo) / (hi - lo) * 2 - 1;  // [-1, 1]
    if ($("discretize").checked) t = t > 0 ? 1 : -1;
    return NN.colour(t);
  }

  function drawBoundary() {
    if (!snap) return;
    const canvas = $("boundary"), ctx = canvas.getContext("2d");
    const n = snap.grid, off = document.createElement("canvas");
    off.width = n; off.height = n;
    const octx = off.getContext("2d"), img = octx.createImageData(n, n);
    snap.boundary.forEach((v, i) => {
      const [r, g, b] = cellColour(i);
      img.data.set([r, g, b, 255], i * 4);
    });
    octx.putImageData(img, 0, 0);
    ctx.imageSmoothingEnabled = !$("discretize").checked;
    ctx.drawImage(off, 0, 0, canvas.width, canvas.height);
    if (!points) return;
    const D = snap.domain, W = canvas.width, H = canvas.height;
    const dot = (P, stroke) => {
      for (let i = 0; i < P[0].length; i++) {
        const x = (P[0][i] + D) / (2 * D) * W, y = (D - P[1][i]) / (2 * D) * H;
        const [r, g, b] = labelColour(P[2][i]);
        ctx.beginPath(); ctx.arc(x, y, 3, 0, 2 * Math.PI);
        ctx.fillStyle = `rgb(${r},${g},${b})`; ctx.fill();
        ctx.strokeStyle = stroke; ctx.lineWidth = 1; ctx.stroke();
      }
    };
    dot(points.train, "#fff");
    if ($("show-test").checked) dot(points.test, "#000");
  }

  /* A unit's output over the plane, from its lowest (orange) to its highest value (blue);
     grey where it is constant. */
  function thumb(canvas, values, n) {
    const ctx = canvas.getContext("2d"), img = ctx.createImageData(n, n);
    let lo = Infinity, hi = -Infinity;
    for (const v of values) if (v !== null) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
    const mid = (lo + hi) / 2, half = (hi - lo) / 2;
    values.forEach((v, i) => {
      const [r, g, b] = NN.colour(half > 1e-12 ? (v - mid) / half : 0);
      img.data.set([r, g, b, 255], i * 4);
    });
    ctx.putImageData(img, 0, 0);
  }

  const COL = 120, ROW = 46, X0 = 80, Y0 = 40, BOX = 34;

  function nodeY(j) { return Y0 + j * ROW; }
  function colX(i) { return X0 + i * COL; }

  function buildNetwork() {
    const net = $("network"), dims = snap.layer_dims, L = dims.length - 1;
    const all = Object.keys(meta.features), chosen = snap.features;
    net.innerHTML = "";
    const rows = Math.max(all.length, ...dims.slice(1));
    const width = colX(L) + BOX + 20, height = nodeY(rows) + 10;
    net.style.height = `${height}px`;
    const svgNS = "http://www.w3.org/2000/svg";
    const svg = document.createElementNS(svgNS, "svg");
    svg.setAttribute("width", width); svg.setAttribute("height", height);
    net.appendChild(svg);
    const inRow = chosen.map((f) => all.indexOf(f));
    const rowOf = (l, j) => (l === 0 ? inRow[j] : j);
    for (let l = 1; l <= L; l++) {
      for (let k = 0; k < dims[l]; k++) for (let j = 0; j < dims[l - 1]; j++) {
        const line = document.createElementNS(svgNS, "line");
        line.setAttribute("x1", colX(l - 1) + BOX); line.setAttribute("y1", nodeY(rowOf(l - 1, j)) + BOX / 2);
        line.setAttribute("x2", colX(l)); line.setAttribute("y2", nodeY(k) + BOX / 2);
        line.id = `w-${l}-${k}-${j}`;
        line.dataset.testid = "link";
        line.appendChild(document.createElementNS(svgNS, "title"));
        svg.appendChild(line);
      }
    }
    all.forEach((f, j) => {
      const on = chosen.includes(f);
      const d = node(net, colX(0), nodeY(j), `input ${meta.features[f]}`, `feature-${f}`);
      d.classList.add("input"); d.classList.toggle("off", !on);
      d.onclick = () => apply((c) => {
        const now = features(c);
        return {features: (now.includes(f) ? now.filter((x) => x !== f) : now.concat([f]))
          .join(",")};
      });
      const lab = document.createElement("div");
      lab.className = "nlabel"; lab.textContent = meta.features[f];
      lab.style.left = `${colX(0) - 66}px`; lab.style.top = `${nodeY(j) + 10}px`;
      net.appendChild(lab);
    });
    for (let l = 1; l <= L; l++) {
      for (let k = 0; k < dims[l]; k++) {
        const out = l === L;
        const cls = out && dims[l] > 1 && snap.classes ? ` (class ${snap.classes[k]})` : "";
        node(net, colX(l), nodeY(k), out ? `output unit ${k + 1}${cls}` : `layer ${l}, unit ${k + 1}`,
             out ? (k === 0 ? "output-node" : `output-${k}`) : `unit-${l}-${k}`);
      }
      if (l < L) {
        const b = document.createElement("div");
        b.className = "lbtn"; b.style.left = `${colX(l) - 6}px`; b.style.top = "4px";
        b.innerHTML = `<button data-testid="add-unit-${l}">+</button>` +
          `<button data-testid="remove-unit-${l}">&minus;</button> ${dims[l]}`;
        const [plus, minus] = b.querySelectorAll("button");
        plus.onclick = () => units(l, +1); minus.onclick = () => units(l, -1);
        net.appendChild(b);
      }
    }
    const eq = $("eq-layer");
    eq.innerHTML = "";
    for (let l = 1; l <= L; l++) eq.add(new Option(l === L ? `${l} (output)` : `${l}`, l));
  }

  function units(l, delta) {
    apply((c) => {
      const layers = hidden(c);
      if (l <= layers.length) {
        layers[l - 1] = Math.max(1, Math.min(meta.max_units, layers[l - 1] + delta));
      }
      return {layers: layers.join(",")};
    });
  }

  function node(parent, x, y, title, testid) {
    const d = document.createElement("div");
    d.className = "node"; d.style.left = `${x}px`; d.style.top = `${y}px`; d.title = title;
    d.dataset.testid = testid;
    const c = document.createElement("canvas");
    c.width = snap.thumb; c.height = snap.thumb;
    d.appendChild(c);
    parent.appendChild(d);
    return d;
  }

  function drawNetwork() {
    const shape = JSON.stringify([snap.layer_dims, snap.features]);
    if (shape !== drawnShape) { buildNetwork(); drawnShape = shape; }
    const dims = snap.layer_dims, L = dims.length - 1, net = $("network");
    snap.weights.forEach((w, i) => {
      const l = i + 1;
      w.W.forEach((row, k) => row.forEach((v, j) => {
        const line = document.getElementById(`w-${l}-${k}-${j}`);
        if (!line) return;
        const [r, g, b] = NN.colour(v > 0 ? 1 : -1);
        line.setAttribute("stroke", `rgb(${r},${g},${b})`);
        line.setAttribute("stroke-width", Math.min(8, 0.5 + Math.abs(v) * 2).toFixed(2));
        line.firstChild.textContent = `W[${l}][${k + 1},${j + 1}] = ${v}`;
      }));
    });
    const all = Object.keys(meta.features);
    snap.features.forEach((f, j) => {
      const c = net.querySelector(`[data-testid="feature-${f}"] canvas`);
      if (c) thumb(c, snap.inputs[j], snap.thumb);
    });
    all.filter((f) => !snap.features.includes(f)).forEach((f) => {
      const c = net.querySelector(`[data-testid="feature-${f}"] canvas`);
      if (c) c.getContext("2d").clearRect(0, 0, c.width, c.height);
    });
    snap.units.forEach((layer, i) => layer.forEach((values, k) => {
      const c = net.querySelector(`[data-testid="unit-${i + 1}-${k}"] canvas`);
      if (c) thumb(c, values, snap.thumb);
    }));
    const out = net.querySelector('[data-testid="output-node"] canvas');
    if (out) {
      out.width = snap.grid; out.height = snap.grid;
      const img = out.getContext("2d").createImageData(snap.grid, snap.grid);
      snap.boundary.forEach((v, i) => img.data.set([...cellColour(i), 255], i * 4));
      out.getContext("2d").putImageData(img, 0, 0);
    }
    if (Number($("eq-layer").value) !== snap.equations.layer) $("eq-layer").value = snap.equations.layer;
  }

  function matrix(e) {
    const rows = e.values.map((r) => r.map((v) => NN.fmt(v)).join("  "));
    const more = e.shape[0] > e.values.length || e.shape[1] > (e.values[0] || []).length;
    return `${rows.join("<br>")}${more ? " …" : ""}`;
  }

  function drawEquations() {
    const q = snap.equations, l = q.l = q.layer, sh = (e) => `(${e.shape.join(", ")})`;
    const reg = q.lambd > 0 ? ` + (λ/m) W[${l}]` : "";
    const rows = [
      [`Z[${l}] = W[${l}] A[${l - 1}] + b[${l}]`, `${sh(q.Z)} = ${sh(q.W)} ${sh(q.A_prev)} + ${sh(q.b)}`, q.Z],
      [`A[${l}] = g(Z[${l}]), g = ${q.g}`, sh(q.A), q.A],
      [`W[${l}]`, sh(q.W), q.W], [`A[${l - 1}]${l === 1 ? " = X" : ""}`, sh(q.A_prev), q.A_prev],
      [`b[${l}]`, sh(q.b), q.b],
      [`dW[${l}] = (1/m) dZ[${l}] A[${l - 1}]ᵀ${reg}`, sh(q.dW), q.dW],
      [`db[${l}] = (1/m) Σ dZ[${l}]`, sh(q.db), q.db],
    ];
    $("eq").innerHTML = `<p class="small">m = ${q.m} training points, L = ${q.L}</p><table>` +
      rows.map(([a, b, e]) => `<tr><td>${a}</td><td>${b}</td><td>${matrix(e)}</td></tr>`).join("") +
      "</table>";
  }

  start().catch((e) => NN.message(`The playground could not start: ${e.message}`));
})();

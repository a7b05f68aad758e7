"use strict";
/* Shared by the playground's pages: the JSON API and the colour scale. No network access
   beyond this page's own server. */
const NN = {
  /* POST a JSON body (or GET without one); the JSON answer, or an Error with the server's
     message (nndl's, for bad input). */
  async api(path, body) {
    const init = body === undefined ? {} : {
      method: "POST", headers: {"Content-Type": "application/json"},
      body: JSON.stringify(body)};
    const r = await fetch(path, init);
    let data = null;
    try { data = await r.json(); } catch (e) { data = null; }
    if (!r.ok) {
      throw new Error((data && data.error) || `the server answered ${r.status}`);
    }
    return data;
  },
  /* v in [-1, 1] -> [r, g, b]: orange (-1), light grey (0), blue (+1), as TF Playground. */
  colour(v) {
    if (v === null || v === undefined || Number.isNaN(v)) return [200, 200, 200];
    v = Math.max(-1, Math.min(1, v));
    const mid = [232, 234, 235], neg = [245, 147, 34], pos = [8, 119, 189];
    const end = v < 0 ? neg : pos, t = Math.abs(v);
    return mid.map((m, i) => Math.round(m + (end[i] - m) * t));
  },
  /* Class c of several (an uploaded file's labels), faded to grey as ``strength`` goes
     from 1 to 0. */
  classColour(c, strength = 1) {
    const palette = [[245, 147, 34], [8, 119, 189], [80, 170, 80], [200, 60, 60],
                     [140, 90, 190], [120, 80, 50], [230, 110, 190], [90, 90, 90]];
    const mid = [232, 234, 235], end = palette[c % palette.length];
    const t = Math.max(0, Math.min(1, strength));
    return mid.map((m, i) => Math.round(m + (end[i] - m) * t));
  },
  message(text) {
    const el = document.getElementById("message");
    if (!el) return;
    el.textContent = text || "";
    el.hidden = !text;
  },
  fmt(v) {
    if (v === null || v === undefined) return "-";
    return Math.abs(v) >= 1000 || (Math.abs(v) < 0.001 && v !== 0)
      ? v.toExponential(3) : v.toFixed(3);
  },
  /* A line chart of [[x, y1, y2...], ...] on a canvas: y from 0 to the largest value. */
  chart(canvas, rows, colours) {
    const ctx = canvas.getContext("2d"), W = canvas.width, H = canvas.height;
    ctx.clearRect(0, 0, W, H);
    if (!rows.length) return;
    let top = 0;
    for (const r of rows) for (let i = 1; i < r.length; i++)
      if (r[i] !== null && Number.isFinite(r[i])) top = Math.max(top, r[i]);
    top = top || 1;
    const x0 = rows[0][0], x1 = rows[rows.length - 1][0] || 1;
    colours.forEach((c, i) => {
      ctx.strokeStyle = c; ctx.lineWidth = 1.5; ctx.beginPath();
      let started = false;
      for (const r of rows) {
        if (r[i + 1] === null) continue;
        const x = x1 > x0 ? (r[0] - x0) / (x1 - x0) * (W - 2) + 1 : 1;
        const y = H - 2 - r[i + 1] / top * (H - 4);
        if (started) ctx.lineTo(x, y); else { ctx.moveTo(x, y); started = true; }
      }
      ctx.stroke();
    });
    ctx.fillStyle = "#777"; ctx.font = "10px sans-serif";
    ctx.fillText(NN.fmt(top), 2, 10);
  },
};

"use strict";
/* The cat page: the notes' networks on the course's cat images, trained by nndl. */
(function () {
  const $ = (id) => document.getElementById(id);
  let sid = null, snap = null, source = null, images = null;
  const pictures = new Map();  // test image index -> its data URL (decoded once)
  window.catPlayground = { get snapshot() { return snap; } };

  async function start() {
    images = await NN.api("/api/cat/images");
    await create();
    $("model").onchange = create;
    $("play").onclick = async () => {
      try {
        const r = await NN.api(`/api/cat/${sid}/play`, {playing: !(snap && snap.playing)});
        if (snap) snap.playing = r.playing;
        setPlaying(r.playing);
      } catch (e) { NN.message(e.message); }
    };
    document.body.dataset.ready = "1";
  }

  async function create() {
    if (source) source.close();
    const r = await NN.api("/api/cat", {model: $("model").value});
    sid = r.id;
    snap = null;  // a new session counts its versions afresh
    draw(r.snapshot);
    source = new EventSource(`/api/cat/${sid}/stream`);
    source.onmessage = (e) => draw(JSON.parse(e.data));
  }

  function setPlaying(on) {
    $("play").classList.toggle("playing", !!on);
    $("play").innerHTML = on ? "&#x275A;&#x275A;" : "&#x25B6;";
  }

  function draw(s) {
    if (snap && snap.model === s.model && s.version < snap.version) return;  // crossed
    snap = s;
    $("iteration").textContent = s.iteration;
    $("train-acc").textContent = s.train_accuracy.toFixed(3);
    $("test-acc").textContent = s.test_accuracy.toFixed(3);
    setPlaying(s.playing);
    if (s.error) NN.message(s.error);
    NN.chart($("chart"), s.costs, ["#000"]);
    $("n-wrong").textContent = s.mislabeled.length;
    const grid = $("mislabeled");
    grid.innerHTML = "";
    const [h, w] = images.size;
    s.mislabeled.forEach((idx, i) => {
      const fig = document.createElement("figure");
      const c = document.createElement("canvas");
      c.width = w; c.height = h;
      if (!pictures.has(idx)) {
        const raw = atob(images.images[idx]), img = c.getContext("2d").createImageData(w, h);
        for (let p = 0; p < w * h; p++) {
          img.data.set([raw.charCodeAt(3 * p), raw.charCodeAt(3 * p + 1),
                        raw.charCodeAt(3 * p + 2), 255], 4 * p);
        }
        pictures.set(idx, img);
      }
      c.getContext("2d").putImageData(pictures.get(idx), 0, 0);
      const cls = images.classes;
      fig.appendChild(c);
      fig.appendChild(document.createTextNode(
        `predicted ${cls[s.predicted[i]]}, is ${cls[images.labels[idx]]}`));
      grid.appendChild(fig);
    });
  }

  start().catch((e) => NN.message(`The cat data could not be loaded: ${e.message}`));
})();

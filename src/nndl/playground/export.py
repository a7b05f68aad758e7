"""What a playground run exports: the trained model as an nndl ``.npz`` (``nndl.load`` reads
it) and the Python code that reproduces the run with nndl.

The model's inputs are named in its ``info["feature_names"]``, so that ``nndl predict`` and
``nndl evaluate`` match a file's columns to them by name. For an uploaded CSV trained on x1
and x2 alone they are the file's two columns, and the map onto the plane ((value - center) /
scale, the same operations) is the model's preprocessing: the model takes the file's values
and answers what the page shows (x1 or x2 alone likewise). With other features of an upload
they are named as functions of the plane (``x1 (plane)``, ``x1² (plane)``...), which no
column of the file is, so such a file is refused rather than fed to the wrong inputs (an upload's model evaluated on its own file scored 0.245 where the page showed
0.96, the raw values read as plane coordinates).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from ..errors import shorten
from ..io import to_bytes
from ..preprocessing import Standardizer
from .features import FEATURES, PYTHON

if TYPE_CHECKING:  # pragma: no cover
    from .session import Session


def model_bytes(session: "Session") -> bytes:
    """The session's model as the bytes of an nndl ``.npz`` file (``nndl.io.to_bytes``, no
    file on disk), with its class names and the playground's settings and plane map in its
    ``info``."""
    with session.lock:
        cfg, data = session.config, session.data
        info: dict = {"playground": {"settings": cfg.to_query(), "features": cfg.features,
                                     "center": data.center.tolist(),
                                     "scale": data.scale.tolist(), "columns": data.columns}}
        net, label_map, pre = session.net, session.net.label_map, session.net.preprocessing
        plane_map = None
        if data.columns is None:  # a generated set: its inputs are the plane's features
            info["feature_names"] = [FEATURES[f][0] for f in cfg.features]
        elif set(cfg.features) <= {"x1", "x2"}:  # the file's columns, mapped onto the plane
            which = [0 if f == "x1" else 1 for f in cfg.features]
            info.update(feature_names=[data.columns[i] for i in which],
                        label_name=data.columns[2])
            plane_map = Standardizer(data.center[which], data.scale[which])
        else:  # functions of the plane (x1²...): no file column is one, whatever its name
            info["feature_names"] = [f"{FEATURES[f][0]} (plane)" for f in cfg.features]
        try:  # the file names the classes (the session trains on their indices)
            if net.head.is_classifier and data.train.classes:
                net.classes = data.train.classes
            if plane_map is not None:
                net.preprocessing = plane_map
            return to_bytes(net, info=info)
        finally:
            net.label_map, net.preprocessing = label_map, pre


def code(session: "Session") -> str:
    """Python source that reproduces the run with nndl: the same data (seeded), features,
    network and training, for the number of epochs done so far."""
    with session.lock:
        cfg, net = session.config, session.net
        settings = cfg.to_query()
        epochs = net.epochs_done
        m = session.X.shape[1]
        feats = ", ".join(f'"{f}"' for f in cfg.features)
        rows = ",\n        ".join(PYTHON[f] for f in cfg.features)
        # each value shortened before JSON escapes it: a cut of the JSON text could end
        # inside an escape (\u00e9 of a column's name), which is no Python
        shown = json.dumps({k: shorten(v, 120) for k, v in settings.items()})
        lines = [f'"""The nndl playground run, reproduced with nndl (settings: {shown})."""',
                 "import numpy as np", "", "import nndl"]
        if cfg.dataset == "csv":
            c = session.data
            lines += ["", "# The uploaded file, its chosen columns mapped onto the plane "
                      "(each column's range to [-5, 5]):",
                      f"data = nndl.datasets.load_csv({c.name!r}, label={cfg.columns[2]!r}, "
                      f"features={cfg.columns[:2]!r}"
                      + (", task='regression')" if cfg.problem == "regression" else ")"),
                      f"center, scale = np.array({c.center.tolist()!r}), "
                      f"np.array({c.scale.tolist()!r})",
                      "data.X = (data.X - center[:, None]) / scale[:, None]",
                      f"train, test, _ = nndl.datasets.split(data, dev={1 - cfg.ratio!r}, "
                      f"seed={cfg.seed})"]
        else:
            lines += ["from nndl.playground.data import make_data", "",
                      f"data = make_data({cfg.dataset!r}, m={cfg.points}, noise={cfg.noise!r}, "
                      f"ratio={cfg.ratio!r}, seed={cfg.seed})",
                      "train, test = data.train, data.test"]
        lines += ["", "", "def features(P):",
                  f'    """The inputs ({feats}) of the points P (2, m)."""',
                  "    x1, x2 = P[0], P[1]",
                  f"    return np.stack([\n        {rows},\n    ])", "", "",
                  "X, Y = features(train.X), train.Y",
                  f"net = nndl.Network({net.layer_dims}, hidden={cfg.activation!r}, "
                  f"output={net.output!r}, init={cfg.init!r}, seed={cfg.seed})"]
        kw = [f"learning_rate={cfg.lr!r}"]
        if cfg.batch and cfg.batch < m:
            kw += [f"batch_size={cfg.batch}", f"epochs={max(epochs, 1)}"]
        else:
            kw += [f"iterations={max(epochs, 1)}"]
        if cfg.l2:
            kw.append(f"lambd={cfg.l2!r}")
        if cfg.layers and cfg.keep < 1:
            kw.append(f"keep_probs={cfg.keep!r}")
        if session.mixed:
            lines.append("# The run changed its training settings on the way; this trains "
                         "with the last ones throughout.")
        if epochs == 0:
            lines.append("# (no training was done yet in the playground: one epoch here)")
        lines += [f"net.fit(X, Y, {', '.join(kw)})",
                  'print("train loss", net.cost(X, Y), "test loss", '
                  "net.cost(features(test.X), test.Y))",
                  'net.save("playground-model.npz")', ""]
        return "\n".join(lines)


__all__ = ["code", "model_bytes"]

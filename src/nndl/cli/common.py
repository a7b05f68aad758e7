"""What several commands share: the model-and-data width check and how scores are printed."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import NNDLError

# TEMPORARY until nndl.heads lands on main: the output-dependent pieces the commands use.
OUTPUTS = {"binary": "sigmoid", "multiclass": "softmax", "regression": "linear"}


def targets(data, net) -> np.ndarray:
    """The data's labels in the model's layout: (1, m) 0/1, one-hot (k, m), or (n, m) values.

    Class names are matched to the model's by name when both have names."""
    if data.Y is None:
        raise NNDLError(f"{data.name or 'the data'} has no labels")
    out = net.output
    if out == "linear":
        return np.asarray(data.Y, dtype=np.float64)
    y = np.asarray(data.Y).astype(np.int64).ravel()
    if net.classes and data.classes and list(data.classes) != list(net.classes):
        index = {c: i for i, c in enumerate(net.classes)}
        unknown = [c for c in data.classes if c not in index]
        if unknown:
            raise NNDLError(f"the data has classes {unknown} that the model does not know "
                            f"(the model's classes: {net.classes})")
        y = np.array([index[c] for c in data.classes], dtype=np.int64)[y]
    k = net.layer_dims[-1] if out == "softmax" else 2
    if y.size and (y.min() < 0 or y.max() >= k):
        raise NNDLError(f"labels must be class indices 0..{k - 1} for this model; got values up "
                        f"to {int(y.max())}")
    if out == "softmax":
        Y = np.zeros((k, y.size))
        Y[y, np.arange(y.size)] = 1.0
        return Y
    return y.reshape(1, -1).astype(np.float64)


def scores(net, X: np.ndarray, Y: np.ndarray) -> dict:
    """``{"accuracy": ...}`` for classifiers, ``{"mse": ..., "rmse": ...}`` for regression."""
    if net.output == "linear":
        err = net.predict(X) - Y
        mse = float(np.mean(err ** 2))
        return {"mse": mse, "rmse": float(np.sqrt(mse)), "mae": float(np.mean(np.abs(err)))}
    return {"accuracy": net.accuracy(X, Y)}


def confusion_matrix(net, X: np.ndarray, Y: np.ndarray) -> np.ndarray:
    """counts[i, j] = number of samples of true class i predicted as class j."""
    pred = net.predict(X).ravel().astype(np.int64)
    truth = (np.argmax(Y, axis=0) if net.output == "softmax" else Y.ravel()).astype(np.int64)
    k = net.layer_dims[-1] if net.output == "softmax" else 2
    counts = np.zeros((k, k), dtype=np.int64)
    np.add.at(counts, (truth, pred), 1)
    return counts


def class_names(net) -> list[str]:
    k = net.layer_dims[-1] if net.output == "softmax" else 2
    return list(net.classes) if net.classes else [str(i) for i in range(k)]
# END TEMPORARY


def check_width(net: Any, data: Any, what: str) -> None:
    """NNDLError unless the data has the model's n[0] features (rows of ``data.X``)."""
    n0 = net.layer_dims[0]
    if data.X.shape[0] != n0:
        raise NNDLError(f"the model takes {n0} input features but {what} "
                        f"({data.name or 'the data'}) has {data.X.shape[0]}")


def image_size_of(data: Any) -> "list[int] | None":
    """[height, width] of an image data set, else None."""
    images = getattr(data, "images", None)
    return None if images is None else [int(images.shape[1]), int(images.shape[2])]


def format_scores(s: dict) -> str:
    """'accuracy 0.9500' or 'mse 0.0123  rmse 0.111' (one line of a report)."""
    if "accuracy" in s:
        return f"accuracy {s['accuracy']:.4f}"
    return f"mse {s['mse']:.6g}  rmse {s['rmse']:.6g}"

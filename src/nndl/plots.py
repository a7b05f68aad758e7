"""Figures: the cost curve, the decision boundary of a 2-D model, the activation functions and
their derivatives (the notes' figure), and a grid of mislabeled images.

matplotlib is an optional extra (``pip install 'nndl[plot]'``), imported only when a figure is
drawn. Figures are built with the object-oriented API on the Agg canvas: no window opens, no
pyplot global state is touched, and the figure is freed when it is no longer referenced. Each
function returns the ``matplotlib.figure.Figure``; given ``path`` it also writes a PNG
atomically (to a temporary file in the same folder, then ``os.replace``), so a crash never
leaves a half-written image at ``path``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any, Sequence

import numpy as np

from .activations import ACTIVATIONS
from .errors import NNDLError
from .heads import HEADS
from .files import atomic_write
from .validation import as_matrix, check_number, check_positive

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

    from .datasets import Dataset

Array = np.ndarray


def _new_figure(figsize: tuple[float, float]) -> "Figure":
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError:  # pragma: no cover - depends on the environment
        raise NNDLError("plots need matplotlib: pip install 'nndl[plot]'") from None
    fig = Figure(figsize=figsize, dpi=100)
    FigureCanvasAgg(fig)
    return fig


def save_png(fig: "Figure", path: "str | os.PathLike") -> Path:
    """Write ``fig`` as a PNG at ``path`` atomically (:func:`nndl.files.atomic_write`)."""
    return atomic_write(path, lambda fh: fig.savefig(fh, format="png"), what="plot")


def _finish(fig: "Figure", path: "str | os.PathLike | None") -> "Figure":
    fig.tight_layout()
    if path is not None:
        save_png(fig, path)
    return fig


AXIS_LIMIT = 1e307
"""The largest |value| a figure's axis is drawn for: matplotlib's margins and ticks overflow
for values near float64's largest, 1.8e308 (``[1e308, -1e308]`` fails in ``arange``)."""


def _check_drawable(name: str, values: Array) -> None:
    """NNDLError when a finite value of ``values`` is beyond :data:`AXIS_LIMIT` (NaN and inf,
    as in a diverged run's costs, are left out of the line, as matplotlib does)."""
    finite = values[np.isfinite(values)]
    if finite.size and float(np.max(np.abs(finite))) > AXIS_LIMIT:
        raise NNDLError(f"{name} reach |x| = {float(np.max(np.abs(finite))):.3g}; a figure's "
                        f"axis is drawn for values up to {AXIS_LIMIT:g}")


# --- cost curve -----------------------------------------------------------------------------
def _curve(history_or_costs: Any) -> tuple[Array, Array]:
    """(iterations, costs) from a History, a dict, a list of costs or of (iteration, cost)."""
    h = history_or_costs
    its: Any = None
    if hasattr(h, "iterations") and hasattr(h, "costs"):
        its, costs = h.iterations, h.costs
    elif isinstance(h, dict):
        costs = h.get("costs", h.get("cost"))
        its = h.get("iterations")
        if costs is None:
            raise NNDLError(f"a cost history dict needs a 'costs' (or 'cost') list; got keys "
                            f"{sorted(h)}")
    else:
        costs = h
    try:
        c = np.asarray(costs, dtype=np.float64)
    except (TypeError, ValueError):
        raise NNDLError("costs must be a History, a list of numbers or of (iteration, cost) "
                        "pairs") from None
    if c.ndim == 2 and c.shape[1] == 2 and its is None:
        its, c = c[:, 0], c[:, 1]
    if c.ndim != 1 or c.size == 0:
        raise NNDLError(f"costs must be a non-empty list of numbers; got shape {c.shape}")
    i = np.arange(c.size, dtype=np.float64) if its is None else np.asarray(its, dtype=np.float64)
    if i.shape != c.shape:
        raise NNDLError(f"iterations and costs differ in length: {i.size} and {c.size}")
    _check_drawable("the iterations", i)
    _check_drawable("the costs", c)
    return i, c


def plot_costs(history_or_costs: Any, path: "str | os.PathLike | None" = None,
               title: str = "Cost during training", log_scale: bool = False) -> "Figure":
    """The cost J against the iteration: from a :class:`~nndl.callbacks.History`, a dict
    ``{"iterations": [...], "costs": [...]}``, a list of costs (iteration = index) or a list
    of (iteration, cost) pairs.

    A History with per-epoch costs (mini-batches, or a dev set) is drawn per epoch: the
    training cost of each epoch (the mean over its mini-batches, not the noisy cost of the
    last one), the dev cost when there is one, and the best epoch that early stopping kept;
    the title gives the final epoch's costs."""
    h = history_or_costs
    if getattr(h, "epoch_costs", None) and len(h.epochs) == len(h.epoch_costs):
        return _plot_epochs(h, path, title, log_scale)
    its, costs = _curve(h)
    fig = _new_figure((6.4, 4.0))
    ax = fig.add_subplot(1, 1, 1)
    ax.plot(its, costs, color="tab:blue", linewidth=1.5)
    ax.set_xlabel("iteration")
    ax.set_ylabel("cost J")
    if log_scale and (costs > 0).all():
        ax.set_yscale("log")
    ax.set_title(f"{title} (final J = {costs[-1]:.6g})")
    ax.grid(True, alpha=0.3)
    return _finish(fig, path)


def _plot_epochs(h: Any, path: "str | os.PathLike | None", title: str,
                 log_scale: bool) -> "Figure":
    """Per-epoch training (and dev) cost, with the best epoch marked."""
    ep = np.asarray(h.epochs, dtype=np.float64)
    train = np.asarray(h.epoch_costs, dtype=np.float64)
    dev = np.asarray(h.dev_costs, dtype=np.float64)
    for name, values in (("the epochs", ep), ("the costs", train), ("the dev costs", dev)):
        _check_drawable(name, values)
    fig = _new_figure((6.4, 4.0))
    ax = fig.add_subplot(1, 1, 1)
    ax.plot(ep, train, color="tab:blue", linewidth=1.5, label="training cost (epoch mean)")
    label = f"final J = {train[-1]:.6g}"
    if dev.size == ep.size:
        ax.plot(ep, dev, color="tab:orange", linewidth=1.5, label="dev cost")
        label += f", dev J = {dev[-1]:.6g}"
    if h.best_epoch is not None:
        ax.axvline(h.best_epoch, color="tab:green", linestyle="--", linewidth=1,
                   label=f"best epoch {h.best_epoch} (kept)")
        label += f"; best epoch {h.best_epoch}"
    ax.set_xlabel("epoch")
    ax.set_ylabel("cost J")
    if log_scale and (train > 0).all() and (dev > 0).all():
        ax.set_yscale("log")
    ax.set_title(f"{title} ({label})", fontsize=9)
    ax.legend(loc="upper right", fontsize=8)
    ax.grid(True, alpha=0.3)
    return _finish(fig, path)


# --- decision boundary ----------------------------------------------------------------------
def _label_row(Y: object, m: int) -> Array:
    """Labels (m,) from a (1, m) row or (k, m) one-hot columns."""
    Y = as_matrix("Y", Y, np.float64)
    if Y.shape[1] != m:
        raise NNDLError(f"X and Y must have the same number of samples (columns): X has m = {m}, "
                        f"Y has m = {Y.shape[1]}")
    return Y[0] if Y.shape[0] == 1 else HEADS["multiclass"].truth(Y)[0].astype(np.float64)


def _class_indices(net: Any, pred: Any) -> Any:
    """A model's predictions as class indices: labels of its ``label_map`` (class names)
    become their indices."""
    lm = getattr(net, "label_map", None)
    if lm is None:
        return pred
    pred = np.asarray(pred)
    return lm.encode(pred).reshape(pred.shape)


def plot_decision_boundary(net: Any, X: object, Y: object,
                           path: "str | os.PathLike | None" = None, resolution: int = 200,
                           title: "str | None" = None) -> "Figure":
    """The regions where ``net`` predicts each class, over a grid covering X (2, m), with the
    samples drawn on top coloured by their label Y ((1, m) labels or (k, m) one-hot)."""
    dims = getattr(net, "layer_dims", None)
    if dims is not None and dims[0] != 2:
        raise NNDLError(f"a decision boundary is drawn for a model with 2 inputs; this one has "
                        f"n[0] = {dims[0]}")
    X = as_matrix("X", X, np.float64, rows=2)
    labels = _label_row(Y, X.shape[1])
    resolution = int(check_number("resolution", resolution, integer=True, low=2, high=2000))
    lo, hi = X.min(axis=1), X.max(axis=1)
    pad = 0.1 * np.maximum(hi - lo, 1e-3)
    g1 = np.linspace(lo[0] - pad[0], hi[0] + pad[0], resolution)
    g2 = np.linspace(lo[1] - pad[1], hi[1] + pad[1], resolution)
    G1, G2 = np.meshgrid(g1, g2)
    Z = np.asarray(_class_indices(net, net.predict(np.vstack([G1.ravel(), G2.ravel()]))),
                   dtype=np.float64)
    if Z.ndim != 2 or Z.shape[1] != G1.size or Z.shape[0] != 1:
        raise NNDLError(f"the model's predict must return one value per sample, shape (1, m); "
                        f"got {Z.shape}")
    Z = Z.reshape(G1.shape)
    fig = _new_figure((6.0, 5.0))
    ax = fig.add_subplot(1, 1, 1)
    classes = np.unique(np.concatenate([labels, Z.ravel()]))
    if classes.size <= 20 and np.all(classes == np.round(classes)):
        levels = np.concatenate([classes - 0.5, [classes[-1] + 0.5]])
        ax.contourf(G1, G2, Z, levels=levels, cmap="Spectral", alpha=0.6)
        vmin, vmax = levels[0], levels[-1]
    else:  # a regression surface
        cs = ax.contourf(G1, G2, Z, levels=20, cmap="Spectral", alpha=0.6)
        fig.colorbar(cs, ax=ax)
        vmin, vmax = float(Z.min()), float(Z.max())
    ax.scatter(X[0], X[1], c=labels, cmap="Spectral", vmin=vmin, vmax=vmax, s=14,
               edgecolors="k", linewidths=0.4)
    ax.set_xlabel("x1")
    ax.set_ylabel("x2")
    ax.set_title(title or "Decision boundary")
    return _finish(fig, path)


# --- activations --------------------------------------------------------------------------
def plot_activations(path: "str | os.PathLike | None" = None,
                     names: "Sequence[str] | None" = None, z_range: float = 5.0) -> "Figure":
    """Each element-wise activation g(z) (solid) and its derivative g'(z) (dashed) for z in
    [-z_range, z_range]: sigmoid, tanh, relu, leaky_relu, linear (the table of the notes).
    ``z_range`` is a positive number up to :data:`AXIS_LIMIT`."""
    z_range = check_number("z_range", z_range, low=0, high=AXIS_LIMIT, low_open=True,
                           expected=f"a positive number up to {AXIS_LIMIT:g}")
    if names is None:
        names = [n for n, g in ACTIVATIONS.items() if g.elementwise]  # not softmax
    from .activations import get_activation

    acts = [get_activation(n) for n in names]
    if not acts:
        raise NNDLError("plot_activations needs at least one activation name")
    z = np.linspace(-z_range, z_range, 401)
    cols = min(3, len(acts))
    rows = -(-len(acts) // cols)
    fig = _new_figure((4.0 * cols, 3.2 * rows))
    for i, g in enumerate(acts):
        ax = fig.add_subplot(rows, cols, i + 1)
        a = g.forward(z.copy())
        ax.plot(z, a, color="tab:blue", label="g(z)")
        ax.plot(z, g.derivative(z, a), color="tab:orange", linestyle="--", label="g'(z)")
        ax.axhline(0, color="grey", linewidth=0.5)
        ax.axvline(0, color="grey", linewidth=0.5)
        ax.set_title(g.name)
        ax.set_xlabel("z")
        ax.grid(True, alpha=0.3)
        ax.legend(loc="upper left", fontsize=8)
    return _finish(fig, path)


# --- mislabeled images ----------------------------------------------------------------------
IMAGE_CHANNELS = (1, 3, 4)
"""The channels an image is drawn with: grey, RGB, RGBA."""


def _check_images(images: object) -> None:
    """``images`` as a Dataset holds them: (m, h, w, c) with c grey (1), RGB (3) or RGBA (4),
    or (m, h, w) grey; NNDLError otherwise (matplotlib cannot draw 2 or 5 channels)."""
    shape = getattr(images, "shape", None)
    ok = shape is not None and (len(shape) == 3 or (len(shape) == 4
                                                     and shape[3] in IMAGE_CHANNELS))
    if not ok:
        raise NNDLError(f"images must have shape (m, h, w, c) with c = 1 (grey), 3 (RGB) or "
                        f"4 (RGBA), or (m, h, w); got "
                        f"{'shape ' + str(shape) if shape is not None else type(images).__name__}")


def plot_mislabeled(net: Any, data: "Dataset", path: "str | os.PathLike | None" = None,
                    max_images: int = 10) -> "Figure":
    """A grid of up to ``max_images`` images of ``data`` that ``net`` labels wrongly, each
    titled with its true and predicted class."""
    if getattr(data, "images", None) is None:
        raise NNDLError(f"plot_mislabeled needs image data (Dataset.images); "
                        f"{getattr(data, 'name', '') or 'this data set'} has none")
    if data.task not in ("binary", "multiclass"):
        raise NNDLError(f"plot_mislabeled is for classification; this data set is {data.task}")
    max_images = int(check_positive("max_images", max_images, integer=True))
    _check_images(data.images)
    pred = np.asarray(_class_indices(net, net.predict(data.X)))
    if pred.shape != data.Y.shape:
        raise NNDLError(f"the model's predictions have shape {pred.shape}; expected the labels' "
                        f"shape {data.Y.shape}")
    wrong = np.flatnonzero(pred[0] != data.Y[0])
    shown = wrong[:max_images]
    names = data.classes or []

    def name(c: int) -> str:
        return names[c] if 0 <= c < len(names) else str(c)

    cols = max(1, min(5, len(shown)))
    rows = max(1, -(-len(shown) // cols))
    fig = _new_figure((2.2 * cols, 2.5 * rows + 0.4))
    fig.suptitle(f"{len(wrong)} of {data.m} mislabeled" + (
        f" (first {len(shown)} shown)" if len(shown) < len(wrong) else ""))
    if len(shown) == 0:
        ax = fig.add_subplot(1, 1, 1)
        ax.axis("off")
        ax.text(0.5, 0.5, "no mislabeled images", ha="center", va="center")
    for i, j in enumerate(shown):
        ax = fig.add_subplot(rows, cols, i + 1)
        img = data.images[j]
        if img.ndim == 2 or img.shape[2] == 1:
            ax.imshow(img.reshape(img.shape[:2]), cmap="gray", vmin=0, vmax=255,
                      interpolation="nearest")
        else:
            ax.imshow(img, interpolation="nearest")
        ax.axis("off")
        ax.set_title(f"true: {name(int(data.Y[0, j]))}\npred: {name(int(pred[0, j]))}",
                     fontsize=9)
    return _finish(fig, path)

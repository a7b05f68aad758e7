"""One browser tab's playground run: its settings, data and :class:`nndl.Network`, trained in
small chunks (one epoch per chunk) through ``Network.fit`` itself.

Changing the data or the network's shape starts afresh (seeded: the same settings give the
same run); changing the learning rate, batch size, L2 or dropout goes on with the current
parameters, as in TensorFlow Playground. Memory stays flat however long a run goes: the
model's cost history is dropped after each chunk and the loss curve kept here is bounded.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from typing import Any

import numpy as np

from ..callbacks import Callback, History
from ..errors import DivergenceError, NNDLError, shorten
from ..network import Network
from . import render
from .config import Config
from .data import DOMAIN, PlaneData, csv_data, make_data
from .features import feature_matrix

MAX_SERIES = 1000
"""Loss-curve points kept (older ones are thinned out by half when full)."""
TRAINING_KEYS = ("lr", "batch", "l2", "keep")
"""Settings that may change during a run without starting afresh."""
FRAME_SECONDS = 1 / 15
"""While an epoch takes longer than this, snapshots are also taken within it, at most this far
apart (so a long epoch still streams at 15 updates per second or more)."""
EQUATIONS_SECONDS = 0.25
"""While playing, the equations' values are recomputed at most this often (a forward and
backward pass over the training points: the slowest part of a snapshot)."""


class _Frames(Callback):
    """Takes a snapshot after an update when ``frame_seconds`` have passed since the last one
    (in the training thread, so the parameters are those of one update); reads nothing the
    training uses, so the run stays exactly what it would be without it."""

    def __init__(self, session: "Session") -> None:
        self.session = session
        self.last = time.monotonic()

    def on_iteration_end(self, net: Network, iteration: int, cost: float) -> None:
        now = time.monotonic()
        if now - self.last >= self.session.frame_seconds:
            self.session.frames.append(self.session.snapshot(live=True))
            self.last = time.monotonic()


class Session:
    """One tab's run. Every method takes the session's lock (the server's threads train and
    read it)."""

    def __init__(self, config: "Config | None" = None,
                 upload: "tuple[bytes, str] | None" = None) -> None:
        self.lock = threading.RLock()
        self.upload = upload
        """The CSV file this tab uploaded (its bytes and name), or None."""
        self.config = config or Config()
        self.playing = False
        self.inspect_layer = 1
        self.last_used = time.monotonic()
        self.version = 0
        self.frame_seconds = FRAME_SECONDS
        self.frames: deque = deque(maxlen=8)
        """Snapshots taken within an epoch, for the stream (:meth:`drain`)."""
        self._equations: "dict | None" = None
        self._equations_at = 0.0
        self._csv: "tuple[Any, tuple, PlaneData] | None" = None
        """The uploaded file as read for its settings (the upload, columns, problem, ratio,
        seed): a change of layers or features does not read a 10 MiB file again."""
        self.reset()

    # --- building ------------------------------------------------------------------------
    def reset(self) -> None:
        """Fresh data and parameters for the current settings (seeded). Everything is built
        before any of it is kept: on an error the session stays as it was."""
        with self.lock:
            cfg = self.config
            data = self._data(cfg)
            X, X_test = (feature_matrix(data.train.X, cfg.features),
                         feature_matrix(data.test.X, cfg.features))
            task, k = data.train.task, len(data.train.classes or [None])
            net = Network(cfg.layer_dims(task, k), hidden=cfg.activation,
                          output=cfg.output(task), init=cfg.init, seed=cfg.seed)
            self.data, self.net = data, net
            self.X, self.Y, self.X_test, self.Y_test = X, data.train.Y, X_test, data.test.Y
            self.error: "str | None" = None
            self.playing = False
            self.mixed = False
            """Whether the training settings changed during the run."""
            self.series: deque = deque()
            self._record()
            self.version += 1

    def _data(self, cfg: Config) -> PlaneData:
        if cfg.dataset != "csv":
            return make_data(cfg.dataset, cfg.points, cfg.noise, cfg.ratio, cfg.seed)
        if self.upload is None:
            raise NNDLError("no CSV file uploaded yet: choose one with 'Upload CSV'")
        if len(cfg.columns) != 3:
            raise NNDLError("choose the CSV file's x1, x2 and label columns")
        key = (tuple(cfg.columns), cfg.problem, cfg.ratio, cfg.seed)
        if self._csv is not None and self._csv[0] is self.upload and self._csv[1] == key:
            return self._csv[2]
        data = csv_data(self.upload[0], cfg.columns, cfg.problem, cfg.ratio, cfg.seed,
                        self.upload[1])
        self._csv = (self.upload, key, data)
        return data

    def configure(self, config: Config) -> None:
        """Take new settings: training ones go on with the model, others start afresh. On
        bad settings (e.g. a CSV column that does not hold numbers) the old ones stay."""
        with self.lock:
            old = self.config
            same = {k: v for k, v in vars(config).items() if k not in TRAINING_KEYS} == \
                {k: v for k, v in vars(old).items() if k not in TRAINING_KEYS}
            self.config = config
            if same:
                self.mixed = self.mixed or (vars(config) != vars(old)
                                            and self.net.iterations_done > 0)
                self.version += 1
                return
            try:
                self.reset()
            except NNDLError:
                self.config = old
                raise

    def load(self, upload: "tuple[bytes, str]", config: Config) -> None:
        """Take a newly uploaded file (its bytes and name) with its settings and start afresh
        on it: a new upload is a change even when its columns are named as the last one's.
        On a bad file (NNDLError) the old file, settings and run stay."""
        with self.lock:
            old = self.upload, self.config
            self.upload, self.config = upload, config
            try:
                self.reset()
            except NNDLError:
                self.upload, self.config = old
                raise

    # --- training ------------------------------------------------------------------------
    def train_epoch(self, frames: bool = False) -> None:
        """One pass over the training points through ``Network.fit`` (mini-batches of the
        batch size, reshuffled by the model's seeded generator; or one full-batch update). A
        divergence stops the run with nndl's message; the model keeps its last finite
        parameters. ``frames``: also take snapshots within the epoch (see :meth:`drain`)."""
        with self.lock:
            if self.error is not None:
                self.playing = False
                return
            cfg, m = self.config, self.X.shape[1]
            kw: dict[str, Any] = {"learning_rate": cfg.lr, "lambd": cfg.l2}
            if cfg.layers and cfg.keep < 1:
                kw["keep_probs"] = cfg.keep
            if cfg.batch and cfg.batch < m:
                kw.update(batch_size=cfg.batch, epochs=1)
            else:
                kw.update(iterations=1)
            if frames and cfg.batch and -(-m // cfg.batch) > 1:  # more than one update
                kw["callbacks"] = [_Frames(self)]
            net = self.net
            before = ({k: v.copy() for k, v in net.params.items()}, net.iterations_done,
                      net.epochs_done)  # (a network of at most 8 x 32 units)
            try:
                net.fit(self.X, self.Y, **kw)
            except DivergenceError as exc:
                self.error = str(exc)
                self.playing = False
            finally:
                net.history = History()  # the curve is kept in self.series, bounded
            losses = self.losses()
            if not np.isfinite(losses).all():
                # fit checks the cost before each update (of its batch): the epoch's last
                # update diverged unseen, or fit's roll-back kept parameters of a finite
                # batch cost but no finite cost on the points: back to the epoch's start
                params, net.iterations_done, net.epochs_done = before
                net.params.update(params)
                self.error = (f"training diverged after iteration {net.iterations_done}: "
                              f"the cost became {max(losses)} with the epoch's updates; the model "
                              f"keeps the parameters of iteration {net.iterations_done}, the "
                              f"last of finite cost. Try a smaller learning rate (now "
                              f"{cfg.lr:g}).")
                self.playing = False
                self.last_losses = self.series[-1][1:]
            else:
                self._record(losses)
            self.version += 1

    def play_epoch(self) -> None:
        """:meth:`train_epoch` with snapshots within it (what the stream runs)."""
        self.train_epoch(frames=True)

    def drain(self) -> list[dict[str, Any]]:
        """The snapshots taken within the running epoch since the last call (thread-safe)."""
        out = []
        while self.frames:
            out.append(self.frames.popleft())
        return out

    def losses(self) -> tuple[float, float]:
        """(train loss, test loss): the head's cost (no L2 term) on each part."""
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            return (float(self.net.cost(self.X, self.Y)),
                    float(self.net.cost(self.X_test, self.Y_test)))

    def _record(self, losses: "tuple[float, float] | None" = None) -> None:
        tr, te = self.losses() if losses is None else losses
        self.series.append((self.net.iterations_done, tr, te))
        if len(self.series) > MAX_SERIES:  # keep every other point: the curve's shape stays
            self.series = deque(list(self.series)[::2])
        self.last_losses = (tr, te)

    # --- what the page draws --------------------------------------------------------------
    def snapshot(self, full: bool = False, live: bool = False) -> dict[str, Any]:
        """The state the page draws (see :mod:`nndl.playground.render`); ``full`` adds the
        settings, the points and the whole loss curve; ``live`` is a snapshot within an
        epoch (losses of the current parameters; the equations of the last full one)."""
        with self.lock:
            self.last_used = time.monotonic()
            cfg, net = self.config, self.net
            tr, te = self.losses() if live else self.last_losses
            now = time.monotonic()
            if self._equations is None or (not live and (
                    not self.playing or now - self._equations_at >= EQUATIONS_SECONDS)):
                self._equations = render.equations(net, self.X, self.Y, self.inspect_layer,
                                                   cfg.l2)
                self._equations_at = now
            out: dict[str, Any] = {
                "version": self.version, "iteration": net.iterations_done,
                "epoch": net.epochs_done, "train_loss": _finite(tr), "test_loss": _finite(te),
                "playing": self.playing, "error": self.error,
                "layer_dims": net.layer_dims, "features": cfg.features,
                "problem": cfg.problem, "domain": DOMAIN, "grid": render.GRID,
                "thumb": render.THUMB, "range": self._range(),
                "classes": self.data.train.classes if net.head.is_classifier else None,
                "weights": render.weights(net),
                "equations": self._equations, "mixed": self.mixed, "live": live,
            }
            out.update(render.output_map(net, cfg.features))
            out.update(render.thumbnails(net, cfg.features))
            if full:
                out["config"] = cfg.to_query()
                out["series"] = [[i, _finite(a), _finite(b)] for i, a, b in self.series]
                out["points"] = {"train": _points(self.data.train.X, self.Y),
                                 "test": _points(self.data.test.X, self.Y_test)}
                out["data_name"] = shorten(self.data.name, 80)
            return out

    def _range(self) -> list[float]:
        """What the heat map's colours span: P(y = 1) in [0, 1], class indices 0..k-1, or
        the regression's targets symmetrically."""
        k = self.net.head.n_classes(self.net.layer_dims[-1])
        if k is not None:
            return [0.0, 1.0] if k == 2 else [0.0, float(k - 1)]
        top = float(np.max(np.abs(self.Y))) if self.Y.size else 1.0
        return [-top, top]


def _finite(v: float) -> "float | None":
    return float(v) if np.isfinite(v) else None


def _points(X: np.ndarray, Y: np.ndarray) -> list[list[float]]:
    return [np.round(X[0], 4).tolist(), np.round(X[1], 4).tolist(),
            np.asarray(Y[0], dtype=np.float64).round(4).tolist()]


__all__ = ["FRAME_SECONDS", "MAX_SERIES", "Session"]

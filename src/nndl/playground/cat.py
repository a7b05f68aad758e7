"""The course's cat images in the playground: the notes' 2-layer network (12288, 7, 1) and
4-layer network (12288, 20, 7, 5, 1), learning rate 0.0075, 2500 iterations, trained by
``Network.fit`` in chunks, with the cost curve (every 100 iterations, as the notes print it),
the train and test accuracy, and the mislabeled test images.

The data are read once, from the folder the user gave (``--cat-dir``) or nndl's default
(:func:`nndl.datasets.default_cat_dir`), by :func:`nndl.datasets.load_cat`.
"""

from __future__ import annotations

import base64
import threading
import time
from typing import Any

import numpy as np

from ..callbacks import History
from ..datasets import Dataset, load_cat
from ..errors import DivergenceError, NNDLError
from ..network import Network

MODELS: dict[str, dict[str, Any]] = {
    "2-layer": {"layer_dims": [12288, 7, 1], "init": "small"},
    "4-layer": {"layer_dims": [12288, 20, 7, 5, 1], "init": "scaled"},
}
"""The notes' two models: layer sizes and initialization (randn * 0.01; randn / sqrt(n[l-1]))."""
LEARNING_RATE = 0.0075
ITERATIONS = 2500
CHUNK = 20
"""Iterations per streamed update."""


class CatData:
    """The cat data, read once on first use (thread-safe)."""

    def __init__(self, folder: "str | None" = None) -> None:
        self.folder = folder
        self._lock = threading.Lock()
        self._data: "tuple[Dataset, Dataset] | None" = None

    def get(self) -> tuple[Dataset, Dataset]:
        """(train, test): X (12288, m) in [0, 1], Y (1, m)."""
        with self._lock:
            if self._data is None:
                self._data = load_cat(self.folder)
            return self._data

    def images(self) -> dict[str, Any]:
        """The test images as base64 RGB bytes (64x64x3 each) with their labels, for the
        page to draw the mislabeled ones."""
        _, test = self.get()
        imgs = test.images if test.images is not None else np.zeros((test.m, 64, 64, 3))
        return {"size": list(imgs.shape[1:]), "classes": test.classes,
                "labels": test.Y[0].tolist(),
                "images": [base64.b64encode(np.ascontiguousarray(im, dtype=np.uint8).tobytes())
                           .decode("ascii") for im in imgs]}


class CatSession:
    """One tab's cat run: the chosen model of the notes, trained up to 2500 iterations."""

    def __init__(self, data: CatData, model: str = "2-layer") -> None:
        if model not in MODELS:
            raise NNDLError(f"unknown model {model!r}; expected one of {list(MODELS)}")
        self.lock = threading.RLock()
        self.train, self.test = data.get()
        spec = MODELS[model]
        self.model = model
        self.net = Network(spec["layer_dims"], hidden="relu",  # a sigmoid output unit
                           init=spec["init"], rng=np.random.RandomState(1))
        self.costs: list[list[float]] = []
        self.playing = False
        self.error: "str | None" = None
        self.last_used = time.monotonic()
        self.version = 0

    @property
    def done(self) -> bool:
        return self.net.iterations_done >= ITERATIONS

    def train_chunk(self, n: int = CHUNK) -> None:
        """Up to ``n`` more full-batch iterations (never past 2500)."""
        with self.lock:
            n = min(n, ITERATIONS - self.net.iterations_done)
            if n <= 0 or self.error is not None:
                self.playing = False
                return
            try:
                self.net.fit(self.train.X, self.train.Y, learning_rate=LEARNING_RATE,
                             iterations=n)
            except DivergenceError as exc:
                self.error = str(exc)
                self.playing = False
            for i, c in zip(self.net.history.iterations, self.net.history.costs):
                if i % 100 == 0 or i == ITERATIONS - 1:
                    self.costs.append([int(i), float(c)])
            self.net.history = History()
            if self.done:
                self.playing = False
            self.version += 1

    def snapshot(self) -> dict[str, Any]:
        """Iteration, cost curve, train/test accuracy and the mislabeled test images."""
        with self.lock:
            self.last_used = time.monotonic()
            pred = self.net.predict(self.test.X)[0]
            wrong = np.flatnonzero(pred != self.test.Y[0])
            return {"version": self.version, "model": self.model,
                    "layer_dims": self.net.layer_dims,
                    "iteration": self.net.iterations_done, "of": ITERATIONS,
                    "costs": self.costs, "playing": self.playing, "error": self.error,
                    "train_accuracy": self.net.accuracy(self.train.X, self.train.Y),
                    "test_accuracy": self.net.accuracy(self.test.X, self.test.Y),
                    "mislabeled": wrong.tolist(),
                    "predicted": pred[wrong].astype(int).tolist()}


__all__ = ["CHUNK", "CatData", "CatSession", "ITERATIONS", "LEARNING_RATE", "MODELS"]

"""Checkpoints: save the training state every N iterations and when SIGINT/SIGTERM arrives.

    ckpt = Checkpointer("run.ckpt.npz", every=500, info={...})
    with ckpt.catch_signals():
        net.fit(X, Y, learning_rate=lr, iterations=n, callbacks=[ckpt])
    if ckpt.signal is not None:
        ckpt.write(net)          # the state after the last finished iteration

A checkpoint is a saved model (:mod:`nndl.io`) whose ``info["checkpoint"]`` says what resuming
needs: the target number of iterations, the learning rate, and whatever the caller put in
``info`` (the command line stores its data path and options). The parameters, the iterations
done, the cost history and the RNG state are in the model itself. Batch gradient descent
continued from a checkpoint for the remaining iterations ends with exactly the parameters of an
uninterrupted run.

With ``fit(..., dev=..., patience=k)``, a fit stopped by a signal keeps the parameters of its
last epoch (training is paused, not over; ``history.best_epoch`` stays None), so that the
checkpoint written next holds them with their counters and resuming is exact: the best
epoch's parameters are restored when training ends (patience runs out, or the last epoch).
That fit's early-stopping record starts afresh in the next ``fit`` call; to carry it across,
give an :class:`~nndl.callbacks.EarlyStopping` to both ``callbacks`` and
``Checkpointer(early_stopping=...)`` and call its ``restore`` at the end, as ``nndl train``
does.

On a signal the handler only sets a flag; the next ``on_iteration_end`` asks ``fit`` to stop
(``net.stop_training``), so the saved state is always that of a finished iteration. A second
SIGINT while waiting raises ``KeyboardInterrupt`` at once.

With ``unit="epoch"`` (mini-batch training, as ``nndl train --batch-size`` uses it) everything
happens at epoch boundaries instead: ``every`` counts epochs, and a signal lets the current
epoch finish before ``fit`` stops, so that a checkpoint never holds half an epoch (its
shuffled order and the optimizer's schedule would be lost). The model then carries the
optimizer state (``net.optimizer``), the RNG state, ``epochs_done`` and, with an
:class:`~nndl.callbacks.EarlyStopping` given as ``early_stopping``, its counters and best
parameters (the ``best`` parameter set): resuming with ``fit(..., optimizer=net.optimizer)``
for the remaining epochs ends with exactly the parameters of an uninterrupted run. (With full
batches each iteration is one epoch, so both units agree there.)
"""

from __future__ import annotations

import contextlib
import os
import signal
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterator

from . import io
from .callbacks import Callback, EarlyStopping
from .errors import NNDLError
from .validation import check_positive

if TYPE_CHECKING:  # pragma: no cover
    from .network import Network

SIGNALS = (signal.SIGINT, signal.SIGTERM)


class Checkpointer(Callback):
    """Write ``path`` every ``every`` iterations, or epochs with ``unit="epoch"`` (0: only on
    a signal or an explicit ``write``).

    ``info`` is JSON stored in the checkpoint; ``target`` and ``learning_rate`` (if given) are
    stored under ``info["checkpoint"]`` with ``iterations_done`` (and, with ``unit="epoch"``,
    ``epochs_done`` and ``target_epochs``; with ``early_stopping``, its state, its best
    parameters being the checkpoint's ``best`` parameter set).
    """

    def __init__(self, path: "str | os.PathLike", every: int = 0, info: "dict | None" = None,
                 learning_rate: "float | None" = None, *, unit: str = "iteration",
                 target_epochs: "int | None" = None,
                 early_stopping: "EarlyStopping | None" = None) -> None:
        if unit not in ("iteration", "epoch"):
            raise NNDLError(f"unit must be 'iteration' or 'epoch'; got {unit!r}")
        self.unit = unit
        self.target_epochs = target_epochs
        self.early_stopping = early_stopping
        self.path = Path(path)
        self.every = 0 if not every else int(check_positive("checkpoint every", every,
                                                              integer=True))
        self.info = dict(info or {})
        self.learning_rate = learning_rate
        self.target: "int | None" = None
        self.signal: "int | None" = None
        self.written = 0
        self.before_write: list[Callable[[], None]] = []
        """Called before each checkpoint is written (``nndl train``: the cost log's flush)."""
        self.on_signal: list[Callable[["Network"], None]] = []
        """Called with the model at the first iteration end after a signal arrived, once
        (``nndl train``: says that the epoch finishes first); not in the signal handler,
        which only sets a flag."""
        self._told = False
        self.last_state: "dict[str, Any] | None" = None
        """The state of the last checkpoint written (``iterations_done``, ...)."""
        self.last_params: "dict[str, Any] | None" = None
        """The parameters training ended with, when the model holds others (early stopping's
        best epoch): written as the parameter set ``"last"``, which resuming continues from."""

    # --- callback hooks ---------------------------------------------------------------
    def on_train_begin(self, net: "Network", total: int) -> None:
        self.target = net.iterations_done + int(total)

    @property
    def pauses_training(self) -> bool:
        """A signal stopped (or is stopping) ``fit``, to be continued from a checkpoint: fit's
        early stopping then keeps the last parameters (:func:`nndl.training.paused`)."""
        return self.signal is not None

    def on_iteration_end(self, net: "Network", iteration: int, cost: float) -> None:
        if self.signal is not None and not self._told:
            self._told = True
            for call in self.on_signal:
                call(net)
        if self.unit == "iteration":
            self._tick(net, net.iterations_done)

    def on_epoch_end(self, net: "Network", epoch: int, logs: dict) -> None:
        if self.unit == "epoch":
            self._tick(net, net.epochs_done)

    def _tick(self, net: "Network", done: int) -> None:
        """After a unit of training: stop on a pending signal, else write every ``every``."""
        if self.signal is not None:
            net.stop_training = True
        elif self.every and done % self.every == 0:
            self.write(net)

    # --- writing ----------------------------------------------------------------------
    def write(self, net: "Network") -> Path:
        """Save ``net`` with the checkpoint information, atomically."""
        for call in self.before_write:
            call()
        state = {"iterations_done": int(net.iterations_done),
                 "target_iterations": self.target,
                 "learning_rate": self.learning_rate,
                 "signal": None if self.signal is None else signal.Signals(self.signal).name}
        sets = None
        if self.unit == "epoch":
            state.update(unit="epoch", epochs_done=int(net.epochs_done),
                         target_epochs=self.target_epochs)
        if self.early_stopping is not None:
            state["early_stopping"] = self.early_stopping.state_dict()
            if self.early_stopping.best_params is not None:
                sets = {"best": self.early_stopping.best_params}
        if self.last_params is not None:
            sets = {**(sets or {}), "last": self.last_params}
        io.save(net, self.path, info={**self.info, "checkpoint": state}, param_sets=sets)
        self.written += 1
        self.last_state = state
        return self.path

    # --- signals ----------------------------------------------------------------------
    def _handler(self, signum: int, frame: object) -> None:
        if self.signal is not None and signum == signal.SIGINT:
            raise KeyboardInterrupt  # second Ctrl-C: stop waiting
        self.signal = signum

    @contextlib.contextmanager
    def catch_signals(self) -> Iterator["Checkpointer"]:
        """While inside, SIGINT and SIGTERM only record the signal (see the module doc)."""
        old = {s: signal.getsignal(s) for s in SIGNALS}
        try:
            for s in SIGNALS:
                signal.signal(s, self._handler)
            yield self
        finally:
            for s, h in old.items():
                signal.signal(s, h)

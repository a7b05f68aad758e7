"""One trial: ``nndl train``'s code with the sampled settings, its dev metric fed to the pruner
every epoch (:class:`PruningReporter`), its place in the study checked first (:class:`Surplus`)."""

from __future__ import annotations

import argparse
import math
import os
import threading
import time
import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from ..callbacks import Callback
from ..errors import DivergenceError, DivergenceWarning, NNDLError, UnsettledWarning, shorten
from .space import Dim, trial_settings
from .storage import optuna_module

if TYPE_CHECKING:  # pragma: no cover
    from ..network import Network


REPORTS_FULL_BATCH = 20
"""With full-batch training the pruner is fed every ``iterations // 20`` iterations."""


STOP = threading.Event()
"""Set by the first Ctrl-C while a worker runs (:func:`nndl.tuning.workers.work`): the trial
being trained stops at its next iteration with a KeyboardInterrupt raised inside it (so Optuna
marks it failed), and the worker loop stops before the next trial; a Ctrl-C never lands
halfway through a write to the study."""


class PruningReporter(Callback):
    """Feed the dev-set metric to Optuna's median pruner after every ``every`` epochs and stop
    ``fit`` when it says the trial falls behind; ``seconds`` is its own time.

    The pruner compares with the complete trials of ``others`` (:class:`Snapshot`, read once
    when the trial starts) rather than asking the database at every epoch (a query of all
    trials, ~10 ms, at each of 20 epochs: more than the 5% this machinery may cost). The
    curve is stored once, at the end, in the trial's ``curve`` attribute (``{epoch:
    value}``), with its last value reported to Optuna."""

    def __init__(self, trial: Any, dev: Any, metric: str, every: int = 1,
                 pruner: Any = None, others: "Snapshot | None" = None) -> None:
        self.trial, self.data, self.metric, self.every = trial, dev, metric, max(1, every)
        self.pruner, self.others = pruner, others
        self.dev: "tuple | None" = None
        self.curve: dict[int, float] = {}
        self.pruned_at: "int | None" = None
        self.seconds = 0.0

    def on_train_begin(self, net: "Network", total: int) -> None:
        from ..heads import dataset_targets

        t0 = time.perf_counter()
        self.dev = (self.data.X, dataset_targets(self.data, net))  # in the net's encoding
        self.seconds += time.perf_counter() - t0

    def on_iteration_end(self, net: "Network", iteration: int, cost: float) -> None:
        if STOP.is_set():
            raise KeyboardInterrupt

    def on_epoch_end(self, net: "Network", epoch: int, logs: dict[str, float]) -> None:
        if self.pruner is None or (epoch + 1) % self.every or self.dev is None:
            return  # without a pruner: no dev metric per epoch (no curve), nothing to pay
        t0 = time.perf_counter()
        self.curve[epoch] = dev_metric(net, self.dev, self.metric)
        now = argparse.Namespace(intermediate_values=self.curve, last_step=epoch)
        if self.pruner.prune(self.others, now):
            self.pruned_at = epoch
            net.stop_training = True
        self.seconds += time.perf_counter() - t0

    def save(self, run: dict) -> None:
        """Store ``run`` (seconds, note) and the curve in the trial's ``run`` attribute and
        report the curve's last value to Optuna: two writes, whatever the curve's length."""
        if self.curve:
            last = max(self.curve)
            self.trial.report(self.curve[last], last)
        self.trial.set_user_attr("run", {**run, "curve": {str(k): v
                                                           for k, v in self.curve.items()}})


class Snapshot:
    """The complete trials of a study as they were at one moment, with their curves (what
    Optuna's pruners read of a study: ``get_trials`` and ``direction``)."""

    def __init__(self, trials: list, direction: Any) -> None:
        self.direction = direction
        self.trials = [argparse.Namespace(
            state=t.state, number=t.number,
            intermediate_values={int(k): v for k, v in
                                 t.user_attrs.get("run", {}).get("curve", {}).items()})
            for t in trials if t.state.name == "COMPLETE"]

    def get_trials(self, deepcopy: bool = False, states: Any = None) -> list:
        return [t for t in self.trials if states is None or t.state in states]


def dev_metric(net: "Network", dev: tuple, metric: str) -> float:
    """The model's ``metric`` on the dev set ``(X, Y)``."""
    from ..heads import scores

    try:
        with np.errstate(over="ignore", invalid="ignore"):  # (said by the value: nan)
            value = float(scores(net, *dev)[metric])
    except NNDLError:  # outputs beyond the dtype (a diverging regression's, unscaled): no value
        return float("nan")
    return value if math.isfinite(value) else float("nan")


@dataclass
class Trained:
    """A network trained with one trial's settings, and what it took."""

    net: "Network"
    settings: dict
    value: float
    seconds: float
    fitted: Any


def train_one(dims: dict[str, Dim], values: dict[str, Any], parts: Any, metric: str,
              callbacks: "list | None" = None, settings: "dict | None" = None) -> Trained:
    """Build and fit the network of ``values`` (plus the fixed settings) as ``nndl train``
    does (:func:`nndl.cli.steps.build_model`, :func:`~nndl.cli.steps.fit_arguments`), and
    score it on the dev set; early stopping's best parameters are restored first.
    ``settings``: :func:`~nndl.tuning.space.trial_settings` of ``dims`` and ``values`` when
    the caller has them already."""
    from ..cli.steps import Fitted, build_model, early_stopping, fit_arguments
    from ..heads import dataset_targets

    s = settings if settings is not None else trial_settings(dims, values)
    net = build_model(s, parts)
    early = early_stopping(s, None)
    cbs = [*(callbacks or []), *([early] if early is not None else [])]
    target = s["epochs"] if s["batch_size"] is not None else s["iterations"]
    kw = fit_arguments(s, net, parts, cbs, early, target)
    Y = dataset_targets(parts.train, net)
    t0 = time.perf_counter()
    net.fit(parts.train.X, Y, **kw)
    seconds = time.perf_counter() - t0
    if early is not None:
        early.restore(net)
    dev = (parts.dev.X, dataset_targets(parts.dev, net))
    fitted = Fitted(seconds, net.iterations_done, net.epochs_done)
    return Trained(net, s, dev_metric(net, dev, metric), seconds, fitted)


def counts(trials: list, but: int = -1) -> dict[str, int]:
    """Trials by state (and ``finished``: complete + pruned), leaving out trial ``but``."""
    out = {s: 0 for s in ("COMPLETE", "PRUNED", "RUNNING", "WAITING", "FAIL")}
    for t in trials:
        if t.number != but:
            out[t.state.name] = out.get(t.state.name, 0) + 1
    out["finished"] = out["COMPLETE"] + out["PRUNED"]
    return out


class Surplus(Exception):
    """This trial would make more than ``trials`` finished ones: it is marked failed."""


_ACTIVE = ("COMPLETE", "PRUNED", "RUNNING", "WAITING")


class Objective:
    """Optuna's objective: one trial = one ``train_one`` with the sampled settings, reporting
    to the pruner; a diverged trial is pruned."""

    def __init__(self, dims: dict[str, Dim], parts: Any, metric: str, trials: int,
                 pruner: Any = None) -> None:
        self.dims, self.parts, self.metric, self.trials = dims, parts, metric, trials
        self.pruner = pruner
        self.seen: "dict[str, int] | None" = None
        """The study's counts when the last trial started, without it (None: unknown)."""
        self.report_seconds = 0.0
        """Time the pruning reporters took (the dev metric every epoch, the pruner)."""
        self.train_seconds = 0.0
        """Time building, fitting and scoring the networks (what ``nndl train`` would take),
        less the pruning reporter's."""

    def _check_place(self, trial: Any) -> Snapshot:
        """Surplus when ``trials`` others are finished, running or queued ahead of this one;
        else the study's complete trials, for the pruner."""
        everything = trial.study.get_trials(deepcopy=False)
        self.seen = counts(everything, but=trial.number)
        ahead = [t for t in everything if t.number < trial.number and t.state.name in _ACTIVE]
        if len(ahead) >= self.trials:
            trial.set_user_attr("surplus", True)
            self.seen = None
            raise Surplus(f"trial {trial.number}: {len(ahead)} trials are ahead of it")
        return Snapshot(everything, trial.study.direction)

    def __call__(self, trial: Any) -> float:
        optuna = optuna_module()
        if STOP.is_set():
            raise KeyboardInterrupt
        others = self._check_place(trial)
        values = {k: d.suggest(trial) for k, d in self.dims.items() if d.kind != "fixed"}
        trial.set_user_attr("worker", f"{os.uname().nodename}:{os.getpid()}")
        s = trial_settings(self.dims, values)
        full = s["batch_size"] is None
        every = max(1, s["iterations"] // REPORTS_FULL_BATCH) if full else 1
        reporter = PruningReporter(trial, self.parts.dev, self.metric, every,
                                   self.pruner, others)
        run: dict[str, Any] = {}
        t0 = time.perf_counter()
        try:
            with warnings.catch_warnings():  # a fit whose cost rose 10 times diverged too
                warnings.simplefilter("error", DivergenceWarning)
                warnings.simplefilter("ignore", UnsettledWarning)  # its dev metric says it
                done = train_one(self.dims, values, self.parts, self.metric, [reporter], s)
            run["seconds"] = round(done.seconds, 4)
            if reporter.pruned_at is not None:
                run["note"] = f"pruned after {reporter.pruned_at + 1} epochs"  # (0-based)
            elif not math.isfinite(done.value):
                run["note"] = "no finite dev metric"
        except DivergenceError as exc:
            run["note"] = f"diverged at iteration {exc.iteration}"
        except DivergenceWarning as exc:
            run["note"] = f"diverged: {shorten(' '.join(str(exc).split()), 200)}"
        except NNDLError as exc:  # e.g. a choice of layers too large for the memory
            run["note"] = f"cannot train: {shorten(str(exc), 300)}"
        finally:
            # what nndl train would spend too (building, fitting, scoring the model)
            self.train_seconds += time.perf_counter() - t0 - reporter.seconds
            self.report_seconds += reporter.seconds
            reporter.save(run)
        if "note" in run:
            raise optuna.TrialPruned()
        return done.value

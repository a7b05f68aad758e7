"""Hyperparameter search on a dev set with Optuna: the notes' idea -> code -> experiment cycle.

Modules: :mod:`~nndl.tuning.space` (the space), :mod:`~nndl.tuning.storage` (storage and study),
:mod:`~nndl.tuning.objective` (one trial), :mod:`~nndl.tuning.workers` (the loop, the worker
processes), :mod:`~nndl.tuning.report` (lines, table, best model, plots); :func:`tune` here.

    study = nndl.tune({"layers": ["32", "64,32"], "hidden": ["relu", "tanh"],
                       "lr": (1e-4, 1e-1), "optimizer": "adam", "batch_size": [32, 64],
                       "epochs": 20}, data="digits", study="digits-1", trials=40)

The space holds ``nndl train``'s settings by their names (:data:`SEARCHABLE`): a list is a
choice, a tuple ``(LO, HI)`` or ``(LO, HI, "log" | "linear")`` (or the text ``"LO:HI"``) a
range, anything else a fixed value. Every trial trains an ordinary :class:`~nndl.Network` with
``Network.fit``, built and fitted by the same functions as ``nndl train``
(:mod:`nndl.cli.steps`), on the same train/dev split (drawn once with the ``seed`` setting,
default 1; the weights are initialized with the same seed in every trial), and its value is the
dev-set metric (accuracy for classification, RMSE for regression). A :class:`PruningReporter`
reports the metric to Optuna's median pruner after every epoch (every ``iterations // 20``
iterations with full batches) and stops the trials that fall behind.

``trials`` counts *finished* trials (complete or pruned) across all workers and runs: the
study is stored (an SQLite file by default, any database URL for many machines) and running
again resumes it. A worker killed mid-trial leaves a RUNNING trial whose heartbeat stops; after
:data:`GRACE_PERIOD` seconds another worker marks it failed and its parameters are queued
again (Optuna's ``RetryHeartbeatStaleTrialCallback``). A worker starts a trial only while the
finished, running and queued trials are fewer than ``trials`` and checks its place after
starting (:class:`~nndl.tuning.objective.Surplus`), so the study ends with exactly ``trials``
finished ones.
"""

from __future__ import annotations

import os
import time
from typing import Any

from ..errors import NNDLError
from .objective import REPORTS_FULL_BATCH, Objective, PruningReporter, train_one
from .report import PLOTS, best_model, plot, print_times, report, trial_line
from .space import (FIXED_ONLY, FLOAT_RANGE, INT_RANGE, SEARCHABLE, Dim, parse_space,
                    train_actions)
from .storage import (DEFAULT_STORAGE, GRACE_PERIOD, HEARTBEAT, check_out, load_study,
                      open_storage, open_study)
from .workers import Config, prepare, run_workers, work, worker_main


def tune(space: dict, *, study: str, trials: int = 20, data: "str | None" = None,
         storage: "str | None" = None, workers: int = 1, metric: "str | None" = None,
         out: "str | os.PathLike | None" = None, plot_dir: "str | os.PathLike | None" = None,
         prune: bool = True, heartbeat: int = HEARTBEAT, verbose: int = 2,
         sampler_seed: "int | None" = None) -> Any:
    """Search ``space`` until the study ``study`` holds ``trials`` finished trials.

    Parameters
    ----------
    space : dict
        ``nndl train``'s settings by name (``"lr"``, ``"layers"``, ``"batch_size"``, ...): a
        list is a choice, a tuple ``(LO, HI)`` / ``(LO, HI, "log" | "linear")`` or the text
        ``"LO:HI"`` a range (log-scaled for lr, lambd, decay), any other value fixed.
        Layers are given as text: ``["32", "64,32", "none"]``.
    study : str
        The study's name; running again with the same name resumes it.
    trials : int, default 20
        Finished trials (complete or pruned) the study should hold, counting earlier runs and
        every worker; when reached, nothing more runs.
    data : str, optional
        What ``nndl train --data`` takes (default: breast_cancer); or ``space["data"]``.
    storage : str, optional
        A database URL (default :data:`DEFAULT_STORAGE`, an SQLite file here); e.g.
        ``postgresql://user@host/db`` to share the study between machines.
    workers : int, default 1
        Processes on this machine working on the study together.
    metric : str, optional
        accuracy (classification, default), rmse (regression, default), mse, mae or r2.
    out : path, optional
        Save the best trial's model here (an ordinary nndl model file), trained again; with
        ``space["test"]`` (``--test``), its scores on the test data are printed and saved
        with it (a test set without ``out`` is refused: nothing would score it).
    plot_dir : path, optional
        Write Optuna's plots (:data:`PLOTS`) into this folder.
    prune : bool, default True
        Stop trials that fall behind the median (Optuna's ``MedianPruner``).
    heartbeat : int, default 10
        Seconds between heartbeats; a trial silent for 3 of them is retried.
    sampler_seed : int, optional
        Seed of the sampler (TPE), for a reproducible search with one worker (default: drawn
        from the process, so that every worker and every run proposes its own values).
    verbose : int, default 2
        2: print a line per finished trial and, at the end, the table of the best trials and
        the time taken; 1: only the end; 0: nothing.

    Returns
    -------
    optuna.study.Study
    """
    from ..cli.common import format_scores
    from ..validation import check_number

    trials = int(check_number("trials", trials, integer=True, low=1))
    workers = int(check_number("workers", workers, integer=True, low=1, high=256))
    heartbeat = int(check_number("heartbeat", heartbeat, integer=True, low=1, high=20))
    if not isinstance(study, str) or not study.strip():
        raise NNDLError(f"the study needs a name (--study NAME); got {study!r}")
    space = dict(space)
    if data is not None:
        space["data"] = data
    cfg = Config(space, study, trials, storage, metric, heartbeat, prune, verbose >= 2, 0,
                 workers, sampler_seed)
    if out is not None:
        check_out(out, storage, [space.get("data"), space.get("test")])
    elif space.get("test") is not None:  # (it was read, and its score never shown)
        raise NNDLError("--test (test=) scores the best trial's model, which --out (out=) "
                        "trains again and saves: give --out too, or leave --test out (the "
                        "trials are compared on the dev set)")
    prepared = prepare(cfg)  # bad input fails here, before any worker starts
    t0 = time.perf_counter()
    stats = work(cfg, prepared) if workers == 1 else run_workers(cfg)
    wall = time.perf_counter() - t0
    study_ = prepared.study
    if verbose:
        print(report(study_))
        print_times(stats, wall)
    if out is not None:
        path, value, test = best_model(study_, prepared, out)
        if verbose:
            print(f"saved     {path} (trial {study_.best_trial.number} trained again: "
                  f"{prepared.metric} {value:.4f} on the dev set)")
            if test is not None:
                print(f"test      {format_scores(test)} (the saved model, on --test "
                      f"{space['test']})")
    if plot_dir is not None:
        for p in plot(study_, plot_dir):
            if verbose:
                print(f"plot      {p}")
    return study_


__all__ = ["DEFAULT_STORAGE", "FIXED_ONLY", "FLOAT_RANGE", "GRACE_PERIOD", "HEARTBEAT",
           "INT_RANGE", "PLOTS", "REPORTS_FULL_BATCH", "SEARCHABLE", "train_actions",
           "Config", "Dim", "Objective", "PruningReporter", "best_model", "load_study",
           "open_storage", "open_study", "parse_space", "plot", "report", "train_one",
           "trial_line", "tune", "work", "worker_main"]

"""Hyperparameter search on a dev set with Optuna: the notes' idea -> code -> experiment cycle.

    study = nndl.tune({"layers": ["32", "64,32"], "hidden": ["relu", "tanh"],
                       "lr": (1e-4, 1e-1), "optimizer": "adam", "batch_size": [32, 64],
                       "epochs": 20}, data="digits", study="digits-1", trials=40)

The space holds ``nndl train``'s settings by their names (:data:`SEARCHABLE`): a list is a
choice, a tuple ``(LO, HI)`` or ``(LO, HI, "log" | "linear")`` (or the text ``"LO:HI"``) a
range, anything else a fixed value. Every trial trains an ordinary :class:`~nndl.Network` with
``Network.fit``, built and fitted by the same functions as ``nndl train``
(:mod:`nndl.cli.train`), on the same train/dev split (drawn once with the ``seed`` setting,
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
starting (:class:`_Surplus`), so the study ends with exactly ``trials`` finished ones.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import subprocess
import sys
import time
import warnings
import zlib
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator

import numpy as np

from .callbacks import Callback
from .errors import DivergenceError, NNDLError, shorten

if TYPE_CHECKING:  # pragma: no cover
    import optuna

    from .network import Network

DEFAULT_STORAGE = "sqlite:///nndl-tune.db"
"""Where studies go when no storage is given: an SQLite file in the working directory."""
HEARTBEAT = 10
"""Seconds between a running trial's heartbeats."""
GRACE_PERIOD = 3 * HEARTBEAT
"""Seconds without a heartbeat after which a RUNNING trial counts as lost (its worker was
killed) and is retried: 30 s by default (3 heartbeats)."""
REPORTS_FULL_BATCH = 20
"""With full-batch training the pruner is fed every ``iterations // 20`` iterations."""
MAXIMIZE = ("accuracy", "r2")
"""Metrics to maximize; the others (rmse, mse, mae) are minimized."""

# The settings a search may vary, and how: ranges are log-scaled for these by default ...
_LOG_DEFAULT = ("lr", "lambd", "decay")
_FLOAT_RANGE = ("lr", "lambd", "decay", "keep_prob")
_INT_RANGE = ("iterations", "epochs", "batch_size", "patience")
_CHOICE_ONLY = ("layers", "hidden", "output", "init", "optimizer", "rng", "dtype")
SEARCHABLE = (*_CHOICE_ONLY, *_FLOAT_RANGE, *_INT_RANGE)
"""Settings that take a choice (all) or a range (numbers: lr, lambd, decay, keep_prob,
iterations, epochs, batch_size, patience)."""
FIXED_ONLY = ("data", "label", "task", "features", "drop", "drop_missing", "test", "dev",
              "standardize", "image_size", "seed")
"""Settings that stay fixed: every trial is judged on the same data and dev split."""
_PATHS = ("data", "test")
"""Fixed settings that may differ between machines (paths): the data's fingerprint is
compared instead."""


def _optuna() -> Any:
    try:
        import optuna
    except ImportError as exc:
        raise NNDLError(f"hyperparameter search needs Optuna: pip install 'nndl[tune]' ({exc})"
                        ) from None
    optuna.logging.set_verbosity(optuna.logging.ERROR)
    warnings.filterwarnings("ignore", category=optuna.exceptions.ExperimentalWarning)
    return optuna


# --- the space ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Dim:
    """One setting of the space: ``fixed`` (one value), ``choice`` or ``range`` (LO, HI)."""

    key: str
    kind: str
    values: tuple
    scale: "str | None" = None
    integer: bool = False

    def describe(self) -> Any:
        """JSON: the value, ``{"choice": [...]}`` or ``{"range": [LO, HI, scale]}``."""
        if self.kind == "fixed":
            return self.values[0]
        if self.kind == "choice":
            return {"choice": list(self.values)}
        return {"range": [*self.values, self.scale]}

    def suggest(self, trial: Any) -> Any:
        """The trial's value of this setting, as Optuna samples it."""
        if self.kind == "fixed":
            return self.values[0]
        if self.kind == "choice":
            return trial.suggest_categorical(self.key, list(self.values))
        lo, hi = self.values
        log = self.scale == "log"
        if self.integer:
            return trial.suggest_int(self.key, lo, hi, log=log)
        return trial.suggest_float(self.key, lo, hi, log=log)


def _train_actions() -> dict[str, argparse.Action]:
    """``nndl train``'s options by setting name: their ``type`` and ``choices`` check a
    value of the space exactly as ``train`` checks it."""
    from .cli import train

    p = argparse.ArgumentParser(add_help=False)
    for add in (train._add_data_options, train._add_model_options,
                train._add_training_options):
        add(p)
    return {a.dest: a for a in p._actions if a.option_strings}


def flag(key: str) -> str:
    """'batch_size' -> '--batch-size'."""
    return "--" + key.replace("_", "-")


def _value(key: str, text: object, action: argparse.Action) -> Any:
    """One value of ``key`` read as ``nndl train`` reads it (layers as 'none' or '64,32')."""
    if key == "layers" and isinstance(text, (list, tuple)):
        text = ",".join(str(v) for v in text) or "none"
    raw = str(text).strip()
    try:
        v = action.type(raw) if action.type is not None else raw
    except (argparse.ArgumentTypeError, ValueError) as exc:
        raise NNDLError(f"{flag(key)} {raw!r}: {exc}") from None
    if action.choices is not None and v not in action.choices:
        raise NNDLError(f"{flag(key)}: expected one of {', '.join(map(str, action.choices))}; "
                        f"got {raw!r}")
    if key == "layers":
        from .cli.arguments import show_layers

        return show_layers(v)  # a choice of Optuna's is a plain value: '64,32'
    return v


def _range(key: str, value: Any, action: argparse.Action) -> Dim:
    """``(LO, HI)``, ``(LO, HI, scale)`` or 'LO:HI[:scale]' -> a range of ``key``."""
    parts = value.split(":") if isinstance(value, str) else list(value)
    shown = value if isinstance(value, str) else ":".join(map(str, value))
    if key not in _FLOAT_RANGE + _INT_RANGE:
        raise NNDLError(f"{flag(key)} {shown}: a range LO:HI is for numbers (--"
                        + ", --".join(k.replace("_", "-") for k in _FLOAT_RANGE + _INT_RANGE)
                        + f"); {flag(key)} takes one value or a choice of several")
    if len(parts) not in (2, 3) or (len(parts) == 3 and parts[2] not in ("log", "linear")):
        raise NNDLError(f"{flag(key)} {shown}: expected a range LO:HI, LO:HI:log or "
                        "LO:HI:linear")
    lo, hi = (_value(key, p, action) for p in parts[:2])
    if lo > hi:
        raise NNDLError(f"{flag(key)} {shown}: the range's LO must not exceed its HI; "
                        f"got LO {lo} > HI {hi}")
    if lo == hi:
        return Dim(key, "fixed", (lo,))
    scale = parts[2] if len(parts) == 3 else ("log" if key in _LOG_DEFAULT else "linear")
    if scale == "log" and lo <= 0:
        raise NNDLError(f"{flag(key)} {shown}: a log-scaled range needs LO > 0; got {lo} "
                        f"(give {lo}:{hi}:linear)")
    return Dim(key, "range", (lo, hi), scale, integer=key in _INT_RANGE)


def parse_space(space: dict) -> dict[str, Dim]:
    """The search space, checked: each key a setting of ``nndl train``; a list a choice, a
    tuple or 'LO:HI[:log|linear]' a range, anything else fixed. NNDLError on an unknown
    setting, an empty choice, LO > HI, or a range or choice where one cannot be."""
    if not isinstance(space, dict):
        raise NNDLError(f"the search space must be a dict of settings; got "
                        f"{type(space).__name__}")
    actions = _train_actions()
    dims: dict[str, Dim] = {}
    for key, value in space.items():
        if key not in SEARCHABLE and key not in FIXED_ONLY:
            raise NNDLError(f"{key!r} is not a setting of nndl train that a search can take; "
                            f"expected one of {', '.join(SEARCHABLE + FIXED_ONLY)}")
        if value is None:
            continue
        if key in FIXED_ONLY:
            if isinstance(value, tuple) or (isinstance(value, list) and key not in
                                            ("features", "drop", "image_size")):
                raise NNDLError(f"{flag(key)} is the same for every trial (trials are "
                                "compared on one data set and dev split): give one value")
            dims[key] = Dim(key, "fixed", (value,))
        elif isinstance(value, tuple) or (isinstance(value, str) and ":" in value):
            dims[key] = _range(key, value, actions[key])
        elif isinstance(value, list):
            if not value:
                raise NNDLError(f"{flag(key)}: an empty choice; give at least one value")
            if any(isinstance(v, str) and ":" in v for v in value):
                raise NNDLError(f"{flag(key)} {' '.join(map(str, value))}: give either a "
                                "range LO:HI or a choice of values, not both")
            values = tuple(dict.fromkeys(_value(key, v, actions[key]) for v in value))
            dims[key] = Dim(key, "choice" if len(values) > 1 else "fixed", values)
        else:
            dims[key] = Dim(key, "fixed", (_value(key, value, actions[key]),))
    return dims


def _settings(dims: dict[str, Dim], values: dict[str, Any]) -> dict[str, Any]:
    """``nndl train``'s checked settings for one trial (the fixed values and ``values``)."""
    from .cli.arguments import layers
    from .cli.settings import train_settings

    given = {k: d.values[0] for k, d in dims.items() if d.kind == "fixed"}
    given.update(values)
    if isinstance(given.get("layers"), str):
        given["layers"] = layers(given["layers"])
    return train_settings(argparse.Namespace(**given), None)


# --- storage and study ----------------------------------------------------------------------
def shown_url(url: str) -> str:
    """The URL without its password (for messages)."""
    try:
        from sqlalchemy.engine import make_url

        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - not a URL at all: say so as it came
        return shorten(url, 200)


def open_storage(url: "str | None", heartbeat: int = HEARTBEAT) -> Any:
    """Optuna's RDB storage at ``url`` (default :data:`DEFAULT_STORAGE`) with heartbeats every
    ``heartbeat`` seconds, a grace period of 3 heartbeats and stale trials retried; NNDLError
    for an unknown scheme, a missing driver or a database that cannot be reached."""
    optuna = _optuna()
    import sqlalchemy.exc
    from sqlalchemy.engine import make_url

    url = url or DEFAULT_STORAGE
    try:
        backend = make_url(url).get_backend_name()
    except (sqlalchemy.exc.ArgumentError, ValueError):
        raise NNDLError(f"--storage {shorten(url, 200)!r} is not a database URL: expected e.g. "
                        "sqlite:///study.db or postgresql://USER@HOST/DB") from None
    connect = ({"timeout": 60} if backend == "sqlite" else
               {"connect_timeout": 10} if backend in ("postgresql", "mysql") else {})
    try:
        storage = _rdb_storage(optuna, url, connect, heartbeat)
        if backend == "sqlite":
            _sqlite_wal(storage)
        return storage
    except sqlalchemy.exc.NoSuchModuleError:
        raise NNDLError(f"--storage {shown_url(url)}: unknown database scheme {backend!r}; "
                        "expected sqlite, postgresql, mysql or another SQLAlchemy URL") from None
    except ImportError as exc:
        raise NNDLError(f"--storage {shown_url(url)}: the database driver is not installed "
                        f"({exc}); for PostgreSQL: pip install 'nndl[tune]'") from None
    except sqlalchemy.exc.SQLAlchemyError as exc:
        first = str(getattr(exc, "orig", None) or exc).strip().splitlines()
        raise NNDLError(f"--storage {shown_url(url)}: cannot use the database: "
                        f"{first[0] if first else type(exc).__name__}") from None


def _rdb_storage(optuna: Any, url: str, connect: dict, heartbeat: int) -> Any:
    """RDBStorage, tried again a few times when its tables were being created by another
    worker at the same moment (a fresh database, two machines started together: one of the
    CREATE TABLEs then fails on a duplicate key)."""
    import sqlalchemy.exc

    for attempt in range(6):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # heartbeats are an 'experimental' feature
                return optuna.storages.RDBStorage(
                    url, engine_kwargs={"connect_args": connect}, heartbeat_interval=heartbeat,
                    grace_period=3 * heartbeat,
                    heartbeat_stale_trial_callback=_retry_callback(optuna))
        except (sqlalchemy.exc.IntegrityError, sqlalchemy.exc.ProgrammingError):
            if attempt == 5:
                raise
            time.sleep(0.2 * (attempt + 1))
    raise AssertionError("unreachable")  # pragma: no cover


def _sqlite_wal(storage: Any) -> None:
    """SQLite in write-ahead-log mode, syncing at checkpoints only: a commit is then ~0.1 ms
    instead of an fsync of ~10 ms (30 commits a trial: create, parameters, reports, result);
    a killed process still loses nothing committed (only a power cut could lose the last
    commits); readers do not wait for the writer."""
    import sqlalchemy

    def pragmas(conn: Any, record: Any) -> None:
        cur = conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    sqlalchemy.event.listen(storage.engine, "connect", pragmas)
    storage.engine.dispose()  # connections made before the listener: closed


def _retry_callback(optuna: Any) -> Any:
    cls = getattr(optuna.storages, "RetryHeartbeatStaleTrialCallback", None) or \
        optuna.storages.RetryFailedTrialCallback
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return cls()


def _fingerprint(parts: Any) -> dict:
    from .cli.train import fingerprint

    return {"name": parts.data.name, "fingerprint": fingerprint(parts.data)}


def describe(dims: dict[str, Dim], metric: str, settings: dict) -> dict:
    """What a study stores to be resumed only with the same search: every setting of
    ``nndl train`` (the searched ones as their choice or range, the others as ``settings``,
    defaults included; not the data paths) and the metric."""
    from .cli.settings import TRAIN_KEYS

    space = {k: settings[k] for k in TRAIN_KEYS if k not in _PATHS}
    space.update({k: d.describe() for k, d in dims.items() if d.kind != "fixed"})
    return {"space": dict(sorted(space.items())), "metric": metric}


def _check_values(dims: dict[str, Dim], parts: Any) -> None:
    """Build a network for every value of every choice (the others at their first value),
    so that a name no trial could use (``--hidden foo``) fails now, not in a trial."""
    from .cli.train import build_model

    first = {k: d.values[0] for k, d in dims.items() if d.kind != "fixed"}
    build_model(_settings(dims, first), parts)
    for key, d in dims.items():
        for v in (d.values[1:] if d.kind == "choice" else ()):
            try:
                build_model(_settings(dims, {**first, key: v}), parts)
            except NNDLError as exc:
                raise NNDLError(f"{flag(key)} {v}: {exc}") from None


def _check_same(study: Any, stored: dict, what: str, here: dict) -> None:
    if stored == here:
        return
    if what == "data":
        raise NNDLError(f"study {study.study_name!r} was created with other data "
                        f"({stored.get('name')}, fingerprint {str(stored.get('fingerprint'))[:12]}"
                        f"; here {here['name']}, {here['fingerprint'][:12]}): give another "
                        "--study, or the data it was created with")
    diff = sorted(k for k in {*stored.get("space", {}), *here["space"]}
                  if stored.get("space", {}).get(k) != here["space"].get(k))
    if stored.get("metric") != here["metric"]:
        diff.insert(0, "metric")
    k = diff[0] if diff else "?"
    was = stored.get("metric") if k == "metric" else stored.get("space", {}).get(k)
    now = here["metric"] if k == "metric" else here["space"].get(k)
    raise NNDLError(f"study {study.study_name!r} was created with another search space "
                    f"({flag(k)}: {json.dumps(was)} there, {json.dumps(now)} here"
                    + (f"; also {', '.join(flag(d) for d in diff[1:])}" if diff[1:] else "")
                    + "): give another --study, or the same settings")


def open_study(storage: Any, name: str, search: dict, data: dict, direction: str) -> Any:
    """Create the study ``name`` or load it, checking that it was made for the same data and
    search (stored in its user attributes ``nndl_search`` and ``nndl_data``)."""
    optuna = _optuna()
    study = optuna.create_study(study_name=name, storage=storage, direction=direction,
                                load_if_exists=True)
    attrs = study.user_attrs
    if "nndl_search" not in attrs:
        if study.get_trials(deepcopy=False):
            raise NNDLError(f"study {name!r} was not made by nndl tune (it has trials but no "
                            "nndl settings): give another --study")
        study.set_user_attr("nndl_search", search)
        study.set_user_attr("nndl_data", data)
        return study
    _check_same(study, attrs["nndl_data"], "data", data)
    _check_same(study, attrs["nndl_search"], "search", search)
    return study


def load_study(storage_url: "str | None", name: str) -> Any:
    """An existing study (NNDLError when the storage holds none of that name)."""
    optuna = _optuna()
    storage = open_storage(storage_url)
    names = [s.study_name for s in optuna.get_all_study_summaries(storage,
                                                                  include_best_trial=False)]
    if name not in names:
        raise NNDLError(f"no study {name!r} in {shown_url(storage_url or DEFAULT_STORAGE)}"
                        + (f"; it holds: {', '.join(sorted(names)[:20])}" if names else
                           " (it holds none)"))
    return optuna.load_study(study_name=name, storage=storage)


# --- one trial ------------------------------------------------------------------------------
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
        from .heads import dataset_targets

        t0 = time.perf_counter()
        self.dev = (self.data.X, dataset_targets(self.data, net))  # in the net's encoding
        self.seconds += time.perf_counter() - t0

    def on_epoch_end(self, net: "Network", epoch: int, logs: dict[str, float]) -> None:
        if self.pruner is None or (epoch + 1) % self.every or self.dev is None:
            return  # without a pruner: no dev metric per epoch (no curve), nothing to pay
        t0 = time.perf_counter()
        self.curve[epoch] = dev_metric(net, self.dev, self.metric)
        now = argparse.Namespace(intermediate_values=self.curve, last_step=epoch)
        if self.pruner is not None and self.pruner.prune(self.others, now):
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
    from .heads import scores

    value = float(scores(net, *dev)[metric])
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
              callbacks: "list | None" = None) -> Trained:
    """Build and fit the network of ``values`` (plus the fixed settings) as ``nndl train``
    does (:func:`nndl.cli.train.build_model`, :func:`~nndl.cli.train.fit_arguments`), and
    score it on the dev set; early stopping's best parameters are restored first."""
    from .cli.train import Fitted, build_model, early_stopping, fit_arguments
    from .heads import dataset_targets

    s = _settings(dims, values)
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


class _Surplus(Exception):
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
        self.train_seconds = 0.0
        """Time building, fitting and scoring the networks (what ``nndl train`` would take),
        less the pruning reporter's."""

    def _check_place(self, trial: Any) -> Snapshot:
        """_Surplus when ``trials`` others are finished, running or queued ahead of this one;
        else the study's complete trials, for the pruner."""
        everything = trial.study.get_trials(deepcopy=False)
        self.seen = _counts(everything, but=trial.number)
        ahead = [t for t in everything if t.number < trial.number and t.state.name in _ACTIVE]
        if len(ahead) >= self.trials:
            trial.set_user_attr("surplus", True)
            self.seen = None
            raise _Surplus(f"trial {trial.number}: {len(ahead)} trials are ahead of it")
        return Snapshot(everything, trial.study.direction)

    def __call__(self, trial: Any) -> float:
        optuna = _optuna()
        others = self._check_place(trial)
        values = {k: d.suggest(trial) for k, d in self.dims.items() if d.kind != "fixed"}
        trial.set_user_attr("worker", f"{os.uname().nodename}:{os.getpid()}")
        s = _settings(self.dims, values)
        full = s["batch_size"] is None
        every = max(1, s["iterations"] // REPORTS_FULL_BATCH) if full else 1
        reporter = PruningReporter(trial, self.parts.dev, self.metric, every,
                                   self.pruner, others)
        run: dict[str, Any] = {}
        t0 = time.perf_counter()
        try:
            done = train_one(self.dims, values, self.parts, self.metric, [reporter])
            run["seconds"] = round(done.seconds, 4)
            if reporter.pruned_at is not None:
                run["note"] = f"pruned after epoch {reporter.pruned_at}"
            elif not math.isfinite(done.value):
                run["note"] = "no finite dev metric"
        except DivergenceError as exc:
            run["note"] = f"diverged at iteration {exc.iteration}"
        finally:
            # what nndl train would spend too (building, fitting, scoring the model)
            self.train_seconds += time.perf_counter() - t0 - reporter.seconds
            reporter.save(run)
        if "note" in run:
            raise optuna.TrialPruned()
        return done.value


# --- the worker loop ------------------------------------------------------------------------
@dataclass
class Config:
    """Everything a worker needs (JSON, for the worker processes of ``workers > 1``)."""

    space: dict
    study: str
    trials: int
    storage: "str | None" = None
    metric: "str | None" = None
    heartbeat: int = HEARTBEAT
    prune: bool = True
    verbose: bool = True
    worker: int = 0
    workers: int = 1
    sampler_seed: "int | None" = None

    def to_json(self) -> str:
        space = {k: (list(v) + ["__range__"] if isinstance(v, tuple) else v)
                 for k, v in self.space.items()}
        return json.dumps({**asdict(self), "space": space})

    @classmethod
    def from_json(cls, text: str) -> "Config":
        d = json.loads(text)
        d["space"] = {k: (tuple(v[:-1]) if isinstance(v, list) and v[-1:] == ["__range__"]
                          else v) for k, v in d["space"].items()}
        return cls(**d)


@dataclass
class Prepared:
    """A worker's data, space and study."""

    dims: dict[str, Dim]
    parts: Any
    metric: str
    study: Any


def prepare(cfg: Config) -> Prepared:
    """Check the space, read and split the data, open (or create) the study."""
    from .cli.train import load_parts
    from .heads import for_task

    dims = parse_space(cfg.space)
    first = {k: d.values[0] for k, d in dims.items() if d.kind != "fixed"}
    s = _settings(dims, first)  # checks the settings as nndl train would
    if not s["dev"] > 0:
        raise NNDLError("--dev 0: a search compares trials on the dev set; give --dev > 0")
    parts = load_parts(s)
    _check_values(dims, parts)
    head = for_task(parts.data.task)
    metric = cfg.metric or ("accuracy" if head.is_classifier else "rmse")
    known = ("accuracy",) if head.is_classifier else ("rmse", "mse", "mae", "r2")
    if metric not in known:
        raise NNDLError(f"--metric {metric}: the data's task is {parts.data.task}; expected "
                        f"one of {', '.join(known)}")
    storage = open_storage(cfg.storage, cfg.heartbeat)
    direction = "maximize" if metric in MAXIMIZE else "minimize"
    study = open_study(storage, cfg.study, describe(dims, metric, s), _fingerprint(parts),
                       direction)
    return Prepared(dims, parts, metric, study)


def _counts(trials: list, but: int = -1) -> dict[str, int]:
    """Trials by state (and ``finished``: complete + pruned), leaving out trial ``but``."""
    out = {s: 0 for s in ("COMPLETE", "PRUNED", "RUNNING", "WAITING", "FAIL")}
    for t in trials:
        if t.number != but:
            out[t.state.name] = out.get(t.state.name, 0) + 1
    out["finished"] = out["COMPLETE"] + out["PRUNED"]
    return out


def _sampler(cfg: Config, study: Any) -> Any:
    optuna = _optuna()
    n = len(study.get_trials(deepcopy=False))
    # each worker and each run its own draws: a rerun must not propose the first run's
    # parameters again; sampler_seed makes them reproducible (one worker)
    entropy = ([cfg.sampler_seed] if cfg.sampler_seed is not None else
               [zlib.crc32(os.uname().nodename.encode()), os.getpid()])
    seed = int(np.random.SeedSequence([*entropy, cfg.worker, n]).generate_state(1)[0])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return optuna.samplers.TPESampler(seed=seed, constant_liar=True, multivariate=True)


def work(cfg: Config, prepared: "Prepared | None" = None) -> dict:
    """Run trials until the study holds ``cfg.trials`` finished ones (waiting, while others
    run the last ones, to retry a lost one); returns this worker's counts and times."""
    optuna = _optuna()
    p = prepared or prepare(cfg)
    study = p.study
    study.sampler = _sampler(cfg, study)
    pruner = (optuna.pruners.MedianPruner(n_startup_trials=5, n_warmup_steps=1)
              if cfg.prune else None)
    objective = Objective(p.dims, p.parts, p.metric, cfg.trials, pruner)
    stats = {"trials": 0, "seconds": 0.0}
    poll = min(1.0, cfg.heartbeat / 2)
    printer = (lambda st, t: print(trial_line(t, p.metric), flush=True)) if cfg.verbose else None
    last: list = []
    c = None
    while True:
        if c is None:  # ask the database (else: what the last trial saw, and its end)
            optuna.storages.fail_stale_trials(study)
            c = _counts(study.get_trials(deepcopy=False))
        if c["finished"] >= cfg.trials:
            break
        if c["WAITING"] == 0 and c["finished"] + c["RUNNING"] >= cfg.trials:
            time.sleep(poll)  # the last trials run elsewhere: wait, to retry a lost one
            c = None
            continue
        t0 = time.perf_counter()
        objective.seen, last[:] = None, []
        study.optimize(objective, n_trials=1, catch=(_Surplus,), gc_after_trial=False,
                       callbacks=[lambda st, t: _done(t, printer, st, last)])
        stats["seconds"] += time.perf_counter() - t0
        stats["trials"] += bool(last) and last[0] != "FAIL"
        # Counts only grow between two looks but for the running and queued ones: starting a
        # trial on old counts at worst makes a surplus one (then the database is asked).
        c = objective.seen
        if c is not None and last and last[0] in ("COMPLETE", "PRUNED"):
            c = {**c, "finished": c["finished"] + 1}
        else:
            c = None
    stats["train_seconds"] = objective.train_seconds
    return stats


def _done(t: Any, printer: Any, study: Any, last: list) -> None:
    last.append(t.state.name)
    if printer is not None and not t.user_attrs.get("surplus"):
        printer(study, t)


def worker_main() -> int:
    """Entry of a worker process (``workers > 1``): its :class:`Config` as JSON on stdin."""
    cfg = Config.from_json(sys.stdin.read())
    try:
        stats = work(cfg)
    except KeyboardInterrupt:
        return 130
    except NNDLError as exc:
        print(f"nndl tune: worker {cfg.worker}: error: {exc}", file=sys.stderr)
        return 2
    print("NNDL-WORKER-STATS " + json.dumps(stats), flush=True)
    return 0


# --- the report -----------------------------------------------------------------------------
def _params(t: Any) -> str:
    return " ".join(f"{k}={_short(v)}" for k, v in t.params.items())


def _short(v: Any) -> str:
    return f"{v:.4g}" if isinstance(v, float) else str(v)


def trial_line(t: Any, metric: str) -> str:
    """'trial   7  complete  accuracy 0.9611   1.84 s  layers=64,32 lr=0.003'."""
    state = t.state.name.lower()
    if state == "complete":
        value = f"{metric} {t.value:.4f}"
    else:
        last = t.intermediate_values.get(max(t.intermediate_values), None) \
            if t.intermediate_values else None
        value = f"{metric} {last:.4f}" if last is not None else f"{metric} -"
    note = t.user_attrs.get("run", {}).get("note", "")
    secs = t.user_attrs.get("run", {}).get("seconds")
    took = f"{secs:6.2f} s" if secs is not None else "     - s"
    return (f"trial {t.number:4d}  {state:<8}  {value}  {took}  {_params(t)}"
            + (f"  ({note})" if note else ""))


def report(study: Any, top: int = 5) -> str:
    """The study's counts and its ``top`` best trials, as a table."""
    search = study.user_attrs.get("nndl_search", {})
    metric = search.get("metric", "value")
    everything = study.get_trials(deepcopy=False)
    c = _counts(everything)
    surplus = sum(bool(t.user_attrs.get("surplus")) for t in everything)
    lines = [f"study {study.study_name}: {c['finished']} finished trials ({c['COMPLETE']} "
             f"complete, {c['PRUNED']} pruned), {c['RUNNING']} running, {c['WAITING']} "
             f"queued, {c['FAIL'] - surplus} failed"
             + (f", {surplus} not run (started when the study was full)" if surplus else "")
             + f"; {metric} on the dev set, {study.direction.name.lower()}d"]
    done = [t for t in study.get_trials(deepcopy=False) if t.state.name == "COMPLETE"]
    done.sort(key=lambda t: t.value, reverse=study.direction.name == "MAXIMIZE")
    if not done:
        return lines[0] + "\nno complete trial yet"
    keys = sorted({k for t in done[:top] for k in t.params})
    head = ["rank", "trial", metric, "seconds", *keys]
    rows = [[str(i + 1), str(t.number), f"{t.value:.4f}",
             f"{t.user_attrs.get('run', {}).get('seconds', float('nan')):.2f}",
             *[_short(t.params.get(k, "")) for k in keys]] for i, t in enumerate(done[:top])]
    widths = [max(len(r[j]) for r in [head, *rows]) for j in range(len(head))]
    lines.append("best trials:")
    lines += ["  " + "  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip()
              for r in [head, *rows]]
    return "\n".join(lines)


def best_model(study: Any, prepared: Prepared, out: "str | os.PathLike") -> tuple[Path, float]:
    """Train the best trial's settings again (the same seed and split: the same model, as
    training is deterministic) and save it as an ordinary nndl model file at ``out``, with
    ``nndl train``'s information (``evaluate``, ``predict``, ``info`` read it); returns the
    path and its dev metric."""
    from . import io
    from .cli.train import model_info, summarize
    from .heads import dataset_targets

    try:
        best = study.best_trial
    except ValueError:
        raise NNDLError(f"study {study.study_name!r} has no complete trial: no best model to "
                        "save") from None
    done = train_one(prepared.dims, dict(best.params), prepared.parts, prepared.metric)
    info = model_info(done.settings, prepared.parts)
    info["train_args"]["out"] = str(Path(out).absolute())
    Y = dataset_targets(prepared.parts.train, done.net)
    info["summary"] = summarize(done.net, prepared.parts, Y, done.fitted)
    info["tune"] = {"study": study.study_name, "trial": best.number, "value": best.value,
                    "metric": prepared.metric, "params": dict(best.params)}
    path = Path(out)
    io.save(done.net, path, info=info)
    return path, done.value


PLOTS = ("optimization_history", "param_importances", "parallel_coordinate")
"""Optuna's plots that ``plot`` writes, one PNG each."""


def plot(study: Any, folder: "str | os.PathLike") -> list[Path]:
    """Optuna's optimization history, parameter importances and parallel-coordinate plots
    (matplotlib) as PNG files in ``folder``; a plot that needs more trials is left out with a
    note on stderr."""
    from .plots import save_png

    optuna = _optuna()
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        from optuna.visualization import matplotlib as vis
    except ImportError as exc:
        raise NNDLError(f"--plot needs matplotlib: pip install 'nndl[plot]' ({exc})") from None
    folder = Path(folder)
    if not folder.is_dir():
        raise NNDLError(f"--plot {folder}: not a folder")
    written = []
    for name in PLOTS:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                ax = getattr(vis, f"plot_{name}")(study)
            ax = ax.flat[0] if hasattr(ax, "flat") else ax
            written.append(save_png(ax.figure, folder / f"{name}.png"))
        except (ValueError, RuntimeError, ZeroDivisionError) as exc:
            print(f"nndl tune: no {name} plot: {exc}", file=sys.stderr)
        finally:
            plt.close("all")
    del optuna
    return written


# --- all together ---------------------------------------------------------------------------
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
        Save the best trial's model here (an ordinary nndl model file).
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
    from .validation import check_number

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
    if out is not None and not Path(out).absolute().parent.is_dir():
        raise NNDLError(f"--out {out}: folder {Path(out).absolute().parent} does not exist")
    prepared = prepare(cfg)  # bad input fails here, before any worker starts
    t0 = time.perf_counter()
    stats = work(cfg, prepared) if workers == 1 else _run_workers(cfg)
    wall = time.perf_counter() - t0
    study_ = prepared.study
    if verbose:
        print(report(study_))
        _print_overhead(stats, wall)
    if out is not None:
        path, value = best_model(study_, prepared, out)
        if verbose:
            print(f"saved     {path} (trial {study_.best_trial.number} trained again: "
                  f"{prepared.metric} {value:.4f} on the dev set)")
    if plot_dir is not None:
        for p in plot(study_, plot_dir):
            if verbose:
                print(f"plot      {p}")
    return study_


def _print_overhead(stats: "dict | list", wall: float) -> None:
    rows = stats if isinstance(stats, list) else [stats]
    n = sum(r.get("trials", 0) for r in rows)
    if not n:
        return
    loop = sum(r.get("seconds", 0.0) for r in rows)
    fit = sum(r.get("train_seconds", 0.0) for r in rows)
    over = loop - fit
    print(f"time      {wall:.1f} s for {n} trials here ({len(rows)} worker"
          f"{'s' if len(rows) > 1 else ''}); search machinery {1000 * over / n:.0f} ms per "
          f"trial, {100 * over / fit if fit else float('nan'):.1f}% of training time")


def _run_workers(cfg: Config) -> list[dict]:
    """``cfg.workers`` processes running :func:`work` on the study; Ctrl-C stops them all
    (each fails its current trial and exits), finished trials stay in the study."""
    procs = []
    code = "import sys; from nndl.tuning import worker_main; sys.exit(worker_main())"
    for i in range(cfg.workers):
        c = Config(**{**asdict(cfg), "worker": i})
        proc = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, text=True, bufsize=1)
        assert proc.stdin is not None
        proc.stdin.write(c.to_json())
        proc.stdin.close()
        procs.append(proc)
    stats: list[dict] = []
    try:
        for line in _lines(procs):
            if line.startswith("NNDL-WORKER-STATS "):
                stats.append(json.loads(line.split(" ", 1)[1]))
            else:
                print(line, end="", flush=True)
    except KeyboardInterrupt:
        with contextlib.suppress(Exception):
            for proc in procs:
                if proc.poll() is None:
                    proc.send_signal(2)
            for proc in procs:
                proc.wait(timeout=60)
        raise
    codes = [proc.wait() for proc in procs]
    bad = [(i, c) for i, c in enumerate(codes) if c != 0]
    for i, c in bad:
        why = f"killed by signal {-c}" if c < 0 else f"exit status {c}"
        print(f"nndl tune: worker {i} stopped ({why}); a trial it left running is retried "
              f"by the others after {3 * cfg.heartbeat} s", file=sys.stderr)
    if bad and len(bad) == len(codes) and all(c == 2 for _, c in bad):
        raise NNDLError("every worker stopped with an error (above)")
    return stats


def _lines(procs: list) -> Iterator[str]:
    """The workers' output lines, as they come."""
    import selectors

    sel = selectors.DefaultSelector()
    for proc in procs:
        sel.register(proc.stdout, selectors.EVENT_READ)
    open_ = len(procs)
    while open_:
        for key, _ in sel.select():
            line = key.fileobj.readline()  # type: ignore[union-attr]
            if line:
                yield line
            else:
                sel.unregister(key.fileobj)
                open_ -= 1


__all__ = ["DEFAULT_STORAGE", "GRACE_PERIOD", "HEARTBEAT", "SEARCHABLE", "FIXED_ONLY", "Dim",
           "Config", "Objective", "PruningReporter", "parse_space", "open_storage",
           "open_study", "load_study", "train_one", "work", "report", "trial_line",
           "best_model", "plot", "tune"]

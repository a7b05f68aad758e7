"""The worker loop: trials until the study holds N finished ones (exactly: it waits for the
last running ones, to retry a lost one), and ``workers > 1`` as processes on this machine (their
:class:`Config` as JSON on stdin, their output relayed line by line)."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
import warnings
import zlib
from dataclasses import asdict, dataclass
from typing import Any, Iterator

import numpy as np

from ..errors import NNDLError, shorten
from .objective import STOP, Objective, Surplus, counts
from .report import trial_line
from .space import Dim, check_values, describe, parse_space, taken, trial_settings
from .storage import (DEFAULT_STORAGE, HEARTBEAT, data_fingerprint, open_storage, open_study,
                      optuna_module, shown_url)


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
    from ..cli.steps import load_parts
    from ..heads import for_task
    from ..metrics import HIGHER_IS_BETTER

    dims = parse_space(cfg.space)
    first = {k: d.values[0] for k, d in dims.items() if d.kind != "fixed"}
    s = trial_settings(dims, first)  # checks the settings as nndl train would
    if not s["dev"] > 0:
        raise NNDLError("--dev 0: a search compares trials on the dev set; give --dev > 0")
    parts = load_parts(s)
    check_values(dims, parts)
    head = for_task(parts.data.task)
    metric = cfg.metric or head.metric_names[0]
    if metric not in head.metric_names:
        raise NNDLError(f"--metric {metric}: the data's task is {parts.data.task}; expected "
                        f"one of {', '.join(head.metric_names)}")
    storage = open_storage(cfg.storage, cfg.heartbeat)
    direction = "maximize" if metric in HIGHER_IS_BETTER else "minimize"
    study = open_study(storage, cfg.study, describe(dims, metric, s), data_fingerprint(parts),
                       direction, taken(s, parts))
    return Prepared(dims, parts, metric, study)


def _sampler(cfg: Config, study: Any) -> Any:
    optuna = optuna_module()
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
    optuna = optuna_module()
    p = prepared or prepare(cfg)
    study = p.study
    study.sampler = _sampler(cfg, study)
    pruner = (optuna.pruners.MedianPruner(n_startup_trials=5, n_warmup_steps=1)
              if cfg.prune else None)
    objective = Objective(p.dims, p.parts, p.metric, cfg.trials, pruner)
    stats = {"trials": 0, "seconds": 0.0}
    printer = (lambda st, t: print(trial_line(t, p.metric), flush=True)) if cfg.verbose else None
    with _interrupt_between_writes():
        try:
            _loop(cfg, study, objective, stats, printer)
        except Exception as exc:  # noqa: BLE001 - a database error becomes one line
            lost = _storage_error(exc)
            if lost is None:
                raise
            raise NNDLError(
                f"--storage {shown_url(cfg.storage or DEFAULT_STORAGE)}: lost the database "
                f"during the search ({type(lost).__name__}: "
                f"{shorten(shown_url(str(lost).splitlines()[0] if str(lost) else ''), 160)}); "
                "the trials it finished are kept there, and the same command resumes the "
                "study") from None
    stats["train_seconds"] = objective.train_seconds
    stats["report_seconds"] = objective.report_seconds
    return stats


def _storage_error(exc: BaseException) -> "BaseException | None":
    """The database error behind ``exc`` (itself, or what it was raised while handling: a
    lost connection surfaces in Optuna as another error raised in its clean-up), the deepest
    one (the driver's "server closed the connection", not Optuna's wrapper), else None."""
    found = None
    e: "BaseException | None" = exc
    for _ in range(20):
        if e is None:
            break
        module = type(e).__module__.split(".")[0]
        if module in ("sqlalchemy", "psycopg", "psycopg2", "pymysql", "sqlite3") or \
                type(e).__name__ == "StorageInternalError":
            found = e
        e = e.__cause__ or e.__context__
    return found


@contextlib.contextmanager
def _interrupt_between_writes() -> Iterator[None]:
    """While inside, the first SIGINT only sets :data:`~nndl.tuning.objective.STOP` (the
    trial and the loop stop at their next safe point); a second one interrupts at once."""
    if threading.current_thread() is not threading.main_thread():
        yield  # signals go to the main thread only
        return

    def handler(signum: int, frame: Any) -> None:
        if STOP.is_set():
            raise KeyboardInterrupt
        STOP.set()

    old = signal.signal(signal.SIGINT, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, old)
        STOP.clear()


def _loop(cfg: Config, study: Any, objective: Objective, stats: dict, printer: Any) -> None:
    """Trials until ``cfg.trials`` are finished (KeyboardInterrupt once STOP is set)."""
    optuna = optuna_module()
    poll = min(1.0, cfg.heartbeat / 2)
    last: list = []
    c = None
    while True:
        if STOP.is_set():
            raise KeyboardInterrupt
        if c is None:  # ask the database (else: what the last trial saw, and its end)
            optuna.storages.fail_stale_trials(study)
            c = counts(study.get_trials(deepcopy=False))
        if c["finished"] >= cfg.trials:
            break
        if c["WAITING"] == 0 and c["finished"] + c["RUNNING"] >= cfg.trials:
            time.sleep(poll)  # the last trials run elsewhere: wait, to retry a lost one
            c = None
            continue
        t0 = time.perf_counter()
        objective.seen, last[:] = None, []
        study.optimize(objective, n_trials=1, catch=(Surplus,), gc_after_trial=False,
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


THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
"""The BLAS/OpenMP thread counts a worker process is started with."""


def worker_env(workers: int, environ: "dict[str, str] | None" = None,
               cpus: "int | None" = None) -> dict[str, str]:
    """The environment of one of ``workers`` worker processes: the machine's cores shared
    among them (``cpus // workers`` BLAS threads each, at least 1), so that K processes do not
    start K times the cores' threads and spin against each other (measured: 2 workers with
    2 threads each on 2 cores trained 2.5x slower than 1 worker). A count the user set in the
    environment is kept."""
    env = dict(os.environ if environ is None else environ)
    if cpus is None:
        cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else \
            (os.cpu_count() or 1)
    share = str(max(1, cpus // max(1, workers)))
    for name in THREAD_VARIABLES:
        env.setdefault(name, share)
    return env


def run_workers(cfg: Config) -> list[dict]:
    """``cfg.workers`` processes running :func:`work` on the study; Ctrl-C stops them all
    (each fails its current trial and exits), finished trials stay in the study."""
    procs = []
    code = "import sys; from nndl.tuning import worker_main; sys.exit(worker_main())"
    for i in range(cfg.workers):
        c = Config(**{**asdict(cfg), "worker": i})
        proc = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, text=True, bufsize=1,
                                env=worker_env(cfg.workers))
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
    except KeyboardInterrupt:  # Ctrl-C reached the workers too (one process group) ...
        with contextlib.suppress(Exception):
            deadline = time.monotonic() + 5
            for proc in procs:
                with contextlib.suppress(subprocess.TimeoutExpired):
                    proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            for proc in procs:  # ... else (a signal to this process only) they get it now
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

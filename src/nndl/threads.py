"""BLAS threads during ``fit``: fewer while other processes keep cores busy, by measurement.

Machines are shared: when another process keeps a core busy, a BLAS that splits every matrix
product over all cores makes each product wait for the thread that shares its core with the
other process (OpenBLAS's threads also spin while they wait). On the 2-core machine of
``benchmarks/run.py`` with one core kept busy, the cat recipe took 20-40 s with 2 BLAS threads
against 1.4 s with one, and the wide MLP's epoch 1.8x its one-thread time. So the count follows
the load, measured while training:

- the load: every 0.5 s (the first time after 0.05 s) :class:`LoadMonitor` measures the cores
  that *other* processes used (all processors' busy time in ``/proc/stat`` less this process's
  CPU time), and at most the cores they left free (rounded) are allowed: one thread on a
  2-core machine with one core busy, from 0.05 s into the fit on (a fit that starts less than
  10 s after another fit's last measurement starts from it: repeated fits, as in a search or a
  cross-validation, then run their set-up and first steps at the count the load allows; if the
  load has gone, the first measurement finds it);
- the products: while the BLAS's own count is allowed and nothing else has been, ``fit``
  keeps it and times nothing (a quiet machine runs exactly as without this module); once the
  load has changed what is allowed, :class:`Chooser` times steps with each allowed count (all
  the BLAS's threads, half of them on 4 cores or more, and 1) and keeps the fewest threads
  within 5% of the fastest (median of 3 steps, after one step to warm up); it tries the
  others again after 1 s of training, then after 2, 4, ... 16 s while the choice holds (at
  once when the chosen count's steps become 1.5x slower than when it was chosen);
- at the end of ``fit`` the BLAS gets back the count it had.

Only steps with the first step's batch size are compared (the last, smaller batch of an epoch
is not).

The numbers do not depend on the count: a BLAS's products can give other last bits with
another thread count (OpenBLAS cuts some inner dimensions in other places), so while the count
is not the BLAS's own, every product goes through :func:`nndl.products.matmul`, which gives the
bits of the BLAS's own count (see :mod:`nndl.products`). A fit on a busy machine gives the bits
of the same fit on a quiet one. Where a count's step needs one of its products at the BLAS's
own count to keep those bits (:func:`nndl.products.referenced`), that count is not used again
in the fit: the product would run beside the load anyway. So with OpenBLAS's Haswell kernels
(processors with AVX2 and no AVX-512), whose float32 products mostly differ with one thread,
a float32 fit under load keeps the BLAS's own count after its first step, as with
``auto = False``, while float64 fits and AVX-512 machines get the lower count.

On by default; switch it off with ``nndl.threads.auto = False`` or the environment variable
``NNDL_THREADS=off`` (read at import). ``nndl.threads.exact = False`` (``NNDL_THREADS=fast``)
drops the bits' guarantee instead: the products run at the lowered count as the BLAS computes
them (no plans, nothing run at the BLAS's own count), so a fit under load has the speed of
fewer threads everywhere, Haswell kernels included, and the last bits of the count(s) it ran
at. It needs ``threadpoolctl`` (the ``threads`` extra,
``pip install "nndl[threads]"``); without it, or when the BLAS has a single thread
(``OPENBLAS_NUM_THREADS=1``, ``threadpool_limits(1)``), nothing changes.
"""

from __future__ import annotations

import os
import statistics
import threading
import time
from typing import Any, Callable, Sequence

from . import environment, products

_MODE = environment.switch("NNDL_THREADS", "auto")
_OFF = ("off", "0", "no", "false", "fixed")
_MODES = ("auto", "on", "1", "yes", "true", *_OFF, "fast")

auto: bool = _MODE not in _OFF
"""Module switch: ``True`` (the default) lets ``fit`` lower the BLAS's thread count under load
(see the module doc); ``False`` leaves it alone."""

exact: bool = _MODE != "fast"
"""``True`` (the default): while the count is lowered, every product keeps the bits of the
BLAS's own count (:mod:`nndl.products`), so a fit's numbers never depend on the load.
``False`` (``NNDL_THREADS=fast``): the products are the lowered count's own (other last bits
where the BLAS's differ; faster under load where keeping them needs the BLAS's own count)."""

_libs: "list[Any] | None" = None


def blas_libraries() -> list[Any]:
    """threadpoolctl's controllers of the loaded BLAS libraries (NumPy's), found once per
    process; an empty list without threadpoolctl."""
    global _libs
    if _libs is None:
        try:
            from threadpoolctl import ThreadpoolController
        except ImportError:
            _libs = []
        else:
            _libs = list(ThreadpoolController().select(user_api="blas").lib_controllers)
    return _libs


def candidates(n: int) -> list[int]:
    """Thread counts to try when the BLAS has ``n``: n, n // 2 (when n >= 4) and 1."""
    if n <= 1:
        return [max(n, 1)]
    return [n] + ([n // 2] if n >= 4 else []) + [1]


class Chooser:
    """Times steps and sets the thread count (see the module doc).

    Parameters
    ----------
    counts : sequence of int
        Candidate thread counts, the first one in effect at the start.
    set_threads : callable
        ``set_threads(n)`` applies a count.
    clock : callable
        Seconds (``time.perf_counter``).
    warm, trials : int
        Steps run, untimed, after switching; steps timed per candidate.
    first_check, last_check : float
        Seconds of training before the first re-check and the most between re-checks.
    slower : float
        A re-check is made at once when the chosen count's recent steps take this factor of
        the time it was chosen with.
    tie : float
        The fewest threads whose steps take at most this factor of the fastest's are chosen.
    """

    def __init__(self, counts: Sequence[int], set_threads: Callable[[int], None],
                 clock: Callable[[], float] = time.perf_counter, warm: int = 1,
                 trials: int = 3, first_check: float = 1.0, last_check: float = 16.0,
                 slower: float = 1.5, tie: float = 1.05) -> None:
        self.counts = list(counts)
        self.set_threads, self.clock = set_threads, clock
        self.warm, self.trials = warm, trials
        self.first_check, self.last_check, self.slower = first_check, last_check, slower
        self.tie = tie
        self.applied = self.counts[0]
        self.current = self.counts[0]
        self.allowed = list(self.counts)
        self.queue: list[int] = list(self.counts) if len(self.counts) > 1 else []
        self.timed: dict[int, list[float]] = {}
        self.skip = warm  # the first step also pays for first-call set-up
        self.size: "int | None" = None
        self.chosen: "int | None" = None
        self.held = False
        """Held at the first count, timing nothing (:meth:`hold`), until :meth:`allow` changes
        what is allowed."""
        self.cap = max(self.counts)
        """The most threads :meth:`allow` allowed last."""
        self.reference = 0.0
        self.interval = first_check
        self.next_check = 0.0
        self.decided_at = 0.0
        self.recent: list[float] = []
        self.t0 = 0.0
        self.log: list[tuple[int, float]] = []
        """(thread count, median step seconds) of every measured candidate, in order."""

    def hold(self) -> None:
        """Keep the first count and time nothing until :meth:`allow` changes what is
        allowed."""
        self.queue = []
        self.chosen = self.current
        self.held = True

    def allow(self, cap: int) -> None:
        """Only counts up to ``cap`` from now on (the cores other processes leave free): the
        chosen count drops to the largest allowed one at once; the candidates that became
        allowed are measured again."""
        self.cap = cap
        allowed = [c for c in self.counts if c <= cap] or [min(self.counts)]
        if allowed == self.allowed:
            return
        self.held = False
        self.allowed = allowed
        self.timed, self.recent = {}, []
        if self.current not in allowed:
            self.current = max(allowed)
        self.queue = ([self.current] + [c for c in allowed if c != self.current]
                      if len(allowed) > 1 else [])
        if not self.queue:
            self.chosen = self.current
            self.reference = 0.0
            self.next_check = float("inf")

    def exclude(self, n: int) -> None:
        """Never use the count ``n`` again (not the first count, which always stays): what is
        allowed is worked out again without it."""
        if n == self.counts[0] or n not in self.counts:
            return
        self.counts.remove(n)
        self.allowed = []
        self.allow(self.cap)

    def before_step(self) -> None:
        """Apply the count of the coming step and start its clock."""
        if self.queue:
            self.current = self.queue[0]
        self.apply()
        self.t0 = self.clock()

    def apply(self) -> None:
        """Set the current count if it is not the one in effect."""
        if self.current != self.applied:
            self.set_threads(self.current)
            self.applied = self.current
            self.skip = self.warm

    def after_step(self, size: int) -> None:
        """Record the step just run on ``size`` samples."""
        if self.held:
            return
        now = self.clock()
        if len(self.allowed) < 2:
            return
        if self.size is None:
            self.size = size
        if size != self.size:
            return
        if self.skip:
            self.skip -= 1
            return
        dt = now - self.t0
        if self.queue:
            times = self.timed.setdefault(self.current, [])
            times.append(dt)
            if len(times) >= self.trials:
                self.queue.pop(0)
                if not self.queue:
                    self._decide(now)
            return
        self.recent = (self.recent + [dt])[-self.trials:]
        if now >= self.next_check or (
                len(self.recent) == self.trials and now - self.decided_at >= 0.2
                and statistics.median(self.recent) > self.slower * self.reference):
            self.timed = {self.current: list(self.recent)}
            self.queue = [c for c in self.allowed if c != self.current]
            if not self.queue:  # pragma: no cover - counts has >= 2 entries here
                self._decide(now)

    def _decide(self, now: float) -> None:
        medians = {c: statistics.median(t) for c, t in self.timed.items()}
        self.log += list(medians.items())
        fastest = min(medians.values())
        # the fewest threads within ``tie`` of the fastest: no threads for nothing
        best = min(c for c, t in medians.items() if t <= self.tie * fastest)
        self.interval = (min(2 * self.interval, self.last_check) if best == self.chosen
                         else self.first_check)
        self.chosen = self.current = best
        self.reference = medians[best]
        self.next_check = now + self.interval
        self.decided_at = now
        self.timed, self.recent = {}, []


def _busy_seconds() -> "float | None":
    """CPU seconds all processors have spent busy since boot (``/proc/stat``: every state but
    idle and iowait); None where there is no such file."""
    try:
        with open("/proc/stat", "rb") as f:
            ticks = [int(x) for x in f.readline().split()[1:9]]
        return (sum(ticks) - ticks[3] - ticks[4]) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError, AttributeError):  # pragma: no cover - not Linux
        return None


class LoadMonitor:
    """Cores used by *other* processes, averaged over a window: the busy time of all
    processors (:func:`_busy_seconds`) less this process's CPU time, over the wall time."""

    def __init__(self, clock: Callable[[], float] = time.perf_counter) -> None:
        self.clock = clock
        self.start()

    def start(self) -> None:
        self.t0, self.busy0, self.own0 = self.clock(), _busy_seconds(), time.process_time()

    def elapsed(self) -> float:
        return self.clock() - self.t0

    def others(self) -> "float | None":
        """Cores the other processes used since :meth:`start` (None when unknown); starts
        the next window."""
        t, busy, own = self.clock(), _busy_seconds(), time.process_time()
        out = None
        if busy is not None and self.busy0 is not None and t > self.t0:
            out = max(0.0, (busy - self.busy0) - (own - self.own0)) / (t - self.t0)
        self.t0, self.busy0, self.own0 = t, busy, own
        return out


_last_cap: "tuple[float, int] | None" = None
"""(time.monotonic(), cap) of the last load measurement of this process."""


class Threads:
    """The thread choice of one ``fit``: :meth:`before_step` / :meth:`after_step` around each
    step, :meth:`finish` at the end (the BLAS gets its own count back). Does nothing without
    threadpoolctl, with ``auto = False``, in a thread other than the main one, or when the BLAS
    libraries have one thread (or different counts: which one is NumPy's is not known).

    Every ``window`` seconds (the first after ``first_window``) it measures the cores other
    processes used (:class:`LoadMonitor`) and allows at most the cores they left free,
    rounded; the :class:`Chooser` picks among the allowed counts by timing steps."""

    first_window = 0.05
    window = 0.5
    remember = 10.0
    """Seconds for which a fit starts from the last measurement of an earlier one."""

    def __init__(self) -> None:
        # the count is the whole process's: a fit in another thread (the playground's server)
        # leaves it alone
        main = threading.current_thread() is threading.main_thread()
        environment.check("NNDL_THREADS", _MODE, _MODES)
        self.libs = blas_libraries() if auto and main else []
        self.original = [lib.num_threads for lib in self.libs]
        # the count whose bits every product keeps (nndl.products) must be NumPy's BLAS's:
        # with libraries at different counts (OPENBLAS_NUM_THREADS=1 beside PyTorch's MKL
        # at 2) which one is NumPy's is not known, so they are all left alone
        n = self.original[0] if len(set(self.original)) == 1 else 1
        self.reference = n
        self.chooser: "Chooser | None" = None
        self.changed = False
        self.verified: set[Any] = set()
        """Batches (shape, strides, dtype) whose step had only direct products at this count."""
        self.watching: Any = None
        self.usual: "int | None" = None
        """The samples of the fit's first step (the last batch of an epoch may be smaller)."""
        self.n_cpus = os.cpu_count() or 1
        if n > 1:
            self.chooser = Chooser(candidates(n), self._set)
            self.chooser.hold()
            if _last_cap is not None and time.monotonic() - _last_cap[0] < self.remember:
                self.chooser.allow(_last_cap[1])  # a fit just before this one measured it
            self.monitor = LoadMonitor()
            self.next_window = self.first_window

    def _set(self, n: int) -> None:
        self.changed = True
        self._set_libs(n)
        if exact:
            products.use(self.reference, n, self._set_libs)
        self.verified = set()  # plans are per count

    def _set_libs(self, n: int) -> None:
        for lib in self.libs:
            lib.set_num_threads(n)

    def start(self) -> None:
        """Before ``fit``'s set-up: the count an earlier fit's recent measurement allows."""
        if self.chooser is not None:
            self.chooser.apply()

    def before_step(self, X: "Any | None" = None, Y: "Any | None" = None) -> None:
        """Before a step on the batch (X, Y) (or an unknown one): the count of the step, and
        whether its products need their plans looked up."""
        if self.chooser is None:
            return
        self.chooser.before_step()
        if products.lowered():
            batch = (None if X is None or Y is None else
                     (X.shape, X.strides, X.dtype, Y.shape, Y.strides, Y.dtype))
            products.mark()  # (a suspended step looks nothing up: clean, nothing referenced)
            if batch is not None and batch in self.verified:
                products.suspend()
            else:
                self.watching = batch

    def after_step(self, size: int) -> None:
        global _last_cap
        if self.chooser is None:
            return
        if self.usual is None:
            self.usual = size
        inexact = False
        if products.lowered():
            if self.watching is not None and products.clean():
                self.verified.add(self.watching)
            inexact = products.referenced() and size == self.usual
            products.resume()
        self.watching = None
        if inexact:
            # a product of this step needed the BLAS's own count to keep its bits: at this
            # count the steps would run it beside the load anyway, and switch twice for it
            self.chooser.exclude(self.chooser.applied)
        else:
            self.chooser.after_step(size)
        if self.monitor.elapsed() >= self.next_window:
            self.next_window = self.window
            others = self.monitor.others()
            if others is not None:
                cap = max(1, int(self.n_cpus - others + 0.5))
                _last_cap = (time.monotonic(), cap)
                self.chooser.allow(cap)

    def finish(self) -> None:
        """Give every BLAS library the thread count it had before ``fit``."""
        if self.changed:
            products.reset()
            for lib, n in zip(self.libs, self.original):
                lib.set_num_threads(n)
            self.changed = False
        self.chooser = None

"""Watching training: a live progress bar and a JSON-lines cost log (both are callbacks).

    net.fit(X, Y, callbacks=[ProgressBar(), CostLog("costs.jsonl")])

``ProgressBar`` draws a tqdm bar on stderr with the current cost and the time left; it is off
when stderr is not a terminal (unless ``enabled=True``). ``CostLog`` writes one JSON object per
iteration, ``{"iteration": i, "cost": J}``, flushed as it goes so that the curve of an
interrupted run is kept.
"""

from __future__ import annotations

import json
import os
import stat
import sys
import time
from typing import IO, TYPE_CHECKING

from .callbacks import Callback, History
from .errors import NNDLError
from .files import atomic_write
from .validation import check_number, check_positive

if TYPE_CHECKING:  # pragma: no cover
    from .network import Network


class ProgressBar(Callback):
    """A tqdm progress bar with the current cost and the time left.

    The bar counts the model's iterations (updates): a resumed run, or a second ``fit``,
    continues the count where it stopped. After each epoch it shows the epoch, its mean
    training cost and, with a dev set, the dev cost. ``enabled=None`` shows it only when
    ``file`` (stderr by default) is a terminal. The cost shown is refreshed at most every
    ``refresh`` seconds.
    """

    def __init__(self, enabled: "bool | None" = None, file: "IO[str] | None" = None,
                 refresh: float = 0.2) -> None:
        self.file = file if file is not None else sys.stderr
        if enabled is None:
            enabled = bool(getattr(self.file, "isatty", lambda: False)())
        self.enabled = enabled
        self.refresh = check_number("refresh (seconds)", refresh, low=0)
        self.bar = None
        self._last = 0.0
        self._epoch = ""
        self._at_epoch = 0

    def on_train_begin(self, net: "Network", total: int) -> None:
        if not self.enabled:
            return
        try:
            from tqdm import tqdm
        except ImportError:
            raise NNDLError("the progress bar needs tqdm: pip install 'nndl[progress]' (or "
                            "turn it off with --quiet)") from None
        done = int(net.iterations_done)
        self.bar = tqdm(total=done + int(total), initial=done, file=self.file, unit="it",
                        dynamic_ncols=True, mininterval=self.refresh, leave=True,
                        desc="training")
        self._last = 0.0
        self._epoch = ""
        self._at_epoch = done

    def on_iteration_end(self, net: "Network", iteration: int, cost: float) -> None:
        if self.bar is None:
            return
        now = time.monotonic()
        if now - self._last >= self.refresh:
            self.bar.set_postfix_str(f"{self._epoch}cost={cost:.6f}", refresh=False)
            self._last = now
        self.bar.update(1)

    def on_epoch_end(self, net: "Network", epoch: int, logs: dict) -> None:
        if self.bar is None:
            return
        mini = self.bar.n - self._at_epoch > 1  # mini-batches: several updates per epoch
        self._at_epoch = self.bar.n
        if not mini and "dev_cost" not in logs:
            return  # full batch: the epoch is the iteration, its cost already shown
        parts = [f"epoch={epoch}"] + ([f"epoch_cost={logs['cost']:.6f}"] if mini else [])
        if "dev_cost" in logs:
            parts.append(f"dev_cost={logs['dev_cost']:.6f}")
        self._epoch = ", ".join(parts) + ", "
        self.bar.set_postfix_str(self._epoch.rstrip(", "), refresh=False)

    def on_train_end(self, net: "Network", history: History) -> None:
        if self.bar is not None:
            if history.costs:  # the bar stays, with the last cost
                self.bar.set_postfix_str(f"{self._epoch}cost={history.costs[-1]:.6f}",
                                         refresh=False)
            self.bar.close()
            self.bar = None


class CostLog(Callback):
    """Append ``{"iteration": i, "cost": J}`` lines to ``path`` (JSON lines).

    ``append=False`` starts a new file; ``append=True`` continues one (a resumed run): its
    lines from the iterations the network has not done are left out first (a run killed
    after writing them, before its checkpoint), so that the log of a resumed run is the log of
    the run. Lines are flushed every ``flush_every`` iterations, when training ends and on
    :meth:`flush` (``nndl train`` flushes before each checkpoint, which then never holds
    more iterations than the log).
    """

    def __init__(self, path: "str | os.PathLike", append: bool = False,
                 flush_every: int = 100) -> None:
        self.path = os.fspath(path)
        self.append = append
        self.flush_every = int(check_positive("flush_every", flush_every, integer=True))
        self.file: "IO[str] | None" = None

    def on_train_begin(self, net: "Network", total: int) -> None:
        if self.append:
            self._forget_from(net.iterations_done)
        try:
            self.file = open(self.path, "a" if self.append else "w", encoding="utf-8")
        except OSError as exc:
            raise NNDLError(f"cannot write the cost log {self.path}: "
                            f"{exc.strerror or exc}") from None
        self.append = True  # a second fit call continues the same log

    def on_iteration_end(self, net: "Network", iteration: int, cost: float) -> None:
        if self.file is None:
            return
        line = json.dumps({"iteration": int(iteration), "cost": float(cost)}) + "\n"
        try:  # (a try, not a context manager made each iteration)
            self.file.write(line)
            if (iteration + 1) % self.flush_every == 0:
                self.file.flush()
        except OSError as exc:
            raise self._failed(exc) from None

    def on_train_end(self, net: "Network", history: History) -> None:
        if self.file is not None:
            file, self.file = self.file, None
            try:
                file.close()
            except OSError as exc:
                raise self._failed(exc) from None

    def flush(self) -> None:
        """Write out the lines so far (e.g. before a checkpoint)."""
        if self.file is not None:
            try:
                self.file.flush()
            except OSError as exc:
                raise self._failed(exc) from None

    def _failed(self, exc: OSError) -> NNDLError:
        """A write that failed (a full disk, a file size limit), naming the log: it was a
        bare "File too large", which did not say which of the outputs failed."""
        return NNDLError(f"cannot write the cost log {self.path}: {exc.strerror or exc}")

    def _forget_from(self, done: int) -> None:
        """Leave out the lines of iterations >= ``done`` from the log being continued (a
        regular file only: a stream such as /dev/stdout is appended to, never read back)."""
        try:
            if not stat.S_ISREG(os.stat(self.path).st_mode):
                return
            with open(self.path, encoding="utf-8") as f:
                lines = f.readlines()
        except FileNotFoundError:
            return
        except (OSError, UnicodeDecodeError) as exc:
            raise NNDLError(f"cannot continue the cost log {self.path}: {exc}") from None
        keep = [line for line in lines if _iteration(line) < done]
        if keep and not keep[-1].endswith("\n"):  # a line cut by a failed write (a full disk):
            if _iteration(keep[-1]) < 0:  # appending glued the next line onto it, and
                keep.pop()  # both were lost; a whole line only lacks its end
            else:
                keep[-1] += "\n"
        if keep != lines:
            atomic_write(self.path, lambda f: f.write("".join(keep)), mode="w",
                         what="cost log")


def _iteration(line: str) -> float:
    """The iteration of a cost log's line (-1 for a line that is not one: kept)."""
    try:
        return float(json.loads(line)["iteration"])
    except (ValueError, KeyError, TypeError):
        return -1


def read_log(path: "str | os.PathLike") -> tuple[list[int], list[float]]:
    """The ``(iterations, costs)`` of a JSON-lines cost log written by :class:`CostLog`."""
    its: list[int] = []
    costs: list[float] = []
    try:
        with open(path, encoding="utf-8") as f:
            for n, line in enumerate(f, 1):
                if not line.strip():
                    continue
                try:
                    d = json.loads(line)
                    its.append(int(d["iteration"]))
                    costs.append(float(d["cost"]))
                except (ValueError, KeyError, TypeError):
                    raise NNDLError(f"{path}, line {n}: expected {{\"iteration\": int, "
                                    f"\"cost\": number}}; got {line.strip()[:80]!r}") from None
    except OSError as exc:
        raise NNDLError(f"cannot read the cost log {path}: {exc.strerror or exc}") from None
    return its, costs

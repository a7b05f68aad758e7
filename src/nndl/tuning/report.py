"""What a search shows: a line per finished trial, the table of the best trials, the time
taken and the machinery's share; the best trial's model file; Optuna's plots."""

from __future__ import annotations

import os
import sys
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import NNDLError
from .objective import counts, train_one
from .storage import optuna_module

if TYPE_CHECKING:  # pragma: no cover
    from .workers import Prepared



def _shown(value: float) -> str:
    """A metric for a table: 4 decimals, or 4 significant digits beyond 1e6 (a diverged
    regression's rmse of 6e151 was 150 digits wide)."""
    return f"{value:.4f}" if abs(value) < 1e6 else f"{value:.4g}"

def _params(t: Any) -> str:
    return " ".join(f"{k}={_short(v)}" for k, v in t.params.items())


def _short(v: Any) -> str:
    return f"{v:.4g}" if isinstance(v, float) else str(v)


def trial_line(t: Any, metric: str) -> str:
    """'trial   7  complete  accuracy 0.9611   1.84 s  layers=64,32 lr=0.003'."""
    state = t.state.name.lower()
    if state == "complete":
        value = f"{metric} {_shown(t.value)}"
    else:
        last = t.intermediate_values.get(max(t.intermediate_values), None) \
            if t.intermediate_values else None
        value = f"{metric} {_shown(last)}" if last is not None else f"{metric} -"
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
    c = counts(everything)
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
    rows = [[str(i + 1), str(t.number), _shown(t.value),
             f"{t.user_attrs.get('run', {}).get('seconds', float('nan')):.2f}",
             *[_short(t.params.get(k, "")) for k in keys]] for i, t in enumerate(done[:top])]
    widths = [max(len(r[j]) for r in [head, *rows]) for j in range(len(head))]
    lines.append("best trials:")
    lines += ["  " + "  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip()
              for r in [head, *rows]]
    return "\n".join(lines)


def best_model(study: Any, prepared: Prepared,
               out: "str | os.PathLike") -> tuple[Path, float, "dict | None"]:
    """Train the best trial's settings again (the same seed and split: the same model, as
    training is deterministic) and save it as an ordinary nndl model file at ``out``, with
    ``nndl train``'s information (``evaluate``, ``predict``, ``info`` read it); returns the
    path, its dev metric and its scores on the test data (the ``test`` setting), or None
    without test data."""
    from .. import io
    from ..cli.steps import model_info, summarize
    from ..heads import dataset_targets

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
    return path, done.value, info["summary"].get("test")


PLOTS = ("optimization_history", "param_importances", "parallel_coordinate")
"""Optuna's plots that ``plot`` writes, one PNG each."""


def plot(study: Any, folder: "str | os.PathLike") -> list[Path]:
    """Optuna's optimization history, parameter importances and parallel-coordinate plots
    (matplotlib) as PNG files in ``folder``; a plot that needs more trials is left out with a
    note on stderr."""
    from ..plots import save_png

    optuna_module()  # NNDLError naming the extra when Optuna is missing
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
    return written


def print_times(stats: "dict | list", wall: float) -> None:
    rows = stats if isinstance(stats, list) else [stats]
    n = sum(r.get("trials", 0) for r in rows)
    if not n:
        return
    loop = sum(r.get("seconds", 0.0) for r in rows)
    fit = sum(r.get("train_seconds", 0.0) for r in rows)
    feed = sum(r.get("report_seconds", 0.0) for r in rows)
    over = loop - fit - feed

    def share(x: float) -> str:
        return f"{1000 * x / n:.0f} ms per trial ({100 * x / fit if fit else 0:.1f}% of training)"

    print(f"time      {wall:.1f} s for {n} trials here ({len(rows)} worker"
          f"{'s' if len(rows) > 1 else ''}), {fit:.1f} s of it training; search machinery "
          f"(Optuna, storage) {share(over)}"
          + (f"; the pruner's dev evaluations {share(feed)}" if feed else ""))

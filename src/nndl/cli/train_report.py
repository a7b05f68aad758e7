"""What ``nndl train`` reports once a run is over: the lines it prints and the plots it
writes (moved out of :mod:`nndl.cli.train`, which keeps the steps)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .. import heads
from ..datasets import Dataset
from ..errors import NNDLError, shorten
from ..network import Network
from .common import format_scores
from .settings import training_line
from .steps import Fitted, Parts, task_note


def boundary_path(plot: Path) -> Path:
    """Where the decision boundary goes beside the cost curve ``plot``."""
    return plot.with_name(plot.stem + "-boundary" + (plot.suffix or ".png"))


def print_report(s: dict, net: Network, parts: Parts, job: Any, fitted: Fitted,
                 summary: dict) -> None:
    """What ``nndl train`` prints after training: the data, samples, network, cost, training
    (``job``: the run's plan, :class:`nndl.cli.train._Job`), time, early stopping, scores and
    where the model went."""
    data = parts.data
    print(f"data      {data.name}: {data.X.shape[0]} features, task {data.task}"
          + (f", classes {shorten(net.classes, 300)}" if net.classes else "")
          + task_note(s, net.classes, data))
    print("samples   " + ", ".join(f"{n} {d.X.shape[1]}" for n, d in parts.named()))
    print(f"network   {net.layer_dims} {'/'.join(net.activation_names)}, init {net.init}, "
          f"{net.n_params} parameters, {net.dtype.name}")
    if net.history.costs:
        print(f"cost      {net.history.costs[0]:.6f} (it. {net.history.iterations[0]}) -> "
              f"{net.history.costs[-1]:.6f} (it. {net.history.iterations[-1]}), "
              f"learning rate {s['lr']:g}"
              + (" (standardized targets)" if net.target_scaling is not None else ""))
    print(f"training  {training_line(s, net.optimizer, parts.train.m)}")
    if job.mini:
        print(f"time      {fitted.seconds:.2f} s for {fitted.epochs} epochs "
              f"({fitted.iterations} iterations)")
    else:
        print(f"time      {fitted.seconds:.2f} s for {fitted.iterations} iterations")
    early = job.early
    if early is not None and early.best_epoch is not None:
        how = f"stopped after epoch {net.epochs_done - 1}" if early.stopped else "no stop"
        print(f"early     {how}; kept the parameters of epoch {early.best_epoch} (lowest dev "
              "cost)")
    for name, _ in parts.named():
        print(f"{name:<9} {format_scores(summary[name])}")
    print(f"saved     {job.out}")


def plots(net: Network, train: Dataset, path: Path) -> list[Path]:
    """The cost curve at ``path``; for 2-D classification data, the decision boundary too."""
    try:
        from .. import plots
    except ImportError as exc:
        raise NNDLError(f"plots need matplotlib and nndl.plots: pip install 'nndl[plot]' "
                        f"({exc})") from None
    written = [path]
    plots.plot_costs(net.history, path=path)
    if net.layer_dims[0] == 2 and heads.for_output(net.output).is_classifier:
        b = boundary_path(path)
        plots.plot_decision_boundary(net, train.X, train.Y, path=b)
        written.append(b)
    try:
        import matplotlib.pyplot as plt

        plt.close("all")
    except ImportError:  # pragma: no cover
        pass
    return written

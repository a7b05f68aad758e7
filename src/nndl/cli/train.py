"""``nndl train``: settings -> data -> model -> fit -> report.

    nndl train                                   # the built-in breast cancer data, < 1 minute
    nndl train --data flower --layers 4 --hidden tanh --lr 1.2 --iterations 10000
    nndl train --data digits --layers 64,32 --optimizer adam --lr 0.005 --batch-size 64 --epochs 30
    nndl train --resume model.ckpt.npz           # continue an interrupted run, exactly

Exit status 128 + the signal number when SIGINT / SIGTERM stops training (after writing a
checkpoint).
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .. import datasets
from ..callbacks import EarlyStopping
from ..checkpoint import Checkpointer
from ..errors import DivergenceError, NNDLError
from ..files import (absolute, file_identity, is_stdout, not_an_input, output_file,
                     remove_stale_temporaries)
from ..network import Network
from ..progress import CostLog, ProgressBar
from . import arguments as a
from ..heads import dataset_targets
from .common import check_width
from .resumed import checkpoint_of, saved_out
from .interrupts import announce, interrupted, stop_if_pressed, stopped_by_signal
from .resume import (Resume, check_data_place, check_deferred, check_same_data, finished,
                     read_checkpoint)
from .settings import TRAIN_DEFAULTS, shown, train_settings
from .steps import (Fitted, Parts, build_model, early_stopping, fit_arguments, load_parts,
                    model_info, summarize, warn_no_better)
from .train_report import boundary_path, plots, print_report

NAME = "train"


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """The ``train`` sub-command and its options, in four groups."""
    t = subparsers.add_parser(
        NAME, help="train a network and save it",
        description="Train a network by gradient descent (full batch, or mini-batches with "
        "--batch-size; gd, momentum, rmsprop or adam) and save it. With no --data: the "
        f"built-in breast cancer data set (scikit-learn), standardized, "
        f"{TRAIN_DEFAULTS['dev']:.0%} held out as a dev set.")
    add_data_options(t.add_argument_group("data"))
    add_model_options(t.add_argument_group("model"))
    add_training_options(t.add_argument_group("training"))
    _add_output_options(t.add_argument_group("files and checkpoints"))
    t.set_defaults(run=run)
    return t


# Every training option defaults to None here, meaning 'not given' (a resumed run must tell
# what was given); the defaults are TRAIN_DEFAULTS, which the help shows through shown().
def add_data_options(g: Any) -> None:
    g.add_argument("--data", type=a.path, help="a .csv/.npz/.h5 file, a folder of images (one sub-folder per "
                   "class), the course's cat folder, or a name: "
                   + ", ".join(datasets.spec_names()) + " (default: breast_cancer)")
    g.add_argument("--label", help="CSV label column, by name or index (default: the last)")
    g.add_argument("--task", choices=["classification", "regression"], help="what the labels "
                   "are: classes or numbers to predict (default: text labels and up to "
                   f"{datasets.MAX_AUTO_CLASSES} distinct integers are classes, other numbers "
                   "regression)")
    g.add_argument("--features", type=a.column_list, action="extend", metavar="COLS",
                   help="CSV: only these "
                   "feature columns, by name or index, e.g. age,bmi (default: all but the label)")
    g.add_argument("--drop", type=a.column_list, action="extend", metavar="COLS",
                   help="CSV: leave out these "
                   "columns, e.g. an ID column: --drop id (given again: more columns)")
    g.add_argument("--drop-missing", dest="drop_missing", action="store_const", const=True,
                   help="CSV: leave out rows with a missing value (default: refuse them, "
                   "naming the row and column)")
    a.add_header_options(g)
    a.add_decimal_option(g)
    g.add_argument("--test", type=a.path, help="a test data set, reported after training (a table: read "
                   "with --decimal unless --test-decimal is given, and --header / --no-header "
                   "unless --test-header or --test-no-header is given)")
    a.add_switch(g, "test-header", "--test's CSV: the first row is a header (default: as "
                 "--header / --no-header say, else detected)", "--test's CSV: the first row "
                 "is data", no_name="test-no-header")
    g.add_argument("--test-decimal", choices=a.DECIMALS, help="--test's CSV: the decimal mark, "
                   ". or , (default: as --decimal says, else detected)")
    g.add_argument("--dev", type=a.fraction, help="fraction held out as a dev set (default: "
                   f"{shown('dev')}; 0 trains on everything)")
    a.add_switch(g, "standardize", "standardize the features, and a regression's targets "
                 "(undone in its predictions) (default, except for images)",
                 "use the features (and targets) as they are")
    g.add_argument("--image-size", type=a.image_size, metavar="SIZE", help="a folder of "
                   "images: resize every image to SIZE or HEIGHT,WIDTH pixels (default: 64; "
                   "images held as arrays, .npz/.h5, the cat folder, digits, are not resized)")


def add_model_options(g: Any) -> None:
    g.add_argument("--layers", type=a.layers, help="hidden layer sizes, e.g. 20,7,5; 'none' "
                   f"(or 0) for logistic regression (default: {shown('layers')})")
    g.add_argument("--hidden", type=a.hidden_activation, help="hidden activation: relu, "
                   "tanh, sigmoid, leaky_relu "
                   f"(default: {shown('hidden')})")
    g.add_argument("--output", type=a.output_activation,
                   help="output activation: sigmoid, softmax or linear (default: "
                   "sigmoid for 2 classes, softmax for more, linear for regression; softmax "
                   "also takes 2 classes, as 2 units)")
    g.add_argument("--init", type=a.init_name, help="small, scaled, he, xavier or zeros (default: "
                   f"{shown('init')})")
    g.add_argument("--seed", type=a.seed, help="seed of the initialization and the dev split "
                   f"(default: {shown('seed')})")
    g.add_argument("--rng", type=a.lower, choices=["default", "legacy"],
                   help="'legacy' draws the weights "
                   "with numpy.random.RandomState(seed).randn, as the course does (default: "
                   f"{shown('rng')})")
    g.add_argument("--dtype", type=a.lower, choices=["float64", "float32"],
                   help="floating-point type of the "
                   f"parameters and the computation (default: {shown('dtype')})")


def add_training_options(g: Any) -> None:
    g.add_argument("--optimizer", type=a.lower, choices=["gd", "momentum", "rmsprop", "adam"],
                   help="how gradients become updates (default: "
                   f"{shown('optimizer')}, the notes' gradient descent); --lr is its learning "
                   "rate")
    g.add_argument("--lr", type=a.positive_float, help="learning rate (default: "
                   f"{shown('lr')})")
    g.add_argument("--iterations", type=a.positive_int, help="full-batch gradient descent "
                   f"iterations (default: {shown('iterations')}); with --resume, a new total")
    g.add_argument("--batch-size", type=a.positive_int, metavar="N", help="mini-batch training: "
                   "N samples per update, reshuffled every epoch (default: full batch)")
    g.add_argument("--epochs", type=a.positive_int, metavar="E", help="with --batch-size: "
                   f"passes over the training data (default: {shown('epochs')}); with --resume, "
                   "a new total")
    g.add_argument("--lambd", type=a.nonnegative_float, metavar="L2", help="L2 regularization "
                   "strength: adds lambd/(2m) sum ||W||^2 to the cost (default: "
                   f"{shown('lambd')})")
    g.add_argument("--keep-prob", type=a.probability, metavar="P", help="inverted dropout on "
                   "the hidden layers: keep each unit with probability P while training "
                   "(default: no dropout)")
    g.add_argument("--decay", type=a.nonnegative_float, help="learning-rate decay: lr / (1 + "
                   "DECAY * epoch); with full batches every iteration is an epoch (default: "
                   f"{shown('decay')})")
    g.add_argument("--patience", type=a.positive_int, metavar="K", help="early stopping: stop "
                   "after K epochs without a lower dev cost and keep the best parameters "
                   "(needs --dev > 0; default: no early stopping)")


def _add_output_options(g: Any) -> None:
    g.add_argument("--out", type=a.path,
                   help="where to save the model (default: model.npz; with --resume, "
                   "where the first run would have saved it, when that is beside CHECKPOINT)")
    g.add_argument("--plot", type=a.path,
                   help="write the cost curve to this PNG (and, for 2-D data, the "
                   "decision boundary to NAME-boundary.png)")
    g.add_argument("--log", type=a.path,
                   help="write the cost of every iteration to this JSON-lines file")
    g.add_argument("--quiet", action="store_true", help="no progress bar")
    g.add_argument("--checkpoint-every", type=a.positive_int, metavar="N",
                   help="write a checkpoint every N iterations (N epochs with --batch-size); "
                   "a signal lets the current epoch finish, then writes one")
    g.add_argument("--checkpoint", type=a.path,
                   help="checkpoint file (default: OUT with .ckpt.npz, or the "
                   "CHECKPOINT resumed from); SIGINT/SIGTERM always write one before exiting")
    g.add_argument("--resume", type=a.path, metavar="CHECKPOINT",
                   help="continue the training saved in "
                   "CHECKPOINT (same data and settings)")


# --- the steps ------------------------------------------------------------------------------
def run(args: argparse.Namespace) -> int:
    """Train as ``args`` say; 0, or 128 + the signal that stopped training. With ``--out``
    standard output (``--out /dev/stdout > model.npz``), the report goes to stderr."""
    if args.out and is_stdout(args.out):
        with contextlib.redirect_stdout(sys.stderr):
            return _run(args)
    return _run(args)


def _run(args: argparse.Namespace) -> int:
    # settings: the defaults, then a checkpoint's, then the options given
    resume = read_checkpoint(args.resume) if args.resume else None
    deferred: dict = {}  # settings given again whose effect depends on the data
    s = train_settings(args, resume.saved if resume else None, deferred)
    _check_outputs(args, s, resume)
    # data: what --data names, split into train and dev parts; --test
    if resume is not None:
        check_data_place(args, resume)
    parts = load_parts(s)
    if resume is not None:
        check_same_data(resume, parts.data, s["data"])
        check_deferred(deferred, s, parts)
    # model: a new one for the data's task, or the checkpoint's
    net = resume.net if resume else build_model(s, parts)
    check_width(net, parts.train, "the training data")
    for name, d in parts.named()[1:]:  # what the report will score, checked before training
        check_width(net, d, f"the {name} data")
        try:
            dataset_targets(d, net)
        except NNDLError as exc:
            raise NNDLError(f"the {name} data ({d.name}): {exc}") from None
    # fit, with checkpoints, early stopping, the progress bar and the cost log
    Y = dataset_targets(parts.train, net)
    job = _plan(args, s, net, parts, resume)
    if finished(resume) and job.early is not None and job.early.stopped:
        raise NNDLError(
            f"{args.resume} is finished: early stopping ended it after epoch "
            f"{net.epochs_done - 1} (no lower dev cost in {job.early.patience} epochs after "
            f"epoch {job.early.best_epoch}, whose parameters it keeps), and resuming it trains "
            "no further; to train longer, train a new model with a larger --patience")
    if resume is not None and (job.remaining < 0 or (finished(resume) and job.remaining == 0
                                                     and not (job.early and job.early.stopped))):
        done = job.target - job.remaining
        said = "" if done == job.target else f"; --{job.unit}s {job.target} is not more"
        what = "is finished" if finished(resume) else "is a checkpoint"
        raise NNDLError(f"{args.resume} {what}: it has done {done} {job.unit}s{said}; to "
                        f"train it further give a new total, e.g. --{job.unit}s {2 * done}")
    try:
        fitted = _fit(net, parts.train.X, Y, job)
    except DivergenceError as exc:
        state = job.ckpt.last_state or {}
        done = state.get("epochs_done" if job.mini else "iterations_done")
        kept = (f"; its last checkpoint, at {job.unit} {done}, is {job.ckpt_path}"
                if job.ckpt.written else "")
        raise DivergenceError(f"{exc} (nndl train saved no model of this run{kept})",
                              exc.iteration) from None
    if job.ckpt.signal is not None:
        return stopped_by_signal(net, job, args)
    last = None
    if job.early is not None:
        last = {k: v.copy() for k, v in net.params.items()}
        job.early.restore(net)
        if all(np.array_equal(v, net.params[k]) for k, v in last.items()):
            last = None  # the best epoch is the last: nothing else to keep
    # report: save the model with its scores, print them, plot
    try:
        summary = summarize(net, parts, Y, fitted)
    except (NNDLError, MemoryError) as exc:  # the run is kept: saved without its scores
        _save_final(net, job, None, args, resume, last)
        raise NNDLError(f"the trained model is saved in {job.out}, without its scores: "
                        f"computing them failed: {str(exc) or 'out of memory'}") from None
    _save_final(net, job, summary, args, resume, last)
    print_report(s, net, parts, job, fitted, summary)
    warn_no_better(net, parts, Y, summary)
    if args.plot:
        for p in plots(net, parts.train, Path(args.plot)):
            print(f"plot      {p}")
    return 0



def _check_outputs(args: argparse.Namespace, s: dict, resume: "Resume | None") -> None:
    """Fail before training, not after, when a file cannot be written where it is asked:
    a missing folder, a folder in its place, a plot not named as the PNG it is, or two
    outputs (or an output and the data) that are the same file, which would overwrite one
    with the other (``--plot data.csv`` turned the data into a PNG)."""
    for what, given in (("--out", args.out), ("--checkpoint", args.checkpoint),
                        ("--log", args.log), ("--plot", args.plot)):
        if given:
            output_file(given, what)
    out, ckpt = _model_paths(args, resume)
    ckpt_what = "--checkpoint" if args.checkpoint or resume is not None else (
        "the checkpoint (--out's name with .ckpt.npz; give another with --checkpoint)")
    models = {"--out", ckpt_what}  # the model and its checkpoint (may be one file)
    outputs = [("--out", out), (ckpt_what, ckpt)]
    if args.log:
        outputs.append(("--log", Path(args.log)))
    if args.plot:
        plot = Path(args.plot)
        if plot.suffix and plot.suffix.lower() != ".png":
            raise NNDLError(f"--plot {args.plot}: plots are written as PNG images; give a name "
                            "ending in .png")
        outputs += [("--plot", plot), ("--plot (its decision boundary)", boundary_path(plot))]
    seen: dict[object, tuple[str, Path]] = {}
    for what, p in outputs:
        full = file_identity(output_file(p, what))  # (two names of one file are one)
        same = seen.get(full, (None, p))[0]
        if same is not None and {same, what} != models:
            raise NNDLError(f"{what} {p} is also {same}: one would overwrite the other; give "
                            "each its own file")
        seen.setdefault(full, (what, p))
    inputs = [(what, spec) for what, spec in (("--data", s.get("data")),
                                              ("--test", s.get("test"))) if spec is not None]
    resumed = [("the model resumed", args.resume)] if resume is not None else []
    for what, p in seen.values():  # the model resumed may be written over by its run
        not_an_input(p, what, inputs + ([] if what in models else resumed))


@dataclass
class _Job:
    """What one fit call needs, and where its results go."""

    out: Path
    ckpt_path: Path
    info: dict
    mini: bool
    """Mini-batches count epochs, full batches iterations (each one an epoch)."""
    target: int
    remaining: int
    ckpt: Checkpointer
    early: "EarlyStopping | None"
    fit_kw: dict
    started: float = field(default_factory=time.time)

    @property
    def unit(self) -> str:
        return "epoch" if self.mini else "iteration"


def _plan(args: argparse.Namespace, s: dict, net: Network, parts: Parts,
          resume: "Resume | None") -> _Job:
    """Paths, callbacks and fit's arguments. Checkpoints are taken at epoch ends: a signal
    lets the current epoch finish (see nndl.checkpoint), so resuming is exact in both modes."""
    # resuming: by default the model goes where the first run would have put it, and new
    # checkpoints replace the one resumed from
    out, ckpt_path = _model_paths(args, resume)
    s["out"] = str(absolute(out, "--out"))
    info = model_info(s, parts)
    mini = s["batch_size"] is not None
    target = s["epochs"] if mini else s["iterations"]
    done = net.epochs_done if mini else net.iterations_done
    early = early_stopping(s, resume.meta if resume else None)
    ckpt = Checkpointer(ckpt_path, every=args.checkpoint_every or 0, info=info,
                        learning_rate=s["lr"], unit="epoch",
                        target_epochs=target if mini else None, early_stopping=early)
    callbacks = [ProgressBar(enabled=False if args.quiet else None)]
    callbacks += [early, ckpt] if early is not None else [ckpt]  # ckpt sees early's update
    if args.log:
        log = CostLog(args.log, append=resume is not None)
        ckpt.before_write.append(log.flush)  # the log holds every checkpointed iteration
        callbacks.append(log)
    optimizer = resume.net.optimizer if resume is not None else None
    remaining = 0 if early is not None and early.stopped else target - done
    kw = fit_arguments(s, net, parts, callbacks, early, remaining, optimizer)
    return _Job(out, ckpt_path, info, mini, target, remaining, ckpt, early, kw)


def _model_paths(args: argparse.Namespace, resume: "Resume | None") -> tuple[Path, Path]:
    """(the model's path, the checkpoints' path). Resuming: by default the model goes where
    the first run put it, and new checkpoints replace the one resumed from, never a finished
    model trained further (it was replaced by checkpoints, then deleted)."""
    out = Path(args.out or (saved_out(args.resume, resume.saved) if resume else None)
               or "model.npz")  # (a place to write is taken from the file only beside it)
    resumed_ckpt = args.resume if resume is not None and not finished(resume) else None
    return out, Path(args.checkpoint or resumed_ckpt or checkpoint_of(out))


def _fit(net: Network, X: np.ndarray, Y: np.ndarray, job: _Job) -> Fitted:
    before, epochs_before = net.iterations_done, net.epochs_done
    t0 = time.perf_counter()
    if job.remaining > 0:
        if job.mini:  # a signal lets the epoch finish: say so at once
            job.ckpt.on_signal.append(lambda n: announce(n, job.target, job.ckpt.signal))
        with job.ckpt.catch_signals():
            stop_if_pressed()  # (a press before this one took the signal over)
            try:
                net.fit(X, Y, **job.fit_kw)
            except KeyboardInterrupt:
                interrupted(job)
                raise
    return Fitted(time.perf_counter() - t0, net.iterations_done - before,
                   net.epochs_done - epochs_before)


def _save_final(net: Network, job: _Job, summary: "dict | None", args: argparse.Namespace,
                resume: "Resume | None", last: "dict | None" = None) -> None:
    """Save the model with its scores and the state to continue from (it is a checkpoint
    too: ``nndl train --resume MODEL --iterations N`` trains it further); then remove this
    run's own checkpoint file, which the model supersedes (not one named by --checkpoint,
    never a finished model resumed from, and not with early stopping: the model then holds
    the best epoch's parameters, the checkpoint the state to continue from exactly).
    ``summary`` None: the scores failed (memory); the model is kept, as a checkpoint is."""
    job.ckpt.info = {**job.info, **({} if summary is None else {"summary": summary})}
    final = Checkpointer(job.out, info=job.ckpt.info, learning_rate=job.ckpt.learning_rate,
                         unit="epoch", target_epochs=job.ckpt.target_epochs,
                         early_stopping=job.early)
    final.target = job.ckpt.target if job.ckpt.target is not None else net.iterations_done
    final.last_params = last  # early stopping kept another epoch's: resuming needs the last
    final.write(net)
    stale = job.ckpt_path
    ours = job.ckpt.written > 0 or (resume is not None and not finished(resume)
                                    and args.resume is not None)
    if ours and job.early is None and not args.checkpoint and stale.exists() and \
            absolute(stale, "--checkpoint") != absolute(job.out, "--out"):
        stale.unlink()  # and what a killed write of it left (older than this run: not ours)
        remove_stale_temporaries(stale, older_than=time.time() - job.started)

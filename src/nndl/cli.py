"""The ``nndl`` command: train, evaluate, predict, info, gradcheck, export.

    nndl train                                   # the built-in breast cancer data, < 1 minute
    nndl train --data flower --layers 4 --hidden tanh --lr 1.2 --iterations 10000
    nndl train --data digits --layers 64,32 --optimizer adam --lr 0.005 --batch-size 64 --epochs 30
    nndl evaluate --model model.npz --data test.csv
    nndl predict --model model.npz photo.jpg table.csv [--out predictions.csv]
    nndl info model.npz
    nndl gradcheck [--model model.npz]
    nndl export model.npz --format onnx|torch [--out model.onnx]

Exit status: 0 on success; 2 on bad usage or bad input (one line on stderr, no traceback);
1 when ``gradcheck`` finds a difference above its tolerance; 128 + the signal number when
training is stopped by SIGINT / SIGTERM (after writing a checkpoint).
"""

from __future__ import annotations

import argparse
import csv
import io as _stdio
import math
import os
import sys
import time
from pathlib import Path
from typing import Any, Callable, NoReturn, Sequence

import numpy as np

from . import __version__, io
from .errors import NNDLError
from .datasets.loaders import IMAGE_SUFFIXES
from .files import atomic_write

OUTPUTS = {"binary": "sigmoid", "multiclass": "softmax", "regression": "linear"}


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line on stderr (exit 2)."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


# --- small parsers ----------------------------------------------------------------------------
def _layers(text: str) -> list[int]:
    """'20,7,5' -> [20, 7, 5]; '' or 'none' -> [] (logistic regression)."""
    t = text.strip().lower()
    if t in ("", "none", "0"):
        return []
    try:
        sizes = [int(s) for s in t.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected hidden layer sizes such as 20,7,5 (or 'none'); got {text!r}") from None
    if any(n < 1 for n in sizes):
        raise argparse.ArgumentTypeError(f"layer sizes must be positive; got {text!r}")
    return sizes


def _image_size_arg(text: str) -> list[int]:
    """'64' -> [64, 64]; '48,64' -> [48, 64] (height, width)."""
    try:
        hw = [int(v) for v in text.split(",")]
    except ValueError:
        hw = []
    if len(hw) == 1:
        hw = hw * 2
    if len(hw) != 2 or min(hw) < 1:
        raise argparse.ArgumentTypeError(f"expected SIZE or HEIGHT,WIDTH in pixels; got {text!r}")
    return hw


def _number(kind: type, ok: "Callable[[float], bool]", expected: str) -> "Callable[[str], Any]":
    """An argparse ``type=``: ``kind(text)`` accepted when ``ok(value)``, else a usage error
    that says what was expected and what came."""

    def parse(text: str) -> Any:
        try:
            v = kind(text)
        except ValueError:
            v = None
        if v is None or not ok(v):
            raise argparse.ArgumentTypeError(f"expected {expected}; got {text!r}")
        return v

    return parse


_positive_int = _number(int, lambda v: v >= 1, "a positive integer")
_positive_float = _number(float, lambda v: v > 0 and math.isfinite(v), "a positive number")
_nonnegative_float = _number(float, lambda v: v >= 0 and math.isfinite(v), "a number >= 0")
_probability = _number(float, lambda v: 0 < v <= 1, "a probability in (0, 1]")
_fraction = _number(float, lambda v: 0 <= v < 1, "a fraction in [0, 1)")


def _label(text: "str | None") -> "str | int | None":
    if text is None:
        return None
    try:
        return int(text)
    except ValueError:
        return text


# --- data -----------------------------------------------------------------------------------
def _datasets():
    from . import datasets

    return datasets


def _data_names() -> str:
    ds = _datasets()
    names = list(getattr(ds, "GENERATORS", {})) + list(getattr(ds, "BUILTIN", []))
    return ", ".join(names)


def _is_course_folder(p: Path) -> bool:
    return p.is_dir() and (p / "train_catvnoncat.h5").is_file()


def load_data(spec: "str | None", label: "str | int | None" = None,
              image_size: "tuple[int, int] | None" = None):
    """``(data, test)``: what ``--data`` names, and its own test part when it has one.

    ``spec`` is None (the built-in breast cancer set), a generator name (``flower``, ``moons``
    ...), a built-in name (``digits`` ...), the course's cat folder (train and test files), or
    any file or folder :func:`nndl.datasets.load` reads.
    """
    ds = _datasets()
    if spec is None:
        return ds.load_builtin(), None
    if spec in getattr(ds, "GENERATORS", {}):
        return ds.generate(spec), None
    if spec in getattr(ds, "BUILTIN", ()):
        return ds.load_builtin(spec), None
    p = Path(spec)
    if _is_course_folder(p):
        return ds.load_cat(p)
    if not p.exists():
        raise NNDLError(f"data not found: {spec} (expected a file, a folder, or one of: "
                        f"{_data_names()})")
    kw = {} if image_size is None else {"image_size": tuple(image_size)}
    return ds.load(p, label=label, **kw), None


def _task(data) -> str:
    return getattr(data, "task", "binary")


def _image_size(data) -> "list[int] | None":
    images = getattr(data, "images", None)
    return None if images is None else [int(images.shape[1]), int(images.shape[2])]


def targets(data, net) -> np.ndarray:
    """The data's labels in the model's layout: (1, m) 0/1, one-hot (k, m), or (n, m) values.

    Class names are matched to the model's by name when both have names."""
    if data.Y is None:
        raise NNDLError(f"{data.name or 'the data'} has no labels")
    out = net.output
    if out == "linear":
        return np.asarray(data.Y, dtype=np.float64)
    y = np.asarray(data.Y).astype(np.int64).ravel()
    if net.classes and data.classes and list(data.classes) != list(net.classes):
        index = {c: i for i, c in enumerate(net.classes)}
        unknown = [c for c in data.classes if c not in index]
        if unknown:
            raise NNDLError(f"the data has classes {unknown} that the model does not know "
                            f"(the model's classes: {net.classes})")
        y = np.array([index[c] for c in data.classes], dtype=np.int64)[y]
    k = net.layer_dims[-1] if out == "softmax" else 2
    if y.size and (y.min() < 0 or y.max() >= k):
        raise NNDLError(f"labels must be class indices 0..{k - 1} for this model; got values up "
                        f"to {int(y.max())}")
    if out == "softmax":
        Y = np.zeros((k, y.size))
        Y[y, np.arange(y.size)] = 1.0
        return Y
    return y.reshape(1, -1).astype(np.float64)


def _check_width(net, data, what: str) -> None:
    n0 = net.layer_dims[0]
    if data.X.shape[0] != n0:
        raise NNDLError(f"the model takes {n0} input features but {what} "
                        f"({data.name or 'the data'}) has {data.X.shape[0]}")


def scores(net, X: np.ndarray, Y: np.ndarray) -> dict:
    """``{"accuracy": ...}`` for classifiers, ``{"mse": ..., "rmse": ...}`` for regression."""
    if net.output == "linear":
        err = net.predict(X) - Y
        mse = float(np.mean(err ** 2))
        return {"mse": mse, "rmse": float(np.sqrt(mse)), "mae": float(np.mean(np.abs(err)))}
    return {"accuracy": net.accuracy(X, Y)}


def _fmt_scores(s: dict) -> str:
    if "accuracy" in s:
        return f"accuracy {s['accuracy']:.4f}"
    return f"mse {s['mse']:.6g}  rmse {s['rmse']:.6g}"


def confusion_matrix(net, X: np.ndarray, Y: np.ndarray) -> np.ndarray:
    """counts[i, j] = number of samples of true class i predicted as class j."""
    pred = net.predict(X).ravel().astype(np.int64)
    truth = (np.argmax(Y, axis=0) if net.output == "softmax" else Y.ravel()).astype(np.int64)
    k = net.layer_dims[-1] if net.output == "softmax" else 2
    counts = np.zeros((k, k), dtype=np.int64)
    np.add.at(counts, (truth, pred), 1)
    return counts


def _class_names(net) -> list[str]:
    k = net.layer_dims[-1] if net.output == "softmax" else 2
    return list(net.classes) if net.classes else [str(i) for i in range(k)]


# --- train ----------------------------------------------------------------------------------
TRAIN_KEYS = ("data", "label", "test", "layers", "hidden", "output", "init", "lr", "iterations",
              "seed", "rng", "dtype", "dev", "standardize", "image_size", "optimizer",
              "batch_size", "epochs", "lambd", "keep_prob", "decay", "patience")
TRAIN_DEFAULTS = {"layers": [20, 7, 5], "hidden": "relu", "output": None, "init": "he",
                  "lr": 0.0075, "iterations": 2500, "seed": 1, "rng": "default",
                  "dtype": "float64", "dev": 0.2, "standardize": None, "label": None,
                  "data": None, "test": None, "image_size": None, "optimizer": "gd",
                  "batch_size": None, "epochs": None, "lambd": 0.0, "keep_prob": None,
                  "decay": 0.0, "patience": None}
"""Options a checkpoint stores to resume; None in the namespace means 'not given'."""
RESUME_KEYS = ("iterations", "epochs")
"""The options a resumed run may change (a new total)."""
DEFAULT_EPOCHS = 10
"""Epochs of mini-batch training when --batch-size comes without --epochs."""


def _abs(spec: "str | None") -> "str | None":
    if spec is None:
        return None
    ds = _datasets()
    if spec in getattr(ds, "GENERATORS", {}) or spec in getattr(ds, "BUILTIN", ()):
        return spec
    return str(Path(spec).resolve())


def _settings(args: argparse.Namespace, saved: "dict | None") -> dict:
    """The training options: the checkpoint's (when resuming), then what was given."""
    s = dict(TRAIN_DEFAULTS)
    if saved:
        s.update({k: saved[k] for k in TRAIN_KEYS if k in saved})
    for k in TRAIN_KEYS:
        v = getattr(args, k, None)
        if v is not None:
            if saved and k not in RESUME_KEYS:
                flag = "--" + k.replace("_", "-")
                raise NNDLError(f"{flag} cannot be changed when resuming: a resumed run uses "
                                "the checkpoint's data and settings (only --iterations or "
                                "--epochs, --out, --plot, --log, --quiet and the checkpoint "
                                "options may be given)")
            s[k] = v
    s["data"], s["test"] = _abs(s["data"]), _abs(s["test"])
    if s["batch_size"] is None:
        if s["epochs"] is not None:
            raise NNDLError("--epochs counts passes of mini-batch training: "
                            + ("this checkpoint trains with full batches: give --iterations"
                               if saved else "give --batch-size too (full-batch training "
                               "counts --iterations)"))
    else:
        if getattr(args, "iterations", None) is not None:
            raise NNDLError("--iterations is for full-batch training; with --batch-size give "
                            "the number of passes over the data with --epochs")
        if s["epochs"] is None:
            s["epochs"] = DEFAULT_EPOCHS
    if s["keep_prob"] is not None and s["keep_prob"] < 1 and not s["layers"]:
        raise NNDLError("--keep-prob drops hidden units: it needs hidden --layers")
    if s["patience"] is not None and not s["dev"] > 0:
        raise NNDLError("--patience (early stopping) watches the dev split: it needs --dev > 0")
    return s


def cmd_train(args: argparse.Namespace) -> int:
    from .callbacks import EarlyStopping
    from .checkpoint import Checkpointer
    from .network import Network
    from .optimizers import get_optimizer
    from .progress import CostLog, ProgressBar

    ds = _datasets()
    resumed = None
    if args.resume:
        resumed, meta = io.read(args.resume)
        saved = meta["info"].get("train_args")
        if "checkpoint" not in meta["info"] or not isinstance(saved, dict):
            raise NNDLError(f"{args.resume} is a model but not a checkpoint of 'nndl train' "
                            "(it holds no training settings)")
    else:
        saved = None
    s = _settings(args, saved)
    for what, p in (("--out", args.out), ("--plot", args.plot), ("--log", args.log),
                    ("--checkpoint", args.checkpoint)):
        if p and not Path(p).resolve().parent.is_dir():
            raise NNDLError(f"{what} {p}: folder {Path(p).resolve().parent} does not exist")

    data, test = load_data(s["data"], _label(s["label"]), image_size=s["image_size"])
    task = _task(data)
    if data.Y is None:
        raise NNDLError(f"{data.name or s['data']} has no labels: training needs them")
    if s["test"] is not None:
        d, t = load_data(s["test"], _label(s["label"]), image_size=s["image_size"])
        test = t if t is not None else d  # the course folder: its test file
    train, dev = data, None
    if s["dev"] > 0:
        train, dev, _ = ds.split(data, dev=s["dev"], test=0.0, seed=s["seed"],
                                 stratify=task != "regression")

    if resumed is not None:
        net = resumed
        _check_width(net, train, "the training data")
    else:
        k = len(data.classes) if task == "multiclass" and data.classes else None
        n_out = {"binary": 1, "multiclass": k or int(data.Y.max()) + 1,
                 "regression": int(data.Y.shape[0])}[task]
        output = s["output"] or OUTPUTS[task]
        rng = np.random.RandomState(s["seed"]) if s["rng"] == "legacy" else None
        net = Network([train.X.shape[0], *s["layers"], n_out], hidden=s["hidden"],
                      output=output, init=s["init"], dtype=s["dtype"],
                      seed=None if rng is not None else s["seed"], rng=rng)
        net.classes = list(data.classes) if data.classes and task != "regression" else None
        standardize = s["standardize"]
        if standardize is None:  # auto: not for images, already in [0, 1]
            standardize = _image_size(data) is None
            s["standardize"] = standardize
        if standardize:
            from .preprocessing import Standardizer

            net.preprocessing = Standardizer().fit(train.X)

    Ytrain = targets(train, net)
    # resuming: by default the model goes where the first run would have put it, and new
    # checkpoints replace the one resumed from
    out = Path(args.out or (saved or {}).get("out") or "model.npz")
    ckpt_path = Path(args.checkpoint or args.resume or _ckpt_default(out))
    s["out"] = str(out.resolve())
    info = {"train_args": s, "image_size": _image_size(data), "data_name": data.name}

    # What one fit call needs. Mini-batches count epochs, full batches iterations (each
    # iteration is then one epoch). Checkpoints are taken at epoch ends: a signal lets the
    # current epoch finish (see nndl.checkpoint), so resuming is exact in both modes.
    mini = s["batch_size"] is not None
    if mini:
        unit, target, done = "epoch", s["epochs"], net.epochs_done
    else:
        unit, target, done = "iteration", s["iterations"], net.iterations_done
    if resumed is not None and resumed.optimizer is not None:
        optimizer = resumed.optimizer  # with its state: moments, step count, decay schedule
    else:
        optimizer = get_optimizer(s["optimizer"], s["lr"], decay=s["decay"])
    early = None
    if s["patience"] is not None:
        early = EarlyStopping(s["patience"])
        state = meta["info"]["checkpoint"].get("early_stopping") if resumed else None
        if state is not None:
            early.load_state_dict(state, meta["param_sets"].get("best"))
    ckpt = Checkpointer(ckpt_path, every=args.checkpoint_every or 0, info=info,
                        learning_rate=s["lr"], unit="epoch",
                        target_epochs=target if mini else None, early_stopping=early)
    callbacks = [ProgressBar(enabled=False if args.quiet else None)]
    callbacks += [early, ckpt] if early is not None else [ckpt]  # ckpt sees early's update
    if args.log:
        callbacks.append(CostLog(args.log, append=resumed is not None))
    remaining = 0 if early is not None and early.stopped else target - done
    kw: dict = {"callbacks": callbacks, "optimizer": optimizer, "lambd": s["lambd"],
                "keep_probs": s["keep_prob"]}
    if early is not None:
        kw["dev"] = (dev.X, targets(dev, net))
    if mini:
        kw.update(batch_size=s["batch_size"], epochs=remaining)
    else:
        kw.update(iterations=remaining)
    iterations_before = net.iterations_done
    t0 = time.perf_counter()
    if remaining > 0:
        with ckpt.catch_signals():
            net.fit(train.X, Ytrain, learning_rate=s["lr"], **kw)
    seconds = time.perf_counter() - t0
    if ckpt.signal is not None:
        ckpt.write(net)
        name = {2: "SIGINT", 15: "SIGTERM"}.get(ckpt.signal, str(ckpt.signal))
        now = net.epochs_done if mini else net.iterations_done
        print(f"nndl: {name} at {unit} {now} of {target}: checkpoint written to {ckpt_path}; "
              f"continue with: nndl train --resume {ckpt_path}", file=sys.stderr)
        return 128 + int(ckpt.signal)
    if early is not None:
        early.restore(net)

    summary: dict = {"iterations": net.iterations_done, "epochs": net.epochs_done,
                     "best_epoch": net.history.best_epoch, "seconds": round(seconds, 3),
                     "final_cost": net.history.costs[-1] if net.history.costs else None,
                     "train": scores(net, train.X, Ytrain)}
    parts = [("train", train)] + [(n, d) for n, d in (("dev", dev), ("test", test))
                                  if d is not None]
    for name, d in parts[1:]:
        _check_width(net, d, f"the {name} data")
        summary[name] = scores(net, d.X, targets(d, net))
    io.save(net, out, info={**info, "summary": summary})

    print(f"data      {data.name}: {data.X.shape[0]} features, task {task}"
          + (f", classes {net.classes}" if net.classes else ""))
    print("samples   " + ", ".join(f"{n} {d.X.shape[1]}" for n, d in parts))
    print(f"network   {net.layer_dims} {'/'.join(net.activation_names)}, init {net.init}, "
          f"{net.n_params} parameters, {net.dtype.name}")
    if net.history.costs:
        print(f"cost      {net.history.costs[0]:.6f} (it. {net.history.iterations[0]}) -> "
              f"{net.history.costs[-1]:.6f} (it. {net.history.iterations[-1]}), "
              f"learning rate {s['lr']:g}")
    print(f"training  {_training_line(s, net.optimizer)}")
    if mini:
        print(f"time      {seconds:.2f} s for {max(remaining, 0)} epochs "
              f"({net.iterations_done - iterations_before} iterations)")
    else:
        print(f"time      {seconds:.2f} s for {max(remaining, 0)} iterations")
    if early is not None and early.best_epoch is not None:
        how = f"stopped after epoch {net.epochs_done - 1}" if early.stopped else "no stop"
        print(f"early     {how}; kept the parameters of epoch {early.best_epoch} (lowest dev "
              "cost)")
    for name, _ in parts:
        print(f"{name:<9} {_fmt_scores(summary[name])}")
    print(f"saved     {out}")
    if args.plot:
        for p in _plots(net, train, Path(args.plot)):
            print(f"plot      {p}")
    return 0


def _training_line(s: dict, optimizer) -> str:
    """'adam (learning rate 0.001), mini-batches of 32 for 10 epochs, L2 0.1, ...'."""
    name = getattr(optimizer, "name", None) or s.get("optimizer") or "gd"
    parts = [f"{name} (learning rate {s.get('lr')}"
             + (f", decay {s['decay']:g}" if s.get("decay") else "") + ")"]
    if s.get("batch_size"):
        parts.append(f"mini-batches of {s['batch_size']} for {s.get('epochs')} epochs")
    else:
        parts.append(f"full batch for {s.get('iterations')} iterations")
    if s.get("lambd"):
        parts.append(f"L2 {s['lambd']:g}")
    if s.get("keep_prob") is not None:
        parts.append(f"dropout keep-prob {s['keep_prob']:g}")
    if s.get("patience") is not None:
        parts.append(f"early stopping patience {s['patience']}")
    return ", ".join(parts)


def _ckpt_default(out: Path) -> Path:
    stem = out.name[:-4] if out.name.endswith(".npz") else out.name
    return out.with_name(stem + ".ckpt.npz")


def _plots(net, train, path: Path) -> list[Path]:
    try:
        from . import plots
    except ImportError as exc:
        raise NNDLError(f"plots need matplotlib and nndl.plots: pip install 'nndl[plot]' "
                        f"({exc})") from None
    written = [path]
    plots.plot_costs(net.history, path=path)
    if net.layer_dims[0] == 2 and net.output != "linear":
        b = path.with_name(path.stem + "-boundary" + (path.suffix or ".png"))
        plots.plot_decision_boundary(net, train.X, train.Y, path=b)
        written.append(b)
    try:
        import matplotlib.pyplot as plt

        plt.close("all")
    except ImportError:  # pragma: no cover
        pass
    return written


# --- evaluate ------------------------------------------------------------------------------
def _eval_data(spec: str, label, net, meta):
    size = meta["info"].get("image_size")
    data, test = load_data(spec, _label(label), image_size=size)
    if test is not None:  # the course folder: evaluate on its test file
        data = test
    _check_width(net, data, "the data")
    return data


def cmd_evaluate(args: argparse.Namespace) -> int:
    net, meta = io.read(args.model)
    data = _eval_data(args.data, args.label, net, meta)
    Y = targets(data, net)
    s = scores(net, data.X, Y)
    print(f"data      {data.name}: {data.X.shape[1]} samples")
    if "accuracy" in s:
        counts = confusion_matrix(net, data.X, Y)
        right = int(np.trace(counts))
        print(f"accuracy  {s['accuracy']:.4f} ({right}/{int(counts.sum())})")
        names = _class_names(net)
        w = max(8, *(len(n) for n in names)) + 1
        print("confusion matrix (rows: true class, columns: predicted class)")
        print(" " * w + "".join(f"{n:>{w}}" for n in names))
        for n, row in zip(names, counts):
            print(f"{n:<{w}}" + "".join(f"{c:>{w}}" for c in row))
    else:
        print(f"mse       {s['mse']:.6g}\nrmse      {s['rmse']:.6g}\nmae       {s['mae']:.6g}")
    return 0


# --- predict -------------------------------------------------------------------------------
def _predict_inputs(paths: Sequence[str], net, meta, label) -> list[tuple[str, np.ndarray]]:
    """[(source, X (n0, m))] for data files and image files."""
    ds = _datasets()
    n0 = net.layer_dims[0]
    size = meta["info"].get("image_size")
    out: list[tuple[str, np.ndarray]] = []
    images = [p for p in paths if Path(p).suffix.lower() in IMAGE_SUFFIXES]
    for p in paths:
        if p in images:
            continue
        if Path(p).suffix.lower() == ".csv" and label is None and Path(p).is_file():
            try:  # all columns are features ...
                data = ds.load(p, label=False)
            except NNDLError:
                data = None
            if data is None or data.X.shape[0] != n0:  # ... or the last one is a label
                data = ds.load(p)
        else:
            data = load_data(p, _label(label), image_size=size)[0]
        _check_width(net, data, f"{p}")
        out.append((p, data.X))
    if images:
        if size is None:
            side = int(round(np.sqrt(n0 / 3)))
            if 3 * side * side != n0:
                raise NNDLError(f"this model takes {n0} features, not RGB images")
            size = [side, side]
        for p in images:
            if not Path(p).is_file():
                raise NNDLError(f"image file not found: {p}")
            data = ds.load_images([p], image_size=tuple(size))
            _check_width(net, data, p)
            out.append((p, data.X))
    return out


def cmd_predict(args: argparse.Namespace) -> int:
    net, meta = io.read(args.model)
    inputs = _predict_inputs(args.inputs, net, meta, args.label)
    rows: list[list[str]] = []
    for source, X in inputs:
        A = net.forward(X)
        for j in range(X.shape[1]):
            if net.output == "linear":
                rows.append([source, str(j), " ".join(f"{v:.6g}" for v in A[:, j]), ""])
                continue
            if net.output == "softmax":
                c = int(np.argmax(A[:, j]))
                p = float(A[c, j])
            else:
                c = int(A[0, j] > 0.5)
                p = float(A[0, j]) if c == 1 else 1.0 - float(A[0, j])
            rows.append([source, str(j), _class_names(net)[c], f"{p:.6f}"])
    header = ["input", "index", "value" if net.output == "linear" else "label", "probability"]
    if args.out:
        buf = _stdio.StringIO()
        csv.writer(buf, lineterminator="\n").writerows([header, *rows])
        atomic_write(args.out, lambda f: f.write(buf.getvalue()), mode="w", what="predictions")
        print(f"wrote {len(rows)} predictions to {args.out}")
    else:
        for r in rows:
            print("\t".join(x for x in r if x != ""))
    return 0


# --- info ----------------------------------------------------------------------------------
def cmd_info(args: argparse.Namespace) -> int:
    net, meta = io.read(args.model)
    info = meta["info"]
    pre = meta["preprocessing"]
    print(f"model        {args.model} (nndl format {meta['format_version']}, saved by nndl "
          f"{meta.get('nndl_version')})")
    print(f"layers       {net.layer_dims}")
    print(f"activations  {net.activation_names}")
    print(f"parameters   {net.n_params}")
    print(f"dtype        {net.dtype.name}")
    print(f"init         {net.init}")
    print(f"task         {meta['task']}" + (f", classes {net.classes}" if net.classes else ""))
    print("preprocessing " + ("none" if pre is None else
                               f"standardize {net.layer_dims[0]} features (mean/std of the "
                               "training data)"))
    if info.get("image_size"):
        print(f"images       {info['image_size'][0]}x{info['image_size'][1]} RGB")
    print(f"iterations   {net.iterations_done}")
    if net.history.costs:
        print(f"cost         {net.history.costs[0]:.6f} (it. {net.history.iterations[0]}) -> "
              f"{net.history.costs[-1]:.6f} (it. {net.history.iterations[-1]})")
    if net.epochs_done:
        print(f"epochs       {net.epochs_done}"
              + (f", best epoch {net.history.best_epoch} (early stopping)"
                 if net.history.best_epoch is not None else ""))
    if net.optimizer is not None:
        print(f"optimizer    {net.optimizer!r}, {net.optimizer.t} updates")
    targs = info.get("train_args") or {}
    if targs:
        print(f"trained on   {targs.get('data') or 'breast_cancer (built-in)'}, learning rate "
              f"{targs.get('lr')}, seed {targs.get('seed')}")
        print(f"training     {_training_line(targs, net.optimizer)}")
    for part in ("train", "dev", "test"):
        s = (info.get("summary") or {}).get(part)
        if isinstance(s, dict) and s:
            print(f"{part:<12} {_fmt_scores(s)}")
    ck = info.get("checkpoint")
    if isinstance(ck, dict):
        if targs.get("batch_size"):
            done = f"{ck.get('epochs_done')} of {ck.get('target_epochs')} epochs"
        else:
            done = f"{ck.get('iterations_done')} of {ck.get('target_iterations')} iterations"
        print(f"checkpoint   {done} done; continue with: nndl train --resume {args.model}")
    return 0


# --- gradcheck -----------------------------------------------------------------------------
MAX_GRADCHECK_PARAMS = 20000
"""Models with more parameters are checked on a random sample of this many (two forward passes
per checked parameter), unless --sample says otherwise."""


def cmd_gradcheck(args: argparse.Namespace) -> int:
    from .gradient_check import gradcheck
    from .network import Network

    rng = np.random.default_rng(args.seed)
    if args.model:
        net = io.load(args.model)
        source = args.model
    else:
        net = Network([args.inputs, *args.layers, args.outputs], hidden=args.hidden,
                      output=args.output, init="xavier", seed=args.seed)
        source = "a random network"
    sample = args.sample
    if sample is None and net.n_params > MAX_GRADCHECK_PARAMS:
        sample = MAX_GRADCHECK_PARAMS
    m = args.samples
    X = rng.standard_normal((net.layer_dims[0], m))
    if net.preprocessing is not None:  # random inputs around the training data
        X = X * np.asarray(net.preprocessing.std) + np.asarray(net.preprocessing.mean)
    nL = net.layer_dims[-1]
    if net.output == "sigmoid":
        Y = (rng.random((nL, m)) > 0.5).astype(np.float64)
    elif net.output == "softmax":
        Y = np.zeros((nL, m))
        Y[rng.integers(0, nL, m), np.arange(m)] = 1.0
    else:
        Y = rng.standard_normal((nL, m))
    total, per = gradcheck(net, X, Y, epsilon=args.epsilon, details=True, sample=sample,
                           seed=args.seed)
    print(f"gradient check of {source}: {net.layer_dims} {'/'.join(net.activation_names)}, "
          f"{m} random samples, epsilon {args.epsilon:g}")
    if sample is not None and sample < net.n_params:
        print(f"checked {max(sample, 2 * net.L)} of the {net.n_params} parameters, chosen at "
              "random (--sample, --seed)")
    for k, v in per.items():
        print(f"  {k:<6} {v:.3e}")
    ok = total < args.tolerance
    print(f"difference {total:.3e} ({'ok' if ok else 'FAILED'}: tolerance {args.tolerance:g})")
    return 0 if ok else 1


# --- the parser ----------------------------------------------------------------------------
def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="nndl", description="Train, evaluate and use the deep L-layer network of "
                "the course notes (nndl, NumPy).",
                epilog="Exit status: 0 success, 2 bad usage or bad input (one line on stderr).")
    p.add_argument("--version", action="version", version=f"nndl {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND", required=True)

    t = sub.add_parser("train", help="train a network and save it",
                       description="Train a network by gradient descent (full batch, or "
                       "mini-batches with --batch-size; gd, momentum, rmsprop or adam) and save "
                       "it. With "
                       "no --data: the built-in breast cancer data set (scikit-learn), "
                       "standardized, 20%% held out as a dev set.")
    t.add_argument("--data", help="a .csv/.npz/.h5 file, a folder of images (one sub-folder per "
                   "class), the course's cat folder, or a name: flower, moons, circles, xor, "
                   "spiral, blobs, breast_cancer, digits, iris, wine, diabetes")
    t.add_argument("--label", help="CSV label column, by name or index (default: the last)")
    t.add_argument("--test", help="a test data set, reported after training")
    t.add_argument("--layers", type=_layers, help="hidden layer sizes, e.g. 20,7,5; 'none' for "
                   "logistic regression (default 20,7,5)")
    t.add_argument("--hidden", help="hidden activation: relu, tanh, sigmoid, leaky_relu "
                   "(default relu)")
    t.add_argument("--output", help="output activation (default: sigmoid for 2 classes, softmax "
                   "for more, linear for regression)")
    t.add_argument("--init", help="small, scaled, he, xavier or zeros (default he)")
    t.add_argument("--lr", type=_positive_float, help="learning rate (default 0.0075)")
    t.add_argument("--iterations", type=_positive_int, help="full-batch gradient descent "
                   "iterations (default 2500); with --resume, a new total")
    t.add_argument("--optimizer", choices=["gd", "momentum", "rmsprop", "adam"],
                   help="how gradients become updates (default gd, the notes' gradient "
                   "descent); --lr is its learning rate")
    t.add_argument("--batch-size", type=_positive_int, metavar="N", help="mini-batch training: "
                   "N samples per update, reshuffled every epoch (default: full batch)")
    t.add_argument("--epochs", type=_positive_int, metavar="E", help="with --batch-size: passes "
                   f"over the training data (default {DEFAULT_EPOCHS}); with --resume, a new "
                   "total")
    t.add_argument("--lambd", type=_nonnegative_float, metavar="L2", help="L2 regularization "
                   "strength: adds lambd/(2m) sum ||W||^2 to the cost (default 0)")
    t.add_argument("--keep-prob", type=_probability, metavar="P", help="inverted dropout on "
                   "the hidden layers: keep each unit with probability P while training")
    t.add_argument("--decay", type=_nonnegative_float, help="learning-rate decay: lr / (1 + "
                   "DECAY * epoch); with full batches every iteration is an epoch (default 0)")
    t.add_argument("--patience", type=_positive_int, metavar="K", help="early stopping: stop "
                   "after K epochs without a lower dev cost and keep the best parameters "
                   "(needs --dev > 0)")
    t.add_argument("--seed", type=int, help="seed of the initialization and the dev split "
                   "(default 1)")
    t.add_argument("--rng", choices=["default", "legacy"], help="'legacy' draws the weights "
                   "with numpy.random.RandomState(seed).randn, as the course does")
    t.add_argument("--dtype", choices=["float64", "float32"], help="default float64")
    t.add_argument("--dev", type=_fraction, help="fraction held out as a dev set (default 0.2; "
                   "0 trains on everything)")
    g = t.add_mutually_exclusive_group()
    g.add_argument("--standardize", dest="standardize", action="store_const", const=True,
                   help="standardize the features (default, except for images)")
    g.add_argument("--no-standardize", dest="standardize", action="store_const", const=False,
                   help="use the features as they are")
    t.add_argument("--image-size", type=_image_size_arg, metavar="SIZE", help="image folders: "
                   "resize every image to SIZE or HEIGHT,WIDTH pixels (default 64)")
    t.add_argument("--out", help="where to save the model (default model.npz; with --resume, "
                   "where the first run would have saved it)")
    t.add_argument("--plot", help="write the cost curve to this PNG (and, for 2-D data, the "
                   "decision boundary to NAME-boundary.png)")
    t.add_argument("--log", help="write the cost of every iteration to this JSON-lines file")
    t.add_argument("--quiet", action="store_true", help="no progress bar")
    t.add_argument("--checkpoint-every", type=_positive_int, metavar="N",
                   help="write a checkpoint every N iterations (N epochs with --batch-size); "
                   "a signal lets the current epoch finish, then writes one")
    t.add_argument("--checkpoint", help="checkpoint file (default: OUT with .ckpt.npz, or the "
                   "CHECKPOINT resumed from); SIGINT/SIGTERM always write one before exiting")
    t.add_argument("--resume", metavar="CHECKPOINT", help="continue the training saved in "
                   "CHECKPOINT (same data and settings)")
    t.set_defaults(func=cmd_train)

    e = sub.add_parser("evaluate", help="accuracy and confusion matrix (or error) of a model",
                       description="Evaluate a saved model on labelled data.")
    e.add_argument("--model", required=True, help="a model saved by nndl train")
    e.add_argument("--data", required=True, help="labelled data (as for train --data; the "
                   "course's cat folder means its test file)")
    e.add_argument("--label", help="CSV label column, by name or index (default: the last)")
    e.set_defaults(func=cmd_evaluate)

    r = sub.add_parser("predict", help="predict labels of data or image files",
                       description="Print the predicted label and its probability for every "
                       "sample of every INPUT (data files or image files).")
    r.add_argument("--model", required=True, help="a model saved by nndl train")
    r.add_argument("inputs", nargs="+", metavar="INPUT", help="data files (.csv, .npz, .h5, a "
                   "folder) or image files (.png, .jpg, ...)")
    r.add_argument("--label", help="CSV label column to skip, by name or index")
    r.add_argument("--out", help="write the predictions to this CSV file instead")
    r.set_defaults(func=cmd_predict)

    i = sub.add_parser("info", help="describe a saved model", description="Describe a saved "
                       "model: layers, activations, parameters, dtype, preprocessing, training.")
    i.add_argument("model", help="a model or checkpoint saved by nndl")
    i.set_defaults(func=cmd_info)

    c = sub.add_parser("gradcheck", help="check backpropagation against numerical gradients",
                       description="Two-sided numerical gradient check on a small random "
                       "network, or on a saved model with random inputs. Exit 1 if the "
                       "difference is above the tolerance.")
    c.add_argument("--model", help="a saved model")
    c.add_argument("--sample", type=_positive_int, default=None,
                   help="check this many parameters chosen at random (default: all of them "
                   f"up to {MAX_GRADCHECK_PARAMS}, a random {MAX_GRADCHECK_PARAMS} beyond)")
    c.add_argument("--inputs", type=_positive_int, default=4, help="random network: n[0]")
    c.add_argument("--layers", type=_layers, default=[5, 3], help="random network: hidden "
                   "sizes (default 5,3)")
    c.add_argument("--outputs", type=_positive_int, default=1, help="random network: n[L]")
    c.add_argument("--hidden", default="tanh", help="random network: hidden activation")
    c.add_argument("--output", default="sigmoid", help="random network: output activation")
    c.add_argument("--samples", type=_positive_int, default=8, help="random samples (default 8)")
    c.add_argument("--seed", type=int, default=0)
    c.add_argument("--epsilon", type=_positive_float, default=1e-7)
    c.add_argument("--tolerance", type=_positive_float, default=1e-7)
    c.set_defaults(func=cmd_gradcheck)

    from . import cli_export

    cli_export.add_parser(sub)
    return p


def _one_line(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        msg = f"{exc.filename}: {exc.strerror}" if exc.filename else exc.strerror
    else:
        msg = str(exc) or type(exc).__name__
    return " ".join(msg.split())


def main(argv: "Sequence[str] | None" = None) -> int:
    """Run the ``nndl`` command; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except BrokenPipeError:  # e.g. `nndl predict ... | head`: stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except (NNDLError, ValueError, OSError) as exc:
        print(f"nndl {args.command}: error: {_one_line(exc)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"nndl {args.command}: interrupted", file=sys.stderr)
        return 130

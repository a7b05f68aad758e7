"""``nndl evaluate``: a saved model's accuracy and confusion matrix (classifiers) or its errors
(regression) on labelled data.

    nndl evaluate --model model.npz --data test.csv
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

import numpy as np

from .. import metrics
from ..errors import NNDLError
from ..heads import class_names, confusion_matrix, dataset_targets, scores
from . import arguments as a
from .applies import check_model_options
from .common import most_frequent, no_better, read_model
from .model_data import read_for_model

NAME = "evaluate"


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    e = subparsers.add_parser(NAME, help="accuracy and confusion matrix (or error) of a model",
                              description="Evaluate a saved model on labelled data.")
    e.add_argument("--model", required=True, type=a.path,
                   help="a model saved by nndl train")
    e.add_argument("--data", required=True, type=a.path, help="labelled data (as for train --data; the "
                   "course's cat folder means its test file)")
    e.add_argument("--label", help="CSV label column, by name or index (default: the one "
                   "chosen at training, else the last)")
    e.add_argument("--drop", type=a.column_list, action="extend", metavar="COLS",
                   help="CSV: columns to leave "
                   "out (by name or index), e.g. an ID column the model was not trained on")
    e.add_argument("--drop-missing", dest="drop_missing", action="store_true",
                   help="CSV: leave out rows with a missing value (default: refuse them, "
                   "naming the line and column)")
    a.add_header_options(e)
    a.add_decimal_option(e, "as given at training, else detected")
    e.set_defaults(run=run)
    return e


def run(args: argparse.Namespace) -> int:
    check_model_options([args.data], label=args.label, drop=args.drop,
                        drop_missing=args.drop_missing, header=args.header,
                        decimal=args.decimal)
    net, meta = read_model(args.model)
    _one_target(net)
    data = read_for_model(args.data, net, meta, label=args.label, labelled=True,
                          drop=args.drop, header=args.header, drop_missing=args.drop_missing,
                          decimal=args.decimal)
    if data.Y is None:
        raise NNDLError(f"{args.data} has no labels: evaluate needs them (predict does not)")
    Y = dataset_targets(data, net)
    s = scores(net, data.X, Y)
    print(f"data      {data.name}: {data.X.shape[1]} samples")
    counts = names = None
    if "accuracy" in s:
        counts, names = confusion_matrix(net, data.X, Y), class_names(net)
        print(f"accuracy  {s['accuracy']:.4f} ({int(np.trace(counts))}/{int(counts.sum())})")
        top = most_frequent(counts, names)
        if top is not None:
            print(f"baseline  {top[1]:.4f} (always {top[0]!r}, the most frequent class)")
        _print_confusion(names, counts)
    else:
        _print_regression(Y, s)
    why = no_better(s, counts, names)
    if why is not None:
        print(f"warning   {why}", file=sys.stderr)
    return 0


def _one_target(net: Any) -> None:
    """NNDLError for a model of several outputs (k sigmoid units, or a regression of k
    values): the data files evaluate reads hold one label column per sample (a CSV's label
    column, an array file's y (m,)), so no file could be scored against it (the errors said
    'labels must be one value per sample' or named metrics' arguments)."""
    k = int(net.layer_dims[-1])
    if k == 1 or net.head.task == "multiclass":
        return
    if net.head.is_classifier:
        what, python = f"multi-label: {k} sigmoid units", "net.accuracy(X, Y) (Y (k, m) 0/1)"
    else:
        what, python = "a regression of several values", \
            "nndl.metrics.regression_scores(Y, net.predict(X), matrix=True) (Y (k, m))"
    raise NNDLError(f"this model has {k} outputs ({what}); nndl evaluate scores models of one "
                    f"target (one label column per sample): evaluate it in Python, "
                    f"net = nndl.load(...); {python}")


def _print_regression(Y: np.ndarray, s: dict) -> None:
    """mse, rmse, mae, and R^2 beside the mean baseline (predicting the mean of Y for every
    sample: R^2 = 0), so that a model that learned nothing is visible (and said:
    :func:`~nndl.cli.common.no_better`)."""
    print(f"mse       {s['mse']:.6g}\nrmse      {s['rmse']:.6g}\nmae       {s['mae']:.6g}")
    baseline = metrics.baseline_mse(Y, matrix=True)
    r2 = s["r2"]
    print(f"r2        {r2:.4f} (1 is perfect; 0 is the mean baseline, mse {baseline:.6g})")


def _print_confusion(names: "list[str]", counts: np.ndarray) -> None:
    w = max(8, *(len(n) for n in names)) + 1
    print("confusion matrix (rows: true class, columns: predicted class)")
    print(" " * w + "".join(f"{n:>{w}}" for n in names))
    for n, row in zip(names, counts):
        print(f"{n:<{w}}" + "".join(f"{c:>{w}}" for c in row))

"""``nndl evaluate``: a saved model's accuracy and confusion matrix (classifiers) or its errors
(regression) on labelled data.

    nndl evaluate --model model.npz --data test.csv
"""

from __future__ import annotations

import argparse
from typing import Any

import numpy as np

from .. import datasets, io
from ..datasets import Dataset
from . import arguments as a
from ..heads import class_names, confusion_matrix, dataset_targets, scores
from .common import check_width

NAME = "evaluate"


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    e = subparsers.add_parser(NAME, help="accuracy and confusion matrix (or error) of a model",
                              description="Evaluate a saved model on labelled data.")
    e.add_argument("--model", required=True, help="a model saved by nndl train")
    e.add_argument("--data", required=True, help="labelled data (as for train --data; the "
                   "course's cat folder means its test file)")
    e.add_argument("--label", help="CSV label column, by name or index (default: the last)")
    e.set_defaults(run=run)
    return e


def model_data(spec: str, label: "str | None", net: Any, meta: dict) -> Dataset:
    """The data ``spec`` names, read as the model was trained (its image size), checked
    against the model's width; the course's cat folder means its test file."""
    size = meta["info"].get("image_size")
    data, test = datasets.load_spec(spec, a.label_column(label), image_size=size)
    if test is not None:
        data = test
    check_width(net, data, "the data")
    return data


def run(args: argparse.Namespace) -> int:
    net, meta = io.read(args.model)
    data = model_data(args.data, args.label, net, meta)
    Y = dataset_targets(data, net)
    s = scores(net, data.X, Y)
    print(f"data      {data.name}: {data.X.shape[1]} samples")
    if "accuracy" in s:
        counts = confusion_matrix(net, data.X, Y)
        print(f"accuracy  {s['accuracy']:.4f} ({int(np.trace(counts))}/{int(counts.sum())})")
        _print_confusion(class_names(net), counts)
    else:
        print(f"mse       {s['mse']:.6g}\nrmse      {s['rmse']:.6g}\nmae       {s['mae']:.6g}")
    return 0


def _print_confusion(names: "list[str]", counts: np.ndarray) -> None:
    w = max(8, *(len(n) for n in names)) + 1
    print("confusion matrix (rows: true class, columns: predicted class)")
    print(" " * w + "".join(f"{n:>{w}}" for n in names))
    for n, row in zip(names, counts):
        print(f"{n:<{w}}" + "".join(f"{c:>{w}}" for c in row))

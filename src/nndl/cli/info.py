"""``nndl info``: describe a saved model or checkpoint (layers, activations, parameters, dtype,
preprocessing, training, scores).

    nndl info model.npz
"""

from __future__ import annotations

import argparse
import shlex
from typing import Any

from . import arguments as a
from .common import format_scores, outdated, read_model
from .resumed import needs_out
from .settings import TRAIN_DEFAULTS, training_line

NAME = "info"


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    i = subparsers.add_parser(NAME, help="describe a saved model", description="Describe a "
                              "saved model: layers, activations, parameters, dtype, "
                              "preprocessing, training.")
    i.add_argument("model", type=a.path, help="a model or checkpoint saved by nndl")
    i.set_defaults(run=run)
    return i


def run(args: argparse.Namespace) -> int:
    net, meta = read_model(args.model, describe=True)
    _print_model(args.model, net, meta)
    why = outdated(args.model, meta)
    _print_training(args.model, net, meta["info"], refused=why is not None)
    if why:
        print(f"warning      {why}")
    return 0


def _print_model(path: str, net: Any, meta: dict) -> None:
    info, pre = meta["info"], meta["preprocessing"]
    print(f"model        {path} (nndl format {meta['format_version']}, saved by nndl "
          f"{meta.get('nndl_version')})")
    print(f"layers       {net.layer_dims}")
    print(f"activations  {net.activation_names}")
    print(f"parameters   {net.n_params}")
    print(f"dtype        {net.dtype.name}")
    print(f"init         {net.init}")
    task = meta["task"]
    if net.head.task == "binary" and net.layer_dims[-1] > 1:  # one yes/no answer per unit
        task = f"multi-label ({net.layer_dims[-1]} sigmoid units, each 0 or 1)"
    elif not net.head.is_classifier and net.layer_dims[-1] > 1:  # one value per output unit
        task = f"{task} ({net.layer_dims[-1]} outputs)"
    print(f"task         {task}" + (f", classes {net.classes}" if net.classes else ""))
    if pre is None:
        what = "none"
    elif isinstance(info.get("playground"), dict):  # the page's map of the file's columns
        what = (f"map {net.layer_dims[0]} column(s) onto the playground's plane ((x - center) "
                "/ scale, as the page did)")
    else:
        what = f"standardize {net.layer_dims[0]} features (mean/std of the training data)"
    print(f"preprocessing {what}")
    tgt = net.target_scaling
    if tgt is not None:
        pairs = ", ".join(f"mean {m:.6g} std {s:.6g}" for m, s in
                          zip(tgt.mean.ravel(), tgt.std.ravel()))
        print(f"targets      standardized for training ({pairs}); predictions in their units")
    if info.get("image_size"):
        h, w = info["image_size"]
        kind = "RGB" if net.layer_dims[0] == 3 * h * w else "grey"
        print(f"images       {h}x{w} {kind}")


def _print_training(path: str, net: Any, info: dict, refused: bool = False) -> None:
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
    if info.get("changed_after_training"):
        first = (f"on {targs.get('data') or 'breast_cancer (built-in)'} by nndl train"
                 if targs else "and saved")
        print(f"trained      {first}, then trained further or edited: the scores and "
              "settings saved then are not this model's")
    elif targs:
        print(f"trained on   {targs.get('data') or 'breast_cancer (built-in)'}, learning rate "
              f"{targs.get('lr')}, seed {targs.get('seed')}")
        print(f"training     {training_line(targs, net.optimizer)}")
        if info.get("label_name") is not None:
            print(f"label        {info['label_name']!r} (the training file's label column)")
        print(f"options      {shlex.join(data_options(targs))}")
    for part in ("train", "dev", "test"):
        s = (info.get("summary") or {}).get(part)
        if isinstance(s, dict) and s:
            print(f"{part:<12} {format_scores(s)}")
    ck = info.get("checkpoint")
    if isinstance(ck, dict):
        unit = "epoch" if targs.get("batch_size") else "iteration"
        n, total = ck.get(f"{unit}s_done"), ck.get(f"target_{unit}s")
        words = ["nndl", "train", "--resume", str(path)]
        out = targs.get("out")
        if isinstance(out, str) and needs_out(path, out, moved=True):  # refused without
            words += ["--out", out]
        how = shlex.join(words)  # a shell line: quoted
        early = ck.get("early_stopping")
        if "summary" in info and isinstance(early, dict) \
                and early.get("wait", 0) >= early.get("patience", 1):
            how = " (finished: early stopping ended it, and it trains no further)"
        elif "summary" in info and isinstance(n, int) and isinstance(total, int) and n >= total:
            how = f" (finished); train further with: {how} --{unit}s {2 * n}"  # a new total
        else:
            how = f"; continue with: {how}"
        if refused:  # nndl would refuse to continue it (the warning below says why)
            how = ""
        print(f"checkpoint   {n} of {total} {unit}s done{how}")


_DATA_OPTIONS = ("label", "task", "features", "drop", "drop_missing", "header", "decimal",
                 "test", "test_header", "test_decimal", "dev", "rng")
"""The saved settings of ``nndl train`` that change training and that no other line of
``info`` shows: how the data was read and split, and the weights' generator."""


def data_options(targs: dict) -> list[str]:
    """The settings of :data:`_DATA_OPTIONS` that a model was trained with, as the options
    of ``nndl train`` that give them (``--drop id --dev 0.5 --rng legacy``): those given
    (not None) and not the default, and --dev always (the split its dev scores are of)."""
    words: list[str] = []
    for key in _DATA_OPTIONS:
        v = targs.get(key)
        if v is None or (v == TRAIN_DEFAULTS[key] and key != "dev"):
            continue
        flag = "--" + key.replace("_", "-")
        if isinstance(v, bool):  # a switch: --drop-missing, --header / --no-header ...
            off = {"header": "--no-header", "test_header": "--test-no-header"}.get(key)
            words += [flag] if v else [off] if off else []
            continue
        words += [flag, ",".join(map(str, v)) if isinstance(v, list) else f"{v:g}"
                  if isinstance(v, float) else str(v)]
    return words

"""The settings of ``nndl train``: their defaults (the one place they are stated; the help
shows them from here), how a checkpoint's settings and the options given combine, and the
one-line description of a training run that ``train`` and ``info`` print."""

from __future__ import annotations

import argparse
from typing import Any

from ..datasets import resolve_spec
from ..errors import NNDLError
from .arguments import show_layers

TRAIN_DEFAULTS: dict[str, Any] = {
    "data": None, "label": None, "task": None, "features": None, "drop": None,
    "drop_missing": None, "header": None, "test": None, "layers": [20, 7, 5], "hidden": "relu",
    "output": None, "init": "he", "lr": 0.0075, "iterations": 2500, "seed": 1,
    "rng": "default", "dtype": "float64", "dev": 0.2, "standardize": None, "image_size": None,
    "optimizer": "gd", "batch_size": None, "epochs": None, "lambd": 0.0, "keep_prob": None,
    "decay": 0.0, "patience": None,
}
"""The options a checkpoint stores to resume. None means 'not given': the value then depends
on others (``output`` on the data's task, ``standardize`` on whether the data are images,
``epochs`` on ``batch_size``) or the feature is off."""

TRAIN_KEYS = tuple(TRAIN_DEFAULTS)
RESUME_KEYS = ("iterations", "epochs")
"""The options a resumed run may change (a new total)."""
DEFAULT_EPOCHS = 10
"""Epochs of mini-batch training when --batch-size comes without --epochs."""


def shown(key: str) -> str:
    """A setting's default as the help prints it ('20,7,5', '0.0075', 'relu')."""
    if key == "epochs":
        return str(DEFAULT_EPOCHS)
    v = TRAIN_DEFAULTS[key]
    if key == "layers":
        return show_layers(v)
    return f"{v:g}" if isinstance(v, float) else str(v)


def _given(args: argparse.Namespace) -> dict[str, Any]:
    """The training options given on the command line (argparse leaves the others None)."""
    return {k: v for k in TRAIN_KEYS if (v := getattr(args, k, None)) is not None}


def train_settings(args: argparse.Namespace, saved: "dict | None") -> dict[str, Any]:
    """The training options: the defaults, then the checkpoint's (when resuming), then what
    was given; data paths made absolute so that a resumed run finds them from anywhere."""
    s = dict(TRAIN_DEFAULTS)
    if saved:
        s.update({k: saved[k] for k in TRAIN_KEYS if k in saved})
    for k, v in _given(args).items():
        if saved and k not in RESUME_KEYS:
            flag = "--" + k.replace("_", "-")
            raise NNDLError(f"{flag} cannot be changed when resuming: a resumed run uses "
                            "the checkpoint's data and settings (only --iterations or "
                            "--epochs, --out, --plot, --log, --quiet and the checkpoint "
                            "options may be given)")
        s[k] = v
    s["data"], s["test"] = resolve_spec(s["data"]), resolve_spec(s["test"])
    _check_schedule(s, args, resuming=bool(saved))
    if s["keep_prob"] is not None and s["keep_prob"] < 1 and not s["layers"]:
        raise NNDLError("--keep-prob drops hidden units: it needs hidden --layers")
    if s["patience"] is not None and not s["dev"] > 0:
        raise NNDLError("--patience (early stopping) watches the dev split: it needs --dev > 0")
    return s


def _check_schedule(s: dict, args: argparse.Namespace, resuming: bool) -> None:
    """Full batches count --iterations, mini-batches --epochs (default DEFAULT_EPOCHS)."""
    if s["batch_size"] is None:
        if s["epochs"] is not None:
            raise NNDLError("--epochs counts passes of mini-batch training: "
                            + ("this checkpoint trains with full batches: give --iterations"
                               if resuming else "give --batch-size too (full-batch training "
                               "counts --iterations)"))
    else:
        if getattr(args, "iterations", None) is not None:
            raise NNDLError("--iterations is for full-batch training; with --batch-size give "
                            "the number of passes over the data with --epochs")
        if s["epochs"] is None:
            s["epochs"] = DEFAULT_EPOCHS


def training_line(s: dict, optimizer: Any) -> str:
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

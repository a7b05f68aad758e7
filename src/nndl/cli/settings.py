"""The settings of ``nndl train``: their defaults (the one place they are stated; the help
shows them from here), how a checkpoint's settings and the options given combine, and the
one-line description of a training run that ``train`` and ``info`` print."""

from __future__ import annotations

import argparse
import math
from typing import Any, Callable

from ..datasets import resolve_spec
from ..errors import NNDLError
from .arguments import show_layers

TRAIN_DEFAULTS: dict[str, Any] = {
    "data": None, "label": None, "task": None, "features": None, "drop": None,
    "drop_missing": None, "header": None, "decimal": None, "test": None, "test_header": None,
    "test_decimal": None,
    "layers": [20, 7, 5], "hidden": "relu",
    "output": None, "init": "he", "lr": 0.0075, "iterations": 2500, "seed": 1,
    "rng": "default", "dtype": "float64", "dev": 0.2, "standardize": None, "image_size": None,
    "optimizer": "gd", "batch_size": None, "epochs": None, "lambd": 0.0, "keep_prob": None,
    "decay": 0.0, "patience": None,
}
"""The options a checkpoint stores to resume. None means 'not given': the value then depends
on others (``output`` on the data's task, ``standardize`` on whether the data are images,
``epochs`` on ``batch_size``) or the feature is off."""

TRAIN_KEYS = tuple(TRAIN_DEFAULTS)


def _number(v: Any) -> bool:
    return type(v) in (int, float) and math.isfinite(v)


def _whole(low: int) -> Callable[[Any], bool]:
    return lambda v: type(v) is int and low <= v < 2**63


def _columns(v: Any) -> bool:
    return isinstance(v, list) and all(type(c) in (str, int) for c in v)


SAVED_KINDS: dict[str, tuple[str, Callable[[Any], bool]]] = {
    **{k: ("a string", lambda v: isinstance(v, str))
       for k in ("data", "task", "test", "hidden", "output", "init", "rng", "dtype",
                 "optimizer")},
    **{k: ("true or false", lambda v: isinstance(v, bool))
       for k in ("drop_missing", "header", "test_header", "standardize")},
    **{k: ("'.' or ','", lambda v: v in (".", ",")) for k in ("decimal", "test_decimal")},
    **{k: ("a finite number", _number) for k in ("lr", "dev", "lambd", "keep_prob", "decay")},
    "label": ("a column name or index", lambda v: type(v) in (str, int)),
    "features": ("a list of column names or indices", _columns),
    "drop": ("a list of column names or indices", _columns),
    "layers": ("a list of positive integers",
               lambda v: isinstance(v, list) and all(_whole(1)(n) for n in v)),
    "image_size": ("[height, width]",
                   lambda v: isinstance(v, list) and len(v) == 2 and all(map(_whole(1), v))),
    "iterations": ("an integer >= 0", _whole(0)), "epochs": ("an integer >= 0", _whole(0)),
    "seed": ("an integer >= 0", _whole(0)), "batch_size": ("an integer >= 1", _whole(1)),
    "patience": ("an integer >= 1", _whole(1)),
}
"""What each saved setting of ``nndl train`` may be (besides null), checked when a model
file is read (:func:`check_saved`): a file edited by hand or by another program fails there
with one line, not with a traceback where a value is used."""


def check_saved(saved: Any) -> "str | None":
    """What is wrong with a model file's saved settings (``info["train_args"]``), or None."""
    if not isinstance(saved, dict):
        return f"info train_args must be an object; got {type(saved).__name__}"
    for k, (kind, ok) in SAVED_KINDS.items():
        v = saved.get(k)
        if v is not None and not ok(v):
            return f"info train_args {k} must be null or {kind}; got {v!r:.60}"
    return None
RESUME_KEYS = ("iterations", "epochs", "data")
"""The options a resumed run may change: a new total, and the data's place (a file that moved:
its values must be the checkpoint's, which ``nndl train`` checks by their fingerprint)."""
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


def train_settings(args: argparse.Namespace, saved: "dict | None",
                   deferred: "dict | None" = None) -> dict[str, Any]:
    """The training options: the defaults, then the checkpoint's (when resuming), then what
    was given; data paths made absolute so that a resumed run finds them from anywhere.
    Resuming, an option given again must take the effect it took (:func:`same_setting`:
    ``--keep-prob 1`` is no dropout, as not giving it); one whose effect depends on the data
    (``--header`` where a header was found, ``--label`` by index or name: :data:`ON_DATA`)
    is put in ``deferred`` (the checkpoint's value kept) to be checked once the data is read
    (:func:`nndl.cli.resume.check_deferred`), or refused now without ``deferred``."""
    s = dict(TRAIN_DEFAULTS)
    if saved:
        s.update({k: saved[k] for k in TRAIN_KEYS if k in saved})
    for k, v in _given(args).items():
        if k == "test":
            v = _resolved_test(v)
        if saved and k not in RESUME_KEYS:
            if not same_setting(k, v, s[k]):
                if deferred is None or k not in ON_DATA:
                    raise changed_on_resume(k, v)
                deferred[k] = v
            continue  # the same setting: kept as saved (--keep-prob 1 stored showed dropout)
        s[k] = v
    s["data"] = resolve_spec(s["data"])
    s["test"] = _resolved_test(s["test"])
    _check_schedule(s, args, resuming=bool(saved))
    if s["keep_prob"] is not None and s["keep_prob"] < 1 and not s["layers"]:
        raise NNDLError("--keep-prob drops hidden units: it needs hidden --layers")
    if s["patience"] is not None and not s["dev"] > 0:
        raise NNDLError("--patience (early stopping) watches the dev split: it needs --dev > 0")
    return s


ON_DATA = ("standardize", "image_size", "task", "label", "header")
"""Settings whose effect when not given depends on the data (:func:`nndl.tuning.space.taken`):
a resumed run compares them once the data is read."""


def same_setting(key: str, given: Any, saved: Any, on: "dict | None" = None) -> bool:
    """Whether the value ``given`` of setting ``key`` takes the effect ``saved`` took, as a
    search's settings are compared when a study is resumed (:func:`nndl.tuning.space.canonical`,
    ``on`` the data's :func:`~nndl.tuning.space.taken`; without it, the settings that depend
    on the data compare as written). Paths and test-file options compare as written."""
    from ..tuning.space import canonical, path_setting

    if given == saved:
        return True
    if path_setting(key):
        return False
    one, two = (canonical({"space": {key: v}}, on)["space"].get(key) for v in (given, saved))
    return one == two


def changed_on_resume(key: str, given: Any = None) -> NNDLError:
    """The refusal of a setting given another value, ``given``, when resuming (named as it
    was given: ``--no-header`` for a header switch given False)."""
    flag = "--" + key.replace("_", "-")
    if given is False and key in ("header", "standardize", "test_header"):
        flag = {"header": "--no-header", "standardize": "--no-standardize",
                "test_header": "--test-no-header"}[key]
    return NNDLError(f"{flag} cannot be changed when resuming: a resumed "
                     "run uses the checkpoint's data and settings (only --iterations or "
                     "--epochs, --data where the same data moved, --out, --plot, --log, "
                     "--quiet and the checkpoint options may be given)")


def _resolved_test(test: "str | None") -> "str | None":
    """--test's data as it is stored (an absolute path, or a data set's name)."""
    try:
        return resolve_spec(test)
    except NNDLError as exc:  # a FIFO, '-': named as --test's
        raise NNDLError(f"--test: {exc}") from None


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


def training_line(s: dict, optimizer: Any, m: "int | None" = None) -> str:
    """'adam (learning rate 0.001), mini-batches of 32 for 10 epochs, L2 0.1, ...'; ``m``,
    the training samples when known: a --batch-size of m or more is said to be full batches
    (it read 'mini-batches of 9223372036854775807')."""
    name = getattr(optimizer, "name", None) or s.get("optimizer") or "gd"
    parts = [f"{name} (learning rate {s.get('lr')}"
             + (f", decay {s['decay']:g}" if s.get("decay") else "") + ")"]
    if s.get("batch_size") and m is not None and s["batch_size"] >= m:
        parts.append(f"full batch (--batch-size {s['batch_size']} >= the {m} training "
                     f"samples) for {s.get('epochs')} epochs")
    elif s.get("batch_size"):
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

"""``nndl train --resume``: the checkpoint (or finished model) read back, and the checks that
the run continues on the same data with the same settings."""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .. import datasets
from ..datasets import Dataset
from ..errors import NNDLError
from .resumed import data_note
from ..network import Network
from .common import read_model
from .settings import changed_on_resume, same_setting
from .steps import fingerprint


@dataclass
class Resume:
    """A checkpoint of ``nndl train``: the model, its file's metadata and its settings."""

    net: Network
    meta: dict
    saved: dict


def read_checkpoint(path: str) -> Resume:
    """The model to continue: a finished model whose parameters are early stopping's best
    epoch continues from the parameters its run ended with (its set ``"last"``), so that
    continuing it is the run continued, as from a checkpoint."""
    net, meta = read_model(path)
    saved = meta["info"].get("train_args")
    if not isinstance(saved, dict):
        raise NNDLError(f"{path} is a model but not one saved by 'nndl train' (it holds no "
                        "training settings to continue with)")
    if meta["info"].get("changed_after_training"):  # see nndl.io.kept
        raise NNDLError(f"{path} was trained further or edited after 'nndl train' saved it: "
                        "its settings no longer describe it, and it cannot be resumed; train "
                        "a new model")
    last = meta["param_sets"].get("last")
    if last is not None:
        for k, v in net.params.items():
            v[...] = last[k]
    return Resume(net, meta, saved)


def check_same_data(resume: Resume, data: Dataset, spec: "str | None") -> None:
    """NNDLError when the data changed since the checkpoint (same path, other values)."""
    saved = resume.meta["info"].get("data_fingerprint")
    if isinstance(saved, str) and saved != fingerprint(data):
        raise NNDLError(f"the data {spec or data.name} is not what this checkpoint was trained "
                        "on (its values changed since): resuming would continue on other data; "
                        "train a new model instead, or restore the original file")


def check_data_place(args: argparse.Namespace, resume: Resume) -> None:
    """Resuming: the saved data path must still hold the data, or --data says where it went
    (accepted only when the checkpoint can tell it is the same data: its fingerprint)."""
    saved = resume.saved.get("data")
    if args.data is None:
        if isinstance(saved, str) and not Path(saved).exists() \
                and saved not in datasets.spec_names():
            raise NNDLError(f"the data {args.resume} was trained on, {saved}, is not there any "
                            "more: if it moved, give its new place with --data (nndl checks "
                            "that it holds the same values)")
        note = data_note(args.resume, resume.saved)  # the file says where its data is
        if note:  # (--quiet turns off the progress bar, not the report)
            print(note)
        return
    if not isinstance(resume.meta["info"].get("data_fingerprint"), str):
        raise NNDLError(f"--data cannot be changed when resuming {args.resume}: it holds no "
                        "fingerprint of its data to check the new file against")


def finished(resume: "Resume | None") -> bool:
    """Resuming a finished model (saved at the end of a run), not a checkpoint."""
    return resume is not None and "summary" in resume.meta["info"]


def check_deferred(deferred: dict, s: dict, parts: Any) -> None:
    """NNDLError for a setting given when resuming (``deferred``, by
    :func:`~nndl.cli.settings.train_settings`) that takes another effect on the data read,
    ``parts``, than the checkpoint's value in ``s``: ``--header`` on a file whose header was
    found, or ``--label label`` for the last column, is the same setting."""
    from ..tuning.space import taken

    on = taken(s, parts)
    for key, given in deferred.items():
        if not same_setting(key, given, s[key], on):
            raise changed_on_resume(key, given)

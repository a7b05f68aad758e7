"""What ``nndl train --resume FILE`` takes from the file it resumes, and what it does not.

A model file's settings say where its run saved the model (``out``) and which data it read
(``data``). The file may come from someone else ("continue training this"), so a place to
*write* is taken from it only where it cannot name another of the user's files: the resumed
file itself (a finished model trained further), the run's model beside its checkpoint (the
name whose default checkpoint it is), or a model file beside it not yet made or saved there
by ``nndl train`` (a checkpoint of another name). Anything else
needs ``--out``, which the commands nndl prints to continue a run then give. The data path
it names is said before it is read.
"""

from __future__ import annotations

import os
import shlex
from pathlib import Path

from ..errors import NNDLError, shorten
from ..files import absolute


def checkpoint_of(out: Path) -> Path:
    """The checkpoint a run saving its model as ``out`` writes by default: ``out``'s name with
    ``.ckpt.npz`` (``model.npz`` -> ``model.ckpt.npz``)."""
    stem = out.name[:-4] if out.name.endswith(".npz") else out.name
    return out.with_name(stem + ".ckpt.npz")


def saved_out(resumed: str, saved: dict) -> "Path | None":
    """Where a resumed run without ``--out`` saves its model, from the ``out`` saved in the
    file ``resumed``: that file itself (a finished model trained further); the run's model
    beside its checkpoint, the name whose default checkpoint is ``resumed`` (in ``resumed``'s
    folder, also when the folder moved since); or a ``.npz`` beside it, not yet made or a
    model ``nndl train`` saved there (a ``--checkpoint`` of another name). None when
    the file saved none (the default name, as for a new run). NNDLError, asking for ``--out``,
    for anything else: a forged ``out`` replaced whatever file it named with a model (another
    folder, or an existing file beside it such as the data)."""
    out = saved.get("out")
    if not isinstance(out, str):
        return None
    full, here = absolute(out, "--out"), absolute(resumed, "--resume")
    if full == here:
        return full
    pair = here.parent / full.name
    if checkpoint_of(pair) == here:
        return pair
    if full.parent == here.parent and full.name.endswith(".npz") and (
            not os.path.lexists(full) or _saved_as_itself(full)):
        return full
    raise NNDLError(f"{resumed} says its model is saved as {shorten(out, 120)}, which is not "
                    "its own model file beside it: nndl writes there only when told; say "
                    f"where the model goes with --out (e.g. --out {shlex.quote(out)})")


def _saved_as_itself(path: Path) -> bool:
    """Whether ``path`` is a model that ``nndl train`` saved there (its own settings say so):
    a run's model beside a checkpoint of another name (``--checkpoint``), which the forged
    file cannot make; the user's data or any other file is not."""
    from ..io import read

    try:
        _, meta = read(path)
    except (NNDLError, OSError):
        return False
    out = (meta["info"].get("train_args") or {}).get("out")
    return isinstance(out, str) and absolute(out, "--out") == path


def needs_out(resumed: "str | Path", out: "str | Path", moved: bool = False) -> bool:
    """Whether ``nndl train --resume resumed`` needs ``--out out`` to save its model as
    ``out``: :func:`saved_out` refuses it, or (unless ``moved``: a file's saved out whose
    folder may have moved, where the model beside its checkpoint is right) chooses another
    place. The commands nndl prints to continue a run give ``--out`` then."""
    try:
        chosen = saved_out(str(resumed), {"out": str(out)})
    except NNDLError:
        return True
    return not moved and chosen != absolute(str(out), "--out")


def data_note(resumed: str, saved: dict) -> "str | None":
    """The line that says which data a resumed run reads when ``--data`` is not given: the
    path saved in the file (not a data set's name), which it names before reading."""
    data = saved.get("data")
    if not isinstance(data, str) or not os.path.isabs(data):
        return None
    return (f"resuming  {resumed} on the data saved in it: {data} (if it moved, --data gives "
            "its place)")

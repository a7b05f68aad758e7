"""What ``nndl train --resume FILE`` takes from the file it resumes, and what it does not.

A model file's settings say where its run saved the model (``out``) and which data it read
(``data``). The file may come from someone else ("continue training this"), so a place to
*write* is taken from it only where it cannot name another of the user's files: the resumed
file itself (a finished model trained further), or a model file beside it (the run's model
next to its checkpoint). Anything else needs ``--out``. The data path it names is said
before it is read.
"""

from __future__ import annotations

import os
from pathlib import Path

from ..errors import NNDLError, shorten
from ..files import absolute


def saved_out(resumed: str, saved: dict) -> "Path | None":
    """Where a resumed run without ``--out`` saves its model: the ``out`` saved in the file
    ``resumed`` when it is that file itself, or a ``.npz`` (or a file still to be made) in the
    same folder; None when the file saved none (the default name, as for a new run).
    NNDLError, asking for ``--out``, for any other place (a forged ``out`` replaced whatever
    file it named with a model)."""
    out = saved.get("out")
    if not isinstance(out, str):
        return None
    full, here = absolute(out, "--out"), absolute(resumed, "--resume")
    if full == here or (full.parent == here.parent and (
            full.name.endswith(".npz") or not os.path.lexists(full))):
        return full
    raise NNDLError(f"{resumed} says its model is saved as {shorten(out, 120)}, which is not a "
                    f"model file beside it (in {shorten(here.parent, 120)}): nndl writes only "
                    "there without being told; say where the model goes with --out")


def data_note(resumed: str, saved: dict) -> "str | None":
    """The line that says which data a resumed run reads when ``--data`` is not given: the
    path saved in the file (not a data set's name), which it names before reading."""
    data = saved.get("data")
    if not isinstance(data, str) or not os.path.isabs(data):
        return None
    return (f"resuming  {resumed} on the data saved in it: {data} (if it moved, --data gives "
            "its place)")

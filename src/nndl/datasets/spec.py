"""Data named by one string, as the command line's ``--data`` takes it.

    load_spec(None)              -> the built-in breast cancer set
    load_spec("moons")           -> a generator's data (flower, moons, circles, xor, spiral, blobs)
    load_spec("digits")          -> a built-in real data set
    load_spec("path/to/cat")     -> the course's cat folder: its train part and its test part
    load_spec("train.csv")       -> any file or folder :func:`nndl.datasets.load` reads
"""

from __future__ import annotations

import difflib
from pathlib import Path

from ..errors import NNDLError
from ..files import absolute
from .base import Dataset
from .builtin import BUILTIN, load_builtin
from .course import load_cat
from .generators import GENERATORS, generate
from .loaders import load


def spec_names() -> list[str]:
    """The names a spec may be instead of a path: the generators, then the built-in sets."""
    return [*GENERATORS, *BUILTIN]


def named(spec: str) -> "str | None":
    """The generator's or built-in data set's name ``spec`` is, in any case (``"Digits"`` is
    ``"digits"``; a file of that exact name wins over another case), or None for a path."""
    if spec in GENERATORS or spec in BUILTIN:
        return spec
    name = spec.strip().lower()
    if (name in GENERATORS or name in BUILTIN) and not Path(spec).exists():
        return name
    return None


def is_named(spec: str) -> bool:
    """True when ``spec`` is a generator's or a built-in data set's name, not a path."""
    return named(spec) is not None


def resolve_spec(spec: "str | None") -> "str | None":
    """The spec as it is stored for a later run: names as their table spells them, paths
    made absolute."""
    if spec is None:
        return spec
    name = named(spec)
    if name is not None:
        return name
    return str(absolute(spec, "data file"))


def is_course_folder(path: Path) -> bool:
    """True when ``path`` is a folder holding the course's ``train_catvnoncat.h5``."""
    return path.is_dir() and (path / "train_catvnoncat.h5").is_file()


def load_spec(spec: "str | None", label: "str | int | None" = None,
              image_size: "tuple[int, int] | list[int] | None" = None
              ) -> "tuple[Dataset, Dataset | None]":
    """``(data, test)``: the data ``spec`` names, and its own test part when it has one.

    Parameters
    ----------
    spec : None (the built-in breast cancer set), a generator's name (``flower``, ``moons``
        ...), a built-in set's name (``digits`` ...), the course's cat folder (train and test
        files), or any file or folder :func:`nndl.datasets.load` reads.
    label : CSV files: the label column, by name or index (default the last).
    image_size : image folders and files: (height, width) every image is resized to
        (default :func:`~nndl.datasets.load`'s).

    Returns
    -------
    (data, test) : test is None except for the course's cat folder.
    """
    if spec is None:
        return load_builtin(), None
    name = named(spec)
    if name in GENERATORS:
        return generate(name), None
    if name in BUILTIN:
        return load_builtin(name), None
    p = Path(spec)
    if is_course_folder(p):
        return load_cat(p)
    if not p.exists():
        close = difflib.get_close_matches(p.name.strip().lower(), spec_names(), n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise NNDLError(f"data not found: {spec} (expected a file, a folder, or one of: "
                        f"{', '.join(spec_names())}){hint}")
    kw = {} if image_size is None else {"image_size": tuple(image_size)}
    return load(p, label=label, **kw), None

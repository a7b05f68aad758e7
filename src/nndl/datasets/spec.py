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
from ..files import absolute, refuse_special
from .base import Dataset
from .builtin import BUILTIN, load_builtin
from .course import load_cat
from .generators import GENERATORS, generate
from .loaders import Columns, load, select


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
    _not_a_stream(spec)  # (the link /dev/fd/63 of a pipe resolves to nowhere)
    return str(absolute(spec, "data file"))


def _not_a_stream(spec: str) -> Path:
    """``spec`` as a Path; NNDLError for ``-`` (standard input) and for a FIFO or device."""
    p = Path(spec)
    if spec == "-" and not p.exists():
        raise NNDLError("data from standard input ('-') is not read: nndl reads files (it reads "
                        "a file more than once); save the data to a file and give its path")
    refuse_special(p, "data file")
    return p


def existing_path(spec: str) -> Path:
    """``spec``, a path, when a file or folder is there; else the NNDLError that names the
    data sets it may have meant, or says what is there instead (a FIFO, a device)."""
    p = _not_a_stream(spec)
    if not p.exists():
        close = difflib.get_close_matches(p.name.strip().lower(), spec_names(), n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise NNDLError(f"data not found: {spec} (expected a file, a folder, or one of: "
                        f"{', '.join(spec_names())}){hint}")
    return p


def is_course_folder(path: Path) -> bool:
    """True when ``path`` is a folder holding the course's ``train_catvnoncat.h5``."""
    return path.is_dir() and (path / "train_catvnoncat.h5").is_file()


def load_spec(spec: "str | None", label: "str | int | None" = None,
              image_size: "tuple[int, int] | list[int] | None" = None, *,
              task: "str | None" = None, features: Columns = None, drop: Columns = None,
              drop_missing: bool = False, header: "bool | None" = None,
              decimal: "str | None" = None, task_of_model: bool = False) -> "tuple[Dataset, Dataset | None]":
    """``(data, test)``: the data ``spec`` names, and its own test part when it has one.

    Parameters
    ----------
    spec : None (the built-in breast cancer set), a generator's name (``flower``, ``moons``
        ...), a built-in set's name (``digits`` ...), the course's cat folder (train and test
        files), or any file or folder :func:`nndl.datasets.load` reads.
    label : CSV files: the label column, by name or index (default the last).
    image_size : image folders and files: (height, width) every image is resized to
        (default :func:`~nndl.datasets.load`'s).
    task : files: ``"classification"`` or ``"regression"`` (or ``"binary"`` /
        ``"multiclass"``) instead of the rule that reads it from the labels; a named data set
        has its own task, and a different one is an NNDLError.
    features, drop : the feature columns to keep / leave out (names or indices), as
        :func:`~nndl.datasets.load` takes them; for named sets, by feature name or index.
    drop_missing : tables: leave out rows with a missing value instead of refusing them.
    header : tables: whether the first row is a header (default: detected).
    decimal : tables: the decimal mark, ``"."`` or ``","`` (default: detected).
    task_of_model : ``task`` is a model's (data to evaluate it on), not the user's choice:
        said so when a named data set has another task.

    Returns
    -------
    (data, test) : test is None except for the course's cat folder.
    """
    name = "breast_cancer" if spec is None else named(spec)
    if name is not None or is_course_folder(Path(spec)):
        if name in GENERATORS:
            data, test = generate(name), None
        elif name is not None:
            data, test = load_builtin(name), None
        else:
            data, test = load_cat(Path(spec))
        _check_task(data, task, name or str(spec), task_of_model)
        return select(data, features, drop), (None if test is None
                                               else select(test, features, drop))
    p = existing_path(spec)
    kw = {} if image_size is None else {"image_size": tuple(image_size)}
    return load(p, label=label, task=task, features=features, drop=drop,
                drop_missing=drop_missing, header=header, decimal=decimal, **kw), None


def _check_task(data: Dataset, task: "str | None", name: str, of_model: bool = False) -> None:
    """A named data set keeps its task: ``task`` must agree with it (or be None)."""
    if task is None or task == data.task or (task == "classification"
                                             and data.task in ("binary", "multiclass")):
        return
    if of_model:
        raise NNDLError(f"the model is a {task} model, and the data set {name} is {data.task}: "
                        "give data of the model's task")
    raise NNDLError(f"--task {task}: the data set {name} is {data.task} "
                    f"({'regression' if data.task == 'regression' else 'classification'}); "
                    "a task can be chosen for data files, whose labels nndl reads")

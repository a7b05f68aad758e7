"""The course's cat / non-cat images (HDF5): ``train_catvnoncat.h5`` and ``test_catvnoncat.h5``.

Each file holds ``{train,test}_set_x`` (m, 64, 64, 3) uint8, ``{train,test}_set_y`` (m,) and
``list_classes`` [b'non-cat', b'cat']. Images are flattened to columns and divided by 255, so
``X`` is (12288, m) in [0, 1] and ``Y`` is (1, m).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import NNDLError, shorten
from ..files import regular_file
from ..limits import Budget
from .base import Dataset, task_for_classes


def default_cat_dir() -> Path:
    """Where the cat files are looked for: ``$NNDL_CAT_DIR`` if set, else ``../shared/data/cat``
    relative to the working directory, else the same folder beside this source checkout."""
    env = os.environ.get("NNDL_CAT_DIR")
    if env:
        return Path(env)
    candidates = [Path.cwd() / ".." / "shared" / "data" / "cat",
                  Path(__file__).resolve().parents[3] / ".." / "shared" / "data" / "cat"]
    for c in candidates:
        if c.is_dir():
            return c.resolve()
    return candidates[0]


Split = Dataset
"""The former name of one part of the cat data; every loader now returns a :class:`Dataset`."""


def _h5py():
    try:
        import h5py
    except ImportError:  # pragma: no cover - depends on the environment
        raise NNDLError("reading HDF5 needs h5py: pip install 'nndl[h5]'") from None
    return h5py


def course_part(f: "object") -> "str | None":
    """``"train"`` or ``"test"`` when the open HDF5 file ``f`` has the course's layout
    (``{part}_set_x``, ``{part}_set_y``, ``list_classes``, each in this file: not through an
    external link, :func:`hard_path`), else None."""
    h5py = _h5py()
    for part in ("train", "test"):
        if all(_held(h5py, f, k) for k in (f"{part}_set_x", f"{part}_set_y", "list_classes")):
            return part
    return None


MAX_SOFT_LINKS = 40
"""Soft links followed for one name (:func:`hard_path`); more is taken for a loop."""


def hard_path(h5py, f, name: str) -> "str | None":
    """The path, by hard links only, of what ``name`` names in the open HDF5 file ``f``: its
    soft links followed inside the file one part of the path at a time, so that nothing is
    opened through a link to another file on the way (an external link to a FIFO hung, and
    one to another ``.h5`` read that file). None when an external (or user-defined) link is
    on the way; KeyError when nothing is there (a missing name, a dangling soft link, a
    loop of soft links)."""
    parts = [q for q in name.split("/") if q not in ("", ".")]
    here, followed = "", 0
    while parts:
        at = f"{here}/{parts.pop(0)}"  # every part of ``here`` is a hard link
        link = f.get(at, getlink=True)  # (the link itself: it is not followed)
        if link is None:
            raise KeyError(f"{name!r}: nothing is there")
        if isinstance(link, h5py.SoftLink):
            followed += 1
            if followed > MAX_SOFT_LINKS:
                raise KeyError(f"{name!r}: a loop of soft links")
            target = str(link.path)
            here = "" if target.startswith("/") else here
            parts = [q for q in target.split("/") if q not in ("", ".")] + parts
        elif isinstance(link, h5py.HardLink):
            here = at
        else:
            return None
    return here or "/"


def _held(h5py, f, name: str) -> bool:
    """Whether ``name`` names something in the file ``f`` itself (:func:`hard_path`)."""
    try:
        return hard_path(h5py, f, name) is not None
    except (KeyError, RuntimeError, OSError, ValueError):
        return False


def leads_outside(h5py, f, name: str) -> bool:
    """Whether ``name`` is an external link, or a soft link to one: data in another file."""
    try:
        return hard_path(h5py, f, name) is None
    except (KeyError, RuntimeError, OSError, ValueError):
        return False


def stored_dataset(h5py, f, name: str, source: str) -> object:
    """The node ``name`` of the open HDF5 file ``f``, reached through this file's own links
    (:func:`hard_path`) and, for a dataset, holding its values in this file
    (:func:`check_stored_here`); NNDLError for an external link on the way, KeyError when
    nothing is there. Checked before anything is opened or read through the name."""
    path = hard_path(h5py, f, name)
    if path is None:
        raise NNDLError(f"{source}: {shorten(repr(name), 80)} is an external link, or a soft "
                        "link to one, which nndl does not follow (the data is in another file)")
    node = f[path]
    if isinstance(node, h5py.Dataset):
        check_stored_here(node, name, source)
    return node


def check_stored_here(node: Any, key: str, source: str) -> None:
    """NNDLError unless the dataset's values are stored in this file: a virtual dataset or
    external storage reads other files (a missing one reads as zeros), and a dataset created
    but never written reads as its fill value."""
    if getattr(node, "is_virtual", False) or getattr(node, "external", None):
        raise NNDLError(f"{source}: dataset {shorten(key, 80)!r} keeps its values in other "
                        "files (a virtual dataset or external storage), which nndl does not "
                        "read: copy the values into this file")
    if node.size and node.id.get_storage_size() == 0:
        raise NNDLError(f"{source}: dataset {shorten(key, 80)!r} holds no stored values (it "
                        "was created but never written)")


def course_builds(name: str) -> int:
    """Bytes per value of what :func:`read_course_file` makes of dataset ``name``: 8 for
    ``{part}_set_x`` (float64 pixels in [0, 1]) and ``{part}_set_y`` (int64 labels)."""
    return 8 if name.endswith(("_set_x", "_set_y")) else 0


def dataset_budget(h5py, node, name: str, budget: Budget, builds: int = 0) -> None:
    """Take an HDF5 dataset's size from ``budget`` before reading it: declared bytes against
    its storage size (a gzip dataset of zeros, or one never written, stores almost nothing).
    ``builds``: bytes per value of the copy the reader makes of it (8 for float64 features
    made of uint8 pixels), counted with it. Variable-length strings count one pointer each
    here; their text is counted as it is read (:func:`nndl.datasets.arrays.read_labels`)."""
    if not isinstance(node, h5py.Dataset):
        raise NNDLError(f"{budget.source}: {shorten(repr(name), 80)} is not a dataset")
    text = h5py.check_string_dtype(node.dtype) is not None  # variable-length strings
    if (node.dtype.kind not in "biufcUS" and not text) or node.dtype.fields is not None:
        raise NNDLError(f"{budget.source}: dataset {shorten(repr(name), 80)} holds "
                        f"{node.dtype}; expected numbers (or text labels)")
    size = int(np.prod(node.shape, dtype=object))
    budget.take_array(size * node.dtype.itemsize, size, builds, node.id.get_storage_size(),
                      f"dataset {shorten(repr(name), 80)} of shape {node.shape} {node.dtype}")


def read_course_file(f: "object", part: str, path: Path) -> Dataset:
    """One course file (already open) -> Dataset: X (h*w*c, m) in [0, 1], Y (1, m) int64."""
    images = np.asarray(f[f"{part}_set_x"][:])
    y = np.asarray(f[f"{part}_set_y"][:])
    classes = [c.decode() if isinstance(c, bytes) else str(c) for c in f["list_classes"][:]]
    if images.ndim != 4 or images.dtype != np.uint8 or y.size != images.shape[0]:
        raise NNDLError(f"{path}: expected {part}_set_x of shape (m, h, w, c) uint8 and "
                        f"{part}_set_y of m labels; got {images.shape} {images.dtype} and "
                        f"{y.shape}")
    m = images.shape[0]
    Y = y.reshape(1, m).astype(np.int64)
    if Y.size and (Y.min() < 0 or Y.max() >= len(classes)):
        raise NNDLError(f"{path}: labels must be class indices 0..{len(classes) - 1}")
    X = images.reshape(m, -1).T / 255.0
    return Dataset(X=X, Y=Y, classes=classes, task=task_for_classes(len(classes)), images=images, name=f"{path.name}")


def _read_h5(path: Path, part: str) -> Dataset:
    h5py = _h5py()
    if not path.exists():
        raise NNDLError(f"cat data file not found: {path}")
    regular_file(path, "cat data file")
    budget = Budget(shorten(path.name))
    try:
        with h5py.File(path, "r") as f:
            for k in (f"{part}_set_x", f"{part}_set_y", "list_classes"):
                dataset_budget(h5py, stored_dataset(h5py, f, k, str(path)), k, budget,
                               course_builds(k))
            return read_course_file(f, part, path)
    except NNDLError:
        raise
    except (OSError, KeyError, RuntimeError, TypeError, ValueError) as exc:
        raise NNDLError(f"{path} is not the course's {part} HDF5 file: {shorten(exc, 160)}") \
            from None


def load_cat(path: "str | os.PathLike | None" = None) -> tuple[Dataset, Dataset]:
    """``(train, test)`` Datasets from the folder holding the two course files."""
    folder = Path(path) if path is not None else default_cat_dir()
    if not folder.is_dir():
        raise NNDLError(f"cat data folder not found: {folder} (expected the course's "
                        "train_catvnoncat.h5 and test_catvnoncat.h5 there)")
    return (_read_h5(folder / "train_catvnoncat.h5", "train"),
            _read_h5(folder / "test_catvnoncat.h5", "test"))

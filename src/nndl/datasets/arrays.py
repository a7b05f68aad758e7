"""Arrays a user brings: NumPy's ``.npz`` and HDF5 files, and arrays passed from Python.

**Files store samples as rows**, as every other tool does (NumPy, pandas, scikit-learn): ``X``
is (m, n) and ``y`` is (m,). nndl turns them into its own layout, samples as columns:
``Dataset.X`` is (n, m) and ``Dataset.Y`` is (1, m). Arrays with more than two dimensions
(m, h, w, c) are images: they are flattened to (h*w*c, m); uint8 pixels are divided by 255 and
uint16 ones by 65535, as 8- and 16-bit image files are read (``Dataset.images`` keeps them, 16-bit
ones rounded to 8 bits as for files); other kinds of values are taken as they are.
An ``.npz`` is never unpickled; an HDF5 file is read only where its values are stored in it
(not through external links, virtual datasets or external storage). Sizes are checked before
anything is read (:mod:`nndl.limits`).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from ..errors import NNDLError, shorten
from ..validation import unmasked
from ..files import regular_file
from ..limits import Budget
from ..npz import Archive
from .base import Dataset, encode_labels
from .course import (_h5py, course_builds, course_part, dataset_budget, hard_path,
                     leads_outside, read_course_file, stored_dataset)


def from_arrays(
    X: np.ndarray,
    y: "np.ndarray | None",
    source: str,
    task: "str | None" = None,
    classes: "Sequence[str] | None" = None,
    feature_names: "Sequence[str] | None" = None,
    copy: bool = True,
) -> Dataset:
    """Arrays with samples as ROWS, X (m, n) or images (m, h, w[, c]), y (m,) or (m, 1) ->
    Dataset with samples as columns. ``copy=False`` (for arrays just read from a file):
    float64 features become ``Dataset.X`` without a copy (a transposed view, the layout a
    copy has too), so a file's X costs its size once, as its budget counts it. uint8 and
    uint16 images (3 or 4 dimensions) are pixels, divided by 255 and 65535 (8- and 16-bit
    image files are read so). A masked array with masked entries is refused."""
    X = np.asarray(unmasked(f"{source}: X", X))
    if X.dtype.kind == "c":
        raise NNDLError(f"{source}: features must be real numbers; got complex numbers "
                        f"({X.dtype}), which nndl will not cut to their real part")
    if X.dtype == object or not (np.issubdtype(X.dtype, np.number) or X.dtype == np.bool_):
        raise NNDLError(f"{source}: features must be numbers; got an array of dtype {X.dtype}")
    if X.ndim < 2:
        raise NNDLError(f"{source}: features must be an array with one sample per row, shape "
                        f"(m, n); got shape {X.shape}")
    m = X.shape[0]
    if m == 0:
        raise NNDLError(f"{source}: no samples (the feature array has shape {X.shape})")
    if X[0].size == 0:
        raise NNDLError(f"{source}: no features (the feature array has shape {X.shape})")
    images = None
    if X.ndim == 4 and X.shape[1] in (1, 3, 4) and X.shape[3] not in (1, 3, 4):
        raise NNDLError(f"{source}: images must be (m, height, width, channels); got shape "
                        f"{X.shape}, channels first (PyTorch's layout)? Move them last: "
                        "np.moveaxis(X, 1, -1)")
    if X.ndim >= 3:
        depth = PIXEL_DEPTHS.get(X.dtype.type)
        if depth is not None:
            images = _eight_bits(X) if X.ndim == 4 else _eight_bits(X)[..., None]
        Xc = X.reshape(m, -1).T.astype(np.float64, copy=copy)
        if depth is not None:
            Xc /= depth
    else:
        Xc = X.T.astype(np.float64, copy=copy)
    if not (np.isfinite(Xc.min()) and np.isfinite(Xc.max())):  # no temporary of X's size
        bad = int(Xc.size - np.count_nonzero(np.isfinite(Xc)))
        raise NNDLError(f"{source}: features must be finite; found {bad} NaN or inf value(s)")
    if y is None:
        return Dataset(X=Xc, Y=None, images=images, name=source,
                       feature_names=list(feature_names) if feature_names else None)
    y = np.asarray(unmasked(f"{source}: y", y))
    if y.dtype.kind == "c":
        raise NNDLError(f"{source}: labels must be real numbers or text; got complex numbers")
    if y.ndim == 2 and 1 in y.shape:
        y = y.ravel()
    if y.ndim != 1:
        raise NNDLError(f"{source}: labels must be one value per sample, shape (m,) = ({m},); "
                        f"got shape {y.shape}")
    if y.shape[0] != m:
        hint = ""
        if X.ndim == 2 and X.shape[1] == y.shape[0]:
            hint = " (X looks transposed: files store samples as rows, X (m, n))"
        raise NNDLError(f"{source}: features have {m} samples (rows) but labels have "
                        f"{y.shape[0]}{hint}")
    Y, names, task = encode_labels(y, source, task=task, classes=classes)
    return Dataset(X=Xc, Y=Y, classes=names, task=task, images=images, name=source,
                   feature_names=list(feature_names) if feature_names else None)


PIXEL_DEPTHS = {np.uint8: 255.0, np.uint16: 65535.0}
"""What the pixels of integer image arrays are divided by (8- and 16-bit, as image files)."""


def _eight_bits(X: np.ndarray) -> np.ndarray:
    """Image pixels as uint8 for ``Dataset.images``: X itself when 8-bit; 16-bit values
    rounded to 8 bits (value / 257, as :func:`~nndl.datasets.images.to_uint8` rounds a 16-bit
    file's value / 65535 * 255), a block of images at a time (no float copy of X's size)."""
    if X.dtype == np.uint8:
        return X
    out = np.empty(X.shape, dtype=np.uint8)
    step = max(1, (1 << 20) // max(X[0].size, 1))
    for i in range(0, X.shape[0], step):
        out[i:i + step] = np.rint(X[i:i + step] / 257.0)
    return out


def _pick(available: Sequence[str], wanted: "str | None", default: tuple[str, ...],
          source: str, what: str) -> "str | None":
    if wanted is not None:
        if wanted not in available:
            raise NNDLError(f"{source}: no {what} array named {shorten(repr(wanted), 80)}; it "
                            f"holds {shorten(sorted(available), 300)}")
        return wanted
    found = [name for name in default if name in available]
    if len(found) > 1:  # X and x: which one is meant cannot be guessed
        raise NNDLError(f"{source}: holds both {found[0]!r} and {found[1]!r} as the {what} "
                        "array; say which: keys=(features_name, labels_name); for nndl's "
                        f"commands, keep only one named {default[0]!r}")
    return found[0] if found else None


def _pick_xy(names: Sequence[str], xk: "str | None", yk: "str | None", labelled: bool,
             source: str, no_x: str, no_y: str, hint: str = "") -> tuple[str, "str | None"]:
    """The feature and label array names among ``names`` (asked for, or the defaults)."""
    held = shorten(sorted(names), 300)
    xk = _pick(names, xk, ("X", "x"), source, "feature")
    if xk is None:
        raise NNDLError(f"{source}: {no_x}; it holds {held} (pass keys=(features_name, "
                        "labels_name); for nndl's commands, name the arrays X and y)")
    yk = _pick(names, yk, ("y", "Y"), source, "label") if labelled else None
    if labelled and yk is None:
        raise NNDLError(f"{source}: {no_y}; it holds {held} (pass keys=(features_name, "
                        f"labels_name){hint}; for nndl's commands, name the arrays X and y)")
    return xk, yk


def _keys(keys: "Sequence[str] | None", source: str, labels: bool = True
          ) -> tuple["str | None", "str | None", bool]:
    """(x key, y key, labels wanted); ``labels=False``: the features alone, whatever else
    the file holds."""
    if keys is None:
        return None, None, labels
    if isinstance(keys, str):
        keys = (keys,)
    keys = list(keys)
    if not 1 <= len(keys) <= 2 or not all(isinstance(k, str) for k in keys):
        raise NNDLError(f"{source}: keys must be (features_name, labels_name) or "
                        f"(features_name,); got {shorten(repr(keys), 120)}")
    return keys[0], (keys[1] if len(keys) == 2 and labels else None), \
        len(keys) == 2 and labels


LABEL_BYTES = 8
"""Bytes per label of what nndl makes of the labels it reads (Y: int64 class indices or
float64 targets), which a file's budget counts with them."""


def features_copy(dtype: np.dtype, ndim: int = 2) -> int:
    """Bytes per value of the float64 copy :func:`from_arrays` makes of features of
    ``dtype`` read from a file: 8, or 0 for float64 (used as they are); 9 for 16-bit images
    (``ndim`` >= 3), whose ``Dataset.images`` is an 8-bit copy. A file's budget counts it:
    1-byte bools or pixels become 8-byte numbers."""
    dt = np.dtype(dtype)
    return 0 if dt == np.float64 else 9 if dt == np.uint16 and ndim >= 3 else 8


ARRAY_KINDS = "biufcUS"
"""What an NPZ's arrays may hold (checked further by :func:`from_arrays`); never objects."""


def load_npz(path: "str | os.PathLike", keys: "Sequence[str] | None" = None,
             task: "str | None" = None, classes: "Sequence[str] | None" = None,
             max_bytes: "int | str | None" = None, labels: bool = True
             ) -> Dataset:
    """An ``.npz`` with X (m, n) (or images (m, h, w, c)) and y (m,); never unpickles, and
    checks every array's header and size before reading it (:class:`nndl.npz.Archive`)."""
    p = Path(os.fspath(path))
    source = shorten(p)
    xk, yk, labelled = _keys(keys, source, labels)
    fail = (lambda msg: NNDLError(f"{source}: {msg}"))
    with Archive(p, "data file", fail, max_bytes) as ar:
        xk, yk = _pick_xy(ar.keys, xk, yk, labelled, source,
                          no_x="no feature array 'X' (or 'x')", no_y="no label array 'y' (or "
                          "'Y')", hint=", or (features_name,) for unlabeled data")
        shape, dtype = ar.header(xk)[:2]
        builds = {xk: features_copy(dtype, len(shape))}
        if yk is not None:
            builds[yk] = LABEL_BYTES
        for k, per_value in builds.items():  # both checked before either is read
            ar.check(k, ARRAY_KINDS, per_value)
        X = ar.read(xk, ARRAY_KINDS, builds[xk])
        y = ar.read(yk, ARRAY_KINDS, builds[yk]) if yk is not None else None
    return from_arrays(X, y, shorten(p.name), task=task, classes=classes, copy=False)


def _is_dataset(h5py, f, key: str) -> bool:
    """Whether ``f[key]`` is a dataset in this file: not an external link (to another file)
    nor a soft link to one, and not a link that cannot be resolved (a soft-link loop)."""
    try:
        path = hard_path(h5py, f, key)  # (an external link on the way is not followed)
        return path is not None and isinstance(f[path], h5py.Dataset)
    except (KeyError, RuntimeError, OSError, ValueError):
        return False


def _dataset_names(h5py, f) -> list[str]:
    """The datasets of an HDF5 file by path (``X``, ``grp/X``): its top-level names that are
    datasets (hard or soft links), and the datasets in its groups (hard links only)."""
    names = [k for k in f.keys() if _is_dataset(h5py, f, k)]
    nested: list[str] = []

    def visit(name: str, node: Any) -> None:
        if "/" in name and isinstance(node, h5py.Dataset):
            nested.append(name)

    f.visititems(visit)
    return names + sorted(nested)


TEXT_BLOCK = (256, 65536)
"""Least and most labels of variable-length text read at a time (:func:`read_labels`)."""


def read_labels(h5py, node: Any, key: str, budget: Budget, file_size: int) -> np.ndarray:
    """A label dataset's values; an HDF5 enum's as its names (``"cat"``, not 1).

    Variable-length strings (an object array of bytes) are read a block of rows at a time
    and their real sizes taken from ``budget`` as they come: the dataset's storage holds
    only pointers to them, so one label of a million characters was counted as 8 bytes.
    A block's rows are at most ``budget.limit // file_size`` (within :data:`TEXT_BLOCK`): a
    file holds each string it stores, so a block of new strings is at most its size."""
    info = h5py.check_string_dtype(node.dtype)
    if info is None or info.length is not None or node.ndim == 0:
        values = np.asarray(node[()])
    else:
        rows = node.shape[0]
        step = int(min(max(budget.limit // max(file_size, 1), TEXT_BLOCK[0]), TEXT_BLOCK[1]))
        blocks, text = [], 0
        for i in range(0, rows, step):
            block = np.asarray(node[i:i + step])
            size = sum(sys.getsizeof(v) for v in block.flat)
            # the text read, and the str it is decoded into (as large, or larger)
            budget.take(2 * size, min(text + size, file_size) - min(text, file_size),
                        f"the text of dataset {shorten(repr(key), 80)} (rows {i} to "
                        f"{min(i + step, rows) - 1} of {rows})")
            text += size
            blocks.append(block)
        values = np.concatenate(blocks) if blocks else np.asarray(node[()])
    mapping = h5py.check_enum_dtype(node.dtype)
    if not mapping:
        return values
    names = {int(v): str(k) for k, v in mapping.items()}
    return np.array([names.get(int(v), str(v)) for v in values.ravel()]).reshape(values.shape)


def load_hdf5(path: "str | os.PathLike", keys: "Sequence[str] | None" = None,
              task: "str | None" = None, classes: "Sequence[str] | None" = None,
              max_bytes: "int | str | None" = None, labels: bool = True
              ) -> Dataset:
    """An HDF5 file: the course's cat layout is detected; otherwise datasets X (m, ...) and
    y (m,) (names from ``keys``). Sizes are checked before reading (:mod:`nndl.limits`)."""
    h5py = _h5py()
    p = regular_file(path, "data file")
    source = shorten(p)
    xk, yk, labelled = _keys(keys, source, labels)
    budget = Budget(shorten(p.name), max_bytes)
    try:
        with h5py.File(p, "r") as f:
            part = course_part(f) if keys is None else None
            if part is not None:
                for k in (f"{part}_set_x", f"{part}_set_y", "list_classes"):
                    node = stored_dataset(h5py, f, k, source)
                    dataset_budget(h5py, node, k, budget, course_builds(k))
                ds = read_course_file(f, part, p)
                if classes is not None and list(classes) != ds.classes:
                    raise NNDLError(f"{source}: its classes {shorten(ds.classes)} differ from "
                                    f"the expected {shorten(list(classes))}")
                return ds
            names = _dataset_names(h5py, f)
            links = [k for k in f.keys() if leads_outside(h5py, f, k)]
            said = (f" and external links {shorten(links, 120)}, which nndl does not follow "
                    "(the data is in another file)" if links else "")
            xk, yk = _pick_xy(names, xk, yk, labelled, source,
                              no_x=f"no dataset 'X' (or 'x') and not the course's layout{said}",
                              no_y=f"no label dataset 'y' (or 'Y'){said}")
            for k, per_value in ((xk, features_copy(f[xk].dtype, f[xk].ndim)),
                                 (yk, LABEL_BYTES)):
                if k is not None:
                    dataset_budget(h5py, stored_dataset(h5py, f, k, source), k, budget,
                                   per_value)
            X = np.asarray(f[xk][()])
            y = read_labels(h5py, f[yk], yk, budget, p.stat().st_size) \
                if yk is not None else None
    except NNDLError:
        raise
    except (OSError, KeyError, TypeError, ValueError, RuntimeError, RecursionError) as exc:
        # a soft-link loop, a broken or truncated file: h5py raises these
        raise NNDLError(f"{source}: not a readable HDF5 file ({type(exc).__name__}: "
                        f"{shorten(exc, 160)})") from None
    return from_arrays(X, y, shorten(p.name), task=task, classes=classes, copy=False)

"""Loaders for user files: ``load(path)`` dispatches on what the path is.

| path                         | read as                                                        |
|------------------------------|----------------------------------------------------------------|
| ``*.csv``                    | one sample per row; the label column is ``label`` (a name or an |
|                              | index, default the last column); a header row is detected      |
| ``*.npz``                    | arrays ``X`` (m, ...) and ``y`` (m,) (or ``keys=("X", "Y")``)  |
| ``*.h5``, ``*.hdf5``         | the course's cat files (detected), else datasets ``keys``      |
|                              | (default ``X``/``y``)                                          |
| a folder                     | images, one sub-folder per class (Pillow; RGB; resized)        |
| ``*.png``, ``*.jpg``, ...    | one image, unlabeled (for prediction)                          |

**Files store samples as rows**, as every other tool does (NumPy, pandas, scikit-learn): ``X``
is (m, n) and ``y`` is (m,). nndl turns them into its own layout, samples as columns:
``Dataset.X`` is (n, m) and ``Dataset.Y`` is (1, m). Arrays with more than two dimensions
(m, h, w, c) are images: they are flattened to (h*w*c, m), and uint8 pixels are divided by 255.

How labels become classes or regression targets is in :mod:`nndl.datasets.base`. Every problem
raises :class:`~nndl.errors.NNDLError` naming the file and what is wrong.
"""

from __future__ import annotations

import csv
import os
import zipfile
from pathlib import Path
from typing import Sequence

import numpy as np

from ..errors import NNDLError
from ..files import starts_like_zip
from .base import Dataset, encode_labels
from .course import _h5py, course_part, read_course_file

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".tiff", ".webp")


def load(
    path: "str | os.PathLike",
    label: "str | int | bool | None" = None,
    keys: "Sequence[str] | None" = None,
    image_size: tuple[int, int] = (64, 64),
    *,
    task: "str | None" = None,
    classes: "Sequence[str] | None" = None,
) -> Dataset:
    """Read a data file or folder into a :class:`Dataset` (samples as columns).

    Parameters
    ----------
    path : a ``.csv``, ``.npz``, ``.h5``/``.hdf5`` file, an image file, or a folder of
        images with one sub-folder per class.
    label : CSV only: the label column, by header name or index (negative counts from the
        end; default the last column). ``False`` reads every column as a feature, unlabeled.
    keys : NPZ / HDF5: the names of the feature and label arrays (default ``X`` / ``y``, any
        case); ``(name,)`` alone reads features only.
    image_size : (height, width) every image is resized to (folders and image files).
    task : force ``"binary"``, ``"multiclass"`` or ``"regression"`` instead of the rule.
    classes : the expected class names (e.g. a trained model's), fixing the label indices.
    """
    p = Path(os.fspath(path))
    if not p.exists():
        raise NNDLError(f"data file not found: {p}")
    if p.is_dir():
        return load_image_folder(p, image_size=image_size, classes=classes)
    suffix = p.suffix.lower()
    if suffix == ".csv":
        return load_csv(p, label=label, task=task, classes=classes)
    if suffix == ".npz":
        return load_npz(p, keys=keys, task=task, classes=classes)
    if suffix in (".h5", ".hdf5"):
        return load_hdf5(p, keys=keys, task=task, classes=classes)
    if suffix in IMAGE_SUFFIXES:
        return load_images([p], image_size=image_size)
    raise NNDLError(f"{p}: unknown data format {suffix or '(no suffix)'!r}; expected .csv, .npz, "
                    f".h5/.hdf5, an image ({', '.join(IMAGE_SUFFIXES)}) or a folder of images")


# --- arrays (NPZ, HDF5) ---------------------------------------------------------------------
def from_arrays(
    X: np.ndarray,
    y: "np.ndarray | None",
    source: str,
    task: "str | None" = None,
    classes: "Sequence[str] | None" = None,
    feature_names: "Sequence[str] | None" = None,
) -> Dataset:
    """Arrays with samples as ROWS, X (m, n) or images (m, h, w[, c]), y (m,) or (m, 1) ->
    Dataset with samples as columns."""
    X = np.asarray(X)
    if X.dtype == object or not (np.issubdtype(X.dtype, np.number) or X.dtype == np.bool_):
        raise NNDLError(f"{source}: features must be numbers; got an array of dtype {X.dtype}")
    if X.ndim < 2:
        raise NNDLError(f"{source}: features must be an array with one sample per row, shape "
                        f"(m, n); got shape {X.shape}")
    m = X.shape[0]
    if m == 0:
        raise NNDLError(f"{source}: no samples (the feature array has shape {X.shape})")
    images = None
    if X.ndim >= 3:
        if X.dtype == np.uint8:
            images = X if X.ndim == 4 else X[..., None]
        Xc = X.reshape(m, -1).T.astype(np.float64)
        if X.dtype == np.uint8:
            Xc /= 255.0
    else:
        Xc = X.T.astype(np.float64)
    if not np.isfinite(Xc).all():
        bad = int(Xc.size - np.count_nonzero(np.isfinite(Xc)))
        raise NNDLError(f"{source}: features must be finite; found {bad} NaN or inf value(s)")
    if y is None:
        return Dataset(X=Xc, Y=None, images=images, name=source,
                       feature_names=list(feature_names) if feature_names else None)
    y = np.asarray(y)
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


def _pick(available: Sequence[str], wanted: "str | None", default: tuple[str, ...],
          source: str, what: str) -> "str | None":
    if wanted is not None:
        if wanted not in available:
            raise NNDLError(f"{source}: no {what} array named {wanted!r}; it holds "
                            f"{sorted(available)}")
        return wanted
    for name in default:
        if name in available:
            return name
    return None


def _keys(keys: "Sequence[str] | None", source: str) -> tuple["str | None", "str | None", bool]:
    """(x key, y key, labels wanted)."""
    if keys is None:
        return None, None, True
    if isinstance(keys, str):
        keys = (keys,)
    keys = list(keys)
    if not 1 <= len(keys) <= 2 or not all(isinstance(k, str) for k in keys):
        raise NNDLError(f"{source}: keys must be (features_name, labels_name) or "
                        f"(features_name,); got {keys!r}")
    return keys[0], (keys[1] if len(keys) == 2 else None), len(keys) == 2


def load_npz(path: "str | os.PathLike", keys: "Sequence[str] | None" = None,
             task: "str | None" = None, classes: "Sequence[str] | None" = None) -> Dataset:
    """An ``.npz`` with X (m, n) (or images (m, h, w, c)) and y (m,); never unpickles."""
    p = Path(os.fspath(path))
    xk, yk, labelled = _keys(keys, str(p))
    if not starts_like_zip(p, "data file"):
        raise NNDLError(f"{p}: not a .npz file (a .npz is a zip archive of arrays, as written by "
                        "numpy.savez)")
    try:
        with np.load(p, allow_pickle=False) as z:
            names = list(z.files)
            xk = _pick(names, xk, ("X", "x"), str(p), "feature")
            if xk is None:
                raise NNDLError(f"{p}: no feature array 'X' (or 'x'); it holds {sorted(names)} "
                                "(pass keys=(features_name, labels_name))")
            yk = _pick(names, yk, ("y", "Y"), str(p), "label") if labelled else None
            if labelled and yk is None:
                raise NNDLError(f"{p}: no label array 'y' (or 'Y'); it holds {sorted(names)} "
                                "(pass keys=(features_name, labels_name), or (features_name,) "
                                "for unlabeled data)")
            X = z[xk]
            y = z[yk] if yk is not None else None
    except NNDLError:
        raise
    except ValueError as exc:  # object arrays (pickles) refused by allow_pickle=False
        raise NNDLError(f"{p}: refused to read an array that needs pickle (object arrays are "
                        f"not allowed): {exc}") from None
    except (OSError, zipfile.BadZipFile, EOFError, KeyError) as exc:
        raise NNDLError(f"{p}: not a readable .npz file ({type(exc).__name__}: {exc})") from None
    return from_arrays(X, y, p.name, task=task, classes=classes)


def load_hdf5(path: "str | os.PathLike", keys: "Sequence[str] | None" = None,
              task: "str | None" = None, classes: "Sequence[str] | None" = None) -> Dataset:
    """An HDF5 file: the course's cat layout is detected; otherwise datasets X (m, ...) and
    y (m,) (names from ``keys``)."""
    h5py = _h5py()
    p = Path(os.fspath(path))
    xk, yk, labelled = _keys(keys, str(p))
    try:
        with h5py.File(p, "r") as f:
            part = course_part(f) if keys is None else None
            if part is not None:
                ds = read_course_file(f, part, p)
                if classes is not None and list(classes) != ds.classes:
                    raise NNDLError(f"{p}: its classes {ds.classes} differ from the expected "
                                    f"{list(classes)}")
                return ds
            names = [k for k in f.keys() if isinstance(f[k], h5py.Dataset)]
            xk = _pick(names, xk, ("X", "x"), str(p), "feature")
            if xk is None:
                raise NNDLError(f"{p}: no dataset 'X' (or 'x') and not the course's layout; it "
                                f"holds {sorted(names)} (pass keys=(features_name, labels_name))")
            yk = _pick(names, yk, ("y", "Y"), str(p), "label") if labelled else None
            if labelled and yk is None:
                raise NNDLError(f"{p}: no label dataset 'y' (or 'Y'); it holds {sorted(names)}")
            X = np.asarray(f[xk][()])
            y = np.asarray(f[yk][()]) if yk is not None else None
    except NNDLError:
        raise
    except (OSError, KeyError, TypeError, ValueError) as exc:
        raise NNDLError(f"{p}: not a readable HDF5 file ({type(exc).__name__}: {exc})") from None
    return from_arrays(X, y, p.name, task=task, classes=classes)


# --- CSV ------------------------------------------------------------------------------------
def _is_number(s: str) -> bool:
    try:
        float(s)
    except ValueError:
        return False
    return True


def load_csv(path: "str | os.PathLike", label: "str | int | bool | None" = None,
             task: "str | None" = None, classes: "Sequence[str] | None" = None) -> Dataset:
    """A CSV file, one sample per row.

    The delimiter is the first of ``,`` ``;`` tab found in the first line. The first row is a
    header when it holds no number at all, or when some column is numeric in every other row
    but not in the first one, or when ``label`` is a column name. ``label`` picks the label
    column by name or index (default: the last column); ``False`` means no label column.
    """
    p = Path(os.fspath(path))
    try:
        with open(p, newline="", encoding="utf-8-sig") as fh:
            first_line = fh.readline()
            fh.seek(0)
            delimiter = next((d for d in (",", ";", "\t") if d in first_line), ",")
            rows = [r for r in csv.reader(fh, delimiter=delimiter) if any(c.strip() for c in r)]
    except UnicodeDecodeError:
        raise NNDLError(f"{p}: not a text CSV file (it is not UTF-8 text)") from None
    except csv.Error as exc:
        raise NNDLError(f"{p}: not a readable CSV file ({exc})") from None
    except OSError as exc:
        raise NNDLError(f"{p}: cannot read ({exc.strerror or exc})") from None
    if not rows:
        raise NNDLError(f"{p}: the CSV file is empty")
    width = len(rows[0])
    for i, r in enumerate(rows):
        if len(r) != width:
            raise NNDLError(f"{p}: ragged rows: row {i + 1} has {len(r)} fields, the first has "
                            f"{width}")
    rows = [[c.strip() for c in r] for r in rows]

    by_name = isinstance(label, str) and not label.lstrip("-").isdigit()
    header = None
    if len(rows) == 1 and not any(_is_number(c) for c in rows[0]):
        rows = []
    elif len(rows) > 1:
        first, rest = rows[0], rows[1:201]  # a sample of rows is enough to judge the first
        numeric_cols = [j for j in range(width) if all(_is_number(r[j]) for r in rest)]
        if any(not _is_number(first[j]) for j in numeric_cols) or by_name \
                or not any(_is_number(c) for c in first):
            header = first
            rows = rest
    if not rows:
        raise NNDLError(f"{p}: the CSV file has a header but no samples")

    # which column holds the labels
    if label is False:
        col = None
    elif label is None or label is True:
        col = width - 1
    elif by_name:
        if header is None or label not in header:
            raise NNDLError(f"{p}: no column named {label!r}; the columns are "
                            f"{header if header is not None else '(no header row)'}")
        col = header.index(label)
    else:
        try:
            col = int(label)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            raise NNDLError(f"{p}: label must be a column name or index; got {label!r}") from None
        if not -width <= col < width:
            raise NNDLError(f"{p}: label column {col} is out of range; the file has {width} "
                            "columns")
        col %= width
    if col is not None and width < 2:
        raise NNDLError(f"{p}: needs at least one feature column besides the label column")

    feat_cols = [j for j in range(width) if j != col]
    try:
        X = np.array([[r[j] for j in feat_cols] for r in rows], dtype=np.float64)
    except ValueError:  # find the first cell that is not a number, to say where it is
        for i, r in enumerate(rows):
            for j in feat_cols:
                if not _is_number(r[j]):
                    line = i + 1 + (header is not None)
                    where = f"column {header[j]!r}" if header is not None else f"column {j}"
                    raise NNDLError(f"{p}: line {line}, {where}: features must be numbers; "
                                    f"got {r[j]!r}") from None
        raise NNDLError(f"{p}: features must be numbers") from None
    names = [header[j] for j in feat_cols] if header is not None else None
    y = None if col is None else np.array([r[col] for r in rows])
    if y is not None and any(v == "" for v in y.tolist()):
        raise NNDLError(f"{p}: some rows have an empty label")
    return from_arrays(X, y, p.name, task=task, classes=classes, feature_names=names)


# --- images ---------------------------------------------------------------------------------
def _pil():
    try:
        from PIL import Image
    except ImportError:  # pragma: no cover - depends on the environment
        raise NNDLError("reading images needs Pillow: pip install 'nndl[images]'") from None
    return Image


def _check_size(image_size: object) -> tuple[int, int]:
    try:
        h, w = image_size  # type: ignore[misc]
        ok = all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) and v > 0
                 for v in (h, w))
    except (TypeError, ValueError):
        ok = False
    if not ok:
        raise NNDLError(f"image_size must be (height, width), two positive integers; got "
                        f"{image_size!r}")
    return int(h), int(w)


def read_image(path: "str | os.PathLike", image_size: tuple[int, int] = (64, 64)) -> np.ndarray:
    """One image file -> (h, w, 3) uint8, converted to RGB and resized to ``image_size``."""
    Image = _pil()
    h, w = _check_size(image_size)
    p = Path(os.fspath(path))
    try:
        with Image.open(p) as im:
            im = im.convert("RGB")
            if im.size != (w, h):
                im = im.resize((w, h), Image.BILINEAR)
            return np.asarray(im, dtype=np.uint8).copy()
    except FileNotFoundError:
        raise NNDLError(f"image file not found: {p}") from None
    except (OSError, ValueError, SyntaxError) as exc:  # PIL.UnidentifiedImageError is an OSError
        raise NNDLError(f"{p}: not a readable image ({exc})") from None


def load_images(paths: Sequence["str | os.PathLike"], image_size: tuple[int, int] = (64, 64)
                ) -> Dataset:
    """Image files -> unlabeled Dataset: X (h*w*3, m) in [0, 1], images (m, h, w, 3)."""
    if not paths:
        raise NNDLError("no image files given")
    images = np.stack([read_image(p, image_size) for p in paths])
    m = images.shape[0]
    name = Path(os.fspath(paths[0])).name if m == 1 else f"{m} images"
    return Dataset(X=images.reshape(m, -1).T / 255.0, Y=None, images=images, name=name)


def load_image_folder(path: "str | os.PathLike", image_size: tuple[int, int] = (64, 64),
                      classes: "Sequence[str] | None" = None) -> Dataset:
    """A folder with one sub-folder per class (its name is the class name) of image files.

    Classes are the sub-folder names, sorted (or ``classes``, in that order). Every image is
    converted to RGB and resized to ``image_size`` (height, width); X is (h*w*3, m) in [0, 1].
    """
    root = Path(os.fspath(path))
    _check_size(image_size)
    subdirs = sorted(d.name for d in root.iterdir() if d.is_dir() and not d.name.startswith("."))
    if not subdirs:
        raise NNDLError(f"{root}: an image folder needs one sub-folder per class (e.g. "
                        f"{root}/cat/1.png, {root}/dog/2.png); found no sub-folder")
    if classes is not None:
        order = [str(c) for c in classes]
        extra = sorted(set(subdirs) - set(order))
        if extra:
            raise NNDLError(f"{root}: sub-folders {extra} are not among the expected classes "
                            f"{order}")
    else:
        order = subdirs
    files: list[Path] = []
    labels: list[int] = []
    for j, c in enumerate(order):
        d = root / c
        if not d.is_dir():
            continue
        found = sorted(f for f in d.iterdir() if f.is_file() and f.suffix.lower() in IMAGE_SUFFIXES)
        if not found and classes is None:
            raise NNDLError(f"{d}: class folder has no image files ({', '.join(IMAGE_SUFFIXES)})")
        files += found
        labels += [j] * len(found)
    if not files:
        raise NNDLError(f"{root}: no image files in its sub-folders")
    data = load_images(files, image_size)
    k = len(order)
    return Dataset(X=data.X, Y=np.array(labels, dtype=np.int64).reshape(1, -1), classes=order,
                   task="binary" if k <= 2 else "multiclass", images=data.images,
                   name=root.name)

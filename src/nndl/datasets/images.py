"""Images: one file, a list of files, or a folder with one sub-folder per class, as a
:class:`~nndl.datasets.base.Dataset` (Pillow; converted to RGB and resized to ``image_size``).

X is (h*w*3, m) in [0, 1] (samples as columns); ``Dataset.images`` keeps the (m, h, w, 3)
uint8 pixels for plotting and ``sample_names`` the file names. The memory the images need is
checked against the files' sizes before any is decoded (:mod:`nndl.limits`).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Sequence

import numpy as np

from ..errors import NNDLError, shorten
from ..files import regular_file
from ..limits import Budget
from ..validation import check_number
from .base import Dataset, task_for_classes

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".tiff", ".webp")
"""The image files nndl reads (in any case)."""


def _pil():
    try:
        from PIL import Image
    except ImportError:  # pragma: no cover - depends on the environment
        raise NNDLError("reading images needs Pillow: pip install 'nndl[images]'") from None
    return Image


def _check_size(image_size: object) -> tuple[int, int]:
    try:
        h, w = (check_number("image_size", v, integer=True, low=1)
                for v in image_size)  # type: ignore[union-attr]
        ok = True
    except (TypeError, ValueError):  # NNDLError is a ValueError
        ok = False
    if not ok:
        raise NNDLError(f"image_size must be (height, width), two positive integers; got "
                        f"{shorten(repr(image_size), 80)}")
    return int(h), int(w)


def read_image(path: "str | os.PathLike", image_size: tuple[int, int] = (64, 64),
               max_bytes: "int | str | None" = None) -> np.ndarray:
    """One image file -> (h, w, 3) uint8, converted to RGB and resized to ``image_size``."""
    Image = _pil()
    h, w = _check_size(image_size)
    p = regular_file(path, "image file")
    size = p.stat().st_size
    Budget(shorten(p.name), max_bytes).take(h * w * 3 * 9, size, f"an image of {h}x{w} pixels")
    try:
        with Image.open(p) as im:  # reads the header only: the size it declares is checked
            Budget(shorten(p.name), max_bytes).take(
                im.width * im.height * 4, size,
                f"decoding an image of {im.width}x{im.height} pixels")
            im = im.convert("RGB")
            if im.size != (w, h):
                im = im.resize((w, h), Image.BILINEAR)
            return np.asarray(im, dtype=np.uint8).copy()
    except FileNotFoundError:
        raise NNDLError(f"image file not found: {shorten(p)}") from None
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError) as exc:
        # PIL.UnidentifiedImageError is an OSError
        raise NNDLError(f"{shorten(p)}: not a readable image ({shorten(exc, 160)})") from None


def load_images(paths: Sequence["str | os.PathLike"], image_size: tuple[int, int] = (64, 64),
                max_bytes: "int | str | None" = None) -> Dataset:
    """Image files -> unlabeled Dataset: X (h*w*3, m) in [0, 1], images (m, h, w, 3), and
    the file names in ``sample_names``.

    The memory needed (m images of h*w*3 bytes, and X in float64) is checked against the
    files' sizes before any is read (:mod:`nndl.limits`)."""
    if not paths:
        raise NNDLError("no image files given")
    h, w = _check_size(image_size)
    files = [regular_file(p, "image file") for p in paths]
    name = shorten(files[0].name) if len(files) == 1 else f"{len(files)} images"
    Budget(name, max_bytes).take(len(files) * h * w * 3 * 9,
                                 sum(f.stat().st_size for f in files),
                                 f"{len(files)} image(s) of {h}x{w} pixels")
    images = np.stack([read_image(p, (h, w), max_bytes) for p in files])
    m = images.shape[0]
    return Dataset(X=images.reshape(m, -1).T / 255.0, Y=None, images=images, name=name,
                   sample_names=[f.name for f in files])


def _image_files(folder: Path) -> list[Path]:
    return sorted(f for f in folder.iterdir()
                  if f.suffix.lower() in IMAGE_SUFFIXES and f.is_file()
                  and not f.name.startswith("."))


def load_image_folder(path: "str | os.PathLike", image_size: tuple[int, int] = (64, 64),
                      classes: "Sequence[str] | None" = None,
                      max_bytes: "int | str | None" = None) -> Dataset:
    """A folder with one sub-folder per class (its name is the class name) of image files;
    or a folder holding image files directly (no sub-folders): unlabeled, for prediction,
    ``sample_names`` holding the file names.

    Classes are the sub-folder names, sorted (or ``classes``, in that order). Every image is
    converted to RGB and resized to ``image_size`` (height, width); X is (h*w*3, m) in [0, 1].
    """
    root = Path(os.fspath(path))
    _check_size(image_size)
    try:
        subdirs = sorted(d.name for d in root.iterdir()
                         if d.is_dir() and not d.name.startswith("."))
    except OSError as exc:
        raise NNDLError(f"cannot read the folder {shorten(root)}: {exc.strerror or exc}") \
            from None
    if not subdirs:
        flat = _image_files(root)
        if flat:
            data = load_images(flat, image_size, max_bytes)
            data.name = shorten(root.name)
            return data
        raise NNDLError(f"{shorten(root)}: an image folder needs one sub-folder per class (e.g. "
                        f"{shorten(root)}/cat/1.png, {shorten(root)}/dog/2.png), or image files "
                        "directly in it for prediction; found neither")
    if classes is not None:
        order = [str(c) for c in classes]
        extra = sorted(set(subdirs) - set(order))
        if extra:
            raise NNDLError(f"{shorten(root)}: sub-folders {shorten(extra)} are not among the "
                            f"expected classes {shorten(order)}")
    else:
        order = subdirs
    files: list[Path] = []
    labels: list[int] = []
    for j, c in enumerate(order):
        d = root / c
        if not d.is_dir():
            continue
        found = _image_files(d)
        if not found and classes is None:
            raise NNDLError(f"{shorten(d)}: class folder has no image files "
                            f"({', '.join(IMAGE_SUFFIXES)})")
        files += found
        labels += [j] * len(found)
    if not files:
        raise NNDLError(f"{shorten(root)}: no image files in its sub-folders")
    data = load_images(files, image_size, max_bytes)
    k = len(order)
    return Dataset(X=data.X, Y=np.array(labels, dtype=np.int64).reshape(1, -1), classes=order,
                   task=task_for_classes(k), images=data.images,
                   name=shorten(root.name),
                   sample_names=[f"{f.parent.name}/{f.name}" for f in files])

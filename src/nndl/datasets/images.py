"""Images: one file, a list of files, or a folder with one sub-folder per class, as a
:class:`~nndl.datasets.base.Dataset` (Pillow; RGB, resized to ``image_size``).

X is (h*w*3, m) float64 in [0, 1] (samples as columns); ``Dataset.images`` keeps the
(m, h, w, 3) uint8 pixels for plotting and ``sample_names`` the file names. The memory the
images need is checked against the files' sizes before any is decoded (:mod:`nndl.limits`).

Pixels are read at the file's own depth (:func:`read_pixels`) and scaled to [0, 1]:

- 8-bit images (Pillow modes ``1``, ``L``, ``LA``, ``P``, ``PA``, ``RGB``, ``RGBA``,
  ``CMYK``, ``YCbCr``...) are converted to RGB by Pillow (alpha is dropped, a palette's
  transparent entry keeps its colour) and divided by 255;
- 16-bit grayscale (``I;16``, ``I;16L``, ``I;16B``, ``I;16N``: 16-bit PNG, TIFF) is divided by
  65535, so a value of 32768 reads as 0.5 (not clipped to 255 as an RGB conversion would);
- 32-bit integer (``I``: 16-bit PGM, 32-bit TIFF) is read as 16-bit when its values lie in
  0..65535, and refused otherwise (no range to scale by without guessing);
- 32-bit float (``F``: float TIFF) is taken as it is when its values lie in [0, 1], and
  refused otherwise (other units cannot be scaled without guessing);
- grayscale is repeated on the three channels; a file of several frames (animated GIF,
  multi-page TIFF) gives its first frame.

Resizing is Pillow's bilinear filter for every depth (on float32 pixels for the 16- and
32-bit modes, so no precision is lost). X is the pixels at full depth; ``Dataset.images`` and
:func:`read_image` are them rounded to 8 bits (exactly the file's values for 8-bit images).
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from ..errors import NNDLError, shorten
from ..files import regular_file
from ..limits import Budget
from ..validation import check_number
from .base import Dataset, task_for_classes

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".tiff", ".webp", ".pgm",
                  ".ppm", ".pbm")
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


SIXTEEN_BIT_MODES = ("I;16", "I;16L", "I;16B", "I;16N")
"""Pillow's 16-bit grayscale modes: values 0..65535, read as value / 65535."""
DEEP_MODES = (*SIXTEEN_BIT_MODES, "I", "F")
"""Modes whose values an RGB conversion would clip to 0..255: read by :func:`_deep_pixels`."""


def _deep_scale(a: np.ndarray, mode: str, where: str) -> float:
    """What the values ``a`` of a 16- or 32-bit image are divided by to lie in [0, 1];
    NNDLError naming the file (``where``), the mode and the range found when no scale is
    known for them."""
    if mode in SIXTEEN_BIT_MODES:
        return 65535.0
    if mode == "F" and not np.isfinite(a).all():
        raise NNDLError(f"{where}: a 32-bit float image (mode F) holding NaN or infinite "
                        "values; nndl reads float images whose values lie in [0, 1]")
    lo, hi = a.min(), a.max()
    if mode == "F":
        if lo < 0 or hi > 1:
            raise NNDLError(f"{where}: a 32-bit float image (mode F) with values in "
                            f"[{float(lo):.6g}, {float(hi):.6g}]; nndl takes float images as "
                            "they are only when their values lie in [0, 1] (other units cannot "
                            "be scaled without guessing): scale the file to [0, 1], or save it "
                            "as an 8- or 16-bit image")
        return 1.0
    if lo < 0 or hi > 65535:
        raise NNDLError(f"{where}: a 32-bit integer image (mode I) with values in "
                        f"[{int(lo)}, {int(hi)}]; nndl reads integer images as 16-bit ones "
                        "(values 0..65535, divided by 65535): scale the file to that range, or "
                        "save it as an 8- or 16-bit image")
    return 65535.0


def _deep_pixels(im: Any, h: int, w: int, where: str) -> np.ndarray:
    """A 16- or 32-bit single-channel Pillow image -> (h, w, 3) float64 in [0, 1]: its values
    divided by :func:`_deep_scale`'s scale, resized bilinearly as float32 ("F" mode), the
    gray repeated on the three channels."""
    Image = _pil()
    a = np.asarray(im)
    scale = _deep_scale(a, im.mode, where)
    f = Image.fromarray(np.ascontiguousarray(a, dtype=np.float32))  # mode "F"; exact <= 2**24
    if f.size != (w, h):
        f = f.resize((w, h), Image.BILINEAR)
    gray = np.clip(np.asarray(f, dtype=np.float64) / scale, 0.0, 1.0)
    return np.repeat(gray[:, :, None], 3, axis=2)


def _rgb8_pixels(im: Any, h: int, w: int) -> np.ndarray:
    """An 8-bit Pillow image (any mode but :data:`DEEP_MODES`) -> (h, w, 3) uint8: converted
    to RGB, then resized bilinearly (an RGB or gray image of more than :data:`LARGE_PIXELS`
    pixels resized first, with Pillow's ``reducing_gap``, without a copy of the full image:
    pixels within a few levels of 255 of resizing the whole image, not the same bits)."""
    Image = _pil()
    if im.mode in ("RGB", "L") and im.width * im.height > LARGE_PIXELS:  # no full RGB copy
        im = im.resize((w, h), Image.BILINEAR, reducing_gap=REDUCING_GAP)
    im = im.convert("RGB")
    if im.size != (w, h):
        im = im.resize((w, h), Image.BILINEAR)
    return np.asarray(im, dtype=np.uint8).copy()


def _decode_bytes(im: Any) -> int:
    """The memory decoding ``im`` takes: 4 bytes a pixel (8 for the 16- and 32-bit modes,
    which are also copied as float32)."""
    return im.width * im.height * (8 if im.mode in DEEP_MODES else 4)


LARGE_PIXELS = 2**24
"""Images of more pixels than this (16 Mpx) are made small before their RGB copy is made
(:func:`_shrunk`, :func:`_rgb8_pixels`); smaller ones are read exactly as before."""
REDUCING_GAP = 3.0
"""Pillow's ``reducing_gap`` for them: a block average down to 3 times the size asked, then
the bilinear filter (Pillow: "indistinguishable from" resizing the full image)."""


def _shrunk(im: Any, h: int, w: int) -> Any:
    """``im``; a JPEG of more than :data:`LARGE_PIXELS` pixels decoded at a smaller scale
    (``Image.draft``: 1/2 to 1/8) that leaves at least :data:`REDUCING_GAP` times
    ``max(h, w)`` pixels on its shorter side (decoding the full image took its size in
    memory, and its RGB copy as much again)."""
    factor = min(im.width, im.height) // int(REDUCING_GAP * max(h, w))
    if im.width * im.height > LARGE_PIXELS and factor >= 2 and im.format == "JPEG":
        im.draft(im.mode, (im.width // factor, im.height // factor))
    return im


def _upright(im: Any) -> Any:
    """``im`` turned as its EXIF orientation tag says (a phone's photo is stored sideways
    with a tag telling viewers to turn it): the pixels as people see the picture."""
    from PIL import ImageOps

    with warnings.catch_warnings():  # corrupt EXIF: Pillow warns, and it has no orientation
        warnings.simplefilter("ignore")
        if im.getexif().get(EXIF_ORIENTATION, 1) not in range(2, 9):
            return im
        return ImageOps.exif_transpose(im)


EXIF_ORIENTATION = 0x0112
"""The EXIF tag of an image's orientation (1: as stored; 2-8: mirrored and/or turned)."""


def _file_size(p: Path) -> int:
    """The size of the image file ``p``, checked a moment before: NNDLError when it went
    since (a folder changing while it is read gave a bare FileNotFoundError)."""
    try:
        return p.stat().st_size
    except OSError as exc:
        raise NNDLError(f"cannot read the image file {shorten(p)}: {exc.strerror or exc} (it "
                        "changed while the images were read)") from None


def read_pixels(path: "str | os.PathLike", image_size: tuple[int, int] = (64, 64),
                max_bytes: "int | str | None" = None) -> np.ndarray:
    """One image file -> (h, w, 3) float64 in [0, 1], read at the file's own depth (8-bit
    values / 255, 16-bit / 65535, float as is; see the module's notes), turned upright as its
    EXIF orientation says (as viewers show it), RGB, resized to
    ``image_size`` = (h, w). NNDLError naming the file if it cannot be read, or if its values
    cannot be scaled to [0, 1] without guessing."""
    Image = _pil()
    h, w = _check_size(image_size)
    p = regular_file(path, "image file")
    size = _file_size(p)
    Budget(shorten(p.name), max_bytes).take(h * w * 3 * 9, size, f"an image of {h}x{w} pixels")
    try:
        with Image.open(p) as im:  # reads the header only: the size it declares is checked
            Budget(shorten(p.name), max_bytes).take(
                _decode_bytes(im), size, f"decoding an image of {im.width}x{im.height} pixels")
            im = _upright(_shrunk(im, h, w))
            if im.mode in DEEP_MODES:
                return _deep_pixels(im, h, w, shorten(p))
            return _rgb8_pixels(im, h, w) / 255.0
    except FileNotFoundError:
        raise NNDLError(f"image file not found: {shorten(p)}") from None
    except NNDLError:
        raise
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError) as exc:
        # PIL.UnidentifiedImageError is an OSError
        raise NNDLError(f"{shorten(p)}: not a readable image ({shorten(exc, 160)})") from None


def to_uint8(pixels: np.ndarray) -> np.ndarray:
    """Pixels in [0, 1] (any shape) -> uint8 0..255, rounded (8-bit values come back
    exactly)."""
    return np.rint(pixels * 255.0).astype(np.uint8)


def read_image(path: "str | os.PathLike", image_size: tuple[int, int] = (64, 64),
               max_bytes: "int | str | None" = None) -> np.ndarray:
    """One image file -> (h, w, 3) uint8, RGB, resized to ``image_size``: :func:`read_pixels`
    rounded to 8 bits (16-bit and float images scaled, not clipped)."""
    return to_uint8(read_pixels(path, image_size, max_bytes))


def load_images(paths: Sequence["str | os.PathLike"], image_size: tuple[int, int] = (64, 64),
                max_bytes: "int | str | None" = None) -> Dataset:
    """Image files -> unlabeled Dataset: X (h*w*3, m) float64 in [0, 1] at the files' own
    depth (:func:`read_pixels`), images (m, h, w, 3) uint8, and the file names in
    ``sample_names``.

    The memory needed (m images of h*w*3 bytes, and X in float64) is checked against the
    files' sizes before any is read (:mod:`nndl.limits`)."""
    if not paths:
        raise NNDLError("no image files given")
    h, w = _check_size(image_size)
    files = [regular_file(p, "image file") for p in paths]
    name = shorten(files[0].name) if len(files) == 1 else f"{len(files)} images"
    Budget(name, max_bytes).take(len(files) * h * w * 3 * 9,
                                 sum(_file_size(f) for f in files),
                                 f"{len(files)} image(s) of {h}x{w} pixels",
                                 f"every image is resized to {h}x{w} pixels, whatever its own "
                                 "size: a smaller image size (image_size=; nndl --image-size) "
                                 "needs less")
    m = len(files)
    X = np.empty((m, h * w * 3))  # filled a sample a row; X.T is (h*w*3, m)
    images = np.empty((m, h, w, 3), dtype=np.uint8)
    for j, p in enumerate(files):
        pixels = read_pixels(p, (h, w), max_bytes)
        X[j] = pixels.reshape(-1)
        images[j] = to_uint8(pixels)
    return Dataset(X=X.T, Y=None, images=images, name=name,
                   sample_names=[f.name for f in files])


def _image_files(folder: Path, nested: bool = False, seen: "set[str] | None" = None,
                 avoid: "set[str] | None" = None, root: str = "") -> list[Path]:
    """The image files in ``folder`` (hidden ones left out), sorted; with ``nested``, those
    of its sub-folders too, at any depth (as Keras and torchvision read a class folder), each
    folder once however links lead to it: ``seen`` holds the real paths of the folders read
    (shared by the class folders of one data set), ``avoid`` the other classes' folders,
    nothing in which is entered, and ``root`` the data set's folder, which is not entered
    again, so that no image is read twice or under another class than its folder's."""
    if not nested:
        return sorted(f for f in folder.iterdir() if _is_image_file(f))
    found: list[Path] = []
    seen = set() if seen is None else seen
    avoid = set() if avoid is None else avoid
    own = os.path.realpath(folder)
    for top, dirs, names in os.walk(folder, followlinks=True):
        real = os.path.realpath(top)
        inside_own = real == own or real.startswith(own + os.sep)
        if real in seen or (not inside_own and (real == root or any(
                real == a or real.startswith(a + os.sep) for a in avoid))):
            dirs[:] = []  # a link back up (a loop), into another class, or read already
            continue
        _check_inside(Path(top), real, root)
        seen.add(real)
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        found += [f for f in (Path(top) / n for n in names) if _is_image_file(f)]
    return sorted(found)


def _check_inside(folder: Path, real: str, root: str) -> None:
    """NNDLError when ``folder`` (met in a class folder), whose real path is ``real``, is a
    folder that holds the data set's folder ``root`` (its real path; "" when there is none):
    walking it would read the data set again and everything beside it (``cat/x -> /`` read
    every image on the disk as a cat, as unpacking a folder of someone else's can make it).
    A link to a folder elsewhere is followed, as torchvision's ImageFolder follows it (a
    class folder linked to ``/data/photos/cats`` is a usual way to build a data set)."""
    top = real.rstrip(os.sep) + os.sep
    if root and real != root and (root + os.sep).startswith(top):
        raise NNDLError(f"{shorten(folder)} leads to {shorten(real)} (a symbolic link), a "
                        f"folder that holds the data set's folder {shorten(root)}: nndl does "
                        "not walk it (it would read the data set again and every image beside "
                        "it); link the folder of those images instead")


def _is_image_file(f: Path) -> bool:
    """An entry named like an image file, not hidden (``.DS_Store``, ``._x.jpg``) and not a
    folder: what is not a regular file (a broken link, a link loop, a FIFO named ``x.png``)
    is kept, so that reading it refuses it by name (:func:`nndl.files.regular_file`), as a
    loose image given is refused, instead of leaving it out unsaid."""
    return f.suffix.lower() in IMAGE_SUFFIXES and not f.name.startswith(".") \
        and not f.is_dir()


def load_image_folder(path: "str | os.PathLike", image_size: tuple[int, int] = (64, 64),
                      classes: "Sequence[str] | None" = None,
                      max_bytes: "int | str | None" = None) -> Dataset:
    """A folder with one sub-folder per class (its name is the class name) of image files,
    in the class folder or in folders inside it; or a folder holding image files directly (no
    sub-folders): unlabeled, for prediction, ``sample_names`` holding the file names. A folder
    with both is refused (its loose images would be left out).

    Classes are the sub-folder names, sorted (or ``classes``, in that order). Every image is
    read as :func:`read_pixels` does (RGB, resized to ``image_size`` (height, width), scaled
    to [0, 1] at its own depth); X is (h*w*3, m) in [0, 1].
    """
    root = Path(os.fspath(path))
    _check_size(image_size)
    try:
        subdirs = sorted(d.name for d in root.iterdir()
                         if d.is_dir() and not d.name.startswith("."))
    except OSError as exc:
        raise NNDLError(f"cannot read the folder {shorten(root)}: {exc.strerror or exc}") \
            from None
    flat = _image_files(root)
    if flat and subdirs:  # the loose images would be left out of a labelled set
        raise NNDLError(
            f"{shorten(root)} holds image files ({len(flat)}, e.g. {shorten(flat[0].name, 60)}) "
            f"and sub-folders ({shorten(', '.join(subdirs), 80)}): a labelled set has every "
            "image in its class's sub-folder, a set to predict on has images only; move them, "
            "or give the image files themselves")
    if not subdirs:
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
    # each class folder is read as its own class only: from inside one, neither the root (a
    # link "up") nor another class's folder is entered, and no folder is read twice
    seen: set[str] = set()
    real = {c: os.path.realpath(root / c) for c in order if (root / c).is_dir()}
    twice = [(a, b) for i, a in enumerate(real) for b in list(real)[:i] if real[a] == real[b]]
    if twice:
        a, b = twice[0]
        raise NNDLError(f"{shorten(root)}: class folders {b!r} and {a!r} are the same folder "
                        "(a link): its images cannot be of both classes")
    for j, c in enumerate(order):
        d = root / c
        if not d.is_dir():
            continue
        found = _image_files(d, nested=True, seen=seen, root=os.path.realpath(root),
                             avoid={v for k, v in real.items() if k != c})
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
                   sample_names=[f.relative_to(root).as_posix() for f in files])

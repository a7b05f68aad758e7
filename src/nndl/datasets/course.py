"""The course's cat / non-cat images (HDF5): ``train_catvnoncat.h5`` and ``test_catvnoncat.h5``.

Each file holds ``{train,test}_set_x`` (m, 64, 64, 3) uint8, ``{train,test}_set_y`` (m,) and
``list_classes`` [b'non-cat', b'cat']. Images are flattened to columns and divided by 255, so
``X`` is (12288, m) in [0, 1] and ``Y`` is (1, m).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..errors import NNDLError

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


@dataclass
class Split:
    """One part of a data set: X (n[0], m), Y (1, m), and the class names."""

    X: np.ndarray
    Y: np.ndarray
    classes: list[str] = field(default_factory=list)
    images: "np.ndarray | None" = None  # (m, h, w, c) uint8, for plotting


def _read_h5(path: Path, part: str) -> Split:
    try:
        import h5py
    except ImportError:  # pragma: no cover - depends on the environment
        raise NNDLError("reading HDF5 needs h5py: pip install 'nndl[h5]'") from None
    if not path.is_file():
        raise NNDLError(f"cat data file not found: {path}")
    try:
        with h5py.File(path, "r") as f:
            images = np.asarray(f[f"{part}_set_x"][:])
            y = np.asarray(f[f"{part}_set_y"][:])
            classes = [c.decode() if isinstance(c, bytes) else str(c)
                       for c in f["list_classes"][:]]
    except (OSError, KeyError) as exc:
        raise NNDLError(f"{path} is not the course's {part} HDF5 file: {exc}") from None
    m = images.shape[0]
    X = images.reshape(m, -1).T / 255.0
    return Split(X=X, Y=y.reshape(1, m).astype(np.int64), classes=classes, images=images)


def load_cat(path: "str | os.PathLike | None" = None) -> tuple[Split, Split]:
    """``(train, test)`` from the folder holding the two course files."""
    folder = Path(path) if path is not None else default_cat_dir()
    if not folder.is_dir():
        raise NNDLError(f"cat data folder not found: {folder} (expected the course's "
                        "train_catvnoncat.h5 and test_catvnoncat.h5 there)")
    return (_read_h5(folder / "train_catvnoncat.h5", "train"),
            _read_h5(folder / "test_catvnoncat.h5", "test"))

"""Atomic writes of user files (models, checkpoints, plots, CSV predictions).

The content goes to a temporary file in the target's folder, is flushed to disk, and is then
renamed over the target (``os.replace``, atomic on POSIX and Windows), so a crash leaves either
the old file or the complete new one, never half of one. The new file gets the permissions a
plain ``open(path, "w")`` would give (``0o666`` less the umask), not ``mkstemp``'s ``0o600``.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import IO, Any, Callable

from .errors import NNDLError


ZIP_MAGIC = b"PK\x03\x04"
"""How every ``.npz`` (a zip archive of ``.npy`` arrays, as numpy.savez writes) begins."""


def starts_like_zip(path: "str | os.PathLike", what: str = "file") -> bool:
    """Whether ``path`` begins with the zip signature; NNDLError (naming ``what``) if it cannot
    be read at all. Checked before numpy sees a file, so a pickle or random bytes are refused
    by their first bytes."""
    try:
        with open(path, "rb") as fh:
            return fh.read(4) == ZIP_MAGIC
    except OSError as exc:
        raise NNDLError(f"cannot read the {what} {path}: {exc.strerror or exc}") from None


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def atomic_write(path: "str | os.PathLike", write: Callable[[IO[Any]], Any],
                 mode: str = "wb", what: str = "file") -> Path:
    """Call ``write(f)`` on a temporary file beside ``path``, then rename it over ``path``.

    Raises NNDLError (naming ``what``) when the folder is missing, the target is a folder, or
    the system refuses the write; the temporary file is always removed on failure.
    """
    target = Path(os.fspath(path))
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise NNDLError(f"cannot write the {what} {target}: folder {folder} does not exist")
    if target.is_dir():
        raise NNDLError(f"cannot write the {what} {target}: it is a folder")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise NNDLError(f"cannot write the {what} {target}: {exc.strerror or exc}") from None
    try:
        os.chmod(tmp, 0o666 & ~_umask())
        with os.fdopen(fd, mode) as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, target)
    except BaseException as exc:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        if isinstance(exc, OSError):
            raise NNDLError(f"cannot write the {what} {target}: {exc.strerror or exc}") from None
        raise
    return target

"""Reading and writing ``.npz`` archives (a zip of ``.npy`` arrays) without trusting them.

:class:`Archive` reads what ``numpy.load`` would, but checks each member before allocating:
the file is a regular file that starts like a zip; a member's ``.npy`` header parses (a bit
flip there is an NNDLError, not a ``tokenize`` error); its dtype is a plain number (or what
the caller allows: never an object array, so never a pickle); the bytes its shape declares are
in the member; and the memory it needs passes the file's :class:`~nndl.limits.Budget`
(compressed members: at most ``MAX_RATIO`` times their stored size beyond ``max_bytes``).

:func:`write` writes arrays as ``numpy.savez`` does, deflating a member only where it pays
(the history and the metadata; random-looking parameters are stored as they are).
"""

from __future__ import annotations

import os
import warnings
import zipfile
import zlib
from pathlib import Path
from typing import IO, Callable, Mapping

import numpy as np

from .errors import NNDLError, shorten
from .files import ZIP_MAGIC, open_regular
from .limits import Budget

NUMBER_KINDS = "biuf"
"""dtype kinds of plain numbers: bool, signed and unsigned integers, floats (not complex)."""
SUFFIX = ".npy"


class Archive:
    """An open ``.npz`` file read member by member (use as a context manager).

    ``fail(message)`` builds the error for a broken file (default: ``NNDLError("path:
    message")``); ``max_bytes`` is the budget's limit (:func:`nndl.limits.max_bytes`).
    """

    def __init__(self, path: "str | os.PathLike", what: str = "file",
                 fail: "Callable[[str], NNDLError] | None" = None,
                 max_bytes: "int | str | None" = None) -> None:
        self.path = Path(os.fspath(path))
        self.fail = fail or (lambda msg: NNDLError(f"{shorten(self.path)}: {msg}"))
        self.budget = Budget(shorten(self.path.name), max_bytes)
        self._taken: set[str] = set()  # the arrays whose memory the budget counts already
        self._fh = open_regular(self.path, what)
        try:
            if self._fh.read(4) != ZIP_MAGIC:
                raise self.fail("not a .npz file (not an .npz archive: it does not start like "
                                "a zip file, as numpy.savez writes)")
            self._fh.seek(0)
            self.size = os.fstat(self._fh.fileno()).st_size
            try:
                self.zf = zipfile.ZipFile(self._fh)
                infos = self.zf.infolist()
            except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError,
                    NotImplementedError, RuntimeError) as exc:
                raise self.fail(f"not a readable .npz file (a broken zip archive: "
                                f"{_why(exc)})") from None
            self.infos = {i.filename: i for i in infos}
            if len(self.infos) != len(infos):
                raise self.fail("it holds two members of the same name")
        except BaseException:
            self._fh.close()
            raise

    # --- context manager ----------------------------------------------------------------
    def close(self) -> None:
        try:
            zf = getattr(self, "zf", None)
            if zf is not None:
                zf.close()
        finally:
            self._fh.close()

    def __enter__(self) -> "Archive":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- members ------------------------------------------------------------------------
    @property
    def keys(self) -> list[str]:
        """The array names (members ending in ``.npy``, without the suffix)."""
        return [n[: -len(SUFFIX)] for n in self.infos if n.endswith(SUFFIX)]

    @property
    def others(self) -> list[str]:
        """Members that are not ``.npy`` arrays."""
        return [n for n in self.infos if not n.endswith(SUFFIX)]

    def _info(self, key: str) -> zipfile.ZipInfo:
        info = self.infos.get(key + SUFFIX)
        if info is None:
            raise self.fail(f"no array named {shorten(key, 80)!r}")
        return info

    def header(self, key: str) -> tuple[tuple[int, ...], np.dtype, int]:
        """``(shape, dtype, header length)`` of array ``key`` from its ``.npy`` header alone."""
        info = self._info(key)
        name = shorten(key, 80)
        if info.compress_size > self.size or (info.compress_type == zipfile.ZIP_STORED
                                              and info.file_size > info.compress_size):
            raise self.fail(f"array {name!r} declares more bytes than the file holds "
                            "(truncated or tampered)")
        try:
            with self.zf.open(info) as f, warnings.catch_warnings():
                warnings.simplefilter("ignore")  # a mangled header's escapes: SyntaxWarning
                version = np.lib.format.read_magic(f)
                if version == (1, 0):
                    shape, _, dtype = np.lib.format.read_array_header_1_0(f)
                elif version == (2, 0):
                    shape, _, dtype = np.lib.format.read_array_header_2_0(f)
                else:
                    raise ValueError(f"unsupported .npy format version {version}")
                length = f.tell()
        except Exception as exc:  # numpy parses the header with ast/tokenize: any error type
            raise self.fail(f"array {name!r} has a malformed .npy header, as from a bit flip "
                            f"or truncation ({_why(exc)})") from None
        return tuple(int(n) for n in shape), dtype, length

    def check(self, key: str, kinds: str = NUMBER_KINDS, builds: int = 0
              ) -> tuple[tuple[int, ...], np.dtype]:
        """Check array ``key`` before reading it: a plain dtype of one of ``kinds``, the bytes
        its shape declares present in the member, and its memory within the budget (taken
        here, once per array however often it is checked: a check then a read counted it
        twice, refusing an array of half the limit). ``builds``: bytes per value of the
        copy the caller makes of it (8 for a float64 copy of bytes or bools), counted with
        the array. Returns ``(shape, dtype)``."""
        shape, dtype, length = self.header(key)
        name = shorten(key, 80)
        if dtype.kind not in kinds or dtype.fields is not None or dtype.subdtype is not None \
                or dtype.hasobject:
            what = ("complex numbers" if dtype.kind == "c" else
                    "objects (pickled data)" if dtype.hasobject else f"dtype {dtype}")
            raise self.fail(f"array {name!r} holds {what}; expected "
                            f"{_kinds_text(kinds)}")
        nbytes = int(np.prod(shape, dtype=object)) * dtype.itemsize
        info = self._info(key)
        if length + nbytes > info.file_size:
            raise self.fail(f"array {name!r} is shorter than its shape {shape} needs "
                            "(truncated or tampered)")
        stored = info.compress_size if info.compress_type != zipfile.ZIP_STORED \
            else info.file_size
        if key not in self._taken:
            self.budget.take_array(nbytes, int(np.prod(shape, dtype=object)), builds, stored,
                                   f"array {name!r} of shape {shape} {dtype}")
            self._taken.add(key)
        return shape, dtype

    def read(self, key: str, kinds: str = NUMBER_KINDS, builds: int = 0) -> np.ndarray:
        """Array ``key``, after :meth:`check` (``builds``: as there); never unpickles."""
        self.check(key, kinds, builds)
        try:
            with self.zf.open(self._info(key)) as f:
                return np.lib.format.read_array(f, allow_pickle=False)
        except (ValueError, OSError, EOFError, zipfile.BadZipFile, RuntimeError, KeyError,
                NotImplementedError, UnicodeError, zlib.error, MemoryError) as exc:
            raise self.fail(f"array {shorten(key, 80)!r} is truncated or corrupt "
                            f"({_why(exc)})") from None


def _why(exc: BaseException) -> str:
    text = str(exc).splitlines()[0] if str(exc) else ""
    return shorten(f"{type(exc).__name__}: {text}" if text else type(exc).__name__, 160)


def _kinds_text(kinds: str) -> str:
    names = {"b": "booleans", "i": "integers", "u": "integers", "f": "floats", "c": "complex",
             "U": "text", "S": "bytes"}
    return " or ".join(dict.fromkeys(names[k] for k in kinds))


# --- writing ------------------------------------------------------------------------------
SAMPLE_BYTES = 256 * 2**10
PAYS = 0.8
"""A member is deflated when deflating its first :data:`SAMPLE_BYTES` saves 20% or more."""


def pays_to_compress(data: np.ndarray) -> bool:
    """Whether deflating the bytes ``data`` (uint8, judged on its start) makes them at least
    20% smaller."""
    sample = data[:SAMPLE_BYTES].tobytes()
    return len(sample) > 64 and len(zlib.compress(sample, 1)) < PAYS * len(sample)


def write(f: IO[bytes], arrays: Mapping[str, np.ndarray]) -> None:
    """Write ``arrays`` to the open binary file ``f`` as an ``.npz`` that ``numpy.load``
    reads; each member is deflated only where that pays (:func:`pays_to_compress`)."""
    with zipfile.ZipFile(f, "w", allowZip64=True) as zf:
        for key, value in arrays.items():
            a = np.asanyarray(value)
            if a.dtype.hasobject:
                raise NNDLError(f"cannot save {key!r}: object arrays need pickle")
            raw = np.ascontiguousarray(a).reshape(-1).view(np.uint8)
            info = zipfile.ZipInfo(key + SUFFIX, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED if pays_to_compress(raw) \
                else zipfile.ZIP_STORED
            info.external_attr = 0o644 << 16
            with zf.open(info, "w", force_zip64=True) as member:
                np.lib.format.write_array(member, a, allow_pickle=False)


"""How much memory nndl lets a file make it allocate.

A file says how big its arrays are (a ``.npy`` header's shape, an HDF5 dataset's shape, an
image size in a model, a gzip stream's length when inflated); nndl checks that before
allocating anything. The rule, per file read (:class:`Budget`):

    declared bytes  <=  max(MAX_RATIO * stored bytes, max_bytes())

where *declared bytes* are what reading them allocates: the arrays at the size their header
declares (each array counted once), the float64 copies nndl makes of them (features of 1-byte
bools or pixels become 8-byte numbers; float64 features are used as they are; labels become
8-byte indices), and variable-length text at its real size, counted as it is read (an HDF5
dataset stores only pointers to it); *stored bytes* are what the file physically holds for
those arrays (a zip member's compressed size, an HDF5 dataset's storage size, an image file's
size). Real data compresses
by a few times (MAX_RATIO = 100 leaves a wide margin); a compression bomb (a 2 MB file of
zeros declaring 2 GB) does not, and is refused with an :class:`~nndl.errors.NNDLError` that
says how to raise the limit. Anything up to ``max_bytes()`` (256 MiB by default) is allowed
whatever its ratio.

To read a genuinely bigger, highly compressible file, raise the limit: pass ``max_bytes=``
to the reader (``nndl.datasets.load``, ``nndl.load``), set ``nndl.limits.MAX_BYTES``, or set
the environment variable ``NNDL_MAX_BYTES`` (bytes, or with a suffix: ``4G``, ``512M``).
"""

from __future__ import annotations

import os
import re

from .errors import NNDLError

ENV = "NNDL_MAX_BYTES"
DEFAULT_MAX_BYTES = 256 * 2**20
"""Allocations up to this are allowed whatever the file's compression ratio."""
MAX_RATIO = 100
"""At most this many bytes allocated per byte stored in the file (beyond ``max_bytes()``)."""
MAX_BYTES: "int | None" = None
"""Set this (bytes) to change :func:`max_bytes` for the whole process; None: the
environment variable ``NNDL_MAX_BYTES``, else :data:`DEFAULT_MAX_BYTES`."""

_UNITS = {"": 1, "k": 2**10, "m": 2**20, "g": 2**30, "t": 2**40}


def parse_size(text: "str | int") -> int:
    """``"4G"`` -> 4 * 2**30: bytes as an integer, or with a K/M/G/T suffix (powers of 1024,
    an optional trailing ``B`` or ``iB``). NNDLError if it is not a positive size."""
    if type(text) is int:
        n = text
    else:
        m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(?:i?b)?\s*", str(text), re.IGNORECASE)
        if m is None:
            raise NNDLError(f"a size must be a number of bytes, optionally with K, M, G or T "
                            f"(e.g. 4G); got {str(text)[:40]!r}")
        n = int(float(m.group(1)) * _UNITS[m.group(2).lower()])
    if n <= 0:
        raise NNDLError(f"a size must be positive; got {text!r}")
    return n


def max_bytes(override: "int | str | None" = None) -> int:
    """The allocation allowed whatever a file's ratio: ``override`` if given, else
    :data:`MAX_BYTES`, else ``$NNDL_MAX_BYTES``, else :data:`DEFAULT_MAX_BYTES`."""
    if override is not None:
        return parse_size(override)
    if MAX_BYTES is not None:
        return parse_size(MAX_BYTES)
    env = os.environ.get(ENV)
    if env:
        try:
            return parse_size(env)
        except NNDLError as exc:
            raise NNDLError(f"${ENV}: {exc}") from None
    return DEFAULT_MAX_BYTES


def human(n: float) -> str:
    """``3221225472`` -> ``"3 GiB"``."""
    for unit in ("bytes", "KiB", "MiB", "GiB", "TiB", "PiB"):
        if abs(n) < 1024 or unit == "PiB":
            return f"{n:.0f} {unit}" if unit == "bytes" else f"{n:.3g} {unit}"
        n /= 1024
    raise AssertionError  # pragma: no cover


class Budget:
    """What one file may make nndl allocate: declared bytes against stored bytes (the rule in
    the module docstring), summed over everything read from the file.

    ``source`` names the file in messages; ``limit`` is ``max_bytes()`` or the reader's
    ``max_bytes=`` argument.
    """

    def __init__(self, source: str, limit: "int | str | None" = None) -> None:
        self.source = source
        self.limit = max_bytes(limit)
        self.declared = 0
        self.stored = 0

    def take(self, declared: int, stored: int, what: str,
             reason: str = "refused as a likely compression bomb or a tampered size") -> None:
        """Account for ``what``: ``declared`` bytes to allocate for ``stored`` bytes in the
        file; NNDLError (before anything is allocated) when the total breaks the rule, saying
        ``reason`` (what likely makes it so, and what to do)."""
        declared, stored = int(declared), max(int(stored), 0)
        if declared < 0:
            raise NNDLError(f"{self.source}: {what} declares a negative size")
        total, held = self.declared + declared, self.stored + stored
        if total > max(MAX_RATIO * held, self.limit):
            raise NNDLError(
                f"{self.source}: {what} would need {human(total)} of memory for "
                f"{human(held)} stored in the file (more than {MAX_RATIO} times, and above the "
                f"limit of {human(self.limit)}): {reason}; to read it anyway, raise the "
                f"limit (max_bytes=..., "
                f"nndl.limits.MAX_BYTES or ${ENV}, e.g. {ENV}=16G)")
        self.declared, self.stored = total, held

    def take_array(self, declared: int, values: int, builds: int, stored: int,
                   what: str) -> None:
        """:meth:`take` for an array of ``values`` values that declares ``declared`` bytes
        and of which the reader makes a copy of ``builds`` bytes per value (8 for float64
        features made of bools or pixels; 0 for none): both counted, both in the message."""
        copy = values * builds
        also = f", and {human(copy)} for the numbers nndl makes of it" if copy else ""
        self.take(declared + copy, stored, f"{what} ({human(declared)}{also})")

"""The environment variables that switch one of nndl's speed paths (``NNDL_THREADS``,
``NNDL_KERNELS``; ``NNDL_MAX_BYTES``, a size, is :mod:`nndl.limits`'). Each is read once, at
import; a value that is none of the documented ones is said once, at the first fit that
would use it, as an :class:`~nndl.errors.NNDLWarning` naming the values it takes (the
default is used): ``NNDL_THREADS=of`` was silently the default, threads on. Neither switch
changes a result, only its speed, so a typo warns rather than stops a fit."""

from __future__ import annotations

import os
import warnings

from .errors import NNDLWarning

_said: set[str] = set()


def switch(name: str, default: str) -> str:
    """The value of the environment variable ``name`` (lower case, spaces stripped), or
    ``default`` when it is not set or empty (``NNDL_THREADS=`` unsets it in a script)."""
    return os.environ.get(name, "").strip().lower() or default


def check(name: str, value: str, known: "tuple[str, ...]") -> None:
    """Warn once per process when ``value`` (of ``name``) is not one of ``known``."""
    if value in known or name in _said:
        return
    _said.add(name)
    warnings.warn(NNDLWarning(f"{name}={value!r} is not one of {', '.join(known)}; the "
                              f"default ({known[0]}) is used"), stacklevel=3)

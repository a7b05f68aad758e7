"""Memory a model needs, estimated before anything is allocated, against what the machine has.

    check_memory("the parameters of Network([30, 56000, 56000, 1])", 25_088_448_008)
    # NNDLError: ... need about 23.4 GiB; 7.6 GiB of memory is available

``Network`` checks its parameters when it is built and ``fit`` its training state (gradients,
the optimizer's buffers, one batch's activations) when it starts, so that sizes that cannot fit
are refused with the estimate instead of filling the memory until the process is killed.
"""

from __future__ import annotations

import os
from typing import Sequence

from .errors import NNDLError


def available_bytes() -> "int | None":
    """Memory that can still be allocated: ``MemAvailable`` of /proc/meminfo, else the physical
    memory (``os.sysconf``); None when neither is known."""
    try:
        with open("/proc/meminfo", encoding="ascii") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return int(os.sysconf("SC_PHYS_PAGES")) * int(os.sysconf("SC_PAGE_SIZE"))
    except (AttributeError, ValueError, OSError):  # pragma: no cover - not POSIX
        return None


def gib(n: int) -> str:
    """``n`` bytes in readable units (``"1.5 GiB"``, ``"12.0 MiB"``)."""
    for unit, size in (("TiB", 2**40), ("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if n >= size:
            return f"{n / size:.1f} {unit}"
    return f"{n} bytes"


def parameter_count(layer_dims: Sequence[int]) -> int:
    """sum over l of n[l] (n[l-1] + 1): the entries of W1, b1, ..., WL, bL."""
    return sum(n * (p + 1) for p, n in zip(layer_dims[:-1], layer_dims[1:]))


def activation_count(layer_dims: Sequence[int], m: int) -> int:
    """Entries of Z[l] and A[l] for every layer of a batch of m samples: 2 m sum n[l]."""
    return 2 * m * sum(layer_dims[1:])


def fits(need: int) -> bool:
    """Whether ``need`` bytes fit in :func:`available_bytes` (True when that is unknown)."""
    have = available_bytes()
    return have is None or need <= have


def check_memory(what: str, need: int, hint: str = "use smaller layers") -> None:
    """NNDLError when ``need`` bytes are more than :func:`available_bytes` (``what`` names
    them in the message, ``hint`` says what to do)."""
    have = available_bytes()
    if have is not None and need > have:
        raise NNDLError(f"{what} need about {gib(need)} of memory; {gib(have)} is available: "
                        f"{hint}")

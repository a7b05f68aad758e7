"""Memory a model needs, estimated before anything is allocated, against what the machine has.

    check_memory("the parameters of Network([30, 56000, 56000, 1])", 25_088_448_008)
    # NNDLError: ... need about 23.4 GiB; 7.6 GiB of memory is available

``Network`` checks its parameters when it is built and ``fit`` its training state (gradients,
the optimizer's buffers, one batch's activations) when it starts, so that sizes that cannot fit
are refused with the estimate instead of filling the memory until the process is killed; a
MemoryError that still comes (the estimate is not exact) becomes :func:`out_of_memory`'s
NNDLError. What is available counts the process's limits (``ulimit -v``) and its cgroup's
(a container's), not only the machine's free memory.
"""

from __future__ import annotations

import os
from typing import Sequence

from .errors import NNDLError


def available_bytes() -> "int | None":
    """Memory that can still be allocated: the least of the system's (``MemAvailable``, else the
    physical memory), the room left under this process's limits (``ulimit -v`` / ``-d``) and
    the room left in its cgroup (a container's memory limit); None when none is known."""
    known = [n for n in (_system_bytes(), *_rlimit_room(), _cgroup_room()) if n is not None]
    return max(min(known), 0) if known else None


def _system_bytes() -> "int | None":
    """``MemAvailable`` of /proc/meminfo, else the physical memory (``os.sysconf``)."""
    available = _kib_fields("/proc/meminfo", "MemAvailable").get("MemAvailable")
    if available is not None:
        return available
    try:
        return int(os.sysconf("SC_PHYS_PAGES")) * int(os.sysconf("SC_PAGE_SIZE"))
    except (AttributeError, ValueError, OSError):  # pragma: no cover - not POSIX
        return None


def _kib_fields(path: str, *names: str) -> dict[str, int]:
    """The ``NAME: N kB`` lines of a /proc file (``names`` among them) in bytes; {} if none."""
    out: dict[str, int] = {}
    try:
        with open(path, encoding="ascii") as f:
            for line in f:
                key, _, rest = line.partition(":")
                if key in names:
                    out[key] = int(rest.split()[0]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return out


_LIMITS = (("RLIMIT_AS", "VmSize"), ("RLIMIT_DATA", "VmData"))
"""Each process limit, and the /proc/self/status line of what already counts against it."""


def _rlimit_room() -> "list[int | None]":
    """For the address-space and data limits (``ulimit -v``, ``ulimit -d``): the limit minus
    what the process already uses; None for a limit that is not set (or not known)."""
    try:
        import resource
    except ImportError:  # pragma: no cover - not POSIX
        return []
    used = _kib_fields("/proc/self/status", *(field for _, field in _LIMITS))
    room: "list[int | None]" = []
    for name, field in _LIMITS:
        limit = resource.getrlimit(getattr(resource, name))[0]
        unset = limit == resource.RLIM_INFINITY or limit < 0 or field not in used
        room.append(None if unset else limit - used[field])
    return room


def _cgroup_room() -> "int | None":
    """The memory limit of this process's cgroup (v2 ``memory.max``, v1
    ``memory.limit_in_bytes``) minus its usage, less the file cache it could drop (inactive
    file pages); None without a limit."""
    for folder, limit_file, usage_file in (
            (_cgroup_v2_folder(), "memory.max", "memory.current"),
            ("/sys/fs/cgroup/memory", "memory.limit_in_bytes", "memory.usage_in_bytes")):
        limit, usage = _read_int(f"{folder}/{limit_file}"), _read_int(f"{folder}/{usage_file}")
        if limit is not None and usage is not None:
            cache = _stat_field(f"{folder}/memory.stat", "inactive_file")
            return limit - usage + cache
    return None


def _cgroup_v2_folder() -> str:
    """/sys/fs/cgroup plus the v2 path of /proc/self/cgroup (``0::/path``), else the root."""
    try:
        with open("/proc/self/cgroup", encoding="utf-8") as f:
            for line in f:
                if line.startswith("0::"):
                    folder = "/sys/fs/cgroup" + line[3:].strip().rstrip("/")
                    if os.path.isfile(folder + "/memory.max"):
                        return folder
    except OSError:
        pass
    return "/sys/fs/cgroup"


def _read_int(path: str) -> "int | None":
    """The integer a cgroup file holds; None if it cannot be read or says ``max``."""
    try:
        with open(path, encoding="ascii") as f:
            return int(f.read().strip())
    except (OSError, ValueError):
        return None


def _stat_field(path: str, name: str) -> int:
    """The value of the line ``name N`` of a cgroup memory.stat file; 0 if absent."""
    try:
        with open(path, encoding="ascii") as f:
            for line in f:
                key, _, value = line.partition(" ")
                if key == name:
                    return int(value)
    except (OSError, ValueError):
        pass
    return 0


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


def out_of_memory(what: str, need: int, hint: str = "use smaller layers") -> NNDLError:
    """The NNDLError to raise for a MemoryError while allocating ``what`` (an estimated
    ``need`` bytes, which :func:`check_memory` let through): what they need, what is
    available now, and ``hint``."""
    have = available_bytes()
    now = f"{gib(have)} is available" if have is not None else "the memory available is unknown"
    return NNDLError(f"{what} need about {gib(need)} of memory and allocating them failed "
                     f"({now}): {hint}")

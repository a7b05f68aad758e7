"""Atomic writes and guarded reads of user files (models, checkpoints, plots, CSV predictions).

The content goes to a temporary file in the target's folder, is flushed to disk, and is then
renamed over the target (``os.replace``, atomic on POSIX and Windows), so a crash leaves either
the old file or the complete new one, never half of one. The new file gets the permissions a
plain ``open(path, "w")`` would give (``0o666`` less the umask), not ``mkstemp``'s ``0o600``.
A process killed mid-save leaves its temporary file behind; the next save of the same target
removes such files once they are older than :data:`STALE_SECONDS`.

Reading: :func:`regular_file` and :func:`open_regular` refuse what is not a regular file (a
FIFO would hang, ``/dev/zero`` never ends, a symlink loop) with an NNDLError.
"""

from __future__ import annotations

import errno
import hashlib
import io as _stdio
import os
import re
import stat
import tempfile
import time
from pathlib import Path
from typing import IO, Any, BinaryIO, Callable, Sequence

from .errors import NNDLError, shorten


ZIP_MAGIC = b"PK\x03\x04"
"""How every ``.npz`` (a zip archive of ``.npy`` arrays, as numpy.savez writes) begins."""


STALE_SECONDS = 15 * 60
"""A temporary file of :func:`atomic_write` older than this is left over from a killed
process (a save takes seconds): the next save of the same target removes it."""

_KINDS = ((stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISCHR, "a character device"),
          (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"))


def _not_regular(p: Path, mode: int, what: str) -> NNDLError:
    if stat.S_ISDIR(mode):
        return NNDLError(f"the {what} {shorten(p)} is a folder, not a file")
    kind = next((name for test, name in _KINDS if test(mode)), "not a regular file")
    return NNDLError(f"the {what} {shorten(p)} is {kind}: nndl reads only regular files")


def _stat_error(p: Path, exc: OSError, what: str) -> NNDLError:
    if isinstance(exc, FileNotFoundError):
        broken = " (a symbolic link to nothing)" if os.path.islink(p) else ""
        return NNDLError(f"{what} not found: {shorten(p)}{broken}")
    if exc.errno == errno.ELOOP:
        return NNDLError(f"cannot read the {what} {shorten(p)}: a symbolic link loop (too many "
                         "levels of symbolic links)")
    return NNDLError(f"cannot read the {what} {shorten(p)}: {exc.strerror or exc}")


def as_path(path: "str | os.PathLike", what: str = "file") -> Path:
    """``path`` as a Path; NNDLError naming ``what`` for anything that is no path (an open
    file, a BytesIO, None: nndl reads files by their path)."""
    try:
        return Path(os.fspath(path))
    except TypeError:
        raise NNDLError(f"the {what} must be given as a path (a str or os.PathLike); got "
                        f"{type(path).__name__} {shorten(repr(path), 80)}") from None


def regular_file(path: "str | os.PathLike", what: str = "file") -> Path:
    """``path`` as a Path when it is (a symlink to) a regular file; else NNDLError naming
    ``what``: no path (:func:`as_path`), not found, a symlink loop, a folder, a FIFO or a
    device (``/dev/zero``), which would hang or never end if read."""
    p = as_path(path, what)
    try:
        st = os.stat(p)
    except OSError as exc:
        raise _stat_error(p, exc, what) from None
    except ValueError as exc:  # an embedded NUL byte
        raise NNDLError(f"cannot read the {what} {shorten(p)}: {exc}") from None
    if not stat.S_ISREG(st.st_mode):
        raise _not_regular(p, st.st_mode, what)
    return p


def refuse_special(path: "str | os.PathLike", what: str = "file") -> None:
    """NNDLError when ``path`` is there but neither a regular file nor a folder (a FIFO such
    as the shell's ``<(...)``, a device, a socket) or a loop of symbolic links, before
    anything resolves or reads it; nothing when it is missing (the caller says so in its
    words)."""
    p = Path(os.fspath(path))
    try:
        mode = os.stat(p).st_mode
    except OSError as exc:  # a loop of links is there, not missing: said as train says it
        if exc.errno == errno.ELOOP:
            raise _stat_error(p, exc, what) from None
        return
    except ValueError:
        return
    if not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
        raise _not_regular(p, mode, what)


def absolute(path: "str | os.PathLike", what: str = "file") -> Path:
    """``path`` made absolute with its symbolic links resolved, as ``Path.resolve()``; a
    symlink loop is an NNDLError (``resolve`` raises RuntimeError for it before Python 3.13)."""
    p = Path(os.fspath(path))
    try:
        return p.resolve()
    except RuntimeError:
        raise NNDLError(f"cannot read the {what} {shorten(p)}: a symbolic link loop (too many "
                        "levels of symbolic links)") from None
    except OSError as exc:
        raise _stat_error(p, exc, what) from None


def _keep_owner(tmp: str, st: os.stat_result) -> None:
    """Give ``tmp`` the owner and group of the file whose status is ``st`` (a user may only
    give its own files its own groups: what is not allowed is left as it is)."""
    try:
        os.chown(tmp, st.st_uid, st.st_gid)
    except OSError:
        try:
            os.chown(tmp, -1, st.st_gid)
        except OSError:
            pass


def not_an_input(out: "str | os.PathLike", what: str,
                 inputs: "Sequence[tuple[str, str | os.PathLike]]") -> None:
    """NNDLError when the output ``out`` (named ``what``, e.g. ``--out``) is one of the files
    ``inputs`` ((what it is, its path)), by its path or as another name of the same file (a
    hard link: ``--log`` opened in place truncated the data it was a link of): writing it
    would destroy it (``nndl predict --out data.csv`` replaced the data with the
    predictions, ``--out model.npz`` the model)."""
    try:
        full = absolute(out, what)
    except NNDLError:  # (a link loop: the write says what is wrong with the output)
        return
    for name, given in inputs:
        if Path(os.fspath(given)).is_file() and \
                file_identity(absolute(given, name)) == file_identity(full):
            raise NNDLError(f"{what} {out} is {name} {given}: writing it would destroy it; "
                            "give another file name")


def file_identity(path: Path) -> "Path | tuple[int, int]":
    """What tells files apart: an existing file's (device, inode), so that two names of one
    file (hard links) are one; ``path`` itself for a file still to be made."""
    try:
        st = os.stat(path)
    except (OSError, ValueError):
        return path
    return (st.st_dev, st.st_ino)


def output_file(path: "str | os.PathLike", what: str = "output") -> Path:
    """``path``, made absolute (:func:`absolute`), where a file is to be written; NNDLError,
    before any work is done for it, when a folder is there (``.``, ``..``, an existing
    folder) or its folder does not exist."""
    p = Path(os.fspath(path))
    try:
        folder = p.name in ("", ".", "..") or p.is_dir()
    except OSError as exc:  # a name longer than the file system allows (255 bytes)
        raise NNDLError(f"{what} {shorten(str(path), 200)}: {exc.strerror or exc}") from None
    if folder:
        raise NNDLError(f"{what} {path} is a folder; give a file name")
    full = absolute(p, what)
    if not full.parent.is_dir():
        raise NNDLError(f"{what} {path}: {_no_folder(full.parent)}")
    return full


def _no_folder(folder: Path) -> str:
    """Why a file cannot be made in ``folder``: it does not exist, or it or a folder above
    it is a file (or a FIFO...), not a folder."""
    for above in (folder, *folder.parents):
        if above.exists():
            return f"folder {folder} does not exist" if above.is_dir() else \
                f"{above} is a file, not a folder" if above.is_file() else \
                f"{above} is not a folder"
    return f"folder {folder} does not exist"


def open_regular(path: "str | os.PathLike", what: str = "file") -> BinaryIO:
    """Open ``path`` for reading in binary, refusing anything but a regular file. Opened
    without blocking, then checked on the open descriptor, so a FIFO never hangs and a file
    swapped after a check is still refused."""
    p = Path(os.fspath(path))
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(p, flags)
    except OSError as exc:
        raise _stat_error(p, exc, what) from None
    except ValueError as exc:
        raise NNDLError(f"cannot read the {what} {shorten(p)}: {exc}") from None
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise _not_regular(p, mode, what)
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def starts_like_zip(path: "str | os.PathLike", what: str = "file") -> bool:
    """Whether ``path`` begins with the zip signature; NNDLError (naming ``what``) if it cannot
    be read at all or is not a regular file. Checked before numpy sees a file, so a pickle or
    random bytes are refused by their first bytes."""
    try:
        with open_regular(path, what) as fh:
            return fh.read(4) == ZIP_MAGIC
    except OSError as exc:
        raise NNDLError(f"cannot read the {what} {shorten(path)}: {exc.strerror or exc}") \
            from None


def remove_stale_temporaries(target: Path, older_than: float = STALE_SECONDS) -> list[Path]:
    """Delete the temporary files that :func:`atomic_write` of ``target`` left behind when its
    process was killed (``.<name>.XXXXXXXX.tmp`` beside it, :func:`_temporary_prefix`, older
    than ``older_than`` seconds); a fresh one may belong to a save in progress and is kept.
    Returns those removed."""
    folder = target.parent if str(target.parent) else Path(".")
    pattern = re.compile(re.escape(_temporary_prefix(target)) + r"[A-Za-z0-9_]{8}\.tmp")
    removed = []
    now = time.time()
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for e in entries:
        if not pattern.fullmatch(e.name):
            continue
        try:
            st = e.stat(follow_symlinks=False)
            if stat.S_ISREG(st.st_mode) and now - st.st_mtime > older_than:
                os.unlink(e.path)
                removed.append(Path(e.path))
        except OSError:
            continue
    return removed


def _text(mode: str) -> dict[str, str]:
    """How a text file is written: UTF-8, the encoding nndl reads tables in, not the locale's
    (a C locale wrote predictions in ASCII, and crashed on 'é'); a name read from a file name
    that is not UTF-8 (a lone surrogate) keeps its bytes, as Python writes it to stdout."""
    return {} if "b" in mode else {"encoding": "utf-8", "errors": "surrogateescape"}


def _temporary_prefix(target: Path) -> str:
    """The start of the name of :func:`atomic_write`'s temporary file beside ``target``:
    ``.NAME.``, which says what it is for; for a NAME too long to take the 14 more bytes
    (a file system allows 255), a digest of it (a valid name of 240 bytes was refused as
    "File name too long")."""
    raw = os.fsencode(target.name)
    return f".{target.name}." if len(raw) <= 200 else f".{hashlib.sha1(raw).hexdigest()}."


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _write_through(target: Path, write: Callable[[IO[Any]], Any], mode: str,
                   what: str) -> Path:
    """``write`` straight into an existing file that is not a regular one (a device such as
    /dev/stdout or /dev/null, a FIFO): renaming a temporary file over it would replace the
    device node with a regular file. What is written goes to memory first: writers that
    seek (a zip archive) cannot seek in a pipe."""
    buffer: Any = _stdio.BytesIO() if "b" in mode else _stdio.StringIO()
    write(buffer)
    try:
        with open(target, mode, **_text(mode)) as f:
            f.write(buffer.getvalue())
    except OSError as exc:
        raise NNDLError(f"cannot write the {what} {target}: {exc.strerror or exc}") from None
    return target


def is_stdout(path: "str | os.PathLike") -> bool:
    """Whether ``path`` is this process's standard output (``/dev/stdout``, or the file or
    pipe it was redirected to): a command that writes its output there prints its own
    messages to stderr, so that they do not end up inside the file."""
    import sys

    try:
        return os.path.samestat(os.stat(path), os.fstat(sys.stdout.fileno()))
    except (OSError, ValueError, AttributeError, _stdio.UnsupportedOperation):
        return False


def _a_process_stream(link: Path) -> bool:
    """Whether the symbolic link ``link`` leads through /proc (``/dev/stdout`` ->
    ``/proc/self/fd/1``): a process's open file, which is to be written into, even when it is
    a regular file that the shell opened (``> out.onnx``)."""
    cur = os.path.abspath(link)
    for _ in range(40):
        if os.path.realpath(os.path.dirname(cur)).startswith("/proc/"):
            return True
        if not os.path.islink(cur):
            return False
        cur = os.path.join(os.path.dirname(cur), os.readlink(cur))
    return False


def _link_target(link: Path, what: str) -> Path:
    """The path that the symbolic link ``link`` names at the end of its chain (it need not
    exist yet); NNDLError for a loop of links."""
    try:
        return Path(os.path.realpath(link, strict=True))
    except FileNotFoundError:  # a link to a file still to be made
        return Path(os.path.realpath(link))
    except OSError as exc:
        raise NNDLError(f"cannot write the {what} {shorten(str(link), 200)}: it is a symbolic "
                        f"link that leads nowhere ({exc.strerror or exc})") from None


def atomic_write(path: "str | os.PathLike", write: Callable[[IO[Any]], Any],
                 mode: str = "wb", what: str = "file") -> Path:
    """Call ``write(f)`` on a temporary file beside ``path``, then rename it over ``path``.

    Raises NNDLError (naming ``what``) when ``path`` is not a path, the folder is missing, the
    target is a folder (or is written as one: ``out/``), or the system refuses the write; the
    temporary file is always removed on failure. An existing file that is not a regular one
    (/dev/null, a FIFO, a terminal), and a process's open file (/dev/stdout, /dev/fd/N, even
    when the shell redirected it to a regular file), is written into directly, never replaced.
    A symbolic link stays a link: the file it names is written (atomically), and a loop of
    links is an NNDLError. A file that is there keeps its permissions (a private 0600 file
    became 0644), and one its user may not write (read-only) is refused, as ``open(path, "w")``
    refuses it. Text (``mode="w"``) is UTF-8 whatever the locale (:func:`_text`).
    """
    if not isinstance(path, (str, os.PathLike)):
        raise NNDLError(f"the path to write the {what} to must be a str or os.PathLike; got "
                        f"{type(path).__name__} {path!r:.80}")
    raw = os.fspath(path)
    if isinstance(raw, str) and raw.endswith(("/", os.sep)):  # Path() drops the slash
        raise NNDLError(f"cannot write the {what} {raw}: it names a folder; give a file name")
    target = Path(raw)
    try:
        if target.is_symlink():
            if _a_process_stream(target):  # /dev/stdout, /dev/fd/3: a process's open file
                return _write_through(target, write, mode, what)
            target = _link_target(target, what)  # the link stays; what it names is written
    except OSError as exc:
        raise NNDLError(f"cannot write the {what} {shorten(str(target), 200)}: "
                        f"{exc.strerror or exc}") from None
    folder = target.parent if str(target.parent) else Path(".")
    try:
        if not folder.is_dir():
            raise NNDLError(f"cannot write the {what} {target}: {_no_folder(folder)}")
        try:
            kept: "os.stat_result | None" = target.stat()  # its mode and owner stay
        except FileNotFoundError:
            kept = None
        if kept is not None and stat.S_ISDIR(kept.st_mode):
            raise NNDLError(f"cannot write the {what} {target}: it is a folder")
        if kept is not None and not stat.S_ISREG(kept.st_mode):  # /dev/null, a FIFO
            return _write_through(target, write, mode, what)
        if kept is not None and not os.access(target, os.W_OK):
            raise NNDLError(f"cannot write the {what} {target}: the file is read-only "
                            "(permission denied)")
        remove_stale_temporaries(target)
    except OSError as exc:  # e.g. a name too long for the file system
        raise NNDLError(f"cannot write the {what} {shorten(str(target), 200)}: "
                        f"{exc.strerror or exc}") from None
    try:
        fd, tmp = tempfile.mkstemp(prefix=_temporary_prefix(target), suffix=".tmp", dir=folder)
    except OSError as exc:
        raise NNDLError(f"cannot write the {what} {target}: {exc.strerror or exc}") from None
    try:
        os.chmod(tmp, 0o666 & ~_umask() if kept is None else stat.S_IMODE(kept.st_mode))
        if kept is not None:  # its owner and group too, where allowed (as open() keeps them:
            _keep_owner(tmp, kept)  # root's new file of mode 0600 locked its user out)
        with os.fdopen(fd, mode, **_text(mode)) as f:
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

"""The ``nndl`` command's parser and dispatch: :data:`COMMANDS`, :func:`build_parser` and
:func:`main` (see :mod:`nndl.cli` for the commands and the exit statuses)."""

from __future__ import annotations

import argparse
import codecs
import os
import signal
import sys
import warnings
from types import ModuleType
from typing import Any, Callable, Sequence

from .. import __version__
from ..errors import NNDLError
from . import evaluate, export, gradcheck, info, interrupts, playground, predict, train, tune
from .arguments import Parser

COMMANDS: list[ModuleType] = [train, tune, evaluate, predict, info, gradcheck, export,
                              playground]
"""The sub-commands, in the order ``nndl --help`` lists them."""

EPILOG = ("Exit status: 0 success; 1 when gradcheck finds a difference above its tolerance (or "
          "on a bug in nndl, with its traceback); 2 bad usage or bad input (one line on "
          "stderr); 130 on Ctrl-C (128 + the signal number when training is stopped by SIGINT "
          "or SIGTERM, after writing a checkpoint); 141 when the reader of its output closed it "
          "(| head).")
"""The end of ``nndl --help``."""


def build_parser() -> argparse.ArgumentParser:
    """The ``nndl`` parser, one sub-parser per module of ``nndl.cli.COMMANDS`` (this module's
    :data:`COMMANDS`, unless replaced there: a new command plugs in by adding its module)."""
    commands = sys.modules[__package__].COMMANDS
    p = Parser(prog="nndl", description="Train, evaluate and use the deep L-layer network of "
               "the course notes (nndl, NumPy).",
               epilog=EPILOG)
    p.add_argument("--version", action="version", version=f"nndl {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for command in commands:
        command.add_parser(sub)
    return p


def _one_line(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        msg = f"{exc.filename}: {exc.strerror}" if exc.filename else exc.strerror
    else:
        msg = str(exc) or type(exc).__name__
    return " ".join(msg.split())


def _one_line_warning(command: str) -> Callable[..., None]:
    """``warnings.showwarning`` for the command: one line on stderr, like its errors."""
    def show(message: Warning | str, category: type, *args: object, **kw: object) -> None:
        print(f"nndl {command}: warning: {' '.join(str(message).split())}", file=sys.stderr)
    return show


def _streams() -> None:
    """Standard streams every message and name can be written to. A closed stderr (``2>&-``)
    is None in Python, and ``print(file=None)`` writes to stdout: warnings and errors landed
    among the predictions; they go nowhere now. A stream whose encoding cannot write a name
    (ASCII: ``PYTHONUTF8=0 LC_ALL=C``) ended in a UnicodeEncodeError traceback on 'é'; it
    writes what it cannot encode as backslash escapes (``caf\\xe9``, as predict's output
    writes a tab ``\\t``). A name read from a file name that is not UTF-8 (a lone surrogate)
    is written as its own bytes, as Python's UTF-8 mode does."""
    if sys.stderr is None:
        sys.stderr = open(os.devnull, "w")
    for stream in (sys.stdout, sys.stderr):
        if stream is None or not hasattr(stream, "reconfigure"):
            continue
        if codecs.lookup(stream.encoding or "ascii").name != "utf-8":
            stream.reconfigure(errors="backslashreplace")  # (surrogateescape: no 'é')
        elif stream.errors == "strict":
            stream.reconfigure(errors="surrogateescape")


def main(argv: "Sequence[str] | None" = None) -> int:
    """Run the ``nndl`` command; returns the exit status.

    nndl's own errors (:class:`~nndl.errors.NNDLError`: bad input) and OS errors (files) are
    one line on stderr and exit 2; any other exception is a bug in nndl and keeps its
    traceback (exit 1). Ctrl-C outside training exits 130. Warnings (such as
    :class:`~nndl.errors.DivergenceWarning`) are one line on stderr too.
    """
    _streams()
    args = build_parser().parse_args(argv)
    ctrl_c = _CtrlC.watch()
    try:
        with warnings.catch_warnings():
            warnings.showwarning = _one_line_warning(args.command)
            status = int(args.run(args))
        if ctrl_c.pressed and status != 130:  # its KeyboardInterrupt was lost (in a callback):
            # said now (a command that handled it returned 130 and said so: tune)
            print(f"nndl {args.command}: interrupted", file=sys.stderr)
            return 130
        return status
    except BrokenPipeError:  # e.g. `nndl predict ... | head`: stop quietly, with the status
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # of a process that
        return 128 + signal.SIGPIPE  # SIGPIPE ends (141), as `yes | head` (1: gradcheck's)
    except KeyboardInterrupt:
        print(f"nndl {args.command}: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:
        if ctrl_c.pressed:  # a library turned the interrupt into another error (an import
            print(f"nndl {args.command}: interrupted", file=sys.stderr)  # cut short)
            return 130
        if not isinstance(exc, (NNDLError, OSError)):
            raise
        print(f"nndl {args.command}: error: {_one_line(exc)}", file=sys.stderr)
        return 2
    finally:
        ctrl_c.stop()


class _CtrlC:
    """Whether Ctrl-C was pressed while a command ran: Python's own SIGINT handler
    (KeyboardInterrupt), which also notes the press. A library that catches the interrupt
    while it imports (scikit-learn's, rarely) reported it as an ImportError, and the command
    said "pip install scikit-learn" instead of exiting 130; a press whose KeyboardInterrupt
    was lost in a callback of the import machinery ("Exception ignored") let training run on
    (``train`` now stops before it, :func:`nndl.cli.interrupts.stop_if_pressed`; any command
    exits 130). Left alone when SIGINT is ignored (a background job) or handled by someone
    else."""

    def __init__(self) -> None:
        self.pressed = False
        self.installed = False
        self.hook = sys.unraisablehook

    @classmethod
    def watch(cls) -> "_CtrlC":
        watcher = cls()
        interrupts.note_press(False)
        sys.unraisablehook = watcher._unraisable
        try:
            if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
                signal.signal(signal.SIGINT, watcher._handler)
                watcher.installed = True
        except ValueError:  # not the main thread
            pass
        return watcher

    def _handler(self, signum: int, frame: object) -> None:
        self.pressed = True
        interrupts.note_press()  # the KeyboardInterrupt below may be lost (in a callback)
        raise KeyboardInterrupt

    def _unraisable(self, unraisable: Any) -> None:
        """The KeyboardInterrupt of a press that landed in a callback is lost, and Python
        prints it as "Exception ignored ... Traceback": the press is noted, the rest said."""
        if not isinstance(unraisable.exc_value, KeyboardInterrupt):
            self.hook(unraisable)

    def stop(self) -> None:
        sys.unraisablehook = self.hook
        if self.installed and signal.getsignal(signal.SIGINT) == self._handler:
            signal.signal(signal.SIGINT, signal.default_int_handler)


__all__ = ["COMMANDS", "build_parser", "main"]

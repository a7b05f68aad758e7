"""``python -m nndl`` and the ``nndl`` script run the ``nndl`` command (see :mod:`nndl.cli`).

``import nndl`` and ``nndl.cli`` load nothing heavy, so a Ctrl-C at any moment after Python
has found nndl reaches :func:`nndl.cli.main`, which exits 130 without a traceback."""

from __future__ import annotations

import os
import sys

INTERRUPTED = 130
"""The exit status after Ctrl-C (128 + SIGINT)."""


def run() -> None:
    """Run the command and exit with its status (the ``nndl`` console script).

    After a Ctrl-C the exit is ``os._exit(130)`` once the output is flushed: CPython ends a
    process whose KeyboardInterrupt crossed an ``exec`` of a string (SciPy's imports run one)
    by killing itself with SIGINT (status -2) whatever the program returns, and nothing of
    nndl's is left to finalize at that point (a checkpoint is written before)."""
    try:
        from .cli import main

        status = main()
    except KeyboardInterrupt:
        status = INTERRUPTED
    if status == INTERRUPTED:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, ValueError):
                pass
        os._exit(INTERRUPTED)
    sys.exit(status)


if __name__ == "__main__":
    run()

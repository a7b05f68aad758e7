"""``python -m nndl`` runs the ``nndl`` command (see :mod:`nndl.cli`).

``import nndl`` and ``nndl.cli`` load nothing heavy, so a Ctrl-C at any moment of the start
reaches :func:`nndl.cli.main`, which exits 130 quietly; the guard below covers the rest."""

import sys

if __name__ == "__main__":
    try:
        from .cli import main
    except KeyboardInterrupt:  # pragma: no cover - a window of microseconds
        sys.exit(130)
    sys.exit(main())

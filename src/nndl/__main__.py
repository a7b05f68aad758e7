"""``python -m nndl`` runs the ``nndl`` command (see :mod:`nndl.cli`)."""

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())

"""The playground: a local web app where the notes' network learns live (``nndl playground``).

Like TensorFlow Playground, but every update is made by nndl's own :class:`~nndl.Network`
in this Python process, and the page only draws what the server computes.

Modules, one job each:

- :mod:`~nndl.playground.data` - the 2-D data sets (classification and regression), their
  train/test split, and an uploaded CSV file's two columns and label;
- :mod:`~nndl.playground.features` - the input features (x1, x2, x1^2, ..., sin x2);
- :mod:`~nndl.playground.config` - the settings of a run, checked and capped, to and from the
  page's URL;
- :mod:`~nndl.playground.session` - one browser tab's run: its data, its Network, training in
  small chunks through ``Network.fit``;
- :mod:`~nndl.playground.render` - what the page draws, as numbers: the output over the
  plane, each hidden unit's output, the weights, the notes' equations for one layer;
- :mod:`~nndl.playground.export` - the trained model (an nndl ``.npz``) and the Python code
  that reproduces the run;
- :mod:`~nndl.playground.cat` - the course's cat images with the notes' 2- and 4-layer
  networks;
- :mod:`~nndl.playground.server` - the ASGI app (Starlette): pages, JSON API, the
  server-sent-events stream (needs ``pip install 'nndl[playground]'``).

Only :mod:`~nndl.playground.server` needs the web stack; the other modules need NumPy alone, so
the exported code can import them.
"""

from __future__ import annotations

from typing import Any


def create_app(**kwargs: Any) -> Any:
    """The playground's ASGI app (see :func:`nndl.playground.server.create_app`)."""
    from .server import create_app as _create

    return _create(**kwargs)


__all__ = ["create_app"]

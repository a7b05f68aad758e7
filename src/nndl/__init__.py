"""nndl — Neural Networks and Deep Learning: the deep L-layer network of the notes, in NumPy.

    >>> import nndl
    >>> net = nndl.Network([2, 4, 1], hidden="tanh", seed=0)   # a sigmoid output unit
    >>> data = nndl.datasets.load_builtin("breast_cancer")

The public API (``nndl.__all__``):

- the model: :class:`Network`, :func:`load` / :func:`save` (one safe ``.npz`` file),
  :func:`gradcheck`, :class:`LabelMap`, :class:`Standardizer`;
- data: :mod:`nndl.datasets` (loaders, built-in sets, generators, splitting);
- training: the callbacks :class:`Callback`, :class:`History`, :class:`EarlyStopping`,
  :class:`PrintCost`; :func:`tune` (hyperparameter search, needs Optuna); the optimizers :class:`GradientDescent`, :class:`Momentum`,
  :class:`RMSprop`, :class:`Adam` (:func:`get_optimizer`);
- the math: activations (:func:`sigmoid`, :func:`tanh`, :func:`relu`, :func:`leaky_relu`,
  :func:`linear`, :func:`softmax`, :func:`get_activation`), costs
  (:func:`binary_cross_entropy`, :func:`cross_entropy`, :func:`squared_error`), the output
  heads (:mod:`nndl.heads`), :mod:`nndl.metrics`, the course's step-by-step
  :mod:`nndl.functional`;
- the registries (name -> entry): :data:`ACTIVATIONS`, :data:`COSTS`, :data:`HEADS`,
  :data:`INITIALIZERS`, :data:`OPTIMIZERS`;
- errors: :class:`NNDLError` (bad input, a ``ValueError``), :class:`DivergenceError`,
  :class:`MissingValueError`;
  warnings: :class:`NNDLWarning`, :class:`DivergenceWarning`, :class:`UnsettledWarning`.

Modules, in reading order: :mod:`~nndl.activations`, :mod:`~nndl.costs`,
:mod:`~nndl.initializers`, :mod:`~nndl.layers` (one layer forward/backward),
:mod:`~nndl.propagation` (all L layers), :mod:`~nndl.network` (the model),
:mod:`~nndl.functional` (the course's step-by-step API), :mod:`~nndl.gradient_check`.
Beyond the notes: :mod:`~nndl.optimizers`, :mod:`~nndl.regularization`, :mod:`~nndl.labels`,
:mod:`~nndl.sklearn` (scikit-learn estimators; needs scikit-learn), :mod:`~nndl.plots`
(needs matplotlib), :mod:`~nndl.export` (ONNX / PyTorch; needs onnx or torch).

The names are loaded on first use (:pep:`562`), so ``import nndl`` is quick and the ``nndl``
command can answer Ctrl-C while it starts (exit 130, see :mod:`nndl.__main__`).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_EXPORTS: dict[str, str] = {
    # the model
    "Network": "network", "load": "io", "save": "io", "gradcheck": "gradient_check",
    "LabelMap": "labels", "Standardizer": "preprocessing",
    # training
    "Callback": "callbacks", "History": "callbacks", "EarlyStopping": "callbacks",
    "PrintCost": "callbacks", "tune": "tuning",
    "Optimizer": "optimizers", "GradientDescent": "optimizers", "Momentum": "optimizers",
    "RMSprop": "optimizers", "Adam": "optimizers", "get_optimizer": "optimizers",
    # the math
    "Activation": "activations", "get_activation": "activations", "sigmoid": "activations",
    "tanh": "activations", "relu": "activations", "leaky_relu": "activations",
    "linear": "activations", "softmax": "activations",
    "Cost": "costs", "binary_cross_entropy": "costs", "cross_entropy": "costs",
    "squared_error": "costs", "Head": "heads",
    # registries
    "ACTIVATIONS": "activations", "COSTS": "costs", "HEADS": "heads",
    "INITIALIZERS": "initializers", "OPTIMIZERS": "optimizers",
    # errors
    "NNDLError": "errors", "DivergenceError": "errors", "NNDLWarning": "errors",
    "DivergenceWarning": "errors", "UnsettledWarning": "errors", "MissingValueError": "errors",
}
"""Public name -> the module of nndl that defines it."""

_MODULES = ("datasets", "metrics", "heads", "functional", "activations", "costs",
            "optimizers", "callbacks", "initializers", "preprocessing", "errors")
"""Sub-modules that are part of the public API (``nndl.datasets``, ...)."""

__all__ = sorted([*_EXPORTS, *_MODULES, "__version__"], key=str.lower)


def __getattr__(name: str) -> Any:
    """Load a public name (or any sub-module, ``nndl.io``) on first use."""
    if name in _EXPORTS:
        value = getattr(importlib.import_module(f".{_EXPORTS[name]}", __name__), name)
    elif name.isidentifier() and not name.startswith("__"):
        try:
            value = importlib.import_module(f".{name}", __name__)
        except ModuleNotFoundError as exc:
            if exc.name != f"{__name__}.{name}":
                raise  # the sub-module exists but needs a package that is missing
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


if TYPE_CHECKING:  # pragma: no cover - for type checkers and editors
    from . import (activations, callbacks, costs, datasets, errors, functional, heads,
                   initializers, metrics, optimizers, preprocessing)
    from .activations import (ACTIVATIONS, Activation, get_activation, leaky_relu, linear, relu,
                              sigmoid, softmax, tanh)
    from .callbacks import Callback, EarlyStopping, History, PrintCost
    from .costs import COSTS, Cost, binary_cross_entropy, cross_entropy, squared_error
    from .errors import (DivergenceError, DivergenceWarning, MissingValueError, NNDLError,
                         NNDLWarning, UnsettledWarning)
    from .gradient_check import gradcheck
    from .heads import HEADS, Head
    from .initializers import INITIALIZERS
    from .io import load, save
    from .labels import LabelMap
    from .network import Network
    from .optimizers import (OPTIMIZERS, Adam, GradientDescent, Momentum, Optimizer, RMSprop,
                             get_optimizer)
    from .preprocessing import Standardizer
    from .tuning import tune

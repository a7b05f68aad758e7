"""nndl — Neural Networks and Deep Learning: the deep L-layer network of the notes, in NumPy.

    >>> import nndl
    >>> net = nndl.Network([2, 4, 1], hidden="tanh", seed=0)   # a sigmoid output unit

Modules, in reading order: :mod:`~nndl.activations`, :mod:`~nndl.costs`,
:mod:`~nndl.initializers`, :mod:`~nndl.layers` (one layer forward/backward),
:mod:`~nndl.propagation` (all L layers), :mod:`~nndl.network` (the model),
:mod:`~nndl.functional` (the course's step-by-step API), :mod:`~nndl.gradient_check`.
Beyond the notes: :mod:`~nndl.optimizers`, :mod:`~nndl.regularization`, :mod:`~nndl.labels`,
:mod:`~nndl.sklearn` (scikit-learn estimators; needs scikit-learn).
"""

from . import functional
from .activations import ACTIVATIONS, get_activation, leaky_relu
from .callbacks import Callback, History
from .errors import DivergenceError, NNDLError
from .gradient_check import gradcheck
from .initializers import INITIALIZERS
from .io import load, save
from .labels import LabelMap
from .network import Network
from .optimizers import OPTIMIZERS, get_optimizer

__version__ = "0.1.0"

__all__ = [
    "ACTIVATIONS",
    "INITIALIZERS",
    "LabelMap",
    "OPTIMIZERS",
    "Callback",
    "DivergenceError",
    "History",
    "NNDLError",
    "Network",
    "functional",
    "get_activation",
    "get_optimizer",
    "gradcheck",
    "leaky_relu",
    "load",
    "save",
    "__version__",
]

"""The settings of one playground run: checked, capped, and written to / read from the page's
URL (so that a link reproduces a run; everything random is seeded).

    cfg = Config.from_query({"dataset": "xor", "layers": "4,2", "lr": "0.03"})
    cfg.to_query()   # {"dataset": "xor", "layers": "4,2", ...}
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field, fields
from typing import Any, Mapping

from ..activations import ACTIVATIONS as _ALL_ACTIVATIONS
from ..errors import NNDLError, shorten
from ..heads import find_output, for_task
from ..validation import check_number
from .data import DATASETS, MAX_POINTS
from .features import check_features

def escape_column(name: str) -> str:
    """A column's name in the comma-separated ``columns`` setting: ``%`` and ``,`` written
    ``%25`` and ``%2C`` (a name ``a,1`` was two names; an empty one, pandas' unnamed index
    column, none); the page's ``escapeColumn`` (static/app.js) writes them alike."""
    return name.replace("%", "%25").replace(",", "%2C")


def _unescape(text: str) -> str:
    """What :func:`escape_column` wrote, read back in one pass (``%252C`` is ``%2C``)."""
    return re.sub(r"%(25|2C)", lambda m: "%" if m.group(1) == "25" else ",", text)


MAX_HIDDEN_LAYERS = 8
"""The most hidden layers a run may have."""
MAX_UNITS = 32
"""The most units a hidden layer may have."""
SIGMOID = for_task("binary").output
"""The output of two classes (and a hidden activation), sigmoid (asked of nndl's heads)."""
LINEAR = for_task("regression").output
"""The output of a regression (and a hidden activation: g(z) = z)."""
ACTIVATIONS = tuple(sorted(
    (k for k in _ALL_ACTIVATIONS
     if (h := find_output(k)) is None or h.task != "multiclass"),  # not softmax: across units
    key=lambda k: (k != "relu", k != "tanh", k)))
"""Hidden activations offered: nndl's element-wise ones (relu, tanh, then the others)."""
INITS = ("he", "xavier", "scaled", "small", "zeros")
"""Initializations offered (nndl's names)."""
PROBLEMS = ("classification", "regression")


@dataclass
class Config:
    """One run's settings (the page's controls)."""

    problem: str = "classification"
    dataset: str = "circle"
    """A key of :data:`nndl.playground.data.DATASETS`, or ``csv`` (an uploaded file)."""
    noise: float = 0.0
    ratio: float = 0.5
    """Fraction of the points used for training."""
    points: int = 400
    seed: int = 1
    features: list = field(default_factory=lambda: ["x1", "x2"])
    layers: list = field(default_factory=lambda: [4, 2])
    """Units of each hidden layer (may be empty: logistic or linear regression)."""
    activation: str = "tanh"
    init: str = "xavier"
    lr: float = 0.1
    batch: int = 10
    """Mini-batch size; 0 is full batch."""
    l2: float = 0.0
    """L2 strength lambda (0: none)."""
    keep: float = 1.0
    """Dropout keep probability of the hidden units (1: no dropout)."""
    columns: list = field(default_factory=list)
    """For ``dataset=csv``: [x1 column, x2 column, label column]."""

    def __post_init__(self) -> None:
        self.check()

    def check(self) -> "Config":
        """Check and normalize every field (NNDLError saying what was expected)."""
        self._check_types()
        if self.problem not in PROBLEMS:
            raise NNDLError(f"problem must be one of {PROBLEMS}; got {self.problem!r}")
        if self.dataset != "csv":
            if self.dataset not in DATASETS:
                raise NNDLError(f"unknown data set {shorten(repr(self.dataset), 40)}; expected "
                                f"one of {list(DATASETS)} or csv")
            self.problem = DATASETS[self.dataset][0]
        self.noise = float(check_number("noise", self.noise, low=0, high=0.5))
        self.ratio = float(check_number("ratio (train fraction)", self.ratio, low=0.1,
                                        high=0.9))
        self.points = int(check_number("points", self.points, integer=True, low=10,
                                       high=MAX_POINTS))
        self.seed = int(check_number("seed", self.seed, integer=True, low=0, high=2**31 - 1))
        self.features = check_features(self.features)
        layers = [int(check_number("units of a hidden layer", u, integer=True, low=1,
                                   high=MAX_UNITS)) for u in self.layers]
        if len(layers) > MAX_HIDDEN_LAYERS:
            raise NNDLError(f"at most {MAX_HIDDEN_LAYERS} hidden layers; got {len(layers)}")
        self.layers = layers
        if self.activation not in ACTIVATIONS:
            raise NNDLError(f"activation must be one of {ACTIVATIONS}; got "
                            f"{shorten(repr(self.activation), 40)}")
        if self.init not in INITS:
            raise NNDLError(f"init must be one of {INITS}; got {shorten(repr(self.init), 40)}")
        self.lr = float(check_number("learning rate", self.lr, low=0, low_open=True, high=100))
        self.batch = int(check_number("batch size", self.batch, integer=True, low=0,
                                      high=MAX_POINTS))
        self.l2 = float(check_number("L2 strength", self.l2, low=0, high=100))
        self.keep = float(check_number("keep probability", self.keep, low=0, low_open=True,
                                       high=1))
        self.columns = list(self.columns)
        if self.dataset == "csv" and len(self.columns) not in (0, 3):
            raise NNDLError(f"columns must name x1, x2 and the label; got "
                            f"{shorten(self.columns, 120)}")
        return self

    def _check_types(self) -> None:
        """The fields that hold names are text, and the lists are lists of text (layers: of
        numbers, checked with their range): JSON may send any type (a list where a name is
        expected was a TypeError). The numbers are checked by ``check_number``."""
        for name in _TEXT:
            _check_text(name, getattr(self, name))
        for name in ("features", "layers", "columns"):
            value = getattr(self, name)
            if not isinstance(value, (list, tuple)):
                raise NNDLError(f"{name} must be a list; got {_kind(value)}")
            if name != "layers":
                for item in value:
                    _check_text(f"each of {name}", item)

    # --- the page's URL ------------------------------------------------------------------
    @classmethod
    def from_query(cls, q: Mapping[str, Any]) -> "Config":
        """A config from URL parameters or JSON (lists as comma-separated text or lists);
        unknown keys are refused."""
        if not isinstance(q, Mapping):
            raise NNDLError(f"settings must be an object; got {_kind(q)}")
        names = {f.name for f in fields(cls)}
        unknown = sorted(set(q) - names)
        if unknown:
            raise NNDLError(f"unknown setting(s) {shorten(unknown, 120)}; expected some of "
                            f"{sorted(names)}")
        kw: dict[str, Any] = {}
        for k, v in q.items():
            if k in ("features", "layers", "columns"):
                if isinstance(v, str) and k == "columns":  # names as to_query writes them
                    v = [_unescape(s) for s in v.split(",")] if v else []
                elif isinstance(v, str):
                    v = [s for s in v.split(",") if s != ""]
                elif not isinstance(v, (list, tuple)):
                    raise NNDLError(f"{k} must be a list or comma-separated text; got "
                                    f"{_kind(v)}")
                if k == "layers":
                    v = [_int(k, s) for s in v]
            elif isinstance(v, str) and k in _NUMBERS:
                v = _NUMBERS[k](k, v)
            kw[k] = v
        return cls(**kw)

    def to_query(self) -> dict[str, str]:
        """The settings as URL parameters (lists comma-separated; a CSV file's column names
        with their ``%`` and ``,`` written ``%25`` and ``%2C``, :func:`escape_column`)."""
        out = {}
        for k, v in asdict(self).items():
            if k == "columns":
                out[k] = ",".join(escape_column(s) for s in v)
            else:
                out[k] = ",".join(str(s) for s in v) if isinstance(v, list) else f"{v}"
        return out

    def layer_dims(self, task: str = "binary", n_classes: int = 2) -> list[int]:
        """The network's layer sizes: [features, hidden..., output units of ``task``]."""
        return [len(self.features), *self.layers, for_task(task).n_units(n_classes)]

    def output(self, task: str = "binary") -> str:
        """The output activation of the data's ``task`` (binary, multiclass, regression), as
        nndl's heads have it: sigmoid, softmax, linear."""
        if self.problem == "regression":
            task = "regression"
        return for_task(task).output


PRESETS: dict[str, dict[str, Any]] = {
    "zero-init": {
        "label": "Zero initialization: the hidden units stay identical",
        "settings": {"dataset": "circle", "layers": [4, 4], "activation": SIGMOID,
                     "init": "zeros", "lr": 0.3, "batch": 10},
    },
    "linear-flower": {
        "label": "Linear hidden units = logistic regression (the flower)",
        "settings": {"dataset": "flower", "layers": [4], "activation": LINEAR,
                     "init": "xavier", "lr": 0.1, "batch": 0, "features": ["x1", "x2"]},
    },
    "lr-too-large": {
        "label": "A learning rate too large: divergence",
        "settings": {"dataset": "plane", "layers": [4, 2], "activation": LINEAR,
                     "init": "xavier", "lr": 3, "batch": 0},
    },
}
"""The notes' lessons as presets: name -> label and the settings that differ from the
defaults."""


def preset(name: str) -> Config:
    """The settings of the preset ``name`` (a key of :data:`PRESETS`)."""
    if name not in PRESETS:
        raise NNDLError(f"unknown preset {shorten(repr(name), 40)}; expected one of "
                        f"{list(PRESETS)}")
    return Config.from_query(PRESETS[name]["settings"])


_TEXT = ("problem", "dataset", "activation", "init")
"""The settings that are names (text)."""


def _kind(value: object) -> str:
    """What ``value`` is, for a message: its JSON type and a short repr."""
    if value is None:
        return "null"
    kinds = {bool: "a boolean", int: "a number", float: "a number", str: "text",
             list: "a list", tuple: "a list", dict: "an object"}
    return f"{kinds.get(type(value), type(value).__name__)} {shorten(repr(value), 40)}"


def _check_text(name: str, value: object) -> None:
    """NNDLError naming the setting unless ``value`` is text (a JSON string)."""
    if not isinstance(value, str):
        raise NNDLError(f"{name} must be text (a JSON string); got {_kind(value)}")


def _int(name: str, v: object) -> int:
    try:
        return int(str(v))
    except ValueError:
        raise NNDLError(f"{name} must be whole numbers; got {shorten(repr(v), 40)}") from None


def _float(name: str, v: object) -> float:
    try:
        return float(str(v))
    except ValueError:
        raise NNDLError(f"{name} must be a number; got {shorten(repr(v), 40)}") from None


_NUMBERS = {"noise": _float, "ratio": _float, "points": _int, "seed": _int, "lr": _float,
            "batch": _int, "l2": _float, "keep": _float}
"""The numeric settings and how their URL text is read."""


__all__ = ["ACTIVATIONS", "Config", "INITS", "MAX_HIDDEN_LAYERS", "MAX_UNITS", "PRESETS",
           "PROBLEMS", "preset"]

"""The search space: ``nndl train``'s settings, each fixed, a choice or a range LO:HI, read and
checked as ``train`` reads them (its parser's own value types), and one trial's settings."""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from typing import Any

from ..errors import NNDLError


SCALES = ("log", "linear")
"""How a range is sampled (a range's scale, not an output activation)."""


# The settings a search may vary, and how: ranges are log-scaled for these by default ...
_LOG_DEFAULT = ("lr", "lambd", "decay")


FLOAT_RANGE = ("lr", "lambd", "decay", "keep_prob")


INT_RANGE = ("iterations", "epochs", "batch_size", "patience")


_CHOICE_ONLY = ("layers", "hidden", "output", "init", "optimizer", "rng", "dtype")


SEARCHABLE = (*_CHOICE_ONLY, *FLOAT_RANGE, *INT_RANGE)
"""Settings that take a choice (all) or a range (numbers: lr, lambd, decay, keep_prob,
iterations, epochs, batch_size, patience)."""


FIXED_ONLY = ("data", "label", "task", "features", "drop", "drop_missing", "header", "decimal",
              "test", "test_header", "test_decimal", "dev", "standardize", "image_size", "seed")
"""Settings that stay fixed: every trial is judged on the same data and dev split."""


_PATHS = ("data", "test", "test_header", "test_decimal", "decimal")
"""Fixed settings that may differ between machines (paths, and how the test file is read;
trials are judged on the dev split), or that change nothing but how the data's numbers are
read (``--decimal``: a mark said where it is detected anyway, or on whole numbers, reads the
same numbers): the data's fingerprint, its numbers, is compared instead."""


@dataclass(frozen=True)
class Dim:
    """One setting of the space: ``fixed`` (one value), ``choice`` or ``range`` (LO, HI)."""

    key: str
    kind: str
    values: tuple
    scale: "str | None" = None
    integer: bool = False

    def describe(self) -> Any:
        """JSON: the value, ``{"choice": [...]}`` or ``{"range": [LO, HI, scale]}``."""
        if self.kind == "fixed":
            return self.values[0]
        if self.kind == "choice":
            return {"choice": list(self.values)}
        return {"range": [*self.values, self.scale]}

    def suggest(self, trial: Any) -> Any:
        """The trial's value of this setting, as Optuna samples it."""
        if self.kind == "fixed":
            return self.values[0]
        if self.kind == "choice":
            return trial.suggest_categorical(self.key, list(self.values))
        lo, hi = self.values
        log = self.scale == SCALES[0]
        if self.integer:
            return trial.suggest_int(self.key, lo, hi, log=log)
        return trial.suggest_float(self.key, lo, hi, log=log)


def train_actions() -> dict[str, argparse.Action]:
    """``nndl train``'s options by setting name: their ``type`` and ``choices`` check a
    value of the space exactly as ``train`` checks it."""
    from ..cli import train

    p = argparse.ArgumentParser(add_help=False)
    for add in (train.add_data_options, train.add_model_options,
                train.add_training_options):
        add(p)
    return {a.dest: a for a in p._actions if a.option_strings}


def flag(key: str) -> str:
    """'batch_size' -> '--batch-size'."""
    return "--" + key.replace("_", "-")


def _value(key: str, text: object, action: argparse.Action) -> Any:
    """One value of ``key`` read as ``nndl train`` reads it (layers as 'none' or '64,32')."""
    if key == "layers" and isinstance(text, (list, tuple)):
        text = ",".join(str(v) for v in text) or "none"
    raw = str(text).strip()
    try:
        v = action.type(raw) if action.type is not None else raw
    except (argparse.ArgumentTypeError, ValueError) as exc:
        raise NNDLError(f"{flag(key)} {raw!r}: {exc}") from None
    if action.choices is not None and v not in action.choices:
        raise NNDLError(f"{flag(key)}: expected one of {', '.join(map(str, action.choices))}; "
                        f"got {raw!r}")
    if key == "layers":
        from ..cli.arguments import show_layers

        return show_layers(v)  # a choice of Optuna's is a plain value: '64,32'
    return v


def _range(key: str, value: Any, action: argparse.Action) -> Dim:
    """``(LO, HI)``, ``(LO, HI, scale)`` or 'LO:HI[:scale]' -> a range of ``key``."""
    parts = value.split(":") if isinstance(value, str) else list(value)
    shown = value if isinstance(value, str) else ":".join(map(str, value))
    if key not in FLOAT_RANGE + INT_RANGE:
        raise NNDLError(f"{flag(key)} {shown}: a range LO:HI is for numbers (--"
                        + ", --".join(k.replace("_", "-") for k in FLOAT_RANGE + INT_RANGE)
                        + f"); {flag(key)} takes one value or a choice of several")
    if len(parts) not in (2, 3) or (len(parts) == 3 and parts[2] not in SCALES):
        raise NNDLError(f"{flag(key)} {shown}: expected a range LO:HI, LO:HI:log or "
                        "LO:HI:linear")
    lo, hi = (_value(key, p, action) for p in parts[:2])
    if lo > hi:
        raise NNDLError(f"{flag(key)} {shown}: the range's LO must not exceed its HI; "
                        f"got LO {lo} > HI {hi}")
    if lo == hi:
        return Dim(key, "fixed", (lo,))
    log, lin = SCALES
    scale = parts[2] if len(parts) == 3 else (log if key in _LOG_DEFAULT else lin)
    if scale == log and lo <= 0:
        raise NNDLError(f"{flag(key)} {shown}: a log-scaled range needs LO > 0; got {lo} "
                        f"(give {lo}:{hi}:linear)")
    return Dim(key, "range", (lo, hi), scale, integer=key in INT_RANGE)


def _is_range(key: str, value: object) -> bool:
    """'LO:HI...' as text; not an activation with a parameter ('leaky_relu:0.1')."""
    if not isinstance(value, str) or ":" not in value:
        return False
    if key in ("hidden", "output"):
        from ..activations import get_activation

        try:
            get_activation(value)
            return False
        except NNDLError:
            return True
    return True


def parse_space(space: dict) -> dict[str, Dim]:
    """The search space, checked: each key a setting of ``nndl train``; a list a choice, a
    tuple or 'LO:HI[:log|linear]' a range, anything else fixed. NNDLError on an unknown
    setting, an empty choice, LO > HI, or a range or choice where one cannot be."""
    if not isinstance(space, dict):
        raise NNDLError(f"the search space must be a dict of settings; got "
                        f"{type(space).__name__}")
    actions = train_actions()
    dims: dict[str, Dim] = {}
    for key, value in space.items():
        if key not in SEARCHABLE and key not in FIXED_ONLY:
            raise NNDLError(f"{key!r} is not a setting of nndl train that a search can take; "
                            f"expected one of {', '.join(SEARCHABLE + FIXED_ONLY)}")
        if value is None:
            continue
        if key in FIXED_ONLY:
            if isinstance(value, tuple) or (isinstance(value, list) and key not in
                                            ("features", "drop", "image_size")):
                raise NNDLError(f"{flag(key)} is the same for every trial (trials are "
                                "compared on one data set and dev split): give one value")
            from ..cli.settings import SAVED_KINDS  # the kinds nndl train's settings have
            if key in SAVED_KINDS and not SAVED_KINDS[key][1](value):
                raise NNDLError(f"{flag(key)} must be {SAVED_KINDS[key][0]}; got {value!r:.60}")
            dims[key] = Dim(key, "fixed", (value,))
        elif isinstance(value, tuple) or _is_range(key, value):
            dims[key] = _range(key, value, actions[key])
        elif isinstance(value, list):
            if not value:
                raise NNDLError(f"{flag(key)}: an empty choice; give at least one value")
            if any(_is_range(key, v) for v in value):  # (a repeated flag adds to the list)
                raise NNDLError(f"{flag(key)} {' '.join(map(str, value))}: give either one "
                                "range LO:HI or a choice of values, not both, nor two ranges")
            values = tuple(dict.fromkeys(_value(key, v, actions[key]) for v in value))
            dims[key] = Dim(key, "choice" if len(values) > 1 else "fixed", values)
        else:
            dims[key] = Dim(key, "fixed", (_value(key, value, actions[key]),))
    return dims


def trial_settings(dims: dict[str, Dim], values: dict[str, Any]) -> dict[str, Any]:
    """``nndl train``'s checked settings for one trial (the fixed values and ``values``)."""
    from ..cli.arguments import layers
    from ..cli.settings import train_settings

    given = {k: d.values[0] for k, d in dims.items() if d.kind == "fixed"}
    given.update(values)
    if isinstance(given.get("layers"), str):
        given["layers"] = layers(given["layers"])
    return train_settings(argparse.Namespace(**given), None)


def describe(dims: dict[str, Dim], metric: str, settings: dict) -> dict:
    """What a study stores to be resumed only with the same search: every setting of
    ``nndl train`` (the searched ones as their choice or range, the others as ``settings``,
    defaults included; not the data paths) and the metric."""
    from ..cli.settings import TRAIN_KEYS

    space = {k: settings[k] for k in TRAIN_KEYS if k not in _PATHS}
    space.update({k: d.describe() for k, d in dims.items() if d.kind != "fixed"})
    return {"space": dict(sorted(space.items())), "metric": metric}


NAMES = ("hidden", "output", "init", "optimizer", "rng", "dtype", "task")
"""Settings that are names, the same in any case (``--hidden ReLU`` is ``relu``)."""


def _folded(v: Any) -> Any:
    """A name (or each name of a choice) in lower case; anything else as it is."""
    if isinstance(v, str):
        return v.strip().lower()
    if isinstance(v, (list, tuple)):
        return type(v)(_folded(x) for x in v)
    return v


OFF_VALUES = {"keep_prob": 1.0, "drop_missing": False}
"""Settings whose value here means what 'not given' (None) means: no dropout, missing values
refused."""


@dataclass(frozen=True)
class LabelColumn:
    """A table's label column as :func:`taken` finds it, so that each way a search names a
    column (its header name, its index, the index counted from the end, or not at all: the
    last column) is written one way: its header name, else its index (0-based)."""

    index: int
    width: int
    header: "tuple[str, ...] | None" = None

    @property
    def key(self) -> "str | int":
        """This column written one way: its header name, else its index (0-based)."""
        return self._key(self.index)

    def _key(self, col: int) -> "str | int":
        return self.header[col] if self.header is not None else col

    def of(self, label: Any) -> Any:
        """``label`` (as a search gave it; None: not given, the last column) written as the
        column it names is (:attr:`key`), read as the loader reads it
        (:func:`nndl.datasets.loaders.label_column`); a label that names no column as it is."""
        from ..datasets.loaders import label_column

        try:
            col = label_column(-1 if label is None else label,
                               None if self.header is None else list(self.header),
                               self.width, "")
        except NNDLError:
            return label
        return self._key(col)


def taken(settings: dict, parts: Any) -> dict:
    """What the settings whose default depends on the data (None: not given) are on the data
    ``parts`` (:class:`nndl.cli.steps.Parts`, read with ``settings``): standardized unless
    images, their image size, the header found in a table, the task read from the labels (the
    ``classification`` said is its binary or multiclass) and a table's label column (a
    :class:`LabelColumn`: by its header name, else its index, however named)."""
    from ..cli.common import image_size_of, p_is_table

    data = parts.data
    size = image_size_of(data)
    out = {"standardize": size is None, "image_size": size, "task": data.task,
           "label": data.label_name}
    if settings["data"] is not None and p_is_table(settings["data"]):
        out["header"] = data.feature_names is not None
        if data.label_column is not None and data.columns:
            out["label"] = LabelColumn(data.label_column, data.columns,
                                       None if data.header is None else tuple(data.header))
    return out


def canonical(search: dict, on: "dict | None" = None) -> dict:
    """A stored search (:func:`describe`) with each setting written the one way it takes
    effect: those of :data:`OFF_VALUES` (``--keep-prob 1`` is the default's None), and those
    not given (None) as they are on the data, ``on`` (:func:`taken`; ``--standardize`` is the
    default on a table; the label column however named), so that a study created without an
    option is resumed with it spelled out, and the other way round."""
    space = dict(search.get("space", {}))
    for k in NAMES:  # read in any case since 2026-12-08; stored as typed before
        if k in space:
            space[k] = _folded(space[k])
    for k, off in OFF_VALUES.items():
        if space.get(k) == off:
            space[k] = None
    for k, v in (on or {}).items():
        if isinstance(v, LabelColumn):
            space[k] = v.of(space.get(k))
        elif space.get(k) is None or (k == "task" and space[k] == "classification"
                                      and v in ("binary", "multiclass")):
            space[k] = v
    # a setting a study of an older nndl did not store is one not given; one it stored that
    # is now compared through the data's fingerprint (--decimal) is left out
    return {**search, "space": {k: v for k, v in space.items()
                                if v is not None and k not in _PATHS}}


def path_setting(key: str) -> bool:
    """Whether setting ``key`` is one :func:`canonical` leaves out (:data:`_PATHS`: paths
    and how the test file is read, compared otherwise), so compared as written."""
    return key in _PATHS


def check_values(dims: dict[str, Dim], parts: Any) -> None:
    """Build a network for every value of every choice (the others at their first value),
    so that a name no trial could use (``--hidden foo``) fails now, not in a trial."""
    from ..cli.steps import build_model

    first = {k: d.values[0] for k, d in dims.items() if d.kind != "fixed"}
    build_model(trial_settings(dims, first), parts)
    for key, d in dims.items():
        for v in (d.values[1:] if d.kind == "choice" else ()):
            try:
                build_model(trial_settings(dims, {**first, key: v}), parts)
            except NNDLError as exc:
                raise NNDLError(f"{flag(key)} {v}: {exc}") from None

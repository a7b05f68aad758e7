"""The model's state as JSON (the metadata of a model file, :mod:`nndl.io`): the random
state, the label map, the history (its lists as arrays), and NumPy scalars/arrays as plain
JSON values. Each ``*_state`` has its way back, which raises ``ValueError`` (the reader turns it
into "not a valid nndl model")."""

from __future__ import annotations

from typing import Any

import numpy as np

from .errors import NNDLError
from .heads import find_output
from .labels import LabelMap

HISTORY_ARRAYS = {"iterations": "i", "costs": "f", "epochs": "i", "epoch_costs": "f",
                  "dev_costs": "f"}
"""The history's arrays (``history/<name>``, 1-D) and their dtype kinds: int64 / float64."""


def rng_state(rng: object) -> "dict | None":
    """The JSON-able state of a NumPy ``Generator`` or ``RandomState`` (None for anything else)."""
    if isinstance(rng, np.random.Generator):
        return {"kind": "generator", "state": jsonable(rng.bit_generator.state)}
    if isinstance(rng, np.random.RandomState):
        return {"kind": "randomstate", "state": jsonable(rng.get_state(legacy=False))}
    return None


def make_rng_from_state(d: object) -> "np.random.Generator | np.random.RandomState":
    """Rebuild the RNG saved by :func:`rng_state` (NNDLError if the state is not valid)."""
    try:
        if not isinstance(d, dict) or d.get("kind") not in ("generator", "randomstate"):
            raise ValueError("unknown kind")
        state = d["state"]
        if d["kind"] == "randomstate":
            rs = np.random.RandomState()
            inner = dict(state["state"])
            inner["key"] = np.asarray(inner["key"], dtype=np.uint32)
            rs.set_state({**state, "state": inner})
            return rs
        name = state["bit_generator"]
        if name not in ("PCG64", "PCG64DXSM", "MT19937", "Philox", "SFC64"):
            raise ValueError(f"unknown bit generator {name!r}")
        bg = getattr(np.random, name)()
        st = dict(state)
        if name == "MT19937":
            st["state"] = {**st["state"], "key": np.asarray(st["state"]["key"], dtype=np.uint32)}
        bg.state = st
        return np.random.Generator(bg)
    except NNDLError:
        raise
    except Exception as exc:
        raise NNDLError(f"the saved random state is not valid ({exc})") from None


def jsonable(x: Any) -> Any:
    if isinstance(x, dict):
        return {str(k): jsonable(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [jsonable(v) for v in x]
    if isinstance(x, np.ndarray):
        return x.tolist()
    if isinstance(x, np.integer):
        return int(x)
    if isinstance(x, np.floating):
        return float(x)
    return x


def epochs_are_iterations(h: Any) -> bool:
    """Whether every epoch was one iteration (full-batch training): then the per-epoch lists
    repeat the per-iteration ones, and a file keeps them once."""
    epochs = list(getattr(h, "epochs", []))
    return bool(epochs) and epochs == list(h.iterations) \
        and list(getattr(h, "epoch_costs", [])) == list(h.costs)


def history_arrays(h: Any) -> dict[str, np.ndarray]:
    """The history's lists as arrays ``history/<name>``: int64 iterations and epochs,
    float64 costs (8 bytes a value instead of ~80 as JSON in a unicode array). Without
    ``history/epochs`` and ``history/epoch_costs`` when they repeat the iterations' lists."""
    same = epochs_are_iterations(h)
    return {f"history/{k}": np.asarray([*getattr(h, k, [])],
                                       dtype=np.int64 if kind == "i" else np.float64)
            for k, kind in HISTORY_ARRAYS.items()
            if not (same and k in ("epochs", "epoch_costs"))}


def history_meta(h: Any) -> dict:
    """The history's entry in the metadata (its values are in :func:`history_arrays`)."""
    out = {"stored": "arrays", "best_epoch": getattr(h, "best_epoch", None)}
    if epochs_are_iterations(h):
        out["epochs"] = "iterations"
    return out


_LABEL_KINDS = {"b": "bool", "i": "int", "u": "int", "f": "float", "U": "str", "S": "bytes"}


def label_map_state(lm: object) -> "dict | None":
    """``{"kind": ..., "classes": [...]}``: a :class:`~nndl.labels.LabelMap` as JSON."""
    if lm is None:
        return None
    classes = np.asarray(lm.classes)  # type: ignore[attr-defined]
    kind = _LABEL_KINDS.get(classes.dtype.kind)
    if kind is None:
        raise NNDLError(f"cannot save class labels of dtype {classes.dtype}")
    values = ([c.decode("latin-1") for c in classes.tolist()] if kind == "bytes"
              else classes.tolist())
    return {"kind": kind, "classes": values}


def label_map_from_state(d: object, n_out: int, output: str) -> LabelMap:
    """The :class:`~nndl.labels.LabelMap` of :func:`label_map_state`, checked against the
    model's output layer (its head's number of classes); ValueError when not valid."""
    types = {"bool": (bool,), "int": (int,), "float": (int, float), "str": (str,),
             "bytes": (str,)}
    if not isinstance(d, dict) or d.get("kind") not in types \
            or not isinstance(d.get("classes"), list):
        raise ValueError("label_map must be {'kind': 'str'|'int'|'float'|'bool'|'bytes', "
                         "'classes': [...]}")
    kind, classes = d["kind"], d["classes"]
    if not all(type(c) in types[kind] for c in classes) \
            or (kind == "int" and not all(-2**63 <= c < 2**63 for c in classes)):
        raise ValueError(f"label_map classes must all be of kind {kind!r}")
    head = find_output(output)
    k = head.n_classes(n_out) if head is not None else None
    if k is None or len(classes) != k or head.n_units(k) != n_out:
        raise ValueError(f"a label map needs a classifier's output with one class per label "
                         f"(a softmax output: one unit per class; a sigmoid unit: 2 classes); "
                         f"got {len(classes)} classes for a {output} output of {n_out} unit(s)")
    try:
        if kind == "bytes":
            arr = np.array([c.encode("latin-1") for c in classes])
        else:
            arr = np.array(classes, dtype={"bool": bool, "int": np.int64, "float": np.float64,
                                            "str": str}[kind])
        return LabelMap(arr)
    except (NNDLError, UnicodeError, ValueError) as exc:
        raise ValueError(f"label_map is not valid ({exc})") from None

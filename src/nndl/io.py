"""Saved models: one ``.npz`` file, no pickle anywhere.

The file is a NumPy ``.npz`` archive (``np.load`` reads it) holding the parameters ``W1, b1,
..., WL, bL``, the cost history as arrays ``history/iterations`` (int64), ``history/costs``
(float64), ``history/epochs``, ``history/epoch_costs`` and ``history/dev_costs``, and
``__meta__``, a 0-d unicode string array with a JSON object (``"epochs": "iterations"`` in
the history says that the epochs' arrays are left out, being the iterations' ones):

    {"format": "nndl-model", "format_version": 2, "nndl_version": "...",
     "layer_dims": [n0, ..., nL], "activations": ["relu", ..., "sigmoid"], "init": "he",
     "dtype": "float64", "task": "binary", "classes": ["benign", "malignant"] | null,
     "preprocessing": Standardizer.to_dict() | null, "iterations_done": 2500,
     "history": {"stored": "arrays", "best_epoch": int | null[, "epochs": "iterations"]},
     "epochs_done": 3, "rng": {...} | null,
     "label_map": {"kind": "str" | "int" | "float" | "bool" | "bytes", "classes": [...]} | null,
     "optimizer": {"name": "adam", "learning_rate": ..., "t": ..., "epoch": ..., ...} | null,
     "param_sets": ["best", ...], "dual": {"m", "x_print", "w1_print"} | null, "info": {...}}

``info`` is free JSON for the training summary and, in checkpoints, what resuming needs.
The optimizer's scalars (``net.optimizer.state_dict()``) are in ``optimizer``; its buffers are
arrays named ``opt/<slot>.<param>`` (``opt/m.W1``, ``opt/v.b2``, ...), each with the shape and
dtype of its parameter. ``param_sets`` names extra parameter sets saved with the model (a
checkpoint's best parameters for early stopping), as arrays ``<name>/W1``, ``<name>/b1``, ...
The random state is JSON (``Generator.bit_generator.state`` or ``RandomState.get_state``).
The keys after ``info`` in the list above are optional when reading (older files lack them).
Members are deflated where that pays (the history and the metadata, not random-looking
parameters), so a model file is about the size of its parameters plus 8 bytes or less per
recorded cost. Format version 1 (read still) kept the history as JSON lists in the metadata:
``{"iterations": [...], "costs": [...], "epochs": [...], "epoch_costs": [...],
"dev_costs": [...], "best_epoch": ...}``; :func:`read` returns that form in ``meta["history"]``
for both versions.

Saving writes a temporary file in the target's folder, flushes it to disk and then renames it
over the target (``os.replace``), so a crash never leaves a half-written model at the target
path. Loading reads with ``allow_pickle=False`` and validates everything (keys, shapes against
``layer_dims``, dtypes, finite values, metadata types, format version); a truncated, tampered or
foreign file (random bytes, a pickle, an object array, a plain ``.npy``, a malformed ``.npy``
header, a FIFO or a device) is an :class:`~nndl.errors.NNDLError`, and nothing in the file is
ever executed. Sizes are checked before allocating (:mod:`nndl.limits`): a small file declaring
huge arrays (a compression bomb) is refused unless ``max_bytes`` allows it.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from . import dual, npz
from .activations import get_activation
from .errors import NNDLError, shorten
from .files import atomic_write
from .initializers import INITIALIZERS

if TYPE_CHECKING:  # pragma: no cover
    from .network import Network

FORMAT = "nndl-model"
FORMAT_VERSION = 2
READS_VERSIONS = (1, 2)
"""Version 1 kept the history as JSON lists in the metadata; version 2 keeps it in arrays."""
META_KEY = "__meta__"
HISTORY_ARRAYS = {"iterations": "i", "costs": "f", "epochs": "i", "epoch_costs": "f",
                  "dev_costs": "f"}
"""The history's arrays (``history/<name>``, 1-D) and their dtype kinds: int64 / float64."""
TASKS = {"sigmoid": "binary", "softmax": "multiclass", "linear": "regression"}
"""The task a model's output activation serves (others: ``"other"``)."""


# --- writing --------------------------------------------------------------------------------
def rng_state(rng: object) -> "dict | None":
    """The JSON-able state of a NumPy ``Generator`` or ``RandomState`` (None for anything else)."""
    if isinstance(rng, np.random.Generator):
        return {"kind": "generator", "state": _jsonable(rng.bit_generator.state)}
    if isinstance(rng, np.random.RandomState):
        return {"kind": "randomstate", "state": _jsonable(rng.get_state(legacy=False))}
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


def _jsonable(x: Any) -> Any:
    if isinstance(x, dict):
        return {str(k): _jsonable(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_jsonable(v) for v in x]
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


def _label_map(path: Path, d: object, n_out: int, output: str) -> object:
    from .labels import LabelMap

    types = {"bool": (bool,), "int": (int,), "float": (int, float), "str": (str,),
             "bytes": (str,)}
    if not isinstance(d, dict) or d.get("kind") not in types \
            or not isinstance(d.get("classes"), list):
        raise _bad(path, "label_map must be {'kind': 'str'|'int'|'float'|'bool'|'bytes', "
                         "'classes': [...]}")
    kind, classes = d["kind"], d["classes"]
    if not all(type(c) in types[kind] for c in classes) \
            or (kind == "int" and not all(-2**63 <= c < 2**63 for c in classes)):
        raise _bad(path, f"label_map classes must all be of kind {kind!r}")
    from .heads import find_output

    head = find_output(output)
    if head is None or head.n_classes(n_out) != len(classes):
        raise _bad(path, f"a label map needs a classifier's output with one class per label "
                         f"(a softmax unit per class, or one sigmoid unit for 2); got "
                         f"{len(classes)} classes for a {output} output of {n_out} unit(s)")
    try:
        if kind == "bytes":
            arr = np.array([c.encode("latin-1") for c in classes])
        else:
            arr = np.array(classes, dtype={"bool": bool, "int": np.int64, "float": np.float64,
                                            "str": str}[kind])
        return LabelMap(arr)
    except (NNDLError, UnicodeError, ValueError) as exc:
        raise _bad(path, f"label_map is not valid ({exc})") from None


def metadata(net: "Network", info: "dict | None" = None,
             param_sets: "dict | None" = None) -> dict:
    """The JSON metadata that :func:`save` writes for ``net``."""
    from . import __version__

    pre = net.preprocessing
    opt = getattr(net, "optimizer", None)
    from .optimizers import OPTIMIZERS

    if opt is not None and OPTIMIZERS.get(getattr(opt, "name", None)) is not type(opt):
        raise NNDLError(f"cannot save an optimizer of type {type(opt).__name__}: only those of "
                        f"nndl.optimizers.OPTIMIZERS ({sorted(OPTIMIZERS)})")
    if pre is not None and not hasattr(pre, "to_dict"):
        raise NNDLError(f"cannot save preprocessing of type {type(pre).__name__}: it needs "
                        "to_dict()")
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "nndl_version": __version__,
        "layer_dims": list(net.layer_dims),
        "activations": net.activation_names,
        "init": net.init,
        "dtype": net.dtype.name,
        "task": TASKS.get(net.output, "other"),
        "classes": None if net.classes is None else [str(c) for c in net.classes],
        "preprocessing": None if pre is None else _jsonable(pre.to_dict()),
        "iterations_done": int(net.iterations_done),
        "history": history_meta(net.history),
        "epochs_done": int(getattr(net, "epochs_done", 0)),
        "rng": rng_state(net.rng),
        "label_map": label_map_state(getattr(net, "label_map", None)),
        "optimizer": None if opt is None else {
            k: _jsonable(v) for k, v in opt.state_dict().items() if "." not in k},
        "param_sets": sorted(param_sets or {}),
        "dual": dual.state_meta(net),
        "info": _jsonable(info or {}),
    }


def save(net: "Network", path: "str | os.PathLike", info: "dict | None" = None,
         param_sets: "dict[str, dict[str, np.ndarray]] | None" = None) -> Path:
    """Write ``net`` (parameters, layers, activations, dtype, preprocessing, classes, label
    map, history, epochs, optimizer state, RNG state and ``info``) to ``path`` as a safe
    ``.npz``, atomically. ``param_sets`` are extra named parameter sets of the same shapes
    (e.g. ``{"best": params}``), returned by :func:`read` in ``meta["param_sets"]``.
    Returns the path."""
    for name, ps in (param_sets or {}).items():
        if not (isinstance(name, str) and name.isidentifier() and name != "opt") \
                or set(ps) != set(net.params) \
                or any(np.shape(ps[k]) != net.params[k].shape for k in ps):
            raise NNDLError(f"parameter set {name!r} must be a name and one array per "
                            f"parameter of the model's shapes")
    meta = metadata(net, info, param_sets)
    try:
        text = json.dumps(meta, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise NNDLError(f"the model's metadata cannot be saved as JSON ({exc})") from None
    arrays = {k: np.ascontiguousarray(v) for k, v in net.params.items()}
    opt = getattr(net, "optimizer", None)
    if opt is not None:
        for k, v in opt.state_dict().items():
            if "." in k:
                arrays[f"opt/{k}"] = np.ascontiguousarray(v, dtype=net.dtype)
    for name, ps in (param_sets or {}).items():
        for k, v in ps.items():
            arrays[f"{name}/{k}"] = np.ascontiguousarray(v, dtype=net.dtype)
    arrays.update(history_arrays(net.history))
    arrays.update(dual.state_arrays(net))
    arrays[META_KEY] = np.array(text)
    return atomic_write(path, lambda f: npz.write(f, arrays), what="model")


# --- reading --------------------------------------------------------------------------------
def _bad(path: Path, what: str) -> NNDLError:
    return NNDLError(f"{path} is not a valid nndl model: {what}")


MAX_META_BYTES = 64 * 2**20
MAX_INT_DIGITS = 40
"""Integers in the metadata have at most this many digits (a 128-bit RNG state has 39)."""
"""The JSON metadata of a model is small: a larger ``__meta__`` is refused unread."""
MAX_PARAMS = 2**28
"""Refuse models declaring more parameters than this (before allocating anything)."""


def _read_npz(path: Path, max_bytes: "int | str | None" = None
              ) -> tuple[dict, dict[str, np.ndarray]]:
    """Metadata first (validated), then each array's header (shape and dtype checked against
    the metadata, sizes against the file's budget, before anything is allocated), then the
    arrays, all without pickle."""
    with npz.Archive(path, "model file", lambda msg: _bad(path, msg), max_bytes) as ar:
        if ar.others:
            raise _bad(path, f"it holds entries that are not arrays: "
                             f"{shorten(ar.others[:3], 200)}")
        keys = ar.keys
        if META_KEY not in keys:
            raise _bad(path, f"no {META_KEY} entry (a foreign .npz?)")
        if ar.infos[META_KEY + npz.SUFFIX].file_size > MAX_META_BYTES:
            raise _bad(path, f"{META_KEY} is larger than {MAX_META_BYTES} bytes")
        shape, dtype, _ = ar.header(META_KEY)
        if dtype.kind != "U" or shape != ():
            raise _bad(path, f"{META_KEY} must be a JSON string; got dtype {dtype}, shape "
                             f"{shorten(shape, 80)}")
        meta = _parse_meta(path, ar.read(META_KEY, kinds="U"))
        _check_meta(path, meta)
        expected = _expected_shapes(meta["layer_dims"])
        present = set(keys) - {META_KEY}
        expected.update(_state_shapes(path, meta, expected, present))
        try:  # what continuing the dual form of layer 1 needs (nndl.dual)
            dims = meta["layer_dims"]
            expected.update(dual.state_shapes(meta.get("dual"), (dims[1], dims[0])))
        except NNDLError as exc:
            raise _bad(path, str(exc)) from None
        history = _history_keys(meta)
        missing = sorted(set(expected) - present) + sorted(set(history) - present)
        extra = sorted(present - set(expected) - set(history))
        if missing or extra:
            raise _bad(path, f"arrays do not match layer_dims {meta['layer_dims']} and the "
                             f"metadata: missing {shorten(missing, 200)}, unexpected "
                             f"{shorten(extra, 200)} ({len(extra)} unexpected)")
        if sum(int(np.prod(s)) for s in expected.values()) > MAX_PARAMS:
            raise _bad(path, f"layer_dims {meta['layer_dims']} declare more than "
                             f"{MAX_PARAMS} parameters")
        want = np.dtype(meta["dtype"])
        for k, shape in expected.items():
            got_shape, got_dtype, _ = ar.header(k)
            if got_dtype != want:
                raise _bad(path, f"{k} has dtype {got_dtype}; the metadata says {want.name}")
            if got_shape != shape:
                raise _bad(path, f"{k} has shape {shorten(got_shape, 80)}; layer_dims "
                                 f"{meta['layer_dims']} needs {shape}")
            ar.check(k, kinds="f")
        lengths = {}
        for k, kind in history.items():
            got_shape, got_dtype, _ = ar.header(k)
            if got_dtype.kind != kind or len(got_shape) != 1:
                raise _bad(path, f"{k} must be a 1-D array of "
                                 f"{'integers' if kind == 'i' else 'floats'}; got "
                                 f"{got_dtype} of shape {shorten(got_shape, 80)}")
            lengths[k[len("history/"):]] = got_shape[0]
            ar.check(k, kinds=kind)
        if meta["history"].get("epochs") == "iterations":
            lengths.update(epochs=lengths["iterations"], epoch_costs=lengths["costs"])
        if lengths and not (lengths["iterations"] == lengths["costs"]
                            and lengths["epochs"] == lengths["epoch_costs"]
                            and lengths["dev_costs"] <= lengths["epochs"]):
            raise _bad(path, f"the history's arrays do not match in length: {lengths}")
        arrays = {k: ar.read(k, kinds=history.get(k, "f")) for k in [*expected, *history]}
    return meta, arrays


def _history_keys(meta: dict) -> dict[str, str]:
    """The history's arrays a file must hold (none for format version 1)."""
    if meta["format_version"] == 1:
        return {}
    same = meta["history"].get("epochs") == "iterations"
    return {f"history/{k}": kind for k, kind in HISTORY_ARRAYS.items()
            if not (same and k in ("epochs", "epoch_costs"))}


def _expected_shapes(dims: list) -> dict[str, tuple[int, int]]:
    shapes = {}
    for l in range(1, len(dims)):
        shapes[f"W{l}"] = (dims[l], dims[l - 1])
        shapes[f"b{l}"] = (dims[l], 1)
    return shapes


def _state_shapes(path: Path, meta: dict, params: dict[str, tuple[int, int]],
                  present: set) -> dict[str, tuple[int, int]]:
    """Shapes of the optimizer buffers (``opt/<slot>.<param>``, those present: a buffer is
    created at the first update) and of the named parameter sets (all required)."""
    from .optimizers import OPTIMIZERS

    shapes: dict[str, tuple[int, int]] = {}
    for name in meta.get("param_sets") or []:
        for k, shape in params.items():
            shapes[f"{name}/{k}"] = shape
    opt = meta.get("optimizer")
    slots = OPTIMIZERS[opt["name"]].slots if opt is not None else ()
    for key in sorted(present):
        if key.startswith("opt/"):
            slot, dot, k = key[4:].partition(".")
            if not (dot and slot in slots and k in params):
                raise _bad(path, f"unexpected optimizer array {key!r} (the optimizer is "
                                 f"{None if opt is None else opt['name']!r}, with buffers "
                                 f"{list(slots)} per parameter)")
            shapes[key] = params[k]
    return shapes


def _parse_meta(path: Path, m: np.ndarray) -> dict:
    try:
        meta = json.loads(str(m), parse_constant=_no_constant, parse_int=_int,
                          parse_float=_float)
    except (ValueError, RecursionError) as exc:
        raise _bad(path, f"{META_KEY} is not valid JSON ({shorten(exc, 200)})") from None
    if not isinstance(meta, dict):
        raise _bad(path, f"{META_KEY} must be a JSON object; got {type(meta).__name__}")
    return meta


def _no_constant(name: str) -> None:
    raise ValueError(f"non-finite number {name} in the metadata")


def _int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_INT_DIGITS:
        raise ValueError(f"an integer of {len(text)} digits in the metadata (at most "
                         f"{MAX_INT_DIGITS})")
    return int(text)


def _float(text: str) -> float:
    x = float(text)
    if not np.isfinite(x):
        raise ValueError(f"number {shorten(text, 40)} is too large for a float")
    return x


def _check_meta(path: Path, meta: dict) -> None:
    def need(cond: bool, what: str) -> None:
        if not cond:
            raise _bad(path, what)

    need(meta.get("format") == FORMAT, f"format must be {FORMAT!r}; got {meta.get('format')!r}")
    v = meta.get("format_version")
    need(v in READS_VERSIONS and type(v) is int,
         f"unsupported format_version {shorten(repr(v), 40)} (this nndl reads versions "
         f"{', '.join(map(str, READS_VERSIONS))})")
    dims = meta.get("layer_dims")
    need(isinstance(dims, list) and len(dims) >= 2
         and all(type(n) is int and 0 < n <= 10**8 for n in dims),
         f"layer_dims must be a list of >= 2 positive integers; got {dims!r}")
    L = len(dims) - 1
    acts = meta.get("activations")
    need(isinstance(acts, list) and len(acts) == L and all(isinstance(a, str) for a in acts),
         f"activations must be a list of {L} names; got {acts!r}")
    need(meta.get("dtype") in ("float32", "float64"),
         f"dtype must be 'float32' or 'float64'; got {meta.get('dtype')!r}")
    need(meta.get("init") in INITIALIZERS,
         f"init must be one of {sorted(INITIALIZERS)}; got {meta.get('init')!r}")
    classes = meta.get("classes")
    need(classes is None or (isinstance(classes, list) and all(isinstance(c, str)
                                                               for c in classes)),
         f"classes must be null or a list of strings; got {classes!r}")
    if classes is not None:
        out = acts[-1].split(":")[0]
        k = {"sigmoid": 2, "softmax": dims[-1]}.get(out)
        need(k is None or len(classes) == k,
             f"a {out} output with {dims[-1]} unit(s) needs {k} class names; got {len(classes)}")
    it = meta.get("iterations_done")
    need(type(it) is int and it >= 0, f"iterations_done must be an integer >= 0; got {it!r}")
    hist = meta.get("history")
    if v >= 2:
        need(isinstance(hist, dict) and set(hist) - {"epochs"} == {"stored", "best_epoch"}
             and hist["stored"] == "arrays" and hist.get("epochs", "iterations") == "iterations",
             "history must be {'stored': 'arrays', 'best_epoch': ...[, 'epochs': 'iterations']}"
             ", its values in the arrays " + ", ".join(f"history/{k}" for k in HISTORY_ARRAYS))
    else:
        _check_legacy_history(hist, need)
    be = hist.get("best_epoch")
    need(be is None or (type(be) is int and be >= 0), f"history best_epoch must be null or an "
         f"integer >= 0; got {be!r}")
    need(meta.get("preprocessing") is None or isinstance(meta.get("preprocessing"), dict),
         "preprocessing must be null or an object")
    need(meta.get("rng") is None or isinstance(meta.get("rng"), dict),
         "rng must be null or an object")
    need(isinstance(meta.get("info", {}), dict), "info must be an object")
    if isinstance(meta.get("info"), dict) and "image_size" in meta["info"]:
        size = meta["info"]["image_size"]
        n0 = dims[0]
        need(size is None or (isinstance(size, list) and len(size) == 2
                              and all(type(s) is int and s > 0 for s in size)
                              and size[0] * size[1] <= n0 and n0 % (size[0] * size[1]) == 0),
             f"info image_size must be null or [height, width] with height * width * channels "
             f"= n0 = {n0}; got {shorten(repr(size), 80)}")
    ep = meta.get("epochs_done", 0)
    need(type(ep) is int and ep >= 0, f"epochs_done must be an integer >= 0; got {ep!r}")
    _check_meta_state(meta, need)


def _check_legacy_history(hist: object, need) -> None:
    """Format version 1: the history as JSON lists."""
    need(isinstance(hist, dict) and isinstance(hist.get("iterations"), list)
         and isinstance(hist.get("costs"), list)
         and len(hist["iterations"]) == len(hist["costs"])
         and all(type(i) is int for i in hist["iterations"])
         and all(type(c) in (int, float) for c in hist["costs"]),
         "history must be {'iterations': [int...], 'costs': [number...]} of equal lengths")
    for k in ("epochs", "epoch_costs", "dev_costs"):
        v = hist.get(k, [])
        typ = (int,) if k == "epochs" else (int, float)
        need(isinstance(v, list) and all(type(x) in typ for x in v),
             f"history {k} must be a list of {'integers' if k == 'epochs' else 'numbers'}")
    need(len(hist.get("epochs", [])) == len(hist.get("epoch_costs", []))
         and len(hist.get("dev_costs", [])) <= len(hist.get("epochs", [])),
         "history epochs, epoch_costs and dev_costs do not match")


def _check_meta_state(meta: dict, need) -> None:
    """Parameter sets and the optimizer's scalars."""
    sets = meta.get("param_sets", [])
    need(isinstance(sets, list) and all(isinstance(n, str) and n.isidentifier() and n != "opt"
                                        for n in sets) and len(set(sets)) == len(sets),
         f"param_sets must be a list of distinct names; got {sets!r}")
    opt = meta.get("optimizer")
    if opt is not None:
        from .optimizers import OPTIMIZERS

        need(isinstance(opt, dict) and opt.get("name") in OPTIMIZERS,
             f"optimizer must be null or an object with a name in {sorted(OPTIMIZERS)}; got "
             f"{opt.get('name') if isinstance(opt, dict) else opt!r}")
        for k in ("t", "epoch", "decay_every"):
            need(type(opt.get(k)) is int and opt[k] >= 0,
                 f"optimizer {k} must be an integer >= 0; got {opt.get(k)!r}")
        known = {"name", "learning_rate", "decay", "decay_every", "t", "epoch",
                 *OPTIMIZERS[opt["name"]].hyper}
        need(set(opt) == known, f"optimizer {opt['name']!r} needs exactly the entries "
             f"{sorted(known)}; got {sorted(opt)}")


def _check_arrays(path: Path, meta: dict, arrays: dict[str, np.ndarray]) -> None:
    """Shapes and dtypes were checked from the headers; here: finite values."""
    for k, a in arrays.items():
        if not np.isfinite(a).all():
            raise _bad(path, f"{k} holds NaN or inf values")


def _preprocessing(path: Path, d: dict, n0: int) -> object:
    try:
        from .preprocessing import Standardizer
    except ImportError:  # pragma: no cover - the data branch provides it
        raise _bad(path, "it has preprocessing but nndl.preprocessing is not available") from None
    try:
        pre = Standardizer.from_dict(d)
        mean = np.asarray(pre.mean, dtype=np.float64)
        std = np.asarray(pre.std, dtype=np.float64)
    except NNDLError as exc:
        raise _bad(path, f"preprocessing is not valid ({exc})") from None
    except Exception as exc:
        raise _bad(path, f"preprocessing is not valid ({type(exc).__name__}: {exc})") from None
    if mean.shape != (n0, 1) or std.shape != (n0, 1):
        raise _bad(path, f"preprocessing must have mean and std of shape ({n0}, 1); got "
                         f"{mean.shape} and {std.shape}")
    if not (np.isfinite(mean).all() and np.isfinite(std).all() and (std > 0).all()):
        raise _bad(path, "preprocessing mean/std must be finite with std > 0")
    return pre


def read(path: "str | os.PathLike", max_bytes: "int | str | None" = None
         ) -> tuple["Network", dict]:
    """``(net, meta)``: the model in ``path`` and its validated metadata (see the module doc).

    ``max_bytes`` raises (or lowers) the memory a file may declare beyond 100 times its stored
    size (:mod:`nndl.limits`; default ``$NNDL_MAX_BYTES`` or 256 MiB)."""
    from .network import Network

    p = Path(os.fspath(path))
    meta, arrays = _read_npz(p, max_bytes)  # meta, keys, shapes, dtypes and sizes validated
    _check_arrays(p, meta, arrays)
    try:
        for a in meta["activations"]:
            get_activation(a)
        net = Network(meta["layer_dims"], activations=meta["activations"], init=meta["init"],
                      seed=0, dtype=meta["dtype"])
    except NNDLError as exc:
        raise _bad(p, str(exc)) from None
    # Network drew fresh parameters: overwrite them with the saved ones.
    net.params = {k: np.ascontiguousarray(arrays[k]) for k in net.params}
    if meta.get("rng") is not None:
        try:
            net.rng = make_rng_from_state(meta["rng"])
        except NNDLError as exc:
            raise _bad(p, str(exc)) from None
    if meta.get("preprocessing") is not None:
        net.preprocessing = _preprocessing(p, meta["preprocessing"], meta["layer_dims"][0])
    net.classes = meta["classes"]
    net.iterations_done = meta["iterations_done"]
    net.epochs_done = meta.get("epochs_done", 0)
    h = meta["history"]
    if meta["format_version"] >= 2:
        same = h.get("epochs") == "iterations"
        h = {"best_epoch": h["best_epoch"],
             **{k: arrays.pop(f"history/{k}").tolist() for k in HISTORY_ARRAYS
                if not (same and k in ("epochs", "epoch_costs"))}}
        if same:
            h.update(epochs=list(h["iterations"]), epoch_costs=list(h["costs"]))
        meta["history"] = h
    net.history.iterations = [int(i) for i in h["iterations"]]
    net.history.costs = [float(c) for c in h["costs"]]
    net.history.epochs = [int(e) for e in h.get("epochs", [])]
    net.history.epoch_costs = [float(c) for c in h.get("epoch_costs", [])]
    net.history.dev_costs = [float(c) for c in h.get("dev_costs", [])]
    net.history.best_epoch = h.get("best_epoch")
    if meta.get("label_map") is not None:
        net.label_map = _label_map(p, meta["label_map"], meta["layer_dims"][-1], net.output)
    if meta.get("optimizer") is not None:
        state = dict(meta["optimizer"])
        state.update({k[4:]: v for k, v in arrays.items() if k.startswith("opt/")})
        try:
            from .optimizers import from_state_dict

            net.optimizer = from_state_dict(state)
        except NNDLError as exc:
            raise _bad(p, f"optimizer state is not valid ({exc})") from None
    dual.restore_state(net, meta.get("dual"), arrays)
    meta["param_sets"] = {
        name: {k: arrays[f"{name}/{k}"] for k in net.params}
        for name in meta.get("param_sets") or []}
    meta.setdefault("info", {})
    return net, meta


def load(path: "str | os.PathLike", max_bytes: "int | str | None" = None) -> "Network":
    """The model saved at ``path`` by :func:`save` / ``Network.save``, validated
    (``max_bytes``: see :func:`read`)."""
    return read(path, max_bytes)[0]

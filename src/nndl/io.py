"""Saved models: one ``.npz`` file, no pickle anywhere.

The file is a NumPy ``.npz`` archive (``np.savez``) holding the parameters ``W1, b1, ..., WL, bL``
and ``__meta__``, a 0-d unicode string array with a JSON object:

    {"format": "nndl-model", "format_version": 1, "nndl_version": "...",
     "layer_dims": [n0, ..., nL], "activations": ["relu", ..., "sigmoid"], "init": "he",
     "dtype": "float64", "task": "binary", "classes": ["benign", "malignant"] | null,
     "preprocessing": Standardizer.to_dict() | null, "iterations_done": 2500,
     "history": {"iterations": [...], "costs": [...], "epochs": [...], "epoch_costs": [...],
                 "dev_costs": [...], "best_epoch": int | null},
     "epochs_done": 3, "rng": {...} | null,
     "label_map": {"kind": "str" | "int" | "float" | "bool" | "bytes", "classes": [...]} | null,
     "optimizer": {"name": "adam", "learning_rate": ..., "t": ..., "epoch": ..., ...} | null,
     "param_sets": ["best", ...], "info": {...}}

``info`` is free JSON for the training summary and, in checkpoints, what resuming needs.
The optimizer's scalars (``net.optimizer.state_dict()``) are in ``optimizer``; its buffers are
arrays named ``opt/<slot>.<param>`` (``opt/m.W1``, ``opt/v.b2``, ...), each with the shape and
dtype of its parameter. ``param_sets`` names extra parameter sets saved with the model (a
checkpoint's best parameters for early stopping), as arrays ``<name>/W1``, ``<name>/b1``, ...
The random state is JSON (``Generator.bit_generator.state`` or ``RandomState.get_state``).
The keys after ``info`` in the list above are optional when reading (older files lack them).

Saving writes a temporary file in the target's folder, flushes it to disk and then renames it
over the target (``os.replace``), so a crash never leaves a half-written model at the target
path. Loading reads with ``allow_pickle=False`` and validates everything (keys, shapes against
``layer_dims``, dtypes, finite values, metadata types, format version); a truncated, tampered or
foreign file (random bytes, a pickle, an object array, a plain ``.npy``) is an
:class:`~nndl.errors.NNDLError`, and nothing in the file is ever executed.
"""

from __future__ import annotations

import json
import os
import zipfile
import zlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .activations import get_activation
from .errors import NNDLError
from .files import atomic_write, starts_like_zip
from .initializers import INITIALIZERS

if TYPE_CHECKING:  # pragma: no cover
    from .network import Network

FORMAT = "nndl-model"
FORMAT_VERSION = 1
META_KEY = "__meta__"
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


def _history(h: Any) -> dict:
    return {"iterations": [int(i) for i in h.iterations],
            "costs": [float(c) for c in h.costs],
            "epochs": [int(e) for e in getattr(h, "epochs", [])],
            "epoch_costs": [float(c) for c in getattr(h, "epoch_costs", [])],
            "dev_costs": [float(c) for c in getattr(h, "dev_costs", [])],
            "best_epoch": getattr(h, "best_epoch", None)}


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
    if output != "softmax" or len(classes) != n_out:
        raise _bad(path, f"a label map needs a softmax output with one unit per class; got "
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
        "history": _history(net.history),
        "epochs_done": int(getattr(net, "epochs_done", 0)),
        "rng": rng_state(net.rng),
        "label_map": label_map_state(getattr(net, "label_map", None)),
        "optimizer": None if opt is None else {
            k: _jsonable(v) for k, v in opt.state_dict().items() if "." not in k},
        "param_sets": sorted(param_sets or {}),
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
    arrays[META_KEY] = np.array(text)
    return atomic_write(path, lambda f: np.savez(f, **arrays), what="model")


# --- reading --------------------------------------------------------------------------------
def _bad(path: Path, what: str) -> NNDLError:
    return NNDLError(f"{path} is not a valid nndl model: {what}")


MAX_META_BYTES = 64 * 2**20
"""The JSON metadata of a model is small: a larger ``__meta__`` is refused unread."""
MAX_PARAMS = 2**28
"""Refuse models declaring more parameters than this (before allocating anything)."""


def _member(zf: zipfile.ZipFile, key: str):
    return zf.open(key + ".npy")


def _header(f) -> tuple[tuple, np.dtype]:
    version = np.lib.format.read_magic(f)
    if version == (1, 0):
        shape, _, dtype = np.lib.format.read_array_header_1_0(f)
    elif version == (2, 0):
        shape, _, dtype = np.lib.format.read_array_header_2_0(f)
    else:
        raise ValueError(f"unsupported .npy version {version}")
    return shape, dtype


def _read_npz(path: Path) -> tuple[dict, dict[str, np.ndarray]]:
    """Metadata first (validated), then each array's header (shape and dtype checked against
    the metadata before anything is allocated), then the arrays, all without pickle."""
    if not path.exists():
        raise NNDLError(f"model file not found: {path}")
    if not path.is_file():
        raise NNDLError(f"model path is not a file: {path}")
    if not starts_like_zip(path, "model file"):
        raise _bad(path, "not an .npz archive (it does not start like a zip file)")
    try:
        with zipfile.ZipFile(path) as zf:
            names = zf.namelist()
            odd = [n for n in names if not n.endswith(".npy")]
            if odd:
                raise _bad(path, f"it holds entries that are not arrays: {odd[:3]}")
            keys = [n[:-4] for n in names]
            if META_KEY not in keys:
                raise _bad(path, f"no {META_KEY} entry (a foreign .npz?)")
            if zf.getinfo(META_KEY + ".npy").file_size > MAX_META_BYTES:
                raise _bad(path, f"{META_KEY} is larger than {MAX_META_BYTES} bytes")
            with _member(zf, META_KEY) as f:
                shape, dtype = _header(f)
                if dtype.kind != "U" or shape != ():
                    raise _bad(path, f"{META_KEY} must be a JSON string; got dtype {dtype}, "
                                     f"shape {shape}")
            with _member(zf, META_KEY) as f:
                m = np.lib.format.read_array(f, allow_pickle=False)
            meta = _parse_meta(path, m)
            _check_meta(path, meta)
            expected = _expected_shapes(meta["layer_dims"])
            present = set(keys) - {META_KEY}
            expected.update(_state_shapes(path, meta, expected, present))
            missing, extra = sorted(set(expected) - present), sorted(present - set(expected))
            if missing or extra:
                raise _bad(path, f"arrays do not match layer_dims {meta['layer_dims']} and the "
                                 f"metadata: missing {missing}, unexpected {extra}")
            if sum(int(np.prod(s)) for s in expected.values()) > MAX_PARAMS:
                raise _bad(path, f"layer_dims {meta['layer_dims']} declare more than "
                                 f"{MAX_PARAMS} parameters")
            want = np.dtype(meta["dtype"])
            arrays: dict[str, np.ndarray] = {}
            for k, shape in expected.items():
                with _member(zf, k) as f:
                    got_shape, got_dtype = _header(f)
                    header_len = f.tell()
                if got_dtype != want:
                    raise _bad(path, f"{k} has dtype {got_dtype}; the metadata says {want.name}")
                if tuple(got_shape) != shape:
                    raise _bad(path, f"{k} has shape {tuple(got_shape)}; layer_dims "
                                     f"{meta['layer_dims']} needs {shape}")
                need = header_len + int(np.prod(shape)) * want.itemsize
                if zf.getinfo(k + ".npy").file_size < need:
                    raise _bad(path, f"{k} is shorter than its shape {shape} needs (truncated)")
                with _member(zf, k) as f:
                    arrays[k] = np.lib.format.read_array(f, allow_pickle=False)
    except NNDLError:
        raise
    except (ValueError, OSError, EOFError, zipfile.BadZipFile, KeyError, RuntimeError,
            MemoryError, NotImplementedError, UnicodeError, zlib.error) as exc:
        msg = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise _bad(path, f"truncated, corrupt or holding non-numeric (object/pickled) data "
                         f"({msg})") from None
    return meta, arrays


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
        meta = json.loads(str(m), parse_constant=_no_constant)
    except (ValueError, RecursionError) as exc:
        raise _bad(path, f"{META_KEY} is not valid JSON ({exc})") from None
    if not isinstance(meta, dict):
        raise _bad(path, f"{META_KEY} must be a JSON object; got {type(meta).__name__}")
    return meta


def _no_constant(name: str) -> None:
    raise ValueError(f"non-finite number {name} in the metadata")


def _check_meta(path: Path, meta: dict) -> None:
    def need(cond: bool, what: str) -> None:
        if not cond:
            raise _bad(path, what)

    need(meta.get("format") == FORMAT, f"format must be {FORMAT!r}; got {meta.get('format')!r}")
    v = meta.get("format_version")
    need(v == FORMAT_VERSION and type(v) is int,
         f"unsupported format_version {v!r} (this nndl reads version {FORMAT_VERSION})")
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
    need(isinstance(hist, dict) and isinstance(hist.get("iterations"), list)
         and isinstance(hist.get("costs"), list)
         and len(hist["iterations"]) == len(hist["costs"])
         and all(type(i) is int for i in hist["iterations"])
         and all(type(c) in (int, float) for c in hist["costs"]),
         "history must be {'iterations': [int...], 'costs': [number...]} of equal lengths")
    need(meta.get("preprocessing") is None or isinstance(meta.get("preprocessing"), dict),
         "preprocessing must be null or an object")
    need(meta.get("rng") is None or isinstance(meta.get("rng"), dict),
         "rng must be null or an object")
    need(isinstance(meta.get("info", {}), dict), "info must be an object")
    for k in ("epochs", "epoch_costs", "dev_costs"):
        v = hist.get(k, [])
        typ = (int,) if k == "epochs" else (int, float)
        need(isinstance(v, list) and all(type(x) in typ for x in v),
             f"history {k} must be a list of {'integers' if k == 'epochs' else 'numbers'}")
    need(len(hist.get("epochs", [])) == len(hist.get("epoch_costs", []))
         and len(hist.get("dev_costs", [])) <= len(hist.get("epochs", [])),
         "history epochs, epoch_costs and dev_costs do not match")
    be = hist.get("best_epoch")
    need(be is None or (type(be) is int and be >= 0), f"history best_epoch must be null or an "
         f"integer >= 0; got {be!r}")
    ep = meta.get("epochs_done", 0)
    need(type(ep) is int and ep >= 0, f"epochs_done must be an integer >= 0; got {ep!r}")
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


def read(path: "str | os.PathLike") -> tuple["Network", dict]:
    """``(net, meta)``: the model in ``path`` and its validated metadata (see the module doc)."""
    from .network import Network

    p = Path(path)
    meta, arrays = _read_npz(p)  # meta, keys, shapes and dtypes validated
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
    for i, c in zip(h["iterations"], h["costs"]):
        net.history.append(i, float(c))
    net.history.epochs = list(h.get("epochs", []))
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
    meta["param_sets"] = {
        name: {k: arrays[f"{name}/{k}"] for k in net.params}
        for name in meta.get("param_sets") or []}
    meta.setdefault("info", {})
    return net, meta


def load(path: "str | os.PathLike") -> "Network":
    """The model saved at ``path`` by :func:`save` / ``Network.save``, validated."""
    return read(path)[0]

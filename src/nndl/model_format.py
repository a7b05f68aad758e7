"""What a valid model file holds (the format of :mod:`nndl.io`): its constants, the JSON
metadata's parser and checks, and the arrays the metadata requires, with their shapes.

Everything here only reads: a check that fails raises :class:`~nndl.errors.NNDLError` saying
"PATH is not a valid nndl model: what". The format itself is described in :mod:`nndl.io`.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path

import numpy as np

from .errors import NNDLError, shorten
from .heads import find_output
from .initializers import INITIALIZERS
from .model_state import HISTORY_ARRAYS

FORMAT = "nndl-model"
FORMAT_VERSION = 2
READS_VERSIONS = (1, 2)
"""Version 1 kept the history as JSON lists in the metadata; version 2 keeps it in arrays."""
META_KEY = "__meta__"
MAX_META_BYTES = 64 * 2**20
"""The JSON metadata of a model is small: a larger ``__meta__`` is refused unread."""
MAX_INT_DIGITS = 40
"""Integers in the metadata have at most this many digits (a 128-bit RNG state has 39)."""
MAX_PARAMS = 2**28
"""Refuse models declaring more parameters than this (before allocating anything)."""



def bad(path: Path, what: str) -> NNDLError:
    """The error of a file that is not a valid model."""
    return NNDLError(f"{path} is not a valid nndl model: {what}")


def history_keys(meta: dict) -> dict[str, str]:
    """The history's arrays a file must hold (none for format version 1)."""
    if meta["format_version"] == 1:
        return {}
    same = meta["history"].get("epochs") == "iterations"
    return {f"history/{k}": kind for k, kind in HISTORY_ARRAYS.items()
            if not (same and k in ("epochs", "epoch_costs"))}


def expected_shapes(dims: list) -> dict[str, tuple[int, int]]:
    shapes = {}
    for l in range(1, len(dims)):
        shapes[f"W{l}"] = (dims[l], dims[l - 1])
        shapes[f"b{l}"] = (dims[l], 1)
    return shapes


@functools.lru_cache(maxsize=64)
def _expected(dims: tuple) -> tuple[tuple[str, ...], tuple[tuple[int, int], ...]]:
    """:func:`expected_shapes` of ``dims`` as (keys, shapes), cached for the quick check."""
    shapes = expected_shapes(list(dims))
    return tuple(shapes), tuple(shapes.values())


def array_problem(k: str, got_shape: tuple, got_dtype: np.dtype, shape: tuple,
                  dtype: np.dtype, dims: list, says: str = "the metadata says") -> "str | None":
    """What is wrong with parameter array ``k`` of ``got_shape`` and ``got_dtype`` where the
    model needs ``shape`` and ``dtype`` (None: nothing): the one comparison of a file's arrays
    (:mod:`nndl.io`) and of a network's own (:func:`check_params`)."""
    if got_dtype != dtype:
        return f"{k} has dtype {got_dtype}; {says} {dtype.name}"
    if tuple(got_shape) != tuple(shape):
        return f"{k} has shape {shorten(tuple(got_shape), 80)}; layer_dims {dims} needs {shape}"
    return None


def check_params(params: object, dims: list, dtype: np.dtype, name: str = "net.params") -> None:
    """NNDLError unless ``params`` holds exactly W1..WL, b1..bL as NumPy arrays of the shapes
    of ``dims`` ((n[l], n[l-1]) and (n[l], 1)) and of ``dtype``: what a model file must hold.

    Anyone may assign into ``net.params``; this runs where those arrays are used (fit,
    forward, save), so that a wrong one is named there instead of saving a file that load
    refuses, broadcasting a bias of shape (n,) into silently wrong outputs, or failing deep
    inside NumPy after training. Values are not checked here (a diverged model may be saved)."""
    keys, shapes = _expected(tuple(dims))
    if isinstance(params, dict) and len(params) == len(keys) and all(
            type(a) is np.ndarray and a.shape == shape and a.dtype == dtype  # the usual case,
            for a, shape in zip(map(params.get, keys), shapes)):
        return  # (quickly: forward and predict check on every call)
    expected = expected_shapes(dims)
    if not isinstance(params, dict):
        raise NNDLError(f"{name} must be a dict of NumPy arrays {list(expected)}; got "
                        f"{type(params).__name__}")
    missing = [k for k in expected if k not in params]
    extra = [k for k in params if k not in expected]
    if missing or extra:
        raise NNDLError(f"{name} must hold exactly W1..W{len(dims) - 1} and b1..b{len(dims) - 1}"
                        f" for layer_dims {dims}; missing {missing}, unexpected "
                        f"{shorten(extra, 200)}")
    for k, shape in expected.items():
        a = params[k]
        if not isinstance(a, np.ndarray):
            raise NNDLError(f"{name}[{k!r}] must be a NumPy array of shape {shape} and dtype "
                            f"{dtype.name}; got {type(a).__name__}: assign "
                            f"np.asarray(value, dtype=net.dtype)")
        problem = array_problem(k, a.shape, a.dtype, shape, dtype, dims,
                                "this network computes in")
        if problem is None:
            continue
        if a.dtype != dtype:
            fix = f"{name}[{k!r}] = {k}.astype(net.dtype)"
        elif k.startswith("b") and a.shape == (shape[0],):
            fix = f"{name}[{k!r}] = {k}.reshape(-1, 1)"
        elif a.shape == shape[::-1]:
            fix = f"{name}[{k!r}] = {k}.T (rows are the layer's units)"
        else:
            fix = f"give {k} the shape {shape}"
        raise NNDLError(f"{name}[{k!r}]: {problem}; fix: {fix}")


def state_shapes(path: Path, meta: dict, params: dict[str, tuple[int, int]],
                  present: set) -> dict[str, tuple[int, int]]:
    """Shapes of the optimizer buffers (``opt/<slot>.<param>``) and of the named parameter
    sets (all required). The buffers are made at the first update, all of them: before it
    (t = 0) those present; after it, every slot of every parameter, or ``bad`` (a file
    missing ``opt/m.W1`` would resume Adam with m.W1 = 0 at the bias correction of step t)."""
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
                raise bad(path, f"unexpected optimizer array {key!r} (the optimizer is "
                                 f"{None if opt is None else opt['name']!r}, with buffers "
                                 f"{list(slots)} per parameter)")
            shapes[key] = params[k]
    if opt is not None and opt["t"] > 0:
        lacking = [f"opt/{s}.{k}" for s in slots for k in params if f"opt/{s}.{k}" not in present]
        if lacking:
            raise bad(path, f"optimizer state lacks {shorten(lacking, 200)} ({opt['name']!r} "
                             f"after t = {opt['t']} steps has buffers {list(slots)} for every "
                             "parameter)")
    return shapes


def parse_meta(path: Path, m: np.ndarray) -> dict:
    try:
        meta = json.loads(str(m), parse_constant=_no_constant, parse_int=_int,
                          parse_float=_float)
    except (ValueError, RecursionError) as exc:
        raise bad(path, f"{META_KEY} is not valid JSON ({shorten(exc, 200)})") from None
    if not isinstance(meta, dict):
        raise bad(path, f"{META_KEY} must be a JSON object; got {type(meta).__name__}")
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


def check_meta(path: Path, meta: dict) -> None:
    def need(cond: bool, what: str) -> None:
        if not cond:
            raise bad(path, what)

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
        head = find_output(out)
        k = head.n_classes(dims[-1]) if head is not None else None
        need(k is None or len(classes) == k,
             f"a {out} output with {dims[-1]} unit(s) needs {k} class names; got {len(classes)}")
    it = meta.get("iterations_done")
    need(type(it) is int and 0 <= it < 2**62,
         f"iterations_done must be an integer in [0, 2^62); got {shorten(repr(it), 40)}")
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
    need(meta.get("target_scaling") is None or isinstance(meta.get("target_scaling"), dict),
         "target_scaling must be null or an object")
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
    need(type(ep) is int and 0 <= ep < 2**62,
         f"epochs_done must be an integer in [0, 2^62); got {shorten(repr(ep), 40)}")
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



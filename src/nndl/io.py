"""Saved models: one ``.npz`` file, no pickle anywhere.

The file is a NumPy ``.npz`` archive (``np.load`` reads it) holding the parameters ``W1, b1,
..., WL, bL``, the cost history as arrays ``history/iterations`` (int64), ``history/costs``
(float64), ``history/epochs``, ``history/epoch_costs`` and ``history/dev_costs``, and
``__meta__``, a 0-d unicode string array with a JSON object (``"epochs": "iterations"`` in
the history says that the epochs' arrays are left out, being the iterations' ones):

    {"format": "nndl-model", "format_version": 2, "nndl_version": "...",
     "layer_dims": [n0, ..., nL], "activations": ["relu", ..., "sigmoid"], "init": "he",
     "dtype": "float64", "task": "binary", "classes": ["benign", "malignant"] | null,
     "preprocessing": Standardizer.to_dict() | null, "target_scaling": same | null,
     "iterations_done": 2500,
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

import hashlib
import json
import os
import warnings
from io import BytesIO
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from . import dual, npz
from .activations import get_activation
from .errors import NNDLError, NNDLWarning, shorten
from .files import as_path, atomic_write
from .heads import find_output
from .model_format import (FORMAT, FORMAT_VERSION, MAX_META_BYTES, MAX_PARAMS, META_KEY,
                           READS_VERSIONS, array_problem, bad, check_meta, check_params,
                           expected_shapes, history_keys, parse_meta, state_shapes)
from .model_state import (HISTORY_ARRAYS, history_arrays, history_meta, jsonable,
                          label_map_from_state, label_map_state, make_rng_from_state,
                          rng_state)

if TYPE_CHECKING:  # pragma: no cover
    from .network import Network

__all__ = ["save", "read", "load", "metadata", "FORMAT", "FORMAT_VERSION", "READS_VERSIONS",
           "META_KEY", "HISTORY_ARRAYS"]


# --- writing --------------------------------------------------------------------------------
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
    tgt = getattr(net, "target_scaling", None)
    for what, obj in (("preprocessing", pre), ("target scaling", tgt)):
        if obj is not None and not hasattr(obj, "to_dict"):
            raise NNDLError(f"cannot save {what} of type {type(obj).__name__}: it needs "
                            "to_dict()")
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "nndl_version": __version__,
        "layer_dims": list(net.layer_dims),
        "activations": net.activation_names,
        "init": net.init,
        "dtype": net.dtype.name,
        "task": getattr(find_output(net.output), "task", "other"),
        "classes": None if net.classes is None else [str(c) for c in net.classes],
        "preprocessing": None if pre is None else jsonable(pre.to_dict()),
        "target_scaling": None if tgt is None else jsonable(tgt.to_dict()),
        "iterations_done": int(net.iterations_done),
        "history": history_meta(net.history),
        "epochs_done": int(getattr(net, "epochs_done", 0)),
        "rng": rng_state(net.rng),
        "label_map": label_map_state(getattr(net, "label_map", None)),
        "optimizer": None if opt is None else {
            k: jsonable(v) for k, v in opt.state_dict().items() if "." not in k},
        "param_sets": sorted(param_sets or {}),
        "dual": dual.state_meta(net),
        "info": jsonable(info or {}),
    }


def save(net: "Network", path: "str | os.PathLike", info: "dict | None" = None,
         param_sets: "dict[str, dict[str, np.ndarray]] | None" = None) -> Path:
    """Write ``net`` (parameters, layers, activations, dtype, preprocessing, classes, label
    map, history, epochs, optimizer state, RNG state and ``info``) to ``path`` as a safe
    ``.npz``, atomically. ``param_sets`` are extra named parameter sets of the same shapes
    (e.g. ``{"best": params}``), returned by :func:`read` in ``meta["param_sets"]``.
    Returns the path."""
    arrays = model_arrays(net, info, param_sets)
    return atomic_write(path, lambda f: npz.write(f, arrays), what="model")


def to_bytes(net: "Network", info: "dict | None" = None,
             param_sets: "dict[str, dict[str, np.ndarray]] | None" = None) -> bytes:
    """The bytes of the file :func:`save` writes (for a download: no file on disk)."""
    buf = BytesIO()
    npz.write(buf, model_arrays(net, info, param_sets))
    return buf.getvalue()


def kept(net: "Network", info: "dict | None", param_sets: "dict | None"
         ) -> "tuple[dict | None, dict | None]":
    """The ``info`` and ``param_sets`` to save: those given, else what the file ``net`` was
    loaded from held (``net.saved``), so that a model loaded and saved again keeps its
    columns and label column (without them a table was matched by position), image size,
    settings and scores. After further training, or an edit of its parameters, only what
    says how it reads data is kept (its scores, checkpoint, settings and extra parameter
    sets described the model before), marked ``changed_after_training``."""
    saved = getattr(net, "saved", None) or {}
    if info is not None or param_sets is not None or not saved:
        return info, param_sets
    if saved["iterations_done"] == net.iterations_done and saved["digest"] == model_digest(net):
        return saved["info"], saved["param_sets"]
    old = saved["info"]  # trained further, or edited: only how it reads data still holds
    out = {k: old[k] for k in _DESCRIBES_DATA if k in old}
    if isinstance(old.get("train_args"), dict):
        out["train_args"] = {k: v for k, v in old["train_args"].items() if k in _READS_DATA}
    if any(k in old for k in ("train_args", "summary", "checkpoint")):
        out["changed_after_training"] = True  # (nndl info says so; --resume refuses)
    return out, None


_DESCRIBES_DATA = ("feature_names", "label_name", "image_size", "dropped_names", "data_name",
                   "playground", "digits_scale")
"""What a model file's ``info`` says about the data it reads (see :func:`kept`)."""
_READS_DATA = ("data", "label", "features", "drop", "header")
"""The training settings that say how files are read (a label's position, the columns)."""


def model_digest(net: "Network") -> str:
    """SHA-256 of what makes the model's outputs: its parameters (names, shapes, dtypes,
    values) and its metadata (layers, activations, preprocessing, target scaling, label map,
    ...): whether it changed since it was loaded."""
    from .dual import fingerprint  # (the arrays' digest, without copying them)

    h = hashlib.sha256(fingerprint(*(net.params[k] for k in sorted(net.params))).encode())
    h.update(json.dumps(jsonable(metadata(net)), sort_keys=True).encode())  # (layer_dims too)
    return h.hexdigest()


def model_arrays(net: "Network", info: "dict | None" = None,
                 param_sets: "dict[str, dict[str, np.ndarray]] | None" = None
                 ) -> dict[str, np.ndarray]:
    """The arrays of a model file, its JSON metadata under ``META_KEY`` (checked first, with
    the parameters: a file load would refuse is never written)."""
    check_params(net.params, net.layer_dims, net.dtype)
    info, param_sets = kept(net, info, param_sets)
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
    return arrays


# --- reading --------------------------------------------------------------------------------
def _read_npz(path: Path, max_bytes: "int | str | None" = None
              ) -> tuple[dict, dict[str, np.ndarray]]:
    """Metadata first (validated), then each array's header (shape and dtype checked against
    the metadata, sizes against the file's budget, before anything is allocated), then the
    arrays, all without pickle."""
    with npz.Archive(path, "model file", lambda msg: bad(path, msg), max_bytes) as ar:
        if ar.others:
            raise bad(path, f"it holds entries that are not arrays: "
                             f"{shorten(ar.others[:3], 200)}")
        keys = ar.keys
        if META_KEY not in keys:
            raise bad(path, f"no {META_KEY} entry (a foreign .npz?)")
        if ar.infos[META_KEY + npz.SUFFIX].file_size > MAX_META_BYTES:
            raise bad(path, f"{META_KEY} is larger than {MAX_META_BYTES} bytes")
        shape, dtype, _ = ar.header(META_KEY)
        if dtype.kind != "U" or shape != ():
            raise bad(path, f"{META_KEY} must be a JSON string; got dtype {dtype}, shape "
                             f"{shorten(shape, 80)}")
        meta = parse_meta(path, ar.read(META_KEY, kinds="U"))
        check_meta(path, meta)
        expected = expected_shapes(meta["layer_dims"])
        present = set(keys) - {META_KEY}
        expected.update(state_shapes(path, meta, expected, present))
        try:  # what continuing the dual form of layer 1 needs (nndl.dual)
            dims = meta["layer_dims"]
            expected.update(dual.state_shapes(meta.get("dual"), (dims[1], dims[0])))
        except NNDLError as exc:
            raise bad(path, str(exc)) from None
        history = history_keys(meta)
        missing = sorted(set(expected) - present) + sorted(set(history) - present)
        extra = sorted(present - set(expected) - set(history))
        if missing or extra:
            raise bad(path, f"arrays do not match layer_dims {meta['layer_dims']} and the "
                             f"metadata: missing {shorten(missing, 200)}, unexpected "
                             f"{shorten(extra, 200)} ({len(extra)} unexpected)")
        if sum(int(np.prod(s)) for s in expected.values()) > MAX_PARAMS:
            raise bad(path, f"layer_dims {meta['layer_dims']} declare more than "
                             f"{MAX_PARAMS} parameters")
        want = np.dtype(meta["dtype"])
        for k, shape in expected.items():
            got_shape, got_dtype, _ = ar.header(k)
            problem = array_problem(k, got_shape, got_dtype, shape, want, meta["layer_dims"])
            if problem is not None:
                raise bad(path, problem)
            ar.check(k, kinds="f")
        lengths = {}
        for k, kind in history.items():
            got_shape, got_dtype, _ = ar.header(k)
            if got_dtype.kind != kind or len(got_shape) != 1:
                raise bad(path, f"{k} must be a 1-D array of "
                                 f"{'integers' if kind == 'i' else 'floats'}; got "
                                 f"{got_dtype} of shape {shorten(got_shape, 80)}")
            lengths[k[len("history/"):]] = got_shape[0]
            ar.check(k, kinds=kind)
        if meta["history"].get("epochs") == "iterations":
            lengths.update(epochs=lengths["iterations"], epoch_costs=lengths["costs"])
        if lengths and not (lengths["iterations"] == lengths["costs"]
                            and lengths["epochs"] == lengths["epoch_costs"]
                            and lengths["dev_costs"] <= lengths["epochs"]):
            raise bad(path, f"the history's arrays do not match in length: {lengths}")
        arrays = {k: ar.read(k, kinds=history.get(k, "f")) for k in [*expected, *history]}
    return meta, arrays


def _check_arrays(path: Path, meta: dict, arrays: dict[str, np.ndarray]) -> None:
    """Shapes and dtypes were checked from the headers; here: finite values."""
    for k, a in arrays.items():
        if not np.isfinite(a).all():
            raise bad(path, f"{k} holds NaN or inf values")


def _preprocessing(path: Path, d: dict, n0: int, what: str = "preprocessing") -> object:
    try:
        from .preprocessing import Standardizer
    except ImportError:  # pragma: no cover - the data branch provides it
        raise bad(path, "it has preprocessing but nndl.preprocessing is not available") from None
    try:
        pre = Standardizer.from_dict(d)
        mean = np.asarray(pre.mean, dtype=np.float64)
        std = np.asarray(pre.std, dtype=np.float64)
    except NNDLError as exc:
        raise bad(path, f"{what} is not valid ({exc})") from None
    except Exception as exc:
        raise bad(path, f"{what} is not valid ({type(exc).__name__}: {exc})") from None
    if mean.shape != (n0, 1) or std.shape != (n0, 1):
        raise bad(path, f"{what} must have mean and std of shape ({n0}, 1); got "
                         f"{mean.shape} and {std.shape}")
    if not (np.isfinite(mean).all() and np.isfinite(std).all() and (std > 0).all()):
        raise bad(path, f"{what} mean/std must be finite with std > 0")
    return pre


def read(path: "str | os.PathLike", max_bytes: "int | str | None" = None
         ) -> tuple["Network", dict]:
    """``(net, meta)``: the model in ``path`` and its validated metadata (see the module doc).

    ``max_bytes`` raises (or lowers) the memory a file may declare beyond 100 times its stored
    size (:mod:`nndl.limits`; default ``$NNDL_MAX_BYTES`` or 256 MiB)."""
    from .network import Network

    p = as_path(path, "model file")  # nndl.load(BytesIO) or (None): NNDLError, not TypeError
    meta, arrays = _read_npz(p, max_bytes)  # meta, keys, shapes, dtypes and sizes validated
    _check_arrays(p, meta, arrays)
    try:
        for a in meta["activations"]:
            get_activation(a)
        net = Network(meta["layer_dims"], activations=meta["activations"], init=meta["init"],
                      seed=0, dtype=meta["dtype"])
    except NNDLError as exc:
        raise bad(p, str(exc)) from None
    # Network drew fresh parameters: overwrite them with the saved ones.
    net.params = {k: np.ascontiguousarray(arrays[k]) for k in net.params}
    if meta.get("rng") is not None:
        try:
            net.rng = make_rng_from_state(meta["rng"])
        except NNDLError as exc:
            raise bad(p, str(exc)) from None
    if meta.get("preprocessing") is not None:
        net.preprocessing = _preprocessing(p, meta["preprocessing"], meta["layer_dims"][0])
    if meta.get("target_scaling") is not None:
        if find_output(net.output) is None or find_output(net.output).is_classifier:
            raise bad(p, "target_scaling is for a regression (a linear output); this model's "
                         f"output is {net.output}")
        net.target_scaling = _preprocessing(p, meta["target_scaling"], meta["layer_dims"][-1],
                                            "target_scaling")
    try:
        net.classes = meta["classes"]
    except NNDLError as exc:
        raise bad(p, str(exc)) from None
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
        try:
            net.label_map = label_map_from_state(meta["label_map"], meta["layer_dims"][-1],
                                                 net.output)
        except ValueError as exc:
            raise bad(p, str(exc)) from None
    if meta.get("optimizer") is not None:
        state = dict(meta["optimizer"])
        state.update({k[4:]: v for k, v in arrays.items() if k.startswith("opt/")})
        try:
            from .optimizers import from_state_dict

            net.optimizer = from_state_dict(state)
        except NNDLError as exc:
            raise bad(p, f"optimizer state is not valid ({exc})") from None
    dual.restore_state(net, meta.get("dual"), arrays)
    meta["param_sets"] = {
        name: {k: arrays[f"{name}/{k}"] for k in net.params}
        for name in meta.get("param_sets") or []}
    meta.setdefault("info", {})
    net.saved = {"info": meta["info"], "param_sets": meta["param_sets"],
                 "iterations_done": net.iterations_done, "digest": model_digest(net)}
    return net, meta


def digits_of_old_scale(info: dict) -> bool:
    """Whether a model file's ``info`` is that of a model ``nndl train`` trained on the
    built-in digits before 2026-12-07, which read their grey levels 0..16 (pixels in [0, 1]
    since; models trained since record ``info["digits_scale"]``)."""
    return (info.get("train_args") or {}).get("data") == "digits" and "digits_scale" not in info


def load(path: "str | os.PathLike", max_bytes: "int | str | None" = None) -> "Network":
    """The model saved at ``path`` by :func:`save` / ``Network.save``, validated
    (``max_bytes``: see :func:`read`). An :class:`~nndl.errors.NNDLWarning` when ``nndl
    train`` trained it on the built-in digits before 2026-12-07, whose grey levels it read
    0..16 (``nndl.datasets.load_builtin("digits")`` gives pixels in [0, 1] since: such a
    model scored 0.40 on them for 0.96)."""
    net, meta = read(path, max_bytes)
    if digits_of_old_scale(meta.get("info") or {}):
        warnings.warn(NNDLWarning(
            f"{path}: trained by nndl train on the built-in digits before 2026-12-07, whose "
            "grey levels were read 0..16; load_builtin('digits') gives pixels in [0, 1] now: "
            "feed it X * 16, or train it again"), stacklevel=2)
    return net

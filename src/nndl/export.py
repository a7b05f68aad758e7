"""Take an nndl model elsewhere: an ONNX graph, a PyTorch module, a ``torch.export`` program.

    from nndl.export import to_onnx, to_torch, save_torch_program
    to_onnx(net, "model.onnx")            # ONNX (needs the onnx extra), checked with onnxruntime
    module = to_torch(net)                # torch.nn.Sequential (needs the torch extra)
    save_torch_program(net, "model.pt2")  # torch.export program: torch.export.load(p).module()

Every runtime expects **samples as rows**, so the exported models take ``X`` of shape
(batch, n[0]) -- nndl's ``X.T`` -- in the model's dtype, raw (the stored preprocessing is part of
the export), and give A[L] as rows, (batch, n[L]): class probabilities for a sigmoid or softmax
output, the values for a linear one. Layer l maps rows ``A[l-1]`` (batch, n[l-1]) to
``A[l] = g[l](A[l-1] W[l]^T + b[l]^T)``, the transpose of the notes' ``Z[l] = W[l] A[l-1] +
b[l]``, with the model's own arrays W[l] (n[l], n[l-1]) and b[l] (n[l], 1): ONNX's ``Gemm`` with
``transB=1`` and ``torch.nn.Linear`` both store the weight as (out, in), exactly W[l].

The ONNX graph has a second output ``label`` for classifiers, int64: the class index (argmax
of A[L], shape (batch,)) for softmax; ``A[L] > 0.5`` for sigmoid, shape (batch,) with one output
unit and (batch, n[L]) with several. It is the index, not a class name: the names (the label
map's classes, or ``net.classes``) are in the model's metadata (``metadata_props["classes"]``,
JSON). So are X's column names (``"feature_names"``, in X's column order; a runtime matches
columns by position only, so feed them in that order) or its image size, when given
(:class:`Inputs`; ``nndl export`` gives what ``nndl train`` saved). A ``.pt2`` archive holds
the same description in its extra file :data:`TORCH_METADATA`.

Standardization (:class:`nndl.preprocessing.Standardizer`) runs in float64 for every model, as
``Network`` does at its input boundary, then returns to the model's dtype.

A model that cannot be written in the target format (an activation outside
:data:`nndl.activations.ACTIVATIONS`, preprocessing other than a Standardizer) is refused with an
:class:`~nndl.errors.NNDLError` before anything is written. Files are written atomically.
"""

from __future__ import annotations

import io
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

import numpy as np

from . import heads
from .export_inputs import Inputs
from .activations import ACTIVATIONS, Activation, _Leaky
from .errors import NNDLError
from .files import atomic_write
from .preprocessing import Standardizer

if TYPE_CHECKING:  # pragma: no cover
    import onnx
    import torch

    from .network import Network

Array = np.ndarray

ONNX_OPSET = 17
"""The ONNX operator set the graphs use (Gemm, Softmax on an axis, Where: all in opset 17)."""
ONNX_IR_VERSION = 8
"""The ONNX file format version written (read by onnxruntime >= 1.10)."""
FORMATS = ("onnx", "torch")
"""What :func:`export` writes: an ONNX graph (``.onnx``) or a torch.export program (``.pt2``)."""
SUFFIXES = {"onnx": ".onnx", "torch": ".pt2"}
TOLERANCE = {"float32": 1e-5, "float64": 1e-12}
"""How close an exported model's A[L] is to nndl's (relative to max(1, |A[L]|))."""


# --- what a model is made of ---------------------------------------------------------------------
@dataclass(frozen=True)
class Layer:
    """One layer as the exporters see it: W (n[l], n[l-1]), b (n[l], 1) -- the model's own
    arrays, not copies -- and its activation's table name (``slope`` for a leaky ReLU)."""

    W: Array
    b: Array
    activation: str
    slope: float = 0.0


def _activation(g: Activation, where: str) -> tuple[str, float]:
    """(table name, leaky slope) of ``g``, or NNDLError when ``g`` is not one of the table's
    functions (a custom activation has no counterpart in ONNX or PyTorch)."""
    leaky = getattr(g.forward, "__self__", None)
    if isinstance(leaky, _Leaky):
        return "leaky_relu", float(leaky.slope)
    entry = ACTIVATIONS.get(g.name)
    if entry is None or entry.forward is not g.forward:
        raise NNDLError(
            f"cannot export {where}: its activation {g.name!r} is not one of nndl's "
            f"{sorted(ACTIVATIONS)} (a custom activation has no ONNX or PyTorch counterpart)")
    return g.name, 0.0


def layers(net: "Network") -> list[Layer]:
    """The model's layers 1..L for an exporter (NNDLError for what cannot be exported)."""
    out = []
    for l, g in enumerate(net.activations, start=1):
        name, slope = _activation(g, f"layer {l}")
        out.append(Layer(net.params[f"W{l}"], net.params[f"b{l}"], name, slope))
    return out


def standardizer(net: "Network") -> "Standardizer | None":
    """The model's fitted Standardizer, None without preprocessing, NNDLError for another kind."""
    pre = net.preprocessing
    if pre is None:
        return None
    if not isinstance(pre, Standardizer) or not pre.fitted:
        raise NNDLError(
            f"cannot export preprocessing of type {type(pre).__name__}: only a fitted "
            "nndl.preprocessing.Standardizer has an ONNX and PyTorch counterpart")
    return pre


def target_standardizer(net: "Network") -> "Standardizer | None":
    """A regression's fitted target scaling (A[L] * std + mean gives the targets' units), None
    without one, NNDLError for another kind."""
    tgt = getattr(net, "target_scaling", None)
    if tgt is None:
        return None
    if not isinstance(tgt, Standardizer) or not tgt.fitted:
        raise NNDLError(
            f"cannot export target scaling of type {type(tgt).__name__}: only a fitted "
            "nndl.preprocessing.Standardizer has an ONNX and PyTorch counterpart")
    return tgt


def class_names(net: "Network") -> "list[str] | None":
    """Class names by label index: the label map's classes, else ``net.classes``."""
    lm = getattr(net, "label_map", None)
    if lm is not None:
        return [c.decode("latin-1") if isinstance(c, bytes) else str(c)
                for c in np.asarray(lm.classes).tolist()]
    return None if net.classes is None else [str(c) for c in net.classes]


def _check_network(net: object) -> "Network":
    from .network import Network

    if not isinstance(net, Network):
        raise NNDLError(f"expected an nndl.Network to export; got {type(net).__name__}")
    return net


# --- ONNX ----------------------------------------------------------------------------------------
def _onnx() -> Any:
    try:
        import onnx
    except ImportError:
        raise NNDLError("ONNX export needs the onnx package: pip install 'nndl[onnx]'") from None
    return onnx


def description(net: "Network", inputs: Inputs) -> dict[str, Any]:
    """What an export says of the model besides its graph (the ONNX model's metadata, JSON
    for the values that are not text; the ``.pt2`` archive's :data:`TORCH_METADATA`): layer
    sizes, activations, dtype, the stored standardizations, class names, and what X's
    columns are (``inputs``, checked)."""
    names = class_names(net)
    return {
        "layer_dims": list(net.layer_dims),
        "activations": net.activation_names,
        "dtype": net.dtype.name,
        "preprocessing": "standardizer" if standardizer(net) is not None else "none",
        "target_scaling": "standardizer" if target_standardizer(net) is not None else "none",
        **({"classes": names} if names is not None else {}),
        **inputs.values(),
    }


def onnx_model(net: "Network", inputs: "Inputs | None" = None) -> "onnx.ModelProto":
    """The ONNX graph of ``net`` (validated by ``onnx.checker``); see the module doc for its
    input ``X`` (batch, n[0]) and outputs ``A`` (batch, n[L]) and ``label``. ``inputs``: what
    X's columns are (their names, or the image size), stored in the model's metadata."""
    onnx = _onnx()
    from onnx import TensorProto, helper, numpy_helper

    net = _check_network(net)
    inputs = (inputs or Inputs.of(net)).check(net.layer_dims[0])
    dtype = net.dtype
    elem = TensorProto.FLOAT if dtype == np.float32 else TensorProto.DOUBLE
    nodes: list = []
    inits: list = []

    def const(name: str, value: Array) -> str:
        inits.append(numpy_helper.from_array(np.ascontiguousarray(value), name))
        return name

    def node(op: str, inputs: list[str], output: str, **attrs: Any) -> str:
        nodes.append(helper.make_node(op, inputs, [output], name=output, **attrs))
        return output

    A = "X"
    pre = standardizer(net)
    if pre is not None:  # (X - mean) / std in float64, as Standardizer.transform computes it
        mean = const("standardize_mean", pre.mean.reshape(1, -1))  # type: ignore[union-attr]
        std = const("standardize_std", pre.std.reshape(1, -1))  # type: ignore[union-attr]
        if elem != TensorProto.DOUBLE:
            A = node("Cast", [A], "X_float64", to=TensorProto.DOUBLE)
        A = node("Div", [node("Sub", [A, mean], "X_centred"), std], "X_standardized")
        if elem != TensorProto.DOUBLE:
            A = node("Cast", [A], "A0", to=elem)
    for l, layer in enumerate(layers(net), start=1):
        W = const(f"W{l}", layer.W)
        b = const(f"b{l}_row", layer.b.reshape(1, -1))
        Z = node("Gemm", [A, W, b], f"Z{l}", transB=1)  # A[l-1] W[l]^T + b[l]^T
        A = _onnx_activation(layer, Z, f"A{l}", node, const, elem)
    tgt = target_standardizer(net)
    if tgt is not None:  # A[L] * std + mean in float64, as Standardizer.inverse_transform
        mean = const("target_mean", tgt.mean.reshape(1, -1))  # type: ignore[union-attr]
        std = const("target_std", tgt.std.reshape(1, -1))  # type: ignore[union-attr]
        if elem != TensorProto.DOUBLE:
            A = node("Cast", [A], "AL_float64", to=TensorProto.DOUBLE)
        A = node("Add", [node("Mul", [A, std], "AL_scaled"), mean], "AL_targets")
        if elem != TensorProto.DOUBLE:
            A = node("Cast", [A], "AL_targets_cast", to=elem)
    L = net.L
    outputs = [helper.make_tensor_value_info("A", elem, ["batch", net.layer_dims[-1]])]
    nodes.append(helper.make_node("Identity", [A], ["A"], name="A"))
    label = _ONNX_LABELS.get(heads.for_output(net.output).task)
    if label is not None:  # classifiers: a second output, the class index
        shape = label(net, node, const, dtype)
        outputs.append(helper.make_tensor_value_info("label", TensorProto.INT64, shape))
    graph = helper.make_graph(
        nodes, f"nndl_{L}_layer_network",
        [helper.make_tensor_value_info("X", elem, ["batch", net.layer_dims[0]])],
        outputs, initializer=inits)
    model = helper.make_model(graph, producer_name="nndl", producer_version=_version(),
                              opset_imports=[helper.make_opsetid("", ONNX_OPSET)],
                              ir_version=ONNX_IR_VERSION)
    model.doc_string = (f"nndl Network {net.layer_dims} ({', '.join(net.activation_names)}), "
                        f"{dtype.name}: X (batch, n[0]) raw rows -> A (batch, n[L])")
    helper.set_model_props(model, {k: v if isinstance(v, str) else json.dumps(v)
                                   for k, v in description(net, inputs).items()})
    try:
        onnx.checker.check_model(model, full_check=True)
    except Exception as exc:  # pragma: no cover - a bug in this module, not the user's input
        raise NNDLError(f"the ONNX graph of this model does not pass onnx.checker: {exc}") from None
    return model


_ONNX_OPS: dict[str, tuple[str, dict]] = {
    "sigmoid": ("Sigmoid", {}), "tanh": ("Tanh", {}), "relu": ("Relu", {}),
    "linear": ("Identity", {}), "softmax": ("Softmax", {"axis": 1}),
}
"""Activation name -> (ONNX operator, attributes) of A = g(Z) on rows (batch, n[l]). The leaky
ReLU is built by :func:`_onnx_activation` (its slope keeps the model's dtype)."""


def _onnx_activation(layer: Layer, Z: str, out: str, node: Callable[..., str],
                     const: Callable[[str, Array], str], elem: int) -> str:
    """A[l] = g(Z[l]) as ONNX nodes (softmax over each row's n[l] units)."""
    name = layer.activation
    if name == "leaky_relu":
        # ONNX's LeakyRelu holds its slope as a float32 attribute: a float64 model would lose
        # digits, so the slope is a tensor of the model's dtype and g(z) = where(z > 0, z, s z).
        dtype = np.float32 if elem == 1 else np.float64
        s = const(f"{out}_slope", np.array(layer.slope, dtype=dtype))
        zero = const(f"{out}_zero", np.array(0, dtype=dtype))
        positive = node("Greater", [Z, zero], f"{out}_positive")
        return node("Where", [positive, Z, node("Mul", [Z, s], f"{out}_sloped")], out)
    op, attrs = _ONNX_OPS[name]
    return node(op, [Z], out, **attrs)


def _argmax_label(net: "Network", node: Callable[..., str], const: Callable[[str, Array], str],
                  dtype: np.dtype) -> list:
    """Multi-class: label = argmax of each row of A, shape (batch,)."""
    node("ArgMax", ["A"], "label", axis=1, keepdims=0)
    return ["batch"]


def _threshold_label(net: "Network", node: Callable[..., str],
                     const: Callable[[str, Array], str], dtype: np.dtype) -> list:
    """Binary: label = [A > 0.5], shape (batch,) for one unit, (batch, n[L]) for several."""
    half = const("half", np.array(0.5, dtype=dtype))
    above = node("Greater", ["A", half], "above_half")
    if net.layer_dims[-1] != 1:
        node("Cast", [above], "label", to=_onnx().TensorProto.INT64)
        return ["batch", net.layer_dims[-1]]
    above = node("Squeeze", [above, const("axis1", np.array([1], np.int64))], "above_half_1d")
    node("Cast", [above], "label", to=_onnx().TensorProto.INT64)
    return ["batch"]


_ONNX_LABELS: dict[str, Callable[..., list]] = {"multiclass": _argmax_label,
                                                "binary": _threshold_label}
"""Head task -> the nodes of the ``label`` output, as the head's ``indices`` computes it
(:mod:`nndl.heads`); a regression has no ``label``."""


def to_onnx(net: "Network", path: "str | os.PathLike | None" = None,
            check: bool = True, inputs: "Inputs | None" = None) -> "onnx.ModelProto":
    """The ONNX model of ``net`` (:func:`onnx_model`, with ``inputs`` in its metadata),
    written atomically to ``path`` if given.

    With ``check`` (default) the graph is first run by onnxruntime on random inputs and its
    A[L] compared with ``net.forward`` (:data:`TOLERANCE`); a difference is an NNDLError and
    nothing is written.
    """
    model = onnx_model(net, inputs)
    if check:
        verify(net, onnx_runner(model), "the ONNX graph (onnxruntime)")
    if path is not None:
        data = model.SerializeToString()
        atomic_write(path, lambda f: f.write(data), what="ONNX model")
    return model


def onnx_runner(model: "onnx.ModelProto") -> Callable[[Array], dict[str, Array]]:
    """``run(X_rows) -> {"A": ..., "label": ...}`` with an onnxruntime session of ``model``."""
    try:
        import onnxruntime as ort
    except ImportError:
        raise NNDLError("checking an ONNX export needs onnxruntime: pip install "
                        "'nndl[onnx]'") from None
    session = ort.InferenceSession(model.SerializeToString(),
                                   providers=["CPUExecutionProvider"])
    names = [o.name for o in session.get_outputs()]

    def run(X: Array) -> dict[str, Array]:
        return dict(zip(names, session.run(None, {"X": X})))

    return run


# --- PyTorch -------------------------------------------------------------------------------------
def _torch() -> Any:
    try:
        import torch
    except ImportError:
        raise NNDLError("PyTorch export needs torch: pip install 'nndl[torch]'") from None
    return torch


_TORCH_MODULES: dict[str, tuple[Callable[[Any, float], Any], str]] = {
    "sigmoid": (lambda nn, slope: nn.Sigmoid(), "sigmoid"),
    "tanh": (lambda nn, slope: nn.Tanh(), "tanh"),
    "relu": (lambda nn, slope: nn.ReLU(), "relu"),
    "leaky_relu": (lambda nn, slope: nn.LeakyReLU(slope), "leaky_relu"),
    "linear": (lambda nn, slope: nn.Identity(), "identity"),
    "softmax": (lambda nn, slope: nn.Softmax(dim=-1), "softmax"),
}
"""Activation name -> (its ``torch.nn`` module, given ``torch.nn`` and the leaky slope; the
module's name prefix in :func:`to_torch`)."""


def to_torch(net: "Network") -> "torch.nn.Sequential":
    """``net`` as a ``torch.nn.Sequential`` of the model's dtype, taking raw rows (batch, n[0])
    and returning A[L] (batch, n[L]).

    Its modules, by name: ``standardize`` (a :class:`nndl.torch_modules.Standardize`, when the
    model has preprocessing), then for each layer l ``linear{l}`` (``nn.Linear`` with weight
    W[l] and bias b[l]) and its activation ``sigmoid{l}``, ``tanh{l}``, ``relu{l}``,
    ``leaky_relu{l}``, ``identity{l}`` or ``softmax{l}`` (``nn.Sigmoid``, ``nn.Tanh``, ``nn.ReLU``,
    ``nn.LeakyReLU(slope)``, ``nn.Identity``, ``nn.Softmax(dim=-1)``), and last
    ``unstandardize`` (a :class:`nndl.torch_modules.Unstandardize`) for a regression whose
    targets the model standardizes (``target_scaling``). The parameters are
    copies: training the module leaves ``net`` as it is. To train with PyTorch's fused losses
    take the logits Z[L] from ``module[:-1]`` (``BCEWithLogitsLoss`` / ``CrossEntropyLoss``).
    """
    torch = _torch()
    from collections import OrderedDict

    from .torch_modules import Standardize, Unstandardize

    net = _check_network(net)
    dtype = {np.dtype(np.float32): torch.float32, np.dtype(np.float64): torch.float64}[net.dtype]
    mods: "OrderedDict[str, Any]" = OrderedDict()
    pre = standardizer(net)
    if pre is not None:
        mods["standardize"] = Standardize(pre.mean, pre.std)  # type: ignore[arg-type]
    nn = torch.nn
    for l, layer in enumerate(layers(net), start=1):
        n_out, n_in = layer.W.shape
        lin = nn.Linear(n_in, n_out, dtype=dtype)
        with torch.no_grad():
            lin.weight.copy_(torch.from_numpy(layer.W))
            lin.bias.copy_(torch.from_numpy(layer.b.reshape(-1)))
        mods[f"linear{l}"] = lin
        module, prefix = _TORCH_MODULES[layer.activation]
        mods[f"{prefix}{l}"] = module(nn, layer.slope)
    tgt = target_standardizer(net)
    if tgt is not None:
        mods["unstandardize"] = Unstandardize(tgt.mean, tgt.std)  # type: ignore[arg-type]
    return nn.Sequential(mods).eval()


def torch_program(net: "Network") -> Any:
    """``torch.export.export`` of :func:`to_torch` with a dynamic batch size."""
    torch = _torch()
    module = to_torch(net)
    example = torch.zeros((2, net.layer_dims[0]), dtype=module.linear1.weight.dtype)
    batch = torch.export.Dim("batch", min=1)
    return torch.export.export(module, (example,), dynamic_shapes=({0: batch},))


TORCH_METADATA = "nndl.json"
"""The ``.pt2`` archive's extra file with the model's description (JSON: the ONNX export's
metadata entries): ``torch.export.load(path, extra_files={TORCH_METADATA: ""})`` fills it."""


def save_torch_program(net: "Network", path: "str | os.PathLike",
                       check: bool = True, inputs: "Inputs | None" = None) -> Path:
    """Write the ``torch.export`` program of ``net`` to ``path`` (a ``.pt2`` archive, without
    pickle), atomically; ``torch.export.load(path).module()`` runs it on rows (batch, n[0]).
    The model's :func:`description` (the ONNX export's metadata, ``inputs`` included: what
    X's columns are) is in the archive's extra file :data:`TORCH_METADATA`.

    With ``check`` (default) the program is first run on random inputs and compared with
    ``net.forward`` (:data:`TOLERANCE`)."""
    torch = _torch()
    net = _check_network(net)
    about = description(net, (inputs or Inputs.of(net)).check(net.layer_dims[0]))
    program = torch_program(net)
    if check:
        verify(net, torch_runner(program.module()), "the torch.export program")
    # torch.export.save would store the example input with torch.save (a pickle): without
    # it the archive holds JSON and raw little-endian weight bytes only.
    program.example_inputs = None
    extra = {TORCH_METADATA: json.dumps(about)}
    # in memory first: torch's zip writer on a file whose write failed (a full disk) aborted
    # the whole process (SIGABRT) when it was collected, whether the error was caught or not
    archive = io.BytesIO()
    torch.export.save(program, archive, extra_files=extra)
    return atomic_write(path, lambda f: f.write(archive.getvalue()), what="torch program")


def torch_runner(module: Any) -> Callable[[Array], dict[str, Array]]:
    """``run(X_rows) -> {"A": ...}`` with a torch module (no gradients)."""
    torch = _torch()

    def run(X: Array) -> dict[str, Array]:
        with torch.no_grad():
            return {"A": module(torch.from_numpy(X)).numpy()}

    return run


# --- checking and writing ------------------------------------------------------------------------
def sample_inputs(net: "Network", m: int = 16, seed: int = 0) -> Array:
    """Random raw inputs (m, n[0]) in the model's dtype, spread like its training data when it
    stores a Standardizer (mean + std * N(0, 1)), else N(0, 1)."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((m, net.layer_dims[0]))
    pre = standardizer(net)
    if pre is not None:
        X = X * pre.std.reshape(1, -1) + pre.mean.reshape(1, -1)  # type: ignore[union-attr]
    return X.astype(net.dtype)


def max_error(net: "Network", run: Callable[[Array], dict[str, Array]],
              X: "Array | None" = None) -> float:
    """max |A_exported - A_nndl| / max(1, |A_nndl|) over rows ``X`` (default: sample_inputs)."""
    X = sample_inputs(net) if X is None else X
    expected = net.forward(X.T).T
    got = run(np.ascontiguousarray(X, dtype=net.dtype))["A"]
    if got.shape != expected.shape or got.dtype != expected.dtype:
        raise NNDLError(f"the export gives A of shape {got.shape} {got.dtype}; nndl gives "
                        f"{expected.shape} {expected.dtype}")
    scale = max(1.0, float(np.max(np.abs(expected), initial=0.0)))
    return float(np.max(np.abs(got.astype(np.float64) - expected), initial=0.0)) / scale


def verify(net: "Network", run: Callable[[Array], dict[str, Array]], what: str) -> float:
    """:func:`max_error` on random inputs, NNDLError above :data:`TOLERANCE`; returns it."""
    err = max_error(net, run)
    tol = TOLERANCE[net.dtype.name]
    if not err <= tol:
        raise NNDLError(f"{what} does not reproduce the model: A[L] differs by {err:.3g} "
                        f"(relative), above {tol:g}; nothing was written")
    return err


def export(net: "Network", path: "str | os.PathLike", fmt: str = "onnx",
           check: bool = True, inputs: "Inputs | None" = None) -> Path:
    """Write ``net`` to ``path`` as ``fmt`` (``"onnx"`` or ``"torch"``), atomically; with
    ``check`` the export is compared with nndl first (see :func:`verify`); ``inputs``: what
    X's columns are, stored in the export's metadata."""
    if fmt not in FORMATS:
        raise NNDLError(f"export format must be one of {list(FORMATS)}; got {fmt!r}")
    if fmt == "onnx":
        to_onnx(net, path, check=check, inputs=inputs)
        return Path(path)
    return save_torch_program(net, path, check=check, inputs=inputs)


def _version() -> str:
    from . import __version__

    return __version__

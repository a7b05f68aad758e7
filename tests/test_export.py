"""ONNX and PyTorch export (nndl.export, ``nndl export``): outputs equal nndl's.

Tolerances (issue 14): |A_export - A_nndl| <= 1e-5 for float32 models and 1e-12 for float64,
relative to max(1, |A|) (absolute for probabilities, relative for large regression values).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import nndl
from nndl.activations import Activation
from nndl.datasets import make_flower
from nndl.errors import NNDLError
from nndl.preprocessing import Standardizer

onnx = pytest.importorskip("onnx", reason="needs the onnx extra (pip install 'nndl[onnx]')")
ort = pytest.importorskip("onnxruntime", reason="needs onnxruntime (the onnx extra)")
torch = pytest.importorskip("torch", reason="needs the torch extra (pip install 'nndl[torch]')")

from nndl import export  # noqa: E402  (after the skips: export imports its packages lazily)

TOL = {"float32": 1e-5, "float64": 1e-12}
HIDDEN = ["sigmoid", "tanh", "relu", "leaky_relu", "leaky_relu:0.2", "linear"]


def make_net(dims, hidden, output, dtype, standardize, seed=0, scale=1.0):
    """A network with random parameters (scaled, so that sigmoid/tanh also saturate) and,
    if asked, a Standardizer fitted on data far from N(0, 1)."""
    L = len(dims) - 1
    net = nndl.Network(dims, activations=list(hidden[:L - 1]) + [output], seed=seed,
                       dtype=dtype)
    rng = np.random.default_rng(seed + 1)
    for k in net.params:
        net.params[k] = (rng.standard_normal(net.params[k].shape) * scale).astype(net.dtype)
    if standardize:
        X = rng.normal(5.0, 3.0, size=(dims[0], 30)) * rng.uniform(0.1, 100, size=(dims[0], 1))
        net.preprocessing = Standardizer().fit(X)
    return net


def raw_rows(net, m=23, seed=2):
    return export.sample_inputs(net, m=m, seed=seed)


def nndl_rows(net, X):
    return net.forward(X.T).T


def onnx_run(net, X):
    return export.onnx_runner(export.onnx_model(net))(X)


def assert_close(got, expected, dtype):
    """Equal within TOL relative to each value, and absolutely within TOL times the largest
    output (at least 1): the runtimes sum in other orders, so an output that cancels down
    from terms of that size (a linear layer's 0.556 from outputs near 18, float32) carries
    their rounding, not its own."""
    tol = TOL[np.dtype(dtype).name]
    assert got.dtype == expected.dtype and got.shape == expected.shape
    scale = max(1.0, float(np.max(np.abs(expected), initial=0.0)))
    np.testing.assert_allclose(got, expected, rtol=tol, atol=tol * scale)


def assert_labels(label, A, output, dtype):
    """ONNX's labels equal nndl's rule on A wherever A is not within the tolerance of the
    decision boundary (0.5 for sigmoid, a tie of the two largest for softmax)."""
    tol = TOL[np.dtype(dtype).name]
    if output == "softmax":
        top2 = np.sort(A, axis=1)[:, -2:]
        clear = top2[:, 1] - top2[:, 0] > 2 * tol
        assert label.shape == (A.shape[0],) and label.dtype == np.int64
        np.testing.assert_array_equal(label[clear], np.argmax(A, axis=1)[clear])
    else:
        expected = (A > 0.5).astype(np.int64)
        if A.shape[1] == 1:
            expected = expected[:, 0]
            clear = np.abs(A[:, 0] - 0.5) > tol
        else:
            clear = np.abs(A - 0.5) > tol
        assert label.shape == expected.shape and label.dtype == np.int64
        np.testing.assert_array_equal(label[clear], expected[clear])


@st.composite
def networks(draw):
    L = draw(st.integers(1, 4))
    output = draw(st.sampled_from(["sigmoid", "softmax", "linear"]))
    dims = [draw(st.integers(1, 7))] + [draw(st.integers(1, 6)) for _ in range(L)]
    if output == "softmax":
        dims[-1] = max(dims[-1], 2)
    hidden = [draw(st.sampled_from(HIDDEN)) for _ in range(L - 1)]
    dtype = draw(st.sampled_from(["float32", "float64"]))
    standardize = draw(st.booleans())
    scale = draw(st.sampled_from([0.1, 1.0, 4.0]))
    return make_net(dims, hidden, output, dtype, standardize, draw(st.integers(0, 10**6)), scale)


@settings(max_examples=60, deadline=None)
@given(networks())
def test_onnx_and_torch_equal_nndl_for_any_layers_activations_dtype(net):
    X = raw_rows(net)
    A = nndl_rows(net, X)
    out = onnx_run(net, X)
    assert_close(out["A"], A, net.dtype)
    if net.output == "linear":
        assert set(out) == {"A"}
    else:
        assert_labels(out["label"], A, net.output, net.dtype)
    with torch.no_grad():
        got = export.to_torch(net)(torch.from_numpy(X)).numpy()
    assert_close(got, A, net.dtype)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("standardize", [False, True])
@pytest.mark.parametrize("output", ["sigmoid", "softmax", "linear"])
def test_every_activation_and_output_kind(dtype, standardize, output):
    """Every activation of the table in one deep network, for each output kind."""
    dims = [6, 5, 5, 5, 5, 5, 5, 3]
    net = make_net(dims, HIDDEN, output, dtype, standardize, seed=7)
    X = raw_rows(net, m=200)
    A = nndl_rows(net, X)
    out = onnx_run(net, X)
    assert_close(out["A"], A, dtype)
    if output != "linear":
        assert_labels(out["label"], A, output, dtype)
    with torch.no_grad():
        assert_close(export.to_torch(net)(torch.from_numpy(X)).numpy(), A, dtype)


def test_leaky_slope_is_kept_to_float64_precision():
    """ONNX's LeakyRelu holds its slope as float32; the export must not lose those digits."""
    net = make_net([3, 4, 1], ["leaky_relu:0.3"], "linear", "float64", False, scale=100.0)
    X = -np.abs(raw_rows(net)) * 1e3
    A = nndl_rows(net, X)
    assert_close(onnx_run(net, X)["A"], A, "float64")
    with torch.no_grad():
        assert_close(export.to_torch(net)(torch.from_numpy(X)).numpy(), A, "float64")


def test_onnx_file_is_a_valid_model_with_rows_in_and_out(tmp_path):
    net = make_net([4, 3, 3], ["tanh"], "softmax", "float32", True)
    net.label_map = nndl.LabelMap(np.array(["cat", "dog", "emu"]))
    path = tmp_path / "m.onnx"
    model = export.to_onnx(net, path)
    loaded = onnx.load(str(path))
    onnx.checker.check_model(loaded, full_check=True)
    assert loaded.SerializeToString() == model.SerializeToString()
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    (inp,) = session.get_inputs()
    assert (inp.name, inp.shape, inp.type) == ("X", ["batch", 4], "tensor(float)")
    assert [(o.name, o.shape) for o in session.get_outputs()] == [
        ("A", ["batch", 3]), ("label", ["batch"])]
    props = {p.key: p.value for p in loaded.metadata_props}
    assert props["classes"] == '["cat", "dog", "emu"]'
    assert props["preprocessing"] == "standardizer" and props["dtype"] == "float32"
    for m in (1, 64):
        X = raw_rows(net, m=m)
        A, label = session.run(None, {"X": X})
        assert_close(A, nndl_rows(net, X), "float32")
        np.testing.assert_array_equal(net.label_map.decode(label.reshape(1, -1)),
                                      net.predict(X.T))


def test_multi_unit_sigmoid_labels_are_per_unit():
    net = make_net([3, 4, 2], ["relu"], "sigmoid", "float64", False, scale=3.0)
    X = raw_rows(net, m=50)
    out = onnx_run(net, X)
    assert out["label"].shape == (50, 2)
    np.testing.assert_array_equal(out["label"].T, net.predict(X.T))


@pytest.mark.parametrize("dtype,standardize", [("float32", True), ("float64", False)])
def test_torch_export_program_round_trip_without_pickle(tmp_path, dtype, standardize):
    net = make_net([5, 4, 3, 3], ["leaky_relu:0.2", "tanh"], "softmax", dtype, standardize)
    path = tmp_path / "m.pt2"
    assert export.save_torch_program(net, path) == path
    module = torch.export.load(str(path)).module()
    for m in (1, 2, 37):
        X = raw_rows(net, m=m)
        with torch.no_grad():
            assert_close(module(torch.from_numpy(X)).numpy(), nndl_rows(net, X), dtype)
    # No pickle: each weight is its raw bytes (the model's own values), the example input is
    # left out, and nothing else starts like a pickle (protocol >= 2 begins with 0x80).
    with zipfile.ZipFile(path) as zf:
        files = {name.split("/", 1)[1]: zf.read(name) for name in zf.namelist()}
    config = json.loads(files["data/weights/model_weights_config.json"])["config"]
    module = export.to_torch(net)
    tensors = {**dict(module.named_parameters()), **dict(module.named_buffers())}
    assert set(config) == set(tensors)
    for name, entry in config.items():
        assert entry["use_pickle"] is False
        assert files["data/weights/" + entry["path_name"]] == \
            tensors[name].detach().numpy().tobytes()
    assert files["data/sample_inputs/model.pt"] == b""
    for name, data in files.items():
        assert name.startswith("data/weights/weight_") or not data.startswith(b"\x80"), name


def test_to_torch_is_a_trainable_sequential_with_the_models_arrays():
    net = make_net([4, 3, 1], ["relu"], "sigmoid", "float64", True)
    module = export.to_torch(net)
    assert list(dict(module.named_children())) == [
        "standardize", "linear1", "relu1", "linear2", "sigmoid2"]
    np.testing.assert_array_equal(module.linear1.weight.detach().numpy(), net.params["W1"])
    np.testing.assert_array_equal(module.linear2.bias.detach().numpy(),
                                  net.params["b2"].ravel())
    assert [n for n, _ in module.named_parameters()] == [
        "linear1.weight", "linear1.bias", "linear2.weight", "linear2.bias"]
    # The logits Z[L] are module[:-1]: BCEWithLogits on them is nndl's cross-entropy.
    X = raw_rows(net, m=10)
    Y = (np.arange(10) % 2).reshape(1, -1)
    loss = torch.nn.BCEWithLogitsLoss()(module[:-1](torch.from_numpy(X)),
                                        torch.from_numpy(Y.T.astype(np.float64)))
    loss.backward()
    assert float(loss.detach()) == pytest.approx(net.cost(X.T, Y), rel=1e-12)
    grads = net.gradients(X.T, Y)
    np.testing.assert_allclose(module.linear1.weight.grad.numpy(), grads["dW1"], rtol=1e-10,
                               atol=1e-14)
    W1 = net.params["W1"].copy()
    with torch.no_grad():
        module.linear1.weight.add_(1.0)
    np.testing.assert_array_equal(net.params["W1"], W1)  # copies: nndl's model is unchanged


def test_standardize_buffers_stay_float64():
    net = make_net([3, 2, 1], ["tanh"], "sigmoid", "float32", True)
    module = export.to_torch(net).to(torch.float64).to(torch.float32)
    assert module.standardize.mean.dtype == torch.float64
    X = raw_rows(net)
    with torch.no_grad():
        assert_close(module(torch.from_numpy(X)).numpy(), nndl_rows(net, X), "float32")


def test_a_saved_and_loaded_model_exports_the_same(tmp_path):
    net = make_net([4, 6, 2], ["leaky_relu:0.05"], "softmax", "float64", True)
    net.save(tmp_path / "m.npz")
    loaded = nndl.load(tmp_path / "m.npz")
    X = raw_rows(net)
    np.testing.assert_array_equal(onnx_run(loaded, X)["A"], onnx_run(net, X)["A"])


def test_a_trained_model_exports_within_tolerance():
    X, Y = make_flower(m=200, seed=1)
    for dtype in ("float32", "float64"):
        net = nndl.Network([2, 4, 1], hidden="tanh", output="sigmoid", seed=1, dtype=dtype)
        net.fit(X, Y, learning_rate=1.2, iterations=300)
        rows = np.ascontiguousarray(X.T, dtype=dtype)
        out = onnx_run(net, rows)
        assert_close(out["A"], nndl_rows(net, rows), dtype)
        np.testing.assert_array_equal(out["label"], net.predict(X)[0])


# --- refusals ------------------------------------------------------------------------------------
def test_a_custom_activation_is_refused_and_nothing_is_written(tmp_path):
    net = nndl.Network([3, 2, 1], seed=0)
    cube = Activation("cube", lambda Z: Z ** 3, lambda dA, Z, A: 3 * dA * Z ** 2,
                      lambda Z, A: 3 * Z ** 2)
    net.activations[0] = cube
    for call in (lambda: export.to_onnx(net, tmp_path / "m.onnx"),
                 lambda: export.to_torch(net),
                 lambda: export.save_torch_program(net, tmp_path / "m.pt2")):
        with pytest.raises(NNDLError, match="layer 1: its activation 'cube' is not one of"):
            call()
    assert list(tmp_path.iterdir()) == []


def test_an_activation_named_like_the_table_but_computing_otherwise_is_refused():
    net = nndl.Network([3, 2, 1], seed=0)
    net.activations[0] = Activation("relu", np.abs, lambda dA, Z, A: dA, lambda Z, A: Z)
    with pytest.raises(NNDLError, match="'relu' is not one of nndl's"):
        export.onnx_model(net)


def test_foreign_preprocessing_and_non_networks_are_refused():
    class Scale:
        def transform(self, X):
            return X * 2

    net = nndl.Network([3, 1], seed=0)
    net.preprocessing = Scale()
    with pytest.raises(NNDLError, match="cannot export preprocessing of type Scale"):
        export.onnx_model(net)
    with pytest.raises(NNDLError, match="expected an nndl.Network"):
        export.to_torch({"W1": np.ones((1, 3))})
    with pytest.raises(NNDLError, match="export format must be one of"):
        export.export(nndl.Network([3, 1], seed=0), "x.keras", "keras")


def test_a_mismatching_export_is_not_written(tmp_path, monkeypatch):
    """The check before writing can fail: an exported graph that disagrees is refused."""
    real = export.onnx_runner

    def off_by_a_little(model):
        run = real(model)
        return lambda X: {k: v + 1e-9 if k == "A" else v for k, v in run(X).items()}

    monkeypatch.setattr(export, "onnx_runner", off_by_a_little)
    net = make_net([3, 2, 1], ["tanh"], "linear", "float64", False)
    with pytest.raises(NNDLError, match="does not reproduce the model.*nothing was written"):
        export.to_onnx(net, tmp_path / "m.onnx")
    assert not (tmp_path / "m.onnx").exists()
    export.export(net, tmp_path / "m.onnx", "onnx", check=False)  # the user's call
    assert (tmp_path / "m.onnx").is_file()


@pytest.mark.parametrize("module,call", [
    ("onnx", lambda net: export.onnx_model(net)),
    ("torch", lambda net: export.to_torch(net)),
])
def test_missing_extra_says_what_to_install(monkeypatch, module, call):
    monkeypatch.setitem(sys.modules, module, None)  # import fails as if not installed
    with pytest.raises(NNDLError, match=rf"pip install 'nndl\[{module}\]'"):
        call(nndl.Network([2, 1], seed=0))


# --- the command ---------------------------------------------------------------------------------
SRC = Path(__file__).resolve().parents[1] / "src"


def nndl_cli(*args, cwd):
    """``python -m nndl ARGS`` in a subprocess, importing this checkout's nndl."""
    env = dict(os.environ)
    env["PYTHONPATH"] = str(SRC) + os.pathsep + env.get("PYTHONPATH", "")
    return subprocess.run([sys.executable, "-m", "nndl", *map(str, args)], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300)


def test_cli_exports_onnx_and_torch(tmp_path):
    net = make_net([4, 5, 3], ["relu"], "softmax", "float32", True)
    net.save(tmp_path / "model.npz")
    r = nndl_cli("export", "model.npz", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("wrote model.onnx (onnx): X (batch, 4) float32")
    r = nndl_cli("export", "model.npz", "--format", "torch", "--out", "out/m.pt2", cwd=tmp_path)
    assert r.returncode == 2 and r.stderr.count("\n") == 1  # no folder "out"
    assert "folder out does not exist" in r.stderr
    assert not (tmp_path / "out").exists()
    r = nndl_cli("export", "model.npz", "--out", "m.pt2", "--no-check", cwd=tmp_path)
    assert r.returncode == 0, r.stderr  # the format from the suffix
    X = raw_rows(net)
    A = nndl_rows(net, X)
    session = ort.InferenceSession(str(tmp_path / "model.onnx"),
                                   providers=["CPUExecutionProvider"])
    assert_close(session.run(["A"], {"X": X})[0], A, "float32")
    with torch.no_grad():
        got = torch.export.load(str(tmp_path / "m.pt2")).module()(torch.from_numpy(X))
    assert_close(got.numpy(), A, "float32")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.pt2", "model.npz", "model.onnx"]


@pytest.mark.parametrize("args,message", [
    (["missing.npz"], "model file not found: missing.npz"),
    (["bad.npz"], "bad.npz is not a valid nndl model"),
    (["model.npz", "--out", "model.npz"], "is the model model.npz: writing it would destroy"),
    (["model.npz", "--format", "keras"], "invalid choice: 'keras'"),
])
def test_cli_bad_input_is_one_line_and_exit_2(tmp_path, args, message):
    nndl.Network([2, 1], seed=0).save(tmp_path / "model.npz")
    (tmp_path / "bad.npz").write_bytes(b"not a model")
    r = nndl_cli("export", *args, cwd=tmp_path)
    assert r.returncode == 2
    assert message in r.stderr and r.stderr.count("\n") == 1 and "Traceback" not in r.stderr
    assert r.stdout == ""


close = assert_close


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_a_regression_with_target_scaling_exports_in_the_targets_units(tmp_path, dtype):
    net = make_net([4, 6, 2], ["tanh"], "linear", dtype, True, seed=3)
    rng = np.random.default_rng(1)
    net.target_scaling = Standardizer().fit(rng.normal([[500.0], [-3.0]], [[200.0], [0.01]],
                                                       (2, 40)))
    X = raw_rows(net, m=50)
    tgt = net.target_scaling
    A = nndl_rows(net, X)

    def assert_close(got, want, dtype):  # in units of each target's std (float32: 1e-7 of it)
        close(tgt.transform(got.T).T, tgt.transform(want.T).T, dtype)

    assert np.abs(A[:, 0]).mean() > 50  # in the targets' units, not standardized
    assert_close(onnx_run(net, X)["A"], A, dtype)
    with torch.no_grad():
        module = export.to_torch(net)
        assert "unstandardize" in dict(module.named_children())
        assert_close(module(torch.from_numpy(X)).numpy(), A, dtype)
    path = export.save_torch_program(net, tmp_path / "r.pt2")
    with torch.no_grad():
        got = torch.export.load(str(path)).module()(torch.from_numpy(X)).numpy()
    assert_close(got, A, dtype)


def test_a_torch_export_that_cannot_be_written_is_an_error_the_process_survives(tmp_path):
    """Under a file size limit (a full disk alike) save_torch_program raised its NNDLError,
    then torch's zip writer, left on the failed file, threw in its C++ destructor: the
    process aborted (SIGABRT, exit 134 on the command line) even where the error was
    caught. The old file stays as it was."""
    code = """if True:
        import gc, resource
        import numpy as np, nndl
        from nndl.errors import NNDLError
        from nndl.export import save_torch_program
        net = nndl.Network([5, 4, 1], seed=0)
        save_torch_program(net, "m.pt2")
        before = open("m.pt2", "rb").read()
        resource.setrlimit(resource.RLIMIT_FSIZE, (2000, resource.RLIM_INFINITY))
        try:
            save_torch_program(nndl.Network([5, 4, 1], seed=1), "m.pt2")
        except NNDLError as e:
            print("caught:", e)
        gc.collect()
        assert open("m.pt2", "rb").read() == before
        print("alive")
    """
    r = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True,
                       text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-2000:]
    assert "caught: cannot write the torch program m.pt2: File too large" in r.stdout
    assert r.stdout.rstrip().endswith("alive")


def test_a_loaded_models_export_names_its_columns_as_nndl_export_does(tmp_path):
    """to_onnx(nndl.load(path), out) wrote no feature_names where `nndl export` did, though
    the model's file holds them (the readme audit): a runtime feeds columns by position."""
    from nndl.cli.app import main

    (tmp_path / "d.csv").write_text("income,age,y\n" + "".join(
        f"{i % 7},{(i * 3) % 11},{i % 2}\n" for i in range(40)))
    assert main(["train", "--data", str(tmp_path / "d.csv"), "--iterations", "3", "--quiet",
                 "--out", str(tmp_path / "m.npz")]) == 0
    net = nndl.load(tmp_path / "m.npz")
    model = export.to_onnx(net, tmp_path / "m.onnx")
    meta = {p.key: p.value for p in model.metadata_props}
    assert json.loads(meta["feature_names"]) == ["income", "age"]
    export.save_torch_program(net, tmp_path / "m.pt2")
    with zipfile.ZipFile(tmp_path / "m.pt2") as z:
        about = next(n for n in z.namelist() if n.endswith(export.TORCH_METADATA))
        assert json.loads(z.read(about))["feature_names"] == ["income", "age"]
    built = nndl.Network([2, 1], seed=0)  # built in Python: nothing to say, as before
    assert "feature_names" not in {p.key for p in export.onnx_model(built).metadata_props}

"""Saved models: round trips give identical predictions; hostile or broken files are refused."""

from __future__ import annotations

import json
import os
import pickle
import zipfile

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import nndl
from nndl import io
from nndl.errors import NNDLError

X = np.random.default_rng(0).standard_normal((3, 12))
Y = (np.arange(12) % 2).reshape(1, -1)


def trained(dtype="float64", **kw):
    net = nndl.Network([3, 4, 1], hidden="tanh", seed=2, dtype=dtype, **kw)
    net.fit(X, Y, learning_rate=0.1, iterations=20)
    return net


class Marker:
    """Unpickling this creates the folder ``path``: proof that something was executed."""

    def __init__(self, path):
        self.path = str(path)

    def __reduce__(self):
        return (os.mkdir, (self.path,))


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_round_trip_gives_identical_model(tmp_path, dtype):
    net = trained(dtype)
    net.classes = ["no", "yes"]
    path = tmp_path / "m.npz"
    net.save(path)
    back = nndl.load(path)
    assert back.layer_dims == net.layer_dims
    assert back.activation_names == net.activation_names
    assert back.dtype == net.dtype and back.init == net.init
    assert back.classes == ["no", "yes"]
    assert back.iterations_done == 20
    assert back.history.costs == net.history.costs
    assert back.history.iterations == net.history.iterations
    for k, v in net.params.items():
        assert back.params[k].dtype == v.dtype
        np.testing.assert_array_equal(back.params[k], v)
    np.testing.assert_array_equal(back.predict_proba(X), net.predict_proba(X))
    # the random state is saved: both continue with the same draws
    np.testing.assert_array_equal(back.rng.standard_normal(3), net.rng.standard_normal(3))


def test_legacy_random_state_round_trip(tmp_path):
    net = trained(rng=None)
    net.rng = np.random.RandomState(5)
    net.rng.randn(7)
    io.save(net, tmp_path / "m.npz")
    back = io.load(tmp_path / "m.npz")
    assert isinstance(back.rng, np.random.RandomState)
    np.testing.assert_array_equal(back.rng.randn(4), net.rng.randn(4))


def test_continued_training_after_load_equals_uninterrupted(tmp_path):
    a = nndl.Network([3, 4, 1], seed=3)
    a.fit(X, Y, learning_rate=0.05, iterations=30)
    b = nndl.Network([3, 4, 1], seed=3)
    b.fit(X, Y, learning_rate=0.05, iterations=10)
    b.save(tmp_path / "b.npz")
    b = nndl.load(tmp_path / "b.npz")
    b.fit(X, Y, learning_rate=0.05, iterations=20)
    for k in a.params:
        assert np.array_equal(a.params[k], b.params[k])
    assert a.history.costs == b.history.costs


def test_info_is_kept(tmp_path):
    io.save(trained(), tmp_path / "m.npz", info={"summary": {"train": {"accuracy": 0.5}}})
    _, meta = io.read(tmp_path / "m.npz")
    assert meta["info"]["summary"]["train"]["accuracy"] == 0.5
    assert meta["format"] == "nndl-model" and meta["nndl_version"] == nndl.__version__


def test_save_is_atomic(tmp_path, monkeypatch):
    path = tmp_path / "m.npz"
    trained().save(path)
    before = path.read_bytes()

    def crash(*a, **k):
        raise OSError("disk full")

    monkeypatch.setattr(np.lib.format, "write_array", crash)  # what every member goes through
    with pytest.raises(NNDLError, match="cannot write the model .*disk full"):
        nndl.Network([5, 1], seed=0).save(path)
    assert path.read_bytes() == before          # the old model is intact
    assert sorted(os.listdir(tmp_path)) == ["m.npz"]  # and no temporary file is left


def test_save_into_missing_folder(tmp_path, monkeypatch):
    with pytest.raises(NNDLError, match="does not exist"):
        trained().save(tmp_path / "nope" / "m.npz")
    (tmp_path / "ck").write_text("")  # a file where the folder should be: it was said not
    with pytest.raises(NNDLError, match="ck is a file, not a folder"):  # to exist
        trained().save(tmp_path / "ck" / "m.npz")
    from nndl.files import output_file

    monkeypatch.chdir(tmp_path)
    with pytest.raises(NNDLError, match="--out ck/m.npz: .*ck is a file, not a folder"):
        output_file("ck/m.npz", "--out")


# --- files that must be refused -------------------------------------------------------------
def _valid(tmp_path):
    path = tmp_path / "good.npz"
    trained().save(path)
    with np.load(path, allow_pickle=False) as z:
        arrays = {k: z[k] for k in z.files}
    return path, arrays


def _rewrite(tmp_path, arrays, meta_edit=None, name="bad.npz"):
    arrays = dict(arrays)
    if meta_edit is not None:
        meta = json.loads(str(arrays["__meta__"]))
        meta_edit(meta)
        arrays["__meta__"] = np.array(json.dumps(meta))
    path = tmp_path / name
    np.savez(path, **arrays)
    return path


def refused(path, *words):
    with pytest.raises(NNDLError) as e:
        nndl.load(path)
    msg = str(e.value)
    assert "\n" not in msg
    for w in words:
        assert w in msg, f"{w!r} not in {msg!r}"
    return msg


def test_missing_file(tmp_path):
    refused(tmp_path / "none.npz", "not found")


def test_random_bytes_and_empty_file(tmp_path):
    p = tmp_path / "r.npz"
    p.write_bytes(np.random.default_rng(0).bytes(1000))
    refused(p, "not an .npz")
    p.write_bytes(b"")
    refused(p, "not an .npz")


@pytest.mark.parametrize("keep", [0.3, 0.6, 0.95])
def test_truncated_file(tmp_path, keep):
    path, _ = _valid(tmp_path)
    data = path.read_bytes()
    cut = tmp_path / "cut.npz"
    cut.write_bytes(data[: int(len(data) * keep)])
    refused(cut, "not a valid nndl model")


def test_pickle_is_never_executed(tmp_path):
    marker = tmp_path / "executed"
    p = tmp_path / "evil.npz"
    p.write_bytes(pickle.dumps(Marker(marker)))
    refused(p)
    assert not marker.exists()


def test_object_array_is_never_unpickled(tmp_path):
    marker = tmp_path / "executed"
    _, arrays = _valid(tmp_path)
    evil = np.empty(1, dtype=object)
    evil[0] = Marker(marker)
    arrays["W1"] = evil
    p = _rewrite(tmp_path, arrays)
    refused(p, "object")
    assert not marker.exists()


def test_pickled_metadata_is_never_unpickled(tmp_path):
    marker = tmp_path / "executed"
    _, arrays = _valid(tmp_path)
    meta = np.empty((), dtype=object)
    meta[()] = Marker(marker)
    arrays["__meta__"] = meta
    refused(_rewrite(tmp_path, arrays))
    assert not marker.exists()


def test_plain_npy_and_foreign_npz(tmp_path):
    p = tmp_path / "a.npy"
    np.save(p, np.ones(3))
    refused(p, "not an .npz")
    p = tmp_path / "f.npz"
    np.savez(p, X=np.ones((2, 2)), y=np.ones(2))
    refused(p, "__meta__")


def test_zip_that_is_not_npz(tmp_path):
    p = tmp_path / "z.npz"
    with zipfile.ZipFile(p, "w") as z:
        z.writestr("hello.txt", "hi")
    refused(p)


@pytest.mark.parametrize("edit,words", [
    (lambda m: m.update(layer_dims=[3, 5, 1]), ["W1", "(5, 3)"]),
    (lambda m: m.update(layer_dims=[3, 4, 2, 1], activations=["tanh"] * 2 + ["sigmoid"]),
     ["missing", "W3"]),
    (lambda m: m.update(dtype="float32"), ["dtype"]),
    (lambda m: m.update(dtype="object"), ["dtype"]),
    (lambda m: m.update(format_version=99), ["format_version"]),
    (lambda m: m.update(format="something"), ["format"]),
    (lambda m: m.update(activations=["relu"]), ["activations"]),
    (lambda m: m.update(activations=["nope", "sigmoid"]), ["nope"]),
    (lambda m: m.update(classes=["a", "b", "c"]), ["class names"]),
    (lambda m: m.update(iterations_done=-1), ["iterations_done"]),
    (lambda m: m.update(history={"iterations": [0], "costs": []}), ["history"]),
    (lambda m: m.update(rng={"kind": "generator", "state": {"bit_generator": "os.system"}}),
     ["random state"]),
    (lambda m: m.update(init="evil"), ["init"]),
], ids=["shape", "layers", "dtype", "dtype-object", "version", "format", "n-activations",
        "activation-name", "classes", "iterations", "history", "rng", "init"])
def test_tampered_metadata(tmp_path, edit, words):
    _, arrays = _valid(tmp_path)
    refused(_rewrite(tmp_path, arrays, edit), *words)


def test_tampered_arrays(tmp_path):
    _, arrays = _valid(tmp_path)
    bad = dict(arrays, W2=np.full_like(arrays["W2"], np.nan))
    refused(_rewrite(tmp_path, bad), "NaN")
    bad = dict(arrays, W9=np.ones((1, 1)))
    refused(_rewrite(tmp_path, bad), "W9")
    bad = {k: v for k, v in arrays.items() if k != "b2"}
    refused(_rewrite(tmp_path, bad), "b2")
    bad = dict(arrays, __meta__=np.array("{not json"))
    refused(_rewrite(tmp_path, bad), "JSON")
    bad = dict(arrays, __meta__=np.array("[1, 2]"))
    refused(_rewrite(tmp_path, bad), "object")
    bad = dict(arrays, __meta__=np.array(7))
    refused(_rewrite(tmp_path, bad), "JSON string")
    bad = dict(arrays, **{"history/costs": np.full_like(arrays["history/costs"], np.nan)})
    refused(_rewrite(tmp_path, bad), "NaN")
    legacy = as_version_1(arrays)  # format 1: the history as JSON lists in the metadata
    meta = json.loads(str(legacy["__meta__"]))
    meta["history"]["costs"][0] = float("nan")
    bad = dict(legacy, __meta__=np.array(json.dumps(meta)))  # writes the non-JSON NaN
    refused(_rewrite(tmp_path, bad), "NaN")


def as_version_1(arrays):
    """The arrays of a format-2 model rewritten as format 1 wrote them (history in JSON)."""
    arrays = dict(arrays)
    meta = json.loads(str(arrays["__meta__"]))
    meta["format_version"] = 1
    old = meta["history"]
    meta["history"] = {k: arrays.pop(f"history/{k}").tolist() for k in io.HISTORY_ARRAYS
                       if f"history/{k}" in arrays}
    if old.get("epochs") == "iterations":  # full batch: the epochs' lists were left out
        meta["history"].update(epochs=meta["history"]["iterations"],
                               epoch_costs=meta["history"]["costs"])
    meta["history"]["best_epoch"] = old["best_epoch"]
    arrays["__meta__"] = np.array(json.dumps(meta))
    return arrays


class Shift:
    """A stand-in preprocessing: x -> 2 x + 1 (not idempotent, so applying it twice shows)."""

    def transform(self, X):
        return 2 * X + 1


def test_preprocessing_is_applied_once_at_the_boundary():
    net = trained()
    raw = net.forward(2 * X + 1)
    net.preprocessing = Shift()
    np.testing.assert_array_equal(net.forward(X), raw)
    assert net.accuracy(X, Y) == float(np.mean(net.predict(X) == Y))
    assert net.cost(X, Y) == nndl.Network.cost(net, X, Y)


def _npy(shape, dtype="<f8", data=b""):
    """A .npy member whose header claims ``shape`` but that holds only ``data``."""
    import io as stdio

    buf = stdio.BytesIO()
    np.lib.format.write_array_header_1_0(buf, {"descr": dtype, "fortran_order": False,
                                               "shape": shape})
    return buf.getvalue() + data


def test_forged_headers_are_refused_before_allocating(tmp_path):
    path, arrays = _valid(tmp_path)
    with zipfile.ZipFile(path) as z:
        members = {n: z.read(n) for n in z.namelist()}

    def zipped(name, **override):
        p = tmp_path / name
        with zipfile.ZipFile(p, "w") as z:
            for n, b in {**members, **override}.items():
                z.writestr(n, b)
        return p

    # a header claiming a huge W1: refused from the header (no 80 GB allocation)
    refused(zipped("huge.npz", **{"W1.npy": _npy((100000, 100000))}), "W1", "(4, 3)")
    # the right header but too little data behind it
    refused(zipped("short.npz", **{"W1.npy": _npy((4, 3), data=b"\0" * 16)}), "W1", "shorter")
    # metadata declaring an enormous network
    meta = json.loads(str(arrays["__meta__"]))
    meta["layer_dims"] = [100000, 100000, 1]
    m = np.array(json.dumps(meta))
    import io as stdio

    buf = stdio.BytesIO()
    np.lib.format.write_array(buf, m)
    refused(zipped("big.npz", **{"__meta__.npy": buf.getvalue(),
                                 "W1.npy": _npy((100000, 100000)),
                                 "W2.npy": _npy((1, 100000))}), "parameters")
    # an entry that is not an array
    refused(zipped("extra.npz", **{"run.sh": b"rm -rf /"}), "not arrays")


@settings(max_examples=25, deadline=None)
@given(dims=st.lists(st.integers(1, 6), min_size=2, max_size=5),
       hidden=st.sampled_from(["relu", "tanh", "sigmoid", "leaky_relu:0.2", "linear"]),
       output=st.sampled_from(["sigmoid", "linear", "softmax"]),
       dtype=st.sampled_from(["float32", "float64"]), seed=st.integers(0, 2**32 - 1))
def test_any_network_round_trips_exactly(tmp_path_factory, dims, hidden, output, dtype, seed):
    if output == "softmax" and dims[-1] < 2:
        dims = dims[:-1] + [2]
    net = nndl.Network(dims, hidden=hidden, output=output, seed=seed, dtype=dtype)
    path = tmp_path_factory.mktemp("rt") / "m.npz"
    net.save(path)
    back = nndl.load(path)
    assert back.layer_dims == dims and back.activation_names == net.activation_names
    Xr = np.random.default_rng(seed).standard_normal((dims[0], 7))
    np.testing.assert_array_equal(back.forward(Xr), net.forward(Xr))
    for k, v in net.params.items():
        assert back.params[k].dtype == v.dtype and np.array_equal(back.params[k], v)


# --- training state: optimizer, label map, epochs, parameter sets ------------------------------
def adam_trained(labels=None, **fit):
    y = labels if labels is not None else np.array(["b", "a", "c"])[np.arange(12) % 3]
    net = nndl.Network([3, 4, 3], output="softmax", seed=4)
    net.fit(X, y, batch_size=5, epochs=3, optimizer="adam", learning_rate=0.01, **fit)
    return net, y


@pytest.mark.parametrize("name", ["gd", "momentum", "rmsprop", "adam"])
def test_optimizer_state_round_trips(tmp_path, name):
    net = nndl.Network([3, 4, 1], seed=2)
    net.fit(X, Y, batch_size=5, epochs=2, optimizer=nndl.optimizers.get_optimizer(
        name, 0.05, decay=0.5))
    io.save(net, tmp_path / "m.npz")
    back = io.load(tmp_path / "m.npz")
    a, b = net.optimizer.state_dict(), back.optimizer.state_dict()
    assert type(back.optimizer) is type(net.optimizer) and a.keys() == b.keys()
    for k in a:
        assert np.array_equal(a[k], b[k]), k
        if isinstance(a[k], np.ndarray):
            assert b[k].dtype == a[k].dtype
    assert back.epochs_done == net.epochs_done == 2
    assert back.history.epoch_costs == net.history.epoch_costs
    with np.load(tmp_path / "m.npz", allow_pickle=False) as z:
        names = set(z.files)
    assert {f"opt/{k}" for k in a if "." in k} <= names  # arrays in the npz, not in the JSON


def test_minibatch_adam_training_continues_exactly_after_load(tmp_path):
    kw = dict(batch_size=5, optimizer="adam", learning_rate=0.01, keep_probs=0.8, lambd=0.1)
    y = np.array(["b", "a", "c"])[np.arange(12) % 3]
    straight = nndl.Network([3, 4, 3], output="softmax", seed=4)
    straight.fit(X, y, epochs=6, **kw)
    first = nndl.Network([3, 4, 3], output="softmax", seed=4)
    first.fit(X, y, epochs=2, **kw)
    io.save(first, tmp_path / "m.npz")
    back = io.load(tmp_path / "m.npz")
    back.fit(X, y, epochs=4, **dict(kw, optimizer=back.optimizer))
    for k in straight.params:
        assert np.array_equal(straight.params[k], back.params[k]), k
    assert back.history.costs == straight.history.costs
    assert list(back.predict(X).ravel()) == list(straight.predict(X).ravel())


@pytest.mark.parametrize("labels", [
    np.array(["b", "a", "c"]), np.array([10, -3, 7]), np.array([0.5, 2.25, -1.0]),
    np.array([b"x", b"y", b"z"])], ids=["str", "int", "float", "bytes"])
def test_label_map_round_trips(tmp_path, labels):
    net, _ = adam_trained(labels[np.arange(12) % 3])
    io.save(net, tmp_path / "m.npz")
    back = io.load(tmp_path / "m.npz")
    assert back.label_map == net.label_map
    assert back.label_map.classes.dtype.kind == net.label_map.classes.dtype.kind
    np.testing.assert_array_equal(back.predict(X), net.predict(X))


def test_param_sets_round_trip_and_are_checked(tmp_path):
    net = trained()
    best = {k: v + 1 for k, v in net.params.items()}
    io.save(net, tmp_path / "m.npz", param_sets={"best": best})
    _, meta = io.read(tmp_path / "m.npz")
    for k in best:
        assert np.array_equal(meta["param_sets"]["best"][k], best[k])
    with pytest.raises(NNDLError):
        io.save(net, tmp_path / "x.npz", param_sets={"best": {"W1": best["W1"]}})
    with pytest.raises(NNDLError):
        io.save(net, tmp_path / "x.npz", param_sets={"opt": best})


def _adam_arrays(tmp_path):
    net, _ = adam_trained()
    path = tmp_path / "adam.npz"
    io.save(net, path, param_sets={"best": net.params})
    with np.load(path, allow_pickle=False) as z:
        return {k: z[k] for k in z.files}


@pytest.mark.parametrize("edit,words", [
    (lambda a: a.update({"opt/m.W1": np.zeros((2, 2))}), ["opt/m.W1", "shape"]),
    (lambda a: a.update({"opt/v.b2": np.zeros((3, 1), dtype=np.float32)}), ["dtype"]),
    (lambda a: a.update({"opt/m.W1": np.full((4, 3), np.inf)}), ["NaN or inf"]),
    (lambda a: a.update({"opt/s.W1": np.zeros((4, 3))}), ["opt/s.W1"]),
    (lambda a: a.update({"opt/m.W7": np.zeros((4, 3))}), ["opt/m.W7"]),
    (lambda a: a.pop("best/b1"), ["best/b1"]),
    (lambda a: a.update({"best/W2": np.zeros((3, 5))}), ["best/W2", "shape"]),
], ids=["shape", "dtype", "inf", "slot", "param", "missing-set", "set-shape"])
def test_tampered_optimizer_and_param_set_arrays(tmp_path, edit, words):
    arrays = _adam_arrays(tmp_path)
    edit(arrays)
    refused(_rewrite(tmp_path, arrays), *words)


@pytest.mark.parametrize("edit,words", [
    (lambda m: m["optimizer"].update(name="os.system"), ["optimizer"]),
    (lambda m: m["optimizer"].update(t=-1), ["optimizer t"]),
    (lambda m: m["optimizer"].update(t=1.5), ["optimizer t"]),
    (lambda m: m["optimizer"].update(beta1=2.0), ["beta1"]),
    (lambda m: m["optimizer"].update(learning_rate="0.1"), ["learning_rate"]),
    (lambda m: m["optimizer"].update(evil=1), ["evil"]),
    (lambda m: m["optimizer"].pop("beta2"), ["beta2"]),
    (lambda m: m.update(optimizer=None), ["unexpected optimizer array", "opt/m.W1"]),
    (lambda m: m.update(label_map={"kind": "object", "classes": ["a", "b", "c"]}),
     ["label_map"]),
    (lambda m: m.update(label_map={"kind": "int", "classes": [1, 2, "x"]}), ["label_map"]),
    (lambda m: m.update(label_map={"kind": "str", "classes": ["a", "a", "b"]}), ["distinct"]),
    (lambda m: m.update(label_map={"kind": "str", "classes": ["a", "b"]}), ["label map"]),
    (lambda m: m.update(epochs_done=-2), ["epochs_done"]),
    (lambda m: m["history"].update(epoch_costs=[1.0]), ["epoch"]),
    (lambda m: m.update(param_sets=["../evil"]), ["param_sets"]),
    (lambda m: m.update(param_sets=["best", "other"]), ["other/W1"]),
], ids=["opt-name", "t-negative", "t-float", "beta1", "lr-string", "unknown", "missing",
        "no-optimizer", "label-kind", "label-type", "label-dup", "label-count", "epochs",
        "epoch-history", "set-name", "set-missing"])
def test_tampered_training_state_metadata(tmp_path, edit, words):
    arrays = _adam_arrays(tmp_path)
    refused(_rewrite(tmp_path, arrays, edit), *words)


def test_target_scaling_is_saved_applied_and_checked(tmp_path):
    from nndl.preprocessing import Standardizer

    rng = np.random.default_rng(0)
    X = rng.standard_normal((3, 50))
    Y = 1000.0 + 300.0 * (X[0:1] - 2 * X[1:2])
    net = nndl.Network([3, 4, 1], output="linear", seed=0)
    net.target_scaling = Standardizer().fit(Y)
    net.fit(X, Y, learning_rate=0.1, iterations=300)
    assert net.history.costs[-1] < 0.05  # the cost of the standardized targets
    AL = nndl.propagation.predict_forward(X, net.params, net.activations)
    np.testing.assert_allclose(net.forward(X), AL * net.target_scaling.std
                               + net.target_scaling.mean, rtol=1e-15, atol=0)
    assert nndl.metrics.r2_score(Y, net.predict(X)) > 0.95
    net.save(tmp_path / "m.npz")
    back = nndl.load(tmp_path / "m.npz")
    np.testing.assert_array_equal(back.predict(X), net.predict(X))
    assert back.cost(X, Y) == net.cost(X, Y)
    # a classifier with target scaling is refused by name
    import json

    with np.load(tmp_path / "m.npz") as z:
        arrays = {k: z[k] for k in z.files}
    meta = json.loads(str(arrays["__meta__"]))
    meta["target_scaling"]["std"] = [[0.0]]
    arrays["__meta__"] = np.array(json.dumps(meta))
    np.savez(tmp_path / "bad.npz", **arrays)
    with pytest.raises(NNDLError, match="target_scaling"):
        nndl.load(tmp_path / "bad.npz")


def test_to_bytes_gives_the_bytes_save_writes(tmp_path):
    """nndl.io.to_bytes (the playground's download) is the file save() writes, byte for byte,
    and reads back as the same model."""
    import nndl.io as nio

    rng = np.random.default_rng(0)
    X, Y = rng.standard_normal((3, 40)), (rng.random((1, 40)) > 0.5).astype(float)
    net = nndl.Network([3, 4, 1], seed=1)
    net.fit(X, Y, learning_rate=0.1, iterations=5, optimizer="adam")
    path = nio.save(net, tmp_path / "m.npz", info={"a": 1})
    data = nio.to_bytes(net, info={"a": 1})
    assert data == path.read_bytes()
    (tmp_path / "b.npz").write_bytes(data)
    back = nndl.load(tmp_path / "b.npz")
    for k in net.params:
        np.testing.assert_array_equal(back.params[k], net.params[k])


def test_a_loaded_model_saved_again_keeps_what_its_file_said_about_its_data(tmp_path, capsys):
    """nndl.load(m).save(m2) wrote info {}: the columns' names (matched by name), the label
    column, the image size and the settings were lost, and the same files were then read by
    position. After further training the scores, the checkpoint and the extra parameter
    sets, which describe the training before, are left out, and --resume refuses it (it was
    taken for a checkpoint, deleted at the end, and the first run's --out overwritten)."""
    from nndl.cli import main

    rng = np.random.default_rng(0)
    X, Y = rng.normal(size=(2, 40)), (rng.random((1, 40)) > 0.5).astype(float)
    net = nndl.Network([2, 3, 1], seed=0)
    net.fit(X, Y, learning_rate=0.1, iterations=5)
    info = {"feature_names": ["b", "a"], "label_name": "y", "image_size": None,
            "train_args": {"data": "d.csv", "out": str(tmp_path / "first.npz")},
            "summary": {"train": {"accuracy": 0.5}},
            "checkpoint": {"iterations_done": 5, "target_iterations": 5}}
    io.save(net, tmp_path / "m.npz", info=info, param_sets={"last": net.params})
    nndl.load(tmp_path / "m.npz").save(tmp_path / "again.npz")
    _, meta = io.read(tmp_path / "again.npz")
    assert meta["info"] == info and set(meta["param_sets"]) == {"last"}
    more = nndl.load(tmp_path / "m.npz")
    more.fit(X, Y, learning_rate=0.1, iterations=2)
    more.save(tmp_path / "more.npz")
    _, meta = io.read(tmp_path / "more.npz")
    reads = {"feature_names": ["b", "a"], "label_name": "y", "image_size": None,
             "train_args": {"data": "d.csv"}, "changed_after_training": True}
    assert meta["info"] == reads and meta["param_sets"] == {}
    edited = nndl.load(tmp_path / "m.npz")  # the same iterations, other parameters
    edited.params["W2"] *= -1
    edited.save(tmp_path / "edited.npz")
    assert io.read(tmp_path / "edited.npz")[1]["info"] == reads  # scores no longer its own
    assert main(["info", str(tmp_path / "edited.npz")]) == 0
    shown = capsys.readouterr().out
    assert "then trained further or edited" in shown and "accuracy" not in shown
    assert main(["train", "--resume", str(tmp_path / "more.npz"), "--iterations", "9"]) == 2
    assert "trained further or edited after 'nndl train' saved it" in capsys.readouterr().err
    assert (tmp_path / "more.npz").exists() and not (tmp_path / "first.npz").exists()
    io.save(more, tmp_path / "own.npz", info={"mine": 1})  # info given: that one
    assert io.read(tmp_path / "own.npz")[1]["info"] == {"mine": 1}


def test_a_changed_model_keeps_the_playgrounds_map_and_claims_no_nndl_train_run(tmp_path,
                                                                                capsys):
    """An edit of the preprocessing (not of W, b) kept the old scores and let --resume go; a
    Python model trained further was said to be 'trained on breast_cancer by nndl train';
    the playground's plane map (info["playground"]) was dropped after further training."""
    from nndl.cli import main
    from nndl.preprocessing import Standardizer

    rng = np.random.default_rng(0)
    X, Y = rng.normal(size=(2, 40)), (rng.random((1, 40)) > 0.5).astype(float)
    net = nndl.Network([2, 3, 1], seed=0)
    net.preprocessing = Standardizer().fit(X)
    net.fit(X, Y, learning_rate=0.1, iterations=3)
    io.save(net, tmp_path / "m.npz", info={"train_args": {"data": "d.csv"},
                                          "summary": {"train": {"accuracy": 0.9}},
                                          "checkpoint": {"iterations_done": 3}})
    edited = nndl.load(tmp_path / "m.npz")
    edited.preprocessing = None  # other outputs, the same W and b
    edited.save(tmp_path / "e.npz")
    info = io.read(tmp_path / "e.npz")[1]["info"]
    assert "summary" not in info and info["changed_after_training"] is True
    io.save(net, tmp_path / "p.npz", info={"playground": {"center": [0, 0]},
                                          "feature_names": ["a", "b"]})
    more = nndl.load(tmp_path / "p.npz")
    more.fit(X, Y, learning_rate=0.1, iterations=1)
    more.save(tmp_path / "p2.npz")
    assert io.read(tmp_path / "p2.npz")[1]["info"] == {"playground": {"center": [0, 0]},
                                                       "feature_names": ["a", "b"]}
    assert main(["info", str(tmp_path / "p2.npz")]) == 0
    out = capsys.readouterr().out
    assert "by nndl train" not in out and "onto the playground's plane" in out


def test_a_file_above_the_folder_is_named_at_any_depth(tmp_path):
    """The review: --out ck/sub/m.npz with ck a file still said 'folder ck/sub does not
    exist'; a FIFO in a folder's place is no file."""
    from nndl.files import output_file

    (tmp_path / "ck").write_text("")
    os.mkfifo(tmp_path / "fifo")
    with pytest.raises(NNDLError, match=r"ck is a file, not a folder"):
        output_file(tmp_path / "ck" / "sub" / "m.npz", "--out")
    with pytest.raises(NNDLError, match=r"fifo is not a folder"):
        trained().save(tmp_path / "fifo" / "m.npz")
    with pytest.raises(NNDLError, match=r"folder .*nope/sub does not exist"):
        output_file(tmp_path / "nope" / "sub" / "m.npz", "--out")


# --- the pyapi audit: optimizer buffers cut from a file, a load of no path ------------------------
@pytest.mark.parametrize("cut", [("opt/m.W1", "opt/v.W1"), ("opt/v.b2",)], ids=["both", "one"])
def test_an_optimizer_state_missing_buffers_after_its_first_step_is_refused(tmp_path, cut):
    """Adam at t = 10 with m.W1 and v.W1 cut from the file loaded and resumed from zeros with
    step 10's bias correction: a continuation unlike the saved model's."""
    arrays = _adam_arrays(tmp_path)
    for k in cut:
        arrays.pop(k)
    refused(_rewrite(tmp_path, arrays), f"optimizer state lacks ['{cut[0]}'", "t = ")
    fresh = nndl.Network([3, 4, 1], seed=2)  # t = 0: no buffers yet, as an optimizer starts
    fresh.optimizer = nndl.optimizers.get_optimizer("adam", 0.01)
    io.save(fresh, tmp_path / "t0.npz")
    assert io.load(tmp_path / "t0.npz").optimizer.state_dict()["t"] == 0


def test_load_of_something_that_is_no_path_is_an_nndl_error():
    from io import BytesIO

    for value in (BytesIO(b"PK"), None, 3):
        with pytest.raises(NNDLError, match="the model file must be given as a path"):
            nndl.load(value)

"""The model's boundary (issues 9 and 10): text labels for every classifier head, one source
of truth for the classes, CLI-saved models predicting class names, single-class data refused,
callbacks and print_cost checked, sizes that cannot fit refused before allocating, and a
first-step overflow named as such."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import nndl
from nndl import memory
from nndl.errors import DivergenceError, NNDLError
from nndl.labels import LabelMap

SRC = str(Path(__file__).resolve().parents[1] / "src")


def _xy(m=40, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((2, m))
    y = np.where(X[0] + X[1] > 0, "dog", "cat")
    return X, y


def _cli(*args, cwd):
    env = {**os.environ, "PYTHONPATH": SRC, "OPENBLAS_NUM_THREADS": "1"}
    return subprocess.run([sys.executable, "-m", "nndl", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=120)


# --- labels and classes -----------------------------------------------------------------------
def test_a_sigmoid_network_fits_text_labels_and_predicts_them(tmp_path):
    X, y = _xy()
    net = nndl.Network([2, 4, 1], seed=0)
    net.fit(X, y, learning_rate=0.5, iterations=300)
    assert net.label_map == LabelMap(["cat", "dog"]) and net.classes == ["cat", "dog"]
    pred = net.predict(X)
    assert pred.shape == (1, 40) and set(pred.ravel()) <= {"cat", "dog"}
    assert net.accuracy(X, y) > 0.9
    # 0/1 targets still train the same model as the labels they encode
    twin = nndl.Network([2, 4, 1], seed=0)
    twin.fit(X, (y == "dog").astype(float).reshape(1, -1), learning_rate=0.5, iterations=300)
    np.testing.assert_array_equal(twin.params["W1"], net.params["W1"])
    net.save(tmp_path / "m.npz")
    back = nndl.load(tmp_path / "m.npz")
    np.testing.assert_array_equal(back.predict(X), pred)


def test_classes_are_derived_from_the_label_map():
    net = nndl.Network([2, 3], output="softmax", seed=0)
    assert net.classes is None and net.label_map is None
    net.classes = ["a", "b", "c"]
    assert net.label_map == LabelMap(np.array(["a", "b", "c"]))
    net.label_map = LabelMap([10, 20, 30])
    assert net.classes == ["10", "20", "30"]
    net.classes = None
    assert net.label_map is None
    with pytest.raises(NNDLError, match="3 classes"):
        net.classes = ["a", "b"]
    with pytest.raises(NNDLError, match="regression"):
        nndl.Network([2, 1], output="linear").classes = ["a", "b"]


def test_numeric_classes_stay_numbers_through_fit_predict_save_and_load(tmp_path):
    X = np.random.default_rng(0).standard_normal((3, 30))
    y = np.array([3, 5, 7] * 10)
    net = nndl.Network([3, 4, 3], output="softmax", seed=0)
    net.classes = [3, 5, 7]
    assert net.label_map == LabelMap(np.array([3, 5, 7])) and net.classes == ["3", "5", "7"]
    net.fit(X, y, iterations=2)  # was refused: unknown labels [3, 5, 7]
    pred = net.predict(X)
    assert pred.dtype.kind == "i" and set(pred.ravel().tolist()) <= {3, 5, 7}
    net.save(str(tmp_path / "m.npz"))
    back = nndl.load(str(tmp_path / "m.npz"))
    assert back.label_map == net.label_map and np.array_equal(back.predict(X), pred)
    with pytest.raises(NNDLError, match="list of labels; got the string"):
        net.classes = "357"


def test_single_class_names_are_refused_for_a_sigmoid_model():
    with pytest.raises(NNDLError, match="2 classes"):
        nndl.Network([2, 1]).classes = ["cat"]
    X, _ = _xy()
    with pytest.raises(NNDLError, match="exactly 2"):
        nndl.Network([2, 1]).fit(X, ["cat"] * 40, iterations=1)


def test_cli_single_class_data_is_refused_at_training(tmp_path):
    (tmp_path / "one.csv").write_text("x1,x2,label\n1,2,cat\n2,3,cat\n3,1,cat\n4,4,cat\n")
    r = _cli("train", "--data", "one.csv", "--out", "m.npz", "--iterations", "5", "--quiet",
             "--dev", "0", cwd=tmp_path)
    assert r.returncode == 2, r.stderr
    assert "classes" in r.stderr and "cat" in r.stderr and len(r.stderr.splitlines()) == 1
    assert not (tmp_path / "m.npz").exists()


@pytest.mark.parametrize("labels", [["no", "yes"], ["ant", "bee", "cow"]])
def test_a_model_saved_by_the_cli_predicts_class_names(tmp_path, labels):
    rng = np.random.default_rng(1)
    rows = ["x1,x2,label"] + [f"{a:.3f},{b:.3f},{labels[i % len(labels)]}"
                              for i, (a, b) in enumerate(rng.standard_normal((60, 2)))]
    (tmp_path / "d.csv").write_text("\n".join(rows) + "\n")
    r = _cli("train", "--data", "d.csv", "--out", "m.npz", "--iterations", "20", "--quiet",
             cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    net = nndl.load(tmp_path / "m.npz")
    assert net.classes == labels
    pred = net.predict(rng.standard_normal((2, 30)))
    assert pred.shape == (1, 30) and set(pred.ravel().tolist()) <= set(labels)


# --- fit's arguments --------------------------------------------------------------------------
@pytest.mark.parametrize("bad", [[5], [None], 5, "PrintCost", [nndl.Callback, 1]])
def test_callbacks_must_be_callbacks(bad):
    X, y = _xy()
    with pytest.raises(NNDLError, match="callbacks"):
        nndl.Network([2, 1]).fit(X, y, iterations=1, callbacks=bad)


def test_an_object_with_the_hooks_is_a_callback():
    class Duck:
        n = 0

        def on_train_begin(self, net, total): pass
        def on_iteration_end(self, net, it, cost): Duck.n += 1
        def on_epoch_end(self, net, epoch, logs): pass
        def on_train_end(self, net, history): pass

    X, y = _xy()
    nndl.Network([2, 1]).fit(X, y, iterations=3, callbacks=[Duck()])
    assert Duck.n == 3


@pytest.mark.parametrize("bad", [0.5, -1, "10", 2**70 + 0.5, float("nan")])
def test_print_cost_must_be_a_positive_integer_or_a_bool(bad):
    X, y = _xy()
    with pytest.raises(NNDLError, match="print_cost"):
        nndl.Network([2, 1]).fit(X, y, iterations=1, print_cost=bad)


@pytest.mark.parametrize("bad", [0, "10", -1, 1.5, True, None])
def test_print_cost_callback_checks_every_as_fit_does(bad):
    with pytest.raises(NNDLError, match=r"PrintCost every must be an integer in \[1, inf\); got"):
        nndl.PrintCost(bad)
    assert nndl.PrintCost(np.int64(3)).every == 3


def test_print_cost_values(capsys):
    X, y = _xy()
    nndl.Network([2, 1]).fit(X, y, iterations=5, print_cost=0)
    assert capsys.readouterr().out == ""
    nndl.Network([2, 1]).fit(X, y, iterations=5, print_cost=2)
    assert capsys.readouterr().out.count("Cost after iteration") == 3
    nndl.Network([2, 1]).fit(X, y, iterations=5, print_cost=True)
    assert capsys.readouterr().out.count("Cost after iteration") == 1


def test_patience_is_the_early_stopping_callback(monkeypatch):
    from nndl import callbacks

    built = []
    real = callbacks.EarlyStopping.__init__

    def spy(self, patience):
        built.append(patience)
        real(self, patience)

    monkeypatch.setattr(callbacks.EarlyStopping, "__init__", spy)
    X, y = _xy(m=60)
    net = nndl.Network([2, 3, 1], seed=0)
    h = net.fit(X[:, :40], y[:40], learning_rate=3.0, epochs=40, batch_size=8,
                dev=(X[:, 40:], y[40:]), patience=2)
    assert built == [2] and h.best_epoch == net.history.best_epoch is not None


# --- memory -----------------------------------------------------------------------------------
def test_layers_that_cannot_fit_are_refused_before_allocating(monkeypatch):
    monkeypatch.setattr(memory, "available_bytes", lambda: 2**30)
    with pytest.raises(NNDLError) as e:
        nndl.Network([30, 56000, 56000, 1])
    assert "23.4 GiB" in str(e.value) and "1.0 GiB is available" in str(e.value)
    nndl.Network([30, 1000, 1])  # what fits is built


def test_training_state_that_cannot_fit_is_refused_at_fit(monkeypatch):
    net = nndl.Network([100, 1000, 1], seed=0)  # 101,000 parameters: 808 kB
    X = np.zeros((100, 500))
    Y = np.zeros((1, 500))
    monkeypatch.setattr(memory, "available_bytes", lambda: 2 * 2**20)
    with pytest.raises(NNDLError, match="training .* optimizer state") as e:
        net.fit(X, Y, iterations=1, optimizer="adam")  # grads + 2 buffers + activations
    assert "MiB" in str(e.value)
    net.fit(X, Y, iterations=1, batch_size=10, epochs=1)  # gradients and a small batch fit


def test_cli_layers_beyond_any_memory_exit_2_at_once(tmp_path):
    (tmp_path / "d.csv").write_text("a,b,y\n1,2,0\n2,1,1\n3,3,0\n1,1,1\n")
    r = _cli("train", "--data", "d.csv", "--layers", "1000000,1000000", "--quiet",
             cwd=tmp_path)
    assert r.returncode == 2 and "of memory" in r.stderr and "available" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1


# --- a first step that overflows --------------------------------------------------------------
def test_a_first_step_overflow_says_what_overflowed():
    X = np.full((3, 10), 1e300)
    Y = np.ones((1, 10))
    with pytest.raises(DivergenceError) as e:
        nndl.Network([3, 4, 1], output="linear", seed=0).fit(X, Y, iterations=5)
    msg = str(e.value)
    assert "overflowed" in msg and "1e+300" in msg and "learning rate" not in msg


def test_a_first_update_that_overflows_the_next_pass_blames_the_learning_rate():
    X, Y = _bin()
    net = nndl.Network([3, 4, 1], seed=0, dtype="float32")
    with pytest.raises(DivergenceError) as e:
        net.fit(X, Y, learning_rate=1e20, iterations=50)
    msg = str(e.value)
    assert msg.startswith("training diverged at iteration 1") and "cannot start" not in msg
    assert "Try a smaller learning rate (now 1e+20)" in msg and "scale the inputs" not in msg
    assert net.iterations_done == 0  # rolled back all the same


def test_inputs_that_preprocessing_makes_infinite_are_named():
    class Blowup:
        def transform(self, X):
            with np.errstate(over="ignore"):
                return X * 1e308

    net = nndl.Network([3, 1], seed=0)
    net.preprocessing = Blowup()
    X = np.full((3, 4), 10.0)
    with pytest.raises(DivergenceError, match="inputs X hold inf"):
        net.fit(X, np.array([[0, 1, 0, 1]]), iterations=2)


def test_a_refused_fit_sets_no_label_map():
    X, y = _xy()
    net = nndl.Network([2, 1])
    with pytest.raises(NNDLError, match="print_cost"):
        net.fit(X, y, iterations=1, print_cost=0.5)
    assert net.label_map is None and net.iterations_done == 0


# --- net.params as assigned by the user: checked at fit, forward and save --------------------
def _bin(m=20, seed=0):
    X = np.random.default_rng(seed).standard_normal((3, m))
    return X, (X[:1] > 0).astype(float)


@pytest.mark.parametrize("change, says", [
    (lambda p: p.update(W1=p["W1"].astype(np.float32)), "W1.astype(net.dtype)"),
    (lambda p: p.update(b1=np.zeros((4, 1), dtype=int)), "b1.astype(net.dtype)"),
    (lambda p: p.update(b1=p["b1"].ravel()), "b1.reshape(-1, 1)"),
    (lambda p: p.update(W2=p["W2"].T), "W2.T"),
    (lambda p: p.pop("b2"), "missing ['b2']"),
    (lambda p: p.update(W1=p["W1"].tolist()), "must be a NumPy array"),
])
def test_wrong_params_are_named_at_save_fit_and_forward(tmp_path, change, says):
    X, Y = _bin()
    net = nndl.Network([3, 4, 1], seed=0)
    change(net.params)
    for call in (lambda: net.save(str(tmp_path / "m.npz")), lambda: net.forward(X),
                 lambda: net.predict(X), lambda: net.cost(X, Y),
                 lambda: net.fit(X, Y, iterations=2)):
        with pytest.raises(NNDLError, match=re.escape(says)):
            call()
    assert net.iterations_done == 0 and not (tmp_path / "m.npz").exists()


def test_a_bias_of_shape_n_is_not_broadcast_into_a_wrong_answer():
    X = np.random.default_rng(0).standard_normal((4, 4))  # m == n[1]: NumPy would broadcast
    net = nndl.Network([4, 4, 1], seed=0)
    net.params["b1"] = np.arange(4.0)
    with pytest.raises(NNDLError, match=r"b1 has shape \(4,\); layer_dims \[4, 4, 1\] needs "
                                        r"\(4, 1\)"):
        net.predict(X)


def test_a_read_only_parameter_is_trained_into_a_new_array_and_left_as_it_was():
    X, Y = _bin()
    net = nndl.Network([3, 4, 1], seed=0)
    W1 = net.params["W1"].copy()
    W1.flags.writeable = False
    before = W1.copy()
    net.params["W1"] = W1
    net.fit(X, Y, iterations=3, learning_rate=0.1)
    assert net.iterations_done == 3 and net.params["W1"] is not W1
    assert np.array_equal(W1, before) and not np.array_equal(net.params["W1"], before)
    net.fit(X, Y, iterations=1)  # the model's own array from then on


# --- messages that name the argument that is wrong --------------------------------------------
def test_a_preprocessing_fitted_on_other_features_is_named_not_x():
    from nndl import Standardizer

    net = nndl.Network([3, 4, 1], seed=0)
    with pytest.raises(NNDLError, match=r"net.preprocessing was fitted on 5 rows \(features\) "
                                        r"but the network's n\[0\] is 3"):
        net.preprocessing = Standardizer().fit(np.ones((5, 10)))
    with pytest.raises(NNDLError, match=r"net.target_scaling was fitted on 2 rows"):
        nndl.Network([3, 1], output="linear").target_scaling = Standardizer().fit(np.ones((2, 4)))
    net.preprocessing = Standardizer().fit(np.arange(30.0).reshape(3, 10))
    net.preprocessing = Standardizer()  # not fitted yet: nothing to compare


def test_a_transposed_dev_set_is_named_as_x_dev():
    X, Y = _bin(m=30)
    net = nndl.Network([3, 4, 1], seed=0)
    with pytest.raises(NNDLError, match=r"^the dev set dev=\(X_dev, Y_dev\): X_dev must have 3 "
                                        r"rows .* try X_dev.T\)$"):
        net.fit(X, Y, iterations=2, dev=(X[:, :10].T, Y[:, :10]))
    with pytest.raises(NNDLError, match=r"^the dev set dev=\(X_dev, Y_dev\): X and Y must"):
        net.fit(X, Y, iterations=2, dev=(X[:, :10], Y[:, :9]))
    with pytest.raises(NNDLError, match=r"^X must have 3 rows"):
        net.fit(X.T, Y, iterations=2)



# --- the pyapi audit: masked arrays and pandas' nullable numbers where arrays enter ------------
def test_masked_entries_are_refused_as_missing_values_and_unmasked_arrays_work():
    """np.asarray dropped the mask: a masked -999 was used by forward, fit and Standardizer."""
    X = np.ma.masked_array([[1.0, 2.0, 3.0], [4.0, -999.0, 6.0]],
                           mask=[[0, 0, 0], [0, 1, 0]])
    y = np.ma.masked_array([0, 1, 1], mask=[0, 0, 1])
    net = nndl.Network([2, 3, 1], seed=0)
    for f in (lambda: net.forward(X), lambda: nndl.Standardizer().fit(X),
              lambda: net.fit(X.filled(5.0), y, iterations=1),
              lambda: nndl.Network([2, 3, 3], output="softmax").fit(X.filled(5.0), y,
                                                                    iterations=1),
              lambda: nndl.Network([2, 3, 1], output="linear").fit(X.filled(5.0), y,
                                                                   iterations=1)):
        with pytest.raises(NNDLError, match=r"(X|Y) has 1 masked value\(s\): fill them "
                                            r"\((X|Y).filled\(v\)\) or leave those samples out"):
            f()
    clear = np.ma.masked_array(X.data, mask=False)
    np.testing.assert_array_equal(net.forward(clear), net.forward(X.data))
    with pytest.raises(NNDLError, match="y_true has 1 masked"):
        nndl.metrics.accuracy(y, [0, 1, 1])


def test_nullable_pandas_numbers_are_read_as_floats_and_their_na_is_a_missing_value():
    pd = pytest.importorskip("pandas")
    data = np.random.default_rng(0).standard_normal((2, 5))
    net = nndl.Network([2, 3, 1], seed=0)
    for dtype in ("Float64", "Int64", "boolean"):
        values = data if dtype == "Float64" else (data > 0).astype(int)
        df = pd.DataFrame(values).astype(dtype)
        np.testing.assert_array_equal(net.forward(df), net.forward(values.astype(float)))
    mixed = pd.DataFrame({"s0": pd.array([1.5, 2.0], dtype="Float64"), "s1": [1.0, 2.0],
                          "s2": pd.array([0, 1], dtype="Int64")})  # 2 features, 3 samples
    np.testing.assert_array_equal(net.forward(mixed), net.forward(mixed.to_numpy(dtype=float)))
    holed = pd.DataFrame(data).astype("Float64")
    holed.iloc[1, 2] = pd.NA
    with pytest.raises(NNDLError, match=r"X has missing values \(1: None, NaN or pandas' NA\)")\
            as info:
        net.forward(holed)
    assert "dtype object" not in str(info.value)
    with pytest.raises(NNDLError, match="must hold numbers; got an array of dtype object"):
        net.forward(pd.DataFrame({"a": ["x", "y"], "b": [1.0, 2.0]}).T)  # text: as before

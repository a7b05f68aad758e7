"""Continuing the dual form of layer 1 is exact (issue 10 C.1): fit 200 + 200, or fit 200 +
checkpoint + resume 200, give the bits of one fit of 400 in every array."""

from __future__ import annotations

import numpy as np
import pytest

import nndl
from nndl import dual
from nndl.checkpoint import Checkpointer

ARRAYS = ("W1", "b1", "W2", "b2", "W3", "b3")


def _data(n0=300, m=40, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n0, m))
    return X, (rng.random((1, m)) > 0.5).astype(float)


def _net():
    return nndl.Network([300, 10, 5, 1], seed=3)


def _same(a, b):
    for k in ARRAYS:
        np.testing.assert_array_equal(a.params[k], b.params[k], err_msg=k)
    assert a.history.costs == b.history.costs
    assert a.iterations_done == b.iterations_done


@pytest.fixture
def once():
    X, Y = _data()
    net = _net()
    assert dual.applicable(net, X, 200) and dual.applicable(net, X, 400)
    net.fit(X, Y, learning_rate=0.05, iterations=400)
    return net


def test_fit_twice_is_one_fit(once):
    X, Y = _data()
    net = _net()
    net.fit(X, Y, learning_rate=0.05, iterations=200)
    net.fit(X, Y, learning_rate=0.05, iterations=200)
    _same(net, once)


def test_checkpoint_and_resume_is_one_fit(tmp_path, once):
    X, Y = _data()
    net = _net()
    ck = Checkpointer(tmp_path / "c.npz", every=200, learning_rate=0.05)
    net.fit(X, Y, learning_rate=0.05, iterations=200, callbacks=[ck])
    assert ck.written == 1
    back = nndl.load(tmp_path / "c.npz")
    assert isinstance(back.layer1_state, dual.DualState)
    back.fit(X.copy(), Y, learning_rate=0.05, iterations=200)  # the same values, read again
    _same(back, once)


def test_a_saved_model_continues_exactly(tmp_path, once):
    X, Y = _data()
    net = _net()
    net.fit(X, Y, learning_rate=0.05, iterations=200)
    net.save(tmp_path / "m.npz")
    back = nndl.Network.load(tmp_path / "m.npz")
    back.fit(X, Y, learning_rate=0.05, iterations=200)
    _same(back, once)


def test_a_checkpoint_mid_fit_holds_the_current_state(tmp_path, once):
    """A checkpoint written during fit (every 100 of 200) continues exactly too."""
    X, Y = _data()
    net = _net()
    ck = Checkpointer(tmp_path / "c.npz", every=100, learning_rate=0.05)
    net.fit(X, Y, learning_rate=0.05, iterations=300, callbacks=[ck])
    back = nndl.load(tmp_path / "c.npz")  # the last write: after iteration 300
    assert back.iterations_done == 300
    back.fit(X, Y, learning_rate=0.05, iterations=100)
    _same(back, once)


def test_other_data_or_a_changed_w1_start_afresh():
    """The kept state continues only the same X from the same W1; otherwise the dual form
    starts from the live W1 as before (no wrong continuation)."""
    X, Y = _data()
    X2, _ = _data(seed=5)
    a, b = _net(), _net()
    for net in (a, b):
        net.fit(X, Y, learning_rate=0.05, iterations=50)
    kept = a.layer1_state
    a.fit(X2, Y, learning_rate=0.05, iterations=50)
    assert a.layer1_state is not kept
    np.testing.assert_array_equal(a.layer1_state.W1_init, b.params["W1"])
    b.params["W1"][0, 0] += 1.0
    w1 = b.params["W1"].copy()
    b.fit(X, Y, learning_rate=0.05, iterations=10)
    np.testing.assert_array_equal(b.layer1_state.W1_init, w1)


def test_a_plain_fit_drops_the_state():
    X, Y = _data()
    net = _net()
    net.fit(X, Y, learning_rate=0.05, iterations=50)
    assert net.layer1_state is not None
    net.fit(X, Y, learning_rate=0.05, epochs=1, batch_size=8)
    assert net.layer1_state is None


def test_a_w1_changed_after_fit_is_saved_as_changed(tmp_path):
    """A W1 edited between fit and save does not continue from the state (which would undo
    the edit)."""
    X, Y = _data()
    net = _net()
    net.fit(X, Y, learning_rate=0.05, iterations=20)
    net.params["W1"][:] = 0.0
    net.save(tmp_path / "m.npz")
    back = nndl.load(tmp_path / "m.npz")
    back.fit(X, Y, learning_rate=0.05, iterations=100)
    np.testing.assert_array_equal(back.layer1_state.W1_init, np.zeros_like(net.params["W1"]))


def test_cli_resume_on_the_dual_path_is_bit_for_bit(tmp_path):
    """``nndl train`` with fewer samples than features (the dual path): 200 iterations, then
    the saved model --resume'd to 400, saves the bits of one run of 400."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    rng = np.random.default_rng(2)
    X = rng.standard_normal((30, 60))
    y = (X[:, 0] + X[:, 1] > 0).astype(int)
    rows = [",".join([f"f{i}" for i in range(60)] + ["y"])]
    rows += [",".join([f"{v:.4f}" for v in x] + [str(t)]) for x, t in zip(X, y)]
    (tmp_path / "d.csv").write_text("\n".join(rows) + "\n")
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1] / "src"),
           "OPENBLAS_NUM_THREADS": "1"}

    def train(*args):
        r = subprocess.run([sys.executable, "-m", "nndl", "train", "--quiet", *args],
                           cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
        assert r.returncode == 0, r.stderr

    given = ("--data", "d.csv", "--layers", "8", "--lr", "0.05")
    train(*given, "--iterations", "400", "--out", "once.npz")
    train(*given, "--iterations", "200", "--out", "half.npz")
    train("--resume", "half.npz", "--iterations", "400", "--out", "resumed.npz")
    once, resumed = nndl.load(tmp_path / "once.npz"), nndl.load(tmp_path / "resumed.npz")
    assert isinstance(once.layer1_state, dual.DualState)  # it took the dual path
    for k in once.params:
        np.testing.assert_array_equal(resumed.params[k], once.params[k], err_msg=k)
    assert resumed.history.costs == once.history.costs


def test_fingerprint_reads_any_layout_as_c_order():
    import hashlib

    X = np.random.default_rng(0).random((70, 9))
    want = hashlib.sha256(f"{X.dtype.str}{X.shape}".encode() + X.tobytes()).hexdigest()
    for view in (X, np.asfortranarray(X), X.T.copy().T):
        assert dual.fingerprint(view) == want
    assert dual.fingerprint(X[:, ::2]) == dual.fingerprint(np.ascontiguousarray(X[:, ::2]))
    assert dual.fingerprint(X) != dual.fingerprint(X + 1e-16 * (X == X.max()))


def _dual_file(tmp_path):
    X, Y = _data(n0=30, m=8)
    net = nndl.Network([30, 4, 1], seed=0)
    net.fit(X, Y, learning_rate=0.05, iterations=100)
    assert isinstance(net.layer1_state, dual.DualState)
    net.save(tmp_path / "m.npz")
    with np.load(tmp_path / "m.npz", allow_pickle=False) as z:
        return {k: z[k] for k in z.files}


@pytest.mark.parametrize("edit,words", [
    (lambda m, a: m["dual"].update(m=9), ["dual/C", "shape"]),
    (lambda m, a: m["dual"].update(m=30), ["dual must be"]),
    (lambda m, a: m["dual"].update(m=True), ["dual must be"]),
    (lambda m, a: m["dual"].update(x_print="../etc"), ["dual must be"]),
    (lambda m, a: m["dual"].update(evil=1), ["dual must be"]),
    (lambda m, a: m.update(dual=[1]), ["dual must be"]),
    (lambda m, a: a.pop("dual/W1_init"), ["dual/W1_init"]),
    (lambda m, a: a.update({"dual/C": np.full((4, 8), np.nan)}), ["dual/C", "NaN"]),
    (lambda m, a: m.update(dual=None), ["unexpected", "dual/C"]),
], ids=["m", "m-too-big", "m-bool", "print", "extra", "not-object", "missing", "nan", "null"])
def test_a_tampered_dual_state_is_refused(tmp_path, edit, words):
    import json

    arrays = _dual_file(tmp_path)
    meta = json.loads(str(arrays["__meta__"]))
    edit(meta, arrays)
    arrays["__meta__"] = np.array(json.dumps(meta))
    np.savez(tmp_path / "bad.npz", **arrays)
    with pytest.raises(nndl.NNDLError) as e:
        nndl.load(tmp_path / "bad.npz")
    assert all(w in str(e.value) for w in words), str(e.value)


@pytest.mark.parametrize("change", [lambda X: -X, lambda X: X[::-1].copy(),
                                    lambda X: X[:, ::-1].copy(),
                                    lambda X: X + (np.arange(X.size).reshape(X.shape) == 7)])
def test_data_print_tells_other_data_apart(change):
    """A sign flip (its X^T X is the same bits), a permutation of features or samples, one
    changed value: the dual form does not continue from a state made on X (zeros init: P0 is
    0 whatever X is, so the sketch must tell)."""
    X, Y = _data(n0=60, m=12)
    net = nndl.Network([60, 1], init="zeros")
    net.fit(X, Y, learning_rate=0.05, iterations=100)
    kept, w1 = net.layer1_state, net.params["W1"].copy()
    net.fit(change(X), Y, learning_rate=0.05, iterations=100)
    assert net.layer1_state is not kept
    np.testing.assert_array_equal(net.layer1_state.W1_init, w1)
    G = X.T @ X
    assert dual.data_print(X, G, np.zeros((1, 12))) == dual.data_print(X.copy(), G.copy(),
                                                                       np.zeros((1, 12)))

"""The fused updates (nndl.kernels, numba) give the bits of the optimizers' NumPy passes."""

from __future__ import annotations

import numpy as np
import pytest

import nndl
from nndl import kernels
from nndl import optimizers as O

numba = pytest.importorskip("numba", reason="the fused kernels need numba (nndl[fast]); "
                            "CI installs it with the test extra")

SETTINGS = {"momentum": {"beta": 0.8}, "rmsprop": {"beta": 0.95, "epsilon": 1e-7},
            "adam": {"beta1": 0.85, "beta2": 0.995}}


@pytest.fixture
def fused(monkeypatch):
    """The kernels loaded and enabled for one test (as they were after)."""
    monkeypatch.setattr(kernels, "enabled", True)
    monkeypatch.setattr(kernels, "_loaded", kernels._loaded)
    return kernels.load()


def _grads(rng, shapes, dtype):
    return {"d" + k: (rng.standard_normal(s) * 10.0 ** rng.integers(-7, 3, s)).astype(dtype)
            for k, s in shapes.items()}


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", sorted(SETTINGS))
@pytest.mark.parametrize("into", [False, True])
def test_fused_updates_equal_numpys_bit_for_bit(name, dtype, into, fused, monkeypatch):
    """Every optimizer, both dtypes, step() and step_into(), ten steps of gradients spanning
    ten orders of magnitude (tolerance: none), including the optimizer state."""
    rng = np.random.default_rng(5)
    shapes = {"W1": (64, 70), "b1": (64, 1), "W2": (3, 64)}
    P0 = {k: rng.standard_normal(s).astype(dtype) for k, s in shapes.items()}
    opts = [O.get_optimizer(name, learning_rate=0.01, decay=0.1, **SETTINGS[name])
            for _ in range(2)]
    live = [{k: v.copy() for k, v in P0.items()} for _ in range(2)]
    calls = []
    real = getattr(fused, name)
    monkeypatch.setattr(fused, name, lambda *a: calls.append(1) or real(*a))
    for _ in range(10):
        grads = _grads(rng, shapes, dtype)
        for i, use in enumerate((False, True)):
            monkeypatch.setattr(kernels, "enabled", use)
            g = {k: v.copy() for k, v in grads.items()}
            if into:
                live[i] = opts[i].step_into(live[i], g)
            else:
                opts[i].step(live[i], g)
        for opt in opts:
            opt.end_epoch()
        for k in shapes:
            assert live[1][k].dtype == dtype
            np.testing.assert_array_equal(live[1][k], live[0][k])
    # the kernel ran at every step for every parameter (momentum: for those of >= 4096 entries)
    assert len(calls) == 10 * (1 if name == "momentum" else len(shapes))
    a, b = opts[0].state_dict(), opts[1].state_dict()
    for key in a:
        np.testing.assert_array_equal(b[key], a[key], err_msg=key)


def test_arrays_that_do_not_suit_a_kernel_take_numpys_passes(fused):
    """Fortran-ordered parameters, mismatched shapes and non-float dtypes: flat() says no, and
    the update is still right."""
    F = np.asfortranarray(np.ones((4, 3)))
    assert kernels.flat(F, F.copy(order="F")) is None
    assert kernels.flat(np.ones(3), np.ones(4)) is None
    assert kernels.flat(np.ones(3, np.float16)) is None
    assert kernels.flat(np.ones(3), np.ones(3, np.float32)) is None
    P = {"W1": F.copy(order="F")}
    O.Adam(0.1).step(P, {"dW1": np.asfortranarray(np.full((4, 3), 0.5))})
    np.testing.assert_allclose(P["W1"], 1 - 0.1 * 0.5 / (0.5 + 1e-8), rtol=1e-12)


def test_fit_gives_the_same_bits_with_and_without_kernels(fused, monkeypatch):
    """A mini-batch Adam fit (L2, 3 epochs, float32) through Network.fit: same parameters,
    same costs."""
    rng = np.random.default_rng(2)
    X = rng.standard_normal((20, 300)).astype(np.float32)
    Y = (rng.random((1, 300)) > 0.5).astype(np.float32)
    out = []
    for use in (False, True):
        monkeypatch.setattr(kernels, "enabled", use)
        net = nndl.Network([20, 16, 8, 1], seed=3, dtype="float32")
        h = net.fit(X, Y, optimizer="adam", learning_rate=0.01, batch_size=64, epochs=3,
                    lambd=0.1)
        out.append((net, h))
    (a, ha), (b, hb) = out
    assert ha.costs == hb.costs
    for k in a.params:
        np.testing.assert_array_equal(b.params[k], a.params[k])


def test_prepare_loads_only_when_the_fit_saves_more_than_loading_costs(monkeypatch):
    monkeypatch.setattr(kernels, "enabled", True)
    monkeypatch.setattr(kernels, "_loaded", None)
    loads = []
    monkeypatch.setattr(kernels, "_compile", lambda: loads.append(1) or object())
    assert not kernels.prepare("adam", 1000, 100)       # 1e5 updates: 0.1 ms saved
    assert not kernels.prepare("adam", 535_040, 235)    # one epoch of the wide MLP
    assert not kernels.prepare("gd", 535_040, 10**6)    # plain SGD: nothing to gain
    assert loads == [] and kernels.loaded() is None
    assert kernels.prepare("adam", 535_040, 2350)       # ten epochs with Adam: ~1.3 s saved
    assert loads == [1] and kernels.loaded() is not None
    assert kernels.prepare("gd", 10, 1)                 # loaded: everything uses them
    assert loads == [1]
    monkeypatch.setattr(kernels, "enabled", False)
    assert not kernels.prepare("adam", 535_040, 2350) and kernels.loaded() is None


def test_a_numba_that_fails_to_load_leaves_numpys_updates(monkeypatch):
    monkeypatch.setattr(kernels, "enabled", True)
    monkeypatch.setattr(kernels, "_loaded", None)
    monkeypatch.setattr(kernels, "failure", None)
    calls = []

    def broken():
        calls.append(1)
        raise RuntimeError("LLVM ERROR: a broken install")

    monkeypatch.setattr(kernels, "_compile", broken)
    assert not kernels.prepare("adam", 535_040, 23_500)
    assert "broken install" in kernels.failure and kernels.loaded() is None
    assert not kernels.prepare("adam", 535_040, 23_500) and calls == [1]  # not retried
    P = {"W1": np.ones((2, 2))}
    O.Adam(0.1).step(P, {"dW1": np.full((2, 2), 0.5)})  # NumPy's passes
    np.testing.assert_allclose(P["W1"], 1 - 0.1 * 0.5 / (0.5 + 1e-8), rtol=1e-12)


def test_kernels_compile_without_a_writable_cache(monkeypatch):
    """Where numba cannot cache (no writable directory: it raises RuntimeError when asked to),
    the kernels are compiled in the process, with the same bits."""
    real = numba.njit

    def njit(*args, **kw):
        if kw.get("cache"):
            raise RuntimeError("cannot cache function: no locator available")
        return real(*args, **kw)

    monkeypatch.setattr(numba, "njit", njit)
    kern = kernels._compile()
    rng = np.random.default_rng(0)
    P, G = rng.standard_normal(50), rng.standard_normal(50)
    v0, v = rng.standard_normal(50), np.empty(50)
    want_v = v0 * 0.75 + G * 0.25
    want = P - 0.5 * want_v
    out = G.copy()
    kern.momentum(P, out, True, v0, v, 0.75, 0.25, 0.5)
    np.testing.assert_array_equal(v, want_v)
    np.testing.assert_array_equal(out, want)


# --- the ReLU layer's kernels -----------------------------------------------------------------
def _bits(a: np.ndarray) -> np.ndarray:
    """The array's bit patterns (-0.0 differs from 0.0, NaN equals the same NaN)."""
    return a.view(f"u{a.dtype.itemsize}")


def _hostile(rng, shape, dtype):
    """Values of many magnitudes and signs, with signed zeros, infinities, NaN and subnormals."""
    V = rng.standard_normal(shape) * 10.0 ** rng.integers(-8, 4, shape)
    specials = [0.0, -0.0, np.inf, -np.inf, np.nan, 1e-42, -1e-42]
    pick = rng.random(shape) < 0.15
    V[pick] = rng.choice(specials, size=int(pick.sum()))
    return V.astype(dtype)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(1, 1), (3, 7), (64, 70), (512, 33), (7, 209)])
def test_relu_kernels_give_numpys_bits(shape, dtype, fused):
    """relu_forward is ``Z += b; A = np.maximum(Z, 0)`` and relu_backward
    ``dA * (Z > 0)``, bit for bit (tolerance: none; signed zeros and NaN compared as bits)."""
    rng = np.random.default_rng(sum(shape))
    relu = nndl.activations.get_activation("relu")
    Z0, dA0 = _hostile(rng, shape, dtype), _hostile(rng, shape, dtype)
    b = _hostile(rng, (shape[0], 1), dtype)
    Zn = Z0.copy()
    with np.errstate(invalid="ignore", over="ignore"):  # inf - inf, inf * 0: NaN, as wanted
        Zn += b
        An = np.maximum(Zn, 0)
        dZn = dA0 * (Zn > 0)
    Zk = Z0.copy()
    Ak = kernels.forward(Zk, b, relu)
    assert Ak is not None and Ak.dtype == dtype
    np.testing.assert_array_equal(_bits(Zk), _bits(Zn))
    np.testing.assert_array_equal(_bits(Ak), _bits(An))
    dAk = dA0.copy()
    assert kernels.backward_inplace(dAk, Zn, relu) is dAk
    np.testing.assert_array_equal(_bits(dAk), _bits(dZn))


def test_layers_use_the_relu_kernels_only_where_they_suit(fused, monkeypatch):
    """layer_forward / activation_backward call the kernels for C-ordered float matrices with
    a contiguous (n, 1) bias of their dtype; for anything else (a Fortran-ordered Z, a
    broadcast or strided bias, a float64 bias for float32 Z, float16, another activation) NumPy's passes, with the same
    results as without kernels."""
    from nndl.layers import activation_backward, layer_forward

    calls = []
    for name in ("relu_forward", "relu_backward"):
        real = getattr(fused, name)
        monkeypatch.setattr(fused, name, lambda *a, _r=real, _n=name: calls.append(_n) or _r(*a))
    relu = nndl.activations.get_activation("relu")
    rng = np.random.default_rng(1)
    W, A0 = rng.standard_normal((6, 5)), rng.standard_normal((5, 9))
    b = rng.standard_normal((6, 1))

    def both(W, A0, b, g):
        out = []
        for use in (False, True):
            monkeypatch.setattr(kernels, "enabled", use)
            Z, A = layer_forward(A0, W, b, g)
            dZ = activation_backward(np.ones_like(Z), Z, A, g, overwrite_dA=True)
            out.append((Z, A, dZ))
        for x, y in zip(*out):
            np.testing.assert_array_equal(_bits(y), _bits(x))

    both(W, A0, b, relu)
    assert calls == ["relu_forward", "relu_backward"]
    calls.clear()
    frozen = b.copy()
    frozen.flags.writeable = False                              # only read: still a kernel's
    both(W, A0, frozen, relu)
    assert calls == ["relu_forward", "relu_backward"]
    calls.clear()
    both(W, A0, b[:1], relu)                                    # a (1, 1) bias, broadcast
    both(W, A0, np.repeat(b, 2, axis=1)[:, :1], relu)           # a strided (n, 1) bias
    both(W.astype(np.float32), A0.astype(np.float32), b, relu)        # float64 b, float32 Z
    both(W.astype(np.float16), A0.astype(np.float16), b.astype(np.float16), relu)
    both(W, A0, b, nndl.activations.get_activation("sigmoid"))
    # the other biases: NumPy's forward, then the backward kernel (dA and Z suit it);
    # float16 and sigmoid: NumPy's passes only
    assert calls == ["relu_backward"] * 3
    F = np.asfortranarray(rng.standard_normal((6, 9)))
    assert kernels.forward(F, b, relu) is None
    assert kernels.backward_inplace(np.ones((6, 9)), F, relu) is None
    assert kernels.forward(np.ones((6, 9)), b, nndl.activations.get_activation("tanh")) is None


def test_relu_fit_gives_the_same_bits_with_and_without_kernels(fused, monkeypatch):
    """Mini-batch SGD with dropout, and a full-batch fit, of ReLU networks (float32 and
    float64): same parameters and costs with the kernels as without, and the kernels ran at
    every step of every ReLU layer."""
    calls = []
    for name in ("relu_forward", "relu_backward"):
        real = getattr(fused, name)
        monkeypatch.setattr(fused, name, lambda *a, _r=real: calls.append(1) or _r(*a))
    rng = np.random.default_rng(4)
    X = rng.standard_normal((12, 200))
    Y = (rng.random((1, 200)) > 0.5).astype(float)
    for dtype, kw in (("float32", dict(batch_size=50, epochs=3, keep_probs=[0.8, 0.9])),
                      ("float64", dict(iterations=12))):
        out = []
        for use in (False, True):
            monkeypatch.setattr(kernels, "enabled", use)
            calls.clear()
            net = nndl.Network([12, 16, 8, 1], seed=3, dtype=dtype)
            h = net.fit(X.astype(dtype), Y.astype(dtype), learning_rate=0.05, **kw)
            out.append((net, h, len(calls)))
        (a, ha, _), (b, hb, n_calls) = out
        assert ha.costs == hb.costs
        for k in a.params:
            np.testing.assert_array_equal(_bits(b.params[k]), _bits(a.params[k]))
        steps = len(hb.costs)
        assert n_calls == steps * 2 * 2  # two ReLU layers, forward and backward


def test_prepare_counts_what_the_relu_layers_save(monkeypatch):
    """A long ReLU fit with plain gradient descent loads the kernels (its layers save more than
    loading costs); a short one or a sigmoid network does not."""
    relu = nndl.activations.get_activation("relu")
    sigmoid = nndl.activations.get_activation("sigmoid")
    wide = [(relu, 512 * 256), (relu, 256 * 256), (nndl.activations.get_activation("softmax"),
                                                      10 * 256)]
    assert kernels.saving_s("gd", 535_040, 235, [(sigmoid, 512 * 256)]) == 0.0
    one_epoch = kernels.saving_s("gd", 535_040, 235, wide)
    assert 0.02 < one_epoch < 0.025           # 235 steps x 0.5 ns x 196 608 entries
    monkeypatch.setattr(kernels, "enabled", True)
    monkeypatch.setattr(kernels, "_loaded", None)
    loads = []
    monkeypatch.setattr(kernels, "_compile", lambda: loads.append(1) or object())
    assert not kernels.prepare("gd", 535_040, 235, wide) and loads == []
    assert kernels.prepare("gd", 535_040, 235 * 30, wide) and loads == [1]

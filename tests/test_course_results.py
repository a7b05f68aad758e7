"""The course's published numbers (SPEC.md), reproduced in float64 on the cat data."""

from __future__ import annotations

import numpy as np
import pytest

import nndl

# (layer dims, init, learning rate, iterations, cost at 0, final cost, train acc, test acc)
TABLE = [
    pytest.param([12288, 1], "zeros", 0.005, 2000, 0.693147, 0.135659, 0.9904, 0.70,
                 id="logistic-regression"),
    pytest.param([12288, 7, 1], "small", 0.0075, 2500, 0.693050, 0.044215, 1.00, 0.72,
                 id="2-layer"),
    pytest.param([12288, 20, 7, 5, 1], "scaled", 0.0075, 2500, 0.771749, 0.088440, 0.9856,
                 0.80, id="4-layer"),
]


@pytest.mark.parametrize("layer1", ["plain", "dual"])
@pytest.mark.parametrize("dims,init,lr,iters,j0,jend,train_acc,test_acc", TABLE)
def test_course_table(cat_data, monkeypatch, layer1, dims, init, lr, iters, j0, jend, train_acc,
                      test_acc):
    """Both ways of training layer 1 (the notes' W1 X, and nndl.dual's exact C X^T X form,
    which fit picks here because m = 209 < n[0] = 12288) give the course's numbers."""
    from nndl import dual

    monkeypatch.setattr(dual, "enabled", layer1 == "dual")
    train, test = cat_data
    net = nndl.Network(dims, hidden="relu", output="sigmoid", init=init,
                       rng=np.random.RandomState(1), dtype="float64")
    history = net.fit(train.X, train.Y, learning_rate=lr, iterations=iters)
    assert len(history.costs) == iters
    # The table gives 6 decimals: agree to half a unit in the last place.
    assert history.costs[0] == pytest.approx(j0, abs=5e-7)
    assert history.costs[-1] == pytest.approx(jend, abs=5e-7)
    assert net.accuracy(train.X, train.Y) == pytest.approx(train_acc, abs=5e-5)
    assert net.accuracy(test.X, test.Y) == pytest.approx(test_acc, abs=1e-12)


def test_functional_api_reproduces_the_2_layer_start(cat_data):
    """The course's step-by-step loop gives the same first costs as Network."""
    from nndl import functional as F

    train, _ = cat_data
    params = F.initialize_parameters_deep([12288, 20, 7, 5, 1], rng=np.random.RandomState(1),
                                          init="scaled")
    costs = []
    for _ in range(3):
        AL, caches = F.L_model_forward(train.X, params)
        costs.append(F.compute_cost(AL, train.Y))
        grads = F.L_model_backward(AL, train.Y, caches)
        params = F.update_parameters(params, grads, 0.0075)
    net = nndl.Network([12288, 20, 7, 5, 1], init="scaled", rng=np.random.RandomState(1))
    h = net.fit(train.X, train.Y, learning_rate=0.0075, iterations=3)
    assert costs[0] == pytest.approx(0.771749, abs=5e-7)
    assert costs[0] == h.costs[0]  # the same forward pass and cost
    # then functional's backward goes the course's way (dA[L] through the sigmoid's backward),
    # Network's takes dZ[L] = A[L] - Y: the same up to rounding
    np.testing.assert_allclose(costs, h.costs, rtol=1e-13, atol=0)
    for k in params:
        np.testing.assert_allclose(params[k], net.params[k], rtol=1e-11,
                                   atol=1e-13 * np.abs(net.params[k]).max())

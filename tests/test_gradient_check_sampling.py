"""gradcheck's default sampling of large models and its progress bar (issue 10 A.8)."""

from __future__ import annotations

import io
import sys

import numpy as np
import pytest

import nndl
import nndl.gradient_check as gc
from nndl.errors import NNDLError


def _problem(dims, seed=0, m=3):
    rng = np.random.default_rng(seed)
    net = nndl.Network(dims, hidden="tanh", init="xavier", rng=rng)
    X = rng.standard_normal((dims[0], m))
    Y = (rng.random((1, m)) > 0.5).astype(float)
    return net, X, Y


@pytest.fixture
def forwards(monkeypatch):
    """Counts the forward passes gradcheck makes: 1 for backprop + 2 per checked entry."""
    calls = []
    real = gc.model_forward

    def counting(*a, **k):
        calls.append(1)
        return real(*a, **k)

    monkeypatch.setattr(gc, "model_forward", counting)
    return calls


def test_the_auto_threshold_is_the_clis():
    from nndl.cli import gradcheck as cli_gradcheck

    assert gc.AUTO_SAMPLE == cli_gradcheck.AUTO_SAMPLE == 20000


def test_the_default_samples_a_model_above_the_threshold(monkeypatch, forwards):
    monkeypatch.setattr(gc, "AUTO_SAMPLE", 50)
    net, X, Y = _problem([20, 10, 1])  # 221 parameters
    assert net.n_params == 221
    assert nndl.gradcheck(net, X, Y, epsilon=1e-5) < 1e-7
    assert len(forwards) == 1 + 2 * 50


def test_the_default_checks_all_of_a_model_at_the_threshold(monkeypatch, forwards):
    monkeypatch.setattr(gc, "AUTO_SAMPLE", 221)
    net, X, Y = _problem([20, 10, 1])
    nndl.gradcheck(net, X, Y)
    assert len(forwards) == 1 + 2 * 221


@pytest.mark.parametrize("everything", [None, "all"])
def test_none_or_all_checks_every_parameter_of_a_large_model(monkeypatch, forwards, everything):
    monkeypatch.setattr(gc, "AUTO_SAMPLE", 50)
    net, X, Y = _problem([20, 10, 1])
    total, per = nndl.gradcheck(net, X, Y, epsilon=1e-5, sample=everything, details=True)
    assert len(forwards) == 1 + 2 * 221
    assert total < 1e-7 and set(per) == {"dW1", "db1", "dW2", "db2"}


def test_a_real_model_above_20000_parameters_is_sampled_by_default(forwards):
    net, X, Y = _problem([200, 101, 1], m=2)  # 20,403 parameters
    assert net.n_params == 20403
    assert nndl.gradcheck(net, X, Y, epsilon=1e-5) < 1e-7
    assert len(forwards) == 1 + 2 * 20000


def test_the_default_sample_still_catches_a_wrong_gradient(monkeypatch):
    """The wrong gradient is in one small array (b2, 1 entry of 221): every array gets at least
    one entry of the sample, so it is seen."""
    monkeypatch.setattr(gc, "AUTO_SAMPLE", 30)
    net, X, Y = _problem([20, 10, 1])
    real = gc.model_backward

    def broken(*a, **k):
        g = real(*a, **k)
        g["db2"] = g["db2"] + 0.5
        return g

    monkeypatch.setattr(gc, "model_backward", broken)
    total, per = nndl.gradcheck(net, X, Y, details=True)
    assert total > 1e-2 and per["db2"] > 0.1
    assert per["dW1"] < 1e-6


def test_bad_sample_values_are_refused():
    net, X, Y = _problem([2, 2, 1])
    for bad in ("some", 0, -1, 2.5, True):
        with pytest.raises(NNDLError, match=r'sample must be a positive integer, "auto" or '
                                            r'"all"'):
            nndl.gradcheck(net, X, Y, sample=bad)
    with pytest.raises(NNDLError, match="progress must be True, False or None"):
        nndl.gradcheck(net, X, Y, progress="yes")


def test_progress_true_draws_a_bar_on_stderr(monkeypatch):
    pytest.importorskip("tqdm")
    err = io.StringIO()
    monkeypatch.setattr(sys, "stderr", err)
    net, X, Y = _problem([4, 3, 1])  # 19 parameters
    nndl.gradcheck(net, X, Y, progress=True)
    out = err.getvalue()
    assert "gradcheck" in out and "/19 " in out  # the bar over the 19 checked entries


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize("stream,delay,shown", [(io.StringIO, 0.0, False),
                                                (_Terminal, 0.0, True),
                                                (_Terminal, 60.0, False)])
def test_progress_default_only_on_a_terminal_and_for_long_checks(monkeypatch, stream, delay,
                                                                 shown):
    pytest.importorskip("tqdm")
    err = stream()
    monkeypatch.setattr(sys, "stderr", err)
    monkeypatch.setattr(gc, "PROGRESS_DELAY", delay)
    net, X, Y = _problem([4, 3, 1])
    nndl.gradcheck(net, X, Y)
    assert ("gradcheck" in err.getvalue()) == shown


def test_progress_false_draws_nothing_even_on_a_terminal(monkeypatch):
    err = _Terminal()
    monkeypatch.setattr(sys, "stderr", err)
    monkeypatch.setattr(gc, "PROGRESS_DELAY", 0.0)
    net, X, Y = _problem([4, 3, 1])
    nndl.gradcheck(net, X, Y, progress=False)
    assert err.getvalue() == ""


def test_progress_without_tqdm(monkeypatch):
    monkeypatch.setitem(sys.modules, "tqdm", None)  # import tqdm now raises ImportError
    net, X, Y = _problem([4, 3, 1])
    with pytest.raises(NNDLError, match=r"needs tqdm: pip install 'nndl\[progress\]'"):
        nndl.gradcheck(net, X, Y, progress=True)
    monkeypatch.setattr(sys, "stderr", _Terminal())
    assert nndl.gradcheck(net, X, Y, epsilon=1e-5) < 1e-7  # the default goes on without a bar

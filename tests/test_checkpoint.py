"""Checkpoints: written every N iterations and on SIGINT/SIGTERM; resuming gives exactly the
parameters of an uninterrupted run (library level here; the command line in test_cli.py)."""

from __future__ import annotations

import os
import signal

import numpy as np
import pytest

import nndl
from nndl.callbacks import Callback
from nndl.checkpoint import Checkpointer
from nndl.errors import NNDLError

X = np.random.default_rng(1).standard_normal((4, 30))
Y = (X[0:1] + X[1:2] > 0).astype(float)


def new():
    return nndl.Network([4, 5, 3, 1], seed=7)


class SendAt(Callback):
    """Send ``sig`` to this process after iteration ``at``."""

    def __init__(self, at: int, sig: int) -> None:
        self.at, self.sig = at, sig

    def on_iteration_end(self, net, iteration, cost):
        if iteration == self.at:
            os.kill(os.getpid(), self.sig)


def test_every_n_iterations(tmp_path):
    seen = []

    class Spy(Callback):
        def on_iteration_end(self, net, iteration, cost):
            if (tmp_path / "c.npz").exists():
                seen.append(nndl.load(tmp_path / "c.npz").iterations_done)

    ck = Checkpointer(tmp_path / "c.npz", every=4, learning_rate=0.1)
    new().fit(X, Y, learning_rate=0.1, iterations=10, callbacks=[ck, Spy()])
    assert ck.written == 2
    assert sorted(set(seen)) == [4, 8]
    _, meta = nndl.io.read(tmp_path / "c.npz")
    assert meta["info"]["checkpoint"] == {"iterations_done": 8, "target_iterations": 10,
                                          "learning_rate": 0.1, "signal": None}


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_signal_stops_after_the_iteration_and_resume_is_exact(tmp_path, sig):
    full = new()
    full.fit(X, Y, learning_rate=0.1, iterations=25)

    net = new()
    ck = Checkpointer(tmp_path / "c.npz", learning_rate=0.1)
    before = signal.getsignal(sig)
    with ck.catch_signals():
        net.fit(X, Y, learning_rate=0.1, iterations=25, callbacks=[SendAt(9, sig), ck])
    assert signal.getsignal(sig) is before      # handlers restored
    assert ck.signal == sig
    assert net.iterations_done == 10            # iteration 9 finished, then it stopped
    ck.write(net)

    back, meta = nndl.io.read(tmp_path / "c.npz")
    state = meta["info"]["checkpoint"]
    assert state["iterations_done"] == 10 and state["target_iterations"] == 25
    assert state["signal"] == signal.Signals(sig).name
    back.fit(X, Y, learning_rate=state["learning_rate"],
             iterations=state["target_iterations"] - back.iterations_done)
    for k in full.params:
        assert np.array_equal(full.params[k], back.params[k])
    assert back.history.costs == full.history.costs


def test_bad_every():
    with pytest.raises(NNDLError):
        Checkpointer("x.npz", every=-2)

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


# --- mini-batches: checkpoints at epoch boundaries --------------------------------------------
XM = np.random.default_rng(2).standard_normal((4, 50))
YM = (XM[0:1] - XM[2:3] > 0).astype(float)
XD = np.random.default_rng(3).standard_normal((4, 20))
YD = (XD[0:1] - XD[2:3] > 0).astype(float)
MINI = dict(batch_size=8, lambd=0.05, keep_probs=0.8, dev=(XD, YD))


def adam():
    return nndl.optimizers.get_optimizer("adam", 0.02, decay=0.3)


def test_signal_finishes_the_epoch_and_resume_is_exact_with_adam_and_early_stopping(tmp_path):
    from nndl.callbacks import EarlyStopping

    straight, es0 = new(), EarlyStopping(4)
    straight.fit(XM, YM, epochs=12, optimizer=adam(), callbacks=[es0], **MINI)
    es0.restore(straight)

    net, es = new(), EarlyStopping(4)
    ck = Checkpointer(tmp_path / "c.npz", unit="epoch", target_epochs=12, early_stopping=es)
    with ck.catch_signals():  # iteration 9 is the 3rd batch of epoch 1 (7 batches an epoch)
        net.fit(XM, YM, epochs=12, optimizer=adam(), callbacks=[SendAt(9, signal.SIGINT), es,
                                                                 ck], **MINI)
    assert ck.signal == signal.SIGINT
    assert net.epochs_done == 2 and net.iterations_done == 14  # epoch 1 was finished
    ck.write(net)

    back, meta = nndl.io.read(tmp_path / "c.npz")
    state = meta["info"]["checkpoint"]
    assert state["unit"] == "epoch" and state["epochs_done"] == 2
    assert state["target_epochs"] == 12
    es2 = EarlyStopping(4)
    es2.load_state_dict(state["early_stopping"], meta["param_sets"].get("best"))
    assert back.optimizer.t == 14 and back.optimizer.epoch == 2
    back.fit(XM, YM, epochs=12 - back.epochs_done, optimizer=back.optimizer, callbacks=[es2],
             **MINI)
    es2.restore(back)
    for k in straight.params:
        assert np.array_equal(straight.params[k], back.params[k]), k
    assert back.history.costs == straight.history.costs
    assert back.history.dev_costs == straight.history.dev_costs
    assert back.history.best_epoch == straight.history.best_epoch == es0.best_epoch


def test_every_n_epochs(tmp_path):
    seen = []

    class Spy(Callback):
        def on_epoch_end(self, net, epoch, logs):
            if (tmp_path / "c.npz").exists():
                seen.append(nndl.load(tmp_path / "c.npz").epochs_done)

    ck = Checkpointer(tmp_path / "c.npz", every=2, unit="epoch")
    new().fit(XM, YM, batch_size=8, epochs=5, callbacks=[ck, Spy()])
    assert ck.written == 2 and sorted(set(seen)) == [2, 4]


def test_early_stopping_callback_matches_fit_patience():
    from nndl.callbacks import EarlyStopping

    a = new()
    a.fit(XM, YM, batch_size=8, epochs=30, learning_rate=0.5, dev=(XD, YD), patience=2)
    b, es = new(), EarlyStopping(2)
    b.fit(XM, YM, batch_size=8, epochs=30, learning_rate=0.5, dev=(XD, YD), callbacks=[es])
    es.restore(b)
    assert es.stopped and b.epochs_done == a.epochs_done < 30  # it did stop early
    assert b.history.best_epoch == a.history.best_epoch
    for k in a.params:
        assert np.array_equal(a.params[k], b.params[k])
    with pytest.raises(NNDLError):
        es.load_state_dict({"best_cost": 1.0, "best_epoch": None, "wait": 0}, None)
    with pytest.raises(NNDLError):
        Checkpointer("x.npz", unit="batch")


# --- a stop that is a pause: counters and parameters of the same step -------------------------
def test_a_signal_stop_with_patience_keeps_the_last_parameters_for_the_checkpoint(tmp_path):
    # fit(patience=k) put back the best epoch's parameters on a signal stop as well: the
    # recipe's ckpt.write(net) saved them with the last epoch's counters and Adam state, and
    # the resumed run went on from an old point with a later schedule
    kw = dict(batch_size=8, dev=(XD, YD))
    full = new()
    full.fit(XM, YM, epochs=12, optimizer=adam(), **kw)
    net = new()
    ck = Checkpointer(tmp_path / "c.npz", unit="epoch", target_epochs=12)
    with ck.catch_signals():  # patience never reached: only the signal stops it
        net.fit(XM, YM, epochs=12, optimizer=adam(), patience=100,
                callbacks=[SendAt(60, signal.SIGINT), ck], **kw)
    assert ck.signal == signal.SIGINT and net.epochs_done == 9
    assert net.history.best_epoch is None   # nothing was restored
    ck.write(net)
    back = nndl.load(tmp_path / "c.npz")
    back.fit(XM, YM, epochs=12 - back.epochs_done, optimizer=back.optimizer, **kw)
    for k in full.params:
        assert np.array_equal(full.params[k], back.params[k]), k
    assert back.history.dev_costs == full.history.dev_costs


class InterruptAt(Callback):
    """Raise KeyboardInterrupt (a Ctrl-C) after iteration ``at``."""

    def __init__(self, at: int) -> None:
        self.at = at

    def on_iteration_end(self, net, iteration, cost):
        if iteration == self.at:
            raise KeyboardInterrupt


@pytest.mark.parametrize("batch_size", [None, 10])
def test_an_interrupt_after_an_epochs_last_update_counts_that_epoch(batch_size):
    # full batch (every update ends an epoch) or the last batch of an epoch (5 of 10 each):
    # the update was made and counted, its epoch was not, and a continued fit used a wrong
    # learning rate (decay) and lost an epoch cost
    opt = lambda: nndl.optimizers.get_optimizer("gd", 0.1, decay=0.5)  # noqa: E731
    size = {} if batch_size is None else {"batch_size": batch_size, "shuffle": False}
    n = 8 if batch_size is None else 40
    full = new()
    full.fit(XM, YM, epochs=8, optimizer=opt(), dev=(XD, YD), **size)
    net = new()
    with pytest.raises(KeyboardInterrupt):
        net.fit(XM, YM, epochs=8, optimizer=opt(), dev=(XD, YD),
                callbacks=[InterruptAt(n // 2 - 1)], **size)
    assert net.iterations_done == n // 2 and net.epochs_done == 4 == net.optimizer.epoch
    assert len(net.history.epoch_costs) == len(net.history.dev_costs) == 4
    net.fit(XM, YM, epochs=4, optimizer=net.optimizer, dev=(XD, YD), **size)
    for k in full.params:
        assert np.array_equal(full.params[k], net.params[k]), k
    assert net.history.epoch_costs == full.history.epoch_costs
    assert net.history.dev_costs == full.history.dev_costs

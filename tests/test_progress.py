"""The progress bar (tqdm) and the JSON-lines cost log."""

from __future__ import annotations

import io
import json

import numpy as np
import pytest

import nndl
from nndl.errors import NNDLError
from nndl.progress import CostLog, ProgressBar, read_log

X = np.random.default_rng(2).standard_normal((2, 20))
Y = (X[0:1] > 0).astype(float)


def test_bar_shows_cost_and_time_left():
    pytest.importorskip("tqdm")
    out = io.StringIO()
    bar = ProgressBar(enabled=True, file=out, refresh=0.0)
    nndl.Network([2, 3, 1], seed=0).fit(X, Y, learning_rate=0.1, iterations=50, callbacks=[bar])
    text = out.getvalue()
    assert "cost=" in text and "50/50" in text and "<" in text  # tqdm's "elapsed<left"


def test_bar_continues_the_count_and_shows_epochs_and_the_dev_cost():
    pytest.importorskip("tqdm")
    net = nndl.Network([2, 3, 1], seed=0)
    net.fit(X, Y, learning_rate=0.1, iterations=30)
    out = io.StringIO()
    net.fit(X, Y, learning_rate=0.1, iterations=20,
            callbacks=[ProgressBar(enabled=True, file=out, refresh=0.0)])
    assert "50/50" in out.getvalue()  # a second fit (a resumed run) counts on from 30
    out = io.StringIO()
    nndl.Network([2, 3, 1], seed=0).fit(
        X, Y, learning_rate=0.1, batch_size=5, epochs=3, dev=(X, Y),
        callbacks=[ProgressBar(enabled=True, file=out, refresh=0.0)])
    text = out.getvalue()
    assert "12/12" in text and "epoch=2" in text and "epoch_cost=" in text
    assert "dev_cost=" in text


def test_bar_is_off_when_not_a_terminal():
    out = io.StringIO()  # isatty() is False
    bar = ProgressBar(file=out)
    assert bar.enabled is False
    nndl.Network([2, 3, 1], seed=0).fit(X, Y, iterations=5, callbacks=[bar])
    assert out.getvalue() == ""


def test_cost_log_is_the_cost_curve(tmp_path):
    log = tmp_path / "costs.jsonl"
    net = nndl.Network([2, 3, 1], seed=0)
    h = net.fit(X, Y, learning_rate=0.1, iterations=7, callbacks=[CostLog(log, flush_every=3)])
    lines = [json.loads(s) for s in log.read_text().splitlines()]
    assert lines == [{"iteration": i, "cost": c} for i, c in zip(h.iterations, h.costs)]
    net.fit(X, Y, learning_rate=0.1, iterations=3, callbacks=[CostLog(log, append=True)])
    its, costs = read_log(log)
    assert its == list(range(10)) and costs == net.history.costs


def test_cost_log_errors(tmp_path):
    with pytest.raises(NNDLError, match="cannot write"):
        nndl.Network([2, 1]).fit(X, Y, iterations=1,
                                 callbacks=[CostLog(tmp_path / "no" / "x.jsonl")])
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"iteration": 0, "cost": 1}\nnot json\n')
    with pytest.raises(NNDLError, match="line 2"):
        read_log(bad)


def test_a_log_cut_by_a_failed_write_continues_whole(tmp_path):
    """A write that failed (a full disk, a file size limit) left the log cut mid-line; the
    resumed run appended to it, gluing its first line onto the cut one: both were lost and
    read_log refused the log (the storage audit). A whole last line that only lacks its end
    is kept."""
    log = tmp_path / "costs.jsonl"
    net = nndl.Network([2, 3, 1], seed=0)
    net.fit(X, Y, learning_rate=0.1, iterations=4, callbacks=[CostLog(log)])
    whole = log.read_text()
    log.write_text(whole + '{"iteration": 4, "cost":')  # cut by the failed write
    net.fit(X, Y, learning_rate=0.1, iterations=2, callbacks=[CostLog(log, append=True)])
    assert read_log(log) == (list(range(6)), net.history.costs)
    log.write_text(log.read_text().rstrip("\n"))  # the last line whole, without its end
    net.fit(X, Y, learning_rate=0.1, iterations=1, callbacks=[CostLog(log, append=True)])
    assert read_log(log) == (list(range(7)), net.history.costs)


def test_a_log_that_cannot_be_written_is_named(tmp_path, monkeypatch):
    """A failed write of the log said "File too large" alone: which output failed?"""
    import errno

    log = CostLog(tmp_path / "costs.jsonl", flush_every=1)
    real = open

    class Full:
        def __init__(self, f):
            self.f = f

        def write(self, s):
            raise OSError(errno.EFBIG, "File too large")

        def __getattr__(self, name):
            return getattr(self.f, name)

    monkeypatch.setattr("builtins.open", lambda path, *a, **k: Full(real(path, *a, **k))
                        if str(path).endswith("costs.jsonl") else real(path, *a, **k))
    with pytest.raises(NNDLError, match=r"cannot write the cost log .*costs.jsonl: File too large"):
        nndl.Network([2, 1], seed=0).fit(X, Y, iterations=3, callbacks=[log])

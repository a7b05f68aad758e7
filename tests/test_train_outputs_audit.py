"""What ``nndl train`` writes and how it continues, from the audit of 2026-12-07 (second
session). Each case was quietly wrong (a file destroyed, a continuation that was not the run
continued) or failed only after the whole training before.
"""

from __future__ import annotations

import collections
import json
from pathlib import Path

import numpy as np
import pytest

import nndl

from .test_trust_cli import fails, ok


def _table(path: Path, m: int = 40, seed: int = 0) -> Path:
    X = np.random.default_rng(seed).normal(size=(m, 2))
    path.write_text("a,b,label\n" + "".join(f"{a},{b},{int(a > 0)}\n" for a, b in X))
    return path


def _same(a: Path, b: Path) -> bool:
    x, y = nndl.load(a), nndl.load(b)
    return all(np.array_equal(x.params[k], y.params[k]) for k in x.params)


# --- outputs that would destroy the data or each other -----------------------------------------
@pytest.mark.parametrize("options, words", [
    (["--plot", "data.csv"], "plots are written as PNG images"),
    (["--log", "data.csv"], "--log data.csv is --data"),
    (["--out", "data.csv"], "--out data.csv is --data"),
    (["--checkpoint", "data.csv", "--checkpoint-every", "5"], "is --data"),
    (["--log", "m.npz", "--out", "m.npz"], "--log m.npz is also --out"),
    (["--plot", "p.png", "--log", "p-boundary.png"], "is also --log"),
    (["--out", "folder.npz"], "--out folder.npz is a folder"),
    (["--plot", "folder.png"], "--plot folder.png is a folder"),
    (["--out", "."], "--out . is a folder"),  # was a ValueError traceback (exit 1)
    (["--out", "m.npz", "--plot", "."], "--plot . is a folder"),
])
def test_outputs_that_are_the_data_each_other_or_folders_are_refused_before_training(
        tmp_path, options, words):
    data = _table(tmp_path / "data.csv")
    before = data.read_text()
    (tmp_path / "folder.npz").mkdir()
    (tmp_path / "folder.png").mkdir()
    fails("train", "--data", "data.csv", "--layers", "3", "--iterations", "20", "--quiet",
          *options, cwd=tmp_path, words=[words])
    assert data.read_text() == before  # was: a PNG, a model, or cost lines


# --- continuing a finished model ----------------------------------------------------------------
def test_training_a_finished_model_further_leaves_it_in_place(tmp_path):
    _table(tmp_path / "d.csv")
    ok("train", "--data", "d.csv", "--layers", "3", "--iterations", "100", "--quiet",
       "--out", "m.npz", cwd=tmp_path)
    first = nndl.load(tmp_path / "m.npz")
    ok("train", "--resume", "m.npz", "--iterations", "200", "--out", "more.npz",
       "--checkpoint-every", "50", "--quiet", cwd=tmp_path)
    kept = nndl.load(tmp_path / "m.npz")  # was: written over by checkpoints, then deleted
    assert kept.iterations_done == 100
    assert all(np.array_equal(first.params[k], kept.params[k]) for k in first.params)
    assert nndl.load(tmp_path / "more.npz").iterations_done == 200


def test_continuing_a_finished_early_stopping_model_is_the_run_continued(tmp_path):
    common = ["--data", "moons", "--layers", "8,4", "--optimizer", "adam", "--lr", "0.2",
              "--batch-size", "50", "--patience", "5", "--quiet"]
    ok("train", *common, "--epochs", "6", "--out", "q.npz", cwd=tmp_path)
    meta = json.loads(str(np.load(tmp_path / "q.npz")["__meta__"]))
    assert meta["param_sets"] == ["best", "last"]  # best epoch 3 of 6: the last one kept too
    ok("train", *common, "--epochs", "14", "--out", "ref.npz", cwd=tmp_path)
    ok("train", "--resume", "q.npz", "--epochs", "14", "--out", "ext.npz", "--quiet",
       cwd=tmp_path)
    assert _same(tmp_path / "ref.npz", tmp_path / "ext.npz")  # was: max |diff| 2.69
    q = nndl.load(tmp_path / "q.npz")  # the model itself still predicts with its best epoch
    assert q.history.best_epoch == 3


def test_a_checkpoint_resumed_with_a_smaller_total_is_refused(tmp_path):
    _table(tmp_path / "d.csv")
    ok("train", "--data", "d.csv", "--layers", "3", "--iterations", "40", "--quiet",
       "--checkpoint", "c.npz", "--checkpoint-every", "20", "--out", "m.npz", cwd=tmp_path)
    state = json.loads(str(np.load(tmp_path / "c.npz")["__meta__"]))["info"]["checkpoint"]
    assert state["iterations_done"] == 40
    fails("train", "--resume", "c.npz", "--iterations", "30", "--quiet", cwd=tmp_path,
          words=["c.npz is a checkpoint: it has done 40 iterations; --iterations 30 is not"])


# --- checked before training, not after ---------------------------------------------------------
def test_a_test_set_that_cannot_be_scored_is_refused_before_training(tmp_path):
    X = np.random.default_rng(1).normal(size=(30, 2))
    np.savez(tmp_path / "d.npz", X=X, y=(X[:, 0] > 0).astype(int))
    np.savez(tmp_path / "t.npz", X=X[:5], y=np.array([0, 1, 1, 0, 2]))
    fails("train", "--data", "d.npz", "--test", "t.npz", "--layers", "3", "--iterations",
          "3000", "--quiet", "--log", "l.jsonl", cwd=tmp_path,
          words=["the test data (t.npz)", "classes ['2']"])
    assert not (tmp_path / "l.jsonl").exists()  # was: 3000 iterations, then the error


# --- the cost log and checkpoints agree ---------------------------------------------------------
def test_a_resumed_log_leaves_out_lines_beyond_the_checkpoint(tmp_path):
    _table(tmp_path / "d.csv")
    ok("train", "--data", "d.csv", "--layers", "3", "--iterations", "40", "--quiet",
       "--checkpoint", "c.npz", "--checkpoint-every", "20", "--out", "m.npz",
       "--log", "l.jsonl", cwd=tmp_path)
    with open(tmp_path / "l.jsonl", "a") as f:  # a run killed after logging 40..49
        f.writelines(json.dumps({"iteration": i, "cost": 0.5}) + "\n" for i in range(40, 50))
    ok("train", "--resume", "c.npz", "--iterations", "60", "--log", "l.jsonl", "--quiet",
       cwd=tmp_path)
    its = [json.loads(line)["iteration"] for line in open(tmp_path / "l.jsonl")]
    assert its == list(range(60)), collections.Counter(its).most_common(3)


def test_a_checkpoint_flushes_the_log_first():
    from nndl.checkpoint import Checkpointer

    calls = []
    ck = Checkpointer("unused.npz")
    ck.before_write.append(lambda: calls.append("flush"))
    net = nndl.Network([2, 1], seed=0)
    import tempfile

    with tempfile.TemporaryDirectory() as d:
        ck.path = Path(d) / "c.npz"
        ck.write(net)
    assert calls == ["flush"]


# --- a divergence, a moved data file ------------------------------------------------------------
def test_a_divergence_says_no_model_was_saved_and_names_the_checkpoint(tmp_path):
    line = fails("train", "--data", "diabetes", "--no-standardize", "--layers", "20", "--lr",
                 "10", "--iterations", "300", "--quiet", "--out", "d.npz",
                 "--checkpoint-every", "100", cwd=tmp_path, words=["training diverged"])
    assert "saved no model of this run" in line and "d.ckpt.npz" in line
    assert not (tmp_path / "d.npz").exists()


def test_a_checkpoint_whose_data_moved_resumes_with_data_and_only_the_same_data(tmp_path):
    _table(tmp_path / "d.csv")
    ok("train", "--data", "d.csv", "--layers", "3", "--iterations", "40", "--quiet",
       "--checkpoint", "c.npz", "--checkpoint-every", "20", "--out", "m.npz", cwd=tmp_path)
    ok("train", "--data", "d.csv", "--layers", "3", "--iterations", "60", "--quiet",
       "--out", "ref.npz", cwd=tmp_path)
    (tmp_path / "moved").mkdir()
    (tmp_path / "d.csv").rename(tmp_path / "moved" / "d.csv")
    fails("train", "--resume", "c.npz", "--iterations", "60", "--quiet", cwd=tmp_path,
          words=["is not there any more", "--data"])  # was: "data not found" only
    _table(tmp_path / "other.csv", seed=5)
    fails("train", "--resume", "c.npz", "--iterations", "60", "--data", "other.csv",
          "--quiet", cwd=tmp_path, words=["not what this checkpoint was trained on"])
    ok("train", "--resume", "c.npz", "--iterations", "60", "--data", "moved/d.csv",
       "--out", "r.npz", "--quiet", cwd=tmp_path)  # was: --data cannot be changed
    assert _same(tmp_path / "ref.npz", tmp_path / "r.npz")


def test_resuming_with_the_log_on_a_pipe_does_not_read_it(tmp_path):
    """--log /dev/stdout into a pipe, resumed: the log's continuation read its own stdout
    pipe and waited for ever (the tests use a link of their own to /proc/self/fd/1)."""
    import os
    import subprocess
    import sys

    from .test_trust_cli import SRC

    _table(tmp_path / "d.csv")
    ok("train", "--data", "d.csv", "--layers", "3", "--iterations", "40", "--quiet",
       "--out", "m.npz", cwd=tmp_path)
    os.symlink("/proc/self/fd/1", tmp_path / "so")
    r = subprocess.run(f"{sys.executable} -m nndl train --resume m.npz --iterations 60 "
                       f"--out r.npz --log so --quiet | cat", shell=True, cwd=tmp_path,
                       capture_output=True, text=True, timeout=120,
                       env=dict(os.environ, PYTHONPATH=SRC))
    assert r.returncode == 0, r.stderr
    logged = [json.loads(line)["iteration"] for line in r.stdout.splitlines()
              if line.startswith("{")]
    assert logged == list(range(40, 60))


# --- the security audit: what a resumed file may say, and hard links ----------------------------
def _forged(model: Path, to: Path, **train_args) -> Path:
    z = np.load(model)
    meta = json.loads(str(z["__meta__"]))
    meta["info"]["train_args"].update(train_args)
    arrays = {k: z[k] for k in z.files if k != "__meta__"}
    np.savez(to, **arrays, __meta__=np.array(json.dumps(meta)))
    return to


def test_a_resumed_file_does_not_choose_which_file_is_written(tmp_path):
    _table(tmp_path / "d.csv")
    ok("train", "--data", "d.csv", "--layers", "3", "--iterations", "10", "--quiet",
       "--out", "m.npz", cwd=tmp_path)
    notes = tmp_path / "notes.txt"
    notes.write_text("precious notes")
    (tmp_path / "in").mkdir()
    for name, out in (("evil.npz", notes), ("far.npz", tmp_path / "in" / "elsewhere.npz"),
                      ("in/up.npz", tmp_path / "m.npz")):
        _forged(tmp_path / "m.npz", tmp_path / name, out=str(out))
        fails("train", "--resume", name, "--iterations", "20", "--quiet", cwd=tmp_path,
              words=[f"{name} says its model is saved as {out}", "--out"])
    assert notes.read_text() == "precious notes"  # was: a zip archive
    assert not (tmp_path / "in" / "elsewhere.npz").exists()
    said = ok("train", "--resume", "evil.npz", "--iterations", "20", "--out", "r.npz",
              "--quiet", cwd=tmp_path)
    assert f"on the data saved in it: {tmp_path / 'd.csv'}" in said.splitlines()[0]
    ok("train", "--resume", "m.npz", "--iterations", "20", "--quiet", cwd=tmp_path)
    assert nndl.load(tmp_path / "m.npz").iterations_done == 20  # itself: trained further
    # the review: an existing .npz beside it (the user's data, another model) was taken
    np.savez(tmp_path / "data.npz", X=np.ones((3, 2)))
    _forged(tmp_path / "m.npz", tmp_path / "beside.npz", out=str(tmp_path / "data.npz"))
    fails("train", "--resume", "beside.npz", "--iterations", "30", "--quiet", cwd=tmp_path,
          words=["beside.npz says its model is saved as", "--out"])
    assert set(np.load(tmp_path / "data.npz").files) == {"X"}
    # a checkpoint in another folder (--checkpoint): nndl info's command to continue gives the
    # --out that resuming needs (the printed command was refused); the run's own pair, in a
    # folder moved since, saves its model beside its checkpoint
    (tmp_path / "ck").mkdir()
    _forged(tmp_path / "m.npz", tmp_path / "ck" / "c.npz", out=str(tmp_path / "m.npz"))
    fails("train", "--resume", "ck/c.npz", "--iterations", "30", "--quiet", cwd=tmp_path,
          words=["--out"])
    assert f"--out {tmp_path / 'm.npz'}" in ok("info", "ck/c.npz", cwd=tmp_path)
    (tmp_path / "moved").mkdir()
    _forged(tmp_path / "m.npz", tmp_path / "moved" / "run.ckpt.npz",
            out=str(tmp_path / "gone" / "run.npz"))
    assert "--out" not in ok("info", "moved/run.ckpt.npz", cwd=tmp_path)
    ok("train", "--resume", "moved/run.ckpt.npz", "--iterations", "30", "--quiet", cwd=tmp_path)
    assert nndl.load(tmp_path / "moved" / "run.npz").iterations_done == 30


def test_the_command_printed_to_continue_says_the_out_resuming_needs(tmp_path):
    """A run with --checkpoint in another folder than --out printed 'continue with: nndl
    train --resume ck/c.npz', which the resume rule refuses; it now gives --out."""
    import argparse

    from nndl.cli.interrupts import resume_command

    args = argparse.Namespace(out="run/m.npz", checkpoint_every=None, log=None, plot=None,
                              quiet=False)
    (tmp_path / "run").mkdir()
    os_cwd = Path.cwd()
    try:
        import os

        os.chdir(tmp_path)
        assert resume_command(args, "ck/c.npz") == \
            "nndl train --resume ck/c.npz --out run/m.npz"
        assert resume_command(args, "run/m.ckpt.npz") == "nndl train --resume run/m.ckpt.npz"
    finally:
        os.chdir(os_cwd)


def test_a_log_that_is_a_hard_link_of_the_data_is_refused(tmp_path):
    import os

    data = _table(tmp_path / "d.csv")
    before = data.read_text()
    os.link(data, tmp_path / "log.jsonl")
    fails("train", "--data", "d.csv", "--layers", "3", "--iterations", "5", "--quiet",
          "--log", "log.jsonl", "--out", "m.npz", cwd=tmp_path,
          words=["--log log.jsonl is --data"])
    assert data.read_text() == before  # was: the cost lines
    os.link(tmp_path / "d.csv", tmp_path / "plot.png")
    os.unlink(tmp_path / "log.jsonl")
    (tmp_path / "log.jsonl").write_text("")
    os.link(tmp_path / "log.jsonl", tmp_path / "also.png")
    fails("train", "--data", "d.csv", "--layers", "3", "--iterations", "5", "--quiet",
          "--log", "log.jsonl", "--plot", "also.png", cwd=tmp_path,
          words=["--plot also.png is also --log"])

"""The ``nndl`` command, driven as a user would: ``python -m nndl ...`` in a subprocess."""

from __future__ import annotations

import csv
import json
import os
import pickle
import re
import shlex
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

import nndl

SRC = Path(__file__).resolve().parents[1] / "src"
PNG = b"\x89PNG\r\n\x1a\n"


def env() -> dict:
    e = dict(os.environ)
    e["PYTHONPATH"] = str(SRC) + os.pathsep + e.get("PYTHONPATH", "")
    return e


def nndl_cmd(*args) -> list[str]:
    return [sys.executable, "-m", "nndl", *map(str, args)]


def run(*args, cwd=None, timeout=60) -> subprocess.CompletedProcess:
    return subprocess.run(nndl_cmd(*args), cwd=cwd, env=env(), capture_output=True, text=True,
                          timeout=timeout)


def ok(*args, **kw) -> str:
    r = run(*args, **kw)
    assert r.returncode == 0, r.stderr
    assert "Traceback" not in r.stderr
    return r.stdout


def fails(*args, words=(), **kw) -> str:
    """Exit status 2, exactly one line on stderr, no traceback."""
    r = run(*args, **kw)
    assert r.returncode == 2, (r.returncode, r.stdout, r.stderr)
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    assert "Traceback" not in r.stderr
    for w in words:
        assert w in lines[0], f"{w!r} not in {lines[0]!r}"
    return lines[0]


# --- tiny data files, one per loader format ------------------------------------------------
def blobs(m=40, n=3, seed=0):
    rng = np.random.default_rng(seed)
    y = np.arange(m) % 2
    X = rng.standard_normal((m, n)) + 2.5 * y[:, None]  # samples as rows, as files store them
    return X, y


def write_csv(path, X, y, names=("a", "b")):
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow([f"f{i}" for i in range(X.shape[1])] + ["label"])
        for row, label in zip(X, y):
            w.writerow([f"{v:.6f}" for v in row] + [names[label]])
    return path


def write_npz(path, X, y):
    np.savez(path, X=X, y=y)
    return path


def write_h5(path, X, y):
    h5py = pytest.importorskip("h5py")
    with h5py.File(path, "w") as f:
        f["X"] = X
        f["y"] = y
    return path


def write_images(folder, m_per_class=4, size=8):
    Image = pytest.importorskip("PIL.Image")
    rng = np.random.default_rng(0)
    for name, channel in (("blue", 2), ("red", 0)):
        (folder / name).mkdir(parents=True)
        for i in range(m_per_class):
            a = rng.integers(0, 60, (size, size, 3), dtype=np.uint8)
            a[..., channel] = 200 + rng.integers(0, 50, (size, size))
            Image.fromarray(a).save(folder / name / f"{i}.png")
    return folder


FORMATS = {
    "csv": lambda d: write_csv(d / "data.csv", *blobs()),
    "npz": lambda d: write_npz(d / "data.npz", *blobs()),
    "h5": lambda d: write_h5(d / "data.h5", *blobs()),
    "images": lambda d: write_images(d / "pictures"),
}


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_train_evaluate_predict_info_on_each_format(tmp_path, fmt):
    data = FORMATS[fmt](tmp_path)
    m = 8 if fmt == "images" else 40
    out = ok("train", "--data", data, "--layers", "3", "--iterations", "40", "--lr", "0.05",
             "--dev", "0", "--out", "m.npz", cwd=tmp_path)
    assert "train     accuracy" in out
    model = tmp_path / "m.npz"
    net = nndl.load(model)
    assert net.iterations_done == 40 and net.layer_dims[1:] == [3, 1]

    out = ok("evaluate", "--model", model, "--data", data, cwd=tmp_path)
    assert "accuracy" in out and "confusion matrix" in out
    counts = [int(c) for line in out.splitlines()[-2:] for c in line.split()[1:]]
    assert sum(counts) == m

    out = ok("predict", "--model", model, data, cwd=tmp_path)
    lines = out.strip().splitlines()
    assert len(lines) == m
    labels = {"csv": {"a", "b"}, "images": {"red", "blue"}}.get(fmt, {"0", "1"})
    for line in lines:
        source, index, label, p = line.split("\t")
        assert label in labels and 0.5 <= float(p) <= 1.0

    out = ok("info", model)
    assert "[" + str(net.layer_dims[0]) in out and "parameters" in out


def test_predict_image_files(tmp_path):
    folder = write_images(tmp_path / "pics")
    ok("train", "--data", folder, "--layers", "none", "--iterations", "30", "--lr", "0.01",
       "--dev", "0", "--image-size", "6,5", "--out", tmp_path / "m.npz")
    assert nndl.load(tmp_path / "m.npz").layer_dims[0] == 6 * 5 * 3
    # a bigger picture is resized to the training size
    Image = pytest.importorskip("PIL.Image")
    big = tmp_path / "big.jpg"
    Image.new("RGB", (20, 30), (230, 10, 10)).save(big)
    out = ok("predict", "--model", tmp_path / "m.npz", big, folder / "blue" / "0.png")
    rows = [line.split("\t") for line in out.strip().splitlines()]
    assert [r[0] for r in rows] == [str(big), str(folder / "blue" / "0.png")]
    assert all(r[2] in ("red", "blue") for r in rows)


def test_default_train_is_sensible_and_predictions_round_trip(tmp_path):
    out = ok("train", "--quiet", cwd=tmp_path)  # the built-in breast cancer set
    assert "breast_cancer" in out
    dev = float(next(s for s in out.splitlines() if s.startswith("dev")).split()[-1])
    assert dev >= 0.9
    model = tmp_path / "model.npz"
    net = nndl.load(model)
    assert net.preprocessing is not None and net.classes == ["malignant", "benign"]

    # save again and load again: identical predictions
    net.save(tmp_path / "again.npz")
    again = nndl.load(tmp_path / "again.npz")
    X = np.random.default_rng(0).normal(net.preprocessing.mean, net.preprocessing.std,
                                        (30, 25))
    np.testing.assert_array_equal(again.predict_proba(X), net.predict_proba(X))

    # the command's predictions on a raw CSV are the library's
    csv_path = tmp_path / "x.csv"
    np.savetxt(csv_path, X.T, delimiter=",", fmt="%.17g")
    ok("predict", "--model", model, csv_path, "--out", tmp_path / "p.csv")
    with open(tmp_path / "p.csv") as f:
        rows = list(csv.DictReader(f))
    p1 = net.predict_proba(X).ravel()
    assert len(rows) == 25
    for r, p in zip(rows, p1):
        assert r["label"] == net.classes[int(p > 0.5)]
        assert float(r["probability"]) == pytest.approx(max(p, 1 - p), abs=1e-6)


def test_log_and_plot_for_2d_data(tmp_path):
    pytest.importorskip("matplotlib")
    ok("train", "--data", "flower", "--layers", "4", "--hidden", "tanh", "--lr", "1.2",
       "--iterations", "60", "--log", "costs.jsonl", "--plot", "costs.png", "--out", "f.npz",
       cwd=tmp_path)
    lines = [json.loads(s) for s in (tmp_path / "costs.jsonl").read_text().splitlines()]
    net = nndl.load(tmp_path / "f.npz")
    assert [d["iteration"] for d in lines] == list(range(60))
    assert [d["cost"] for d in lines] == net.history.costs
    for name in ("costs.png", "costs-boundary.png"):
        data = (tmp_path / name).read_bytes()
        assert data.startswith(PNG) and len(data) > 1000


def test_no_progress_output_when_stderr_is_not_a_terminal(tmp_path):
    r = run("train", "--data", "moons", "--iterations", "200", "--out", "m.npz", cwd=tmp_path)
    assert r.returncode == 0 and r.stderr == ""


def test_progress_bar_on_a_terminal(tmp_path):
    pytest.importorskip("tqdm")
    pty = pytest.importorskip("pty")
    fcntl = pytest.importorskip("fcntl")
    termios = pytest.importorskip("termios")
    import struct

    def stderr_on_tty(*extra):
        master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))  # 100 cols
        p = subprocess.Popen(nndl_cmd("train", "--data", "moons", "--iterations", "300",
                                      "--out", "m.npz", *extra), cwd=tmp_path, env=env(),
                             stdout=subprocess.DEVNULL, stderr=slave)
        os.close(slave)
        chunks = []
        while True:
            try:
                b = os.read(master, 4096)
            except OSError:
                break
            if not b:
                break
            chunks.append(b)
        os.close(master)
        assert p.wait(timeout=60) == 0
        return b"".join(chunks).decode(errors="replace")

    text = stderr_on_tty()
    assert "cost=" in text and "300/300" in text and "100%" in text
    assert stderr_on_tty("--quiet") == ""


def test_gradcheck(tmp_path):
    out = ok("gradcheck")
    assert "ok" in out and "dW1" in out
    ok("train", "--data", "xor", "--layers", "3", "--iterations", "5", "--out", "m.npz",
       cwd=tmp_path)
    assert "ok" in ok("gradcheck", "--model", "m.npz", cwd=tmp_path)


def test_gradcheck_samples_a_large_model(tmp_path):
    """Over 20000 parameters the check takes a random sample (it used to refuse); --sample
    sets its size."""
    import nndl

    nndl.Network([300, 70, 1], seed=0).save(str(tmp_path / "big.npz"))  # 21 141 parameters
    out = ok("gradcheck", "--model", "big.npz", "--sample", "300", "--samples", "3",
             cwd=tmp_path)
    assert "checked 300 of the 21141 parameters" in out and "ok" in out
    assert "checked 20000 of the 21141" in ok("gradcheck", "--model", "big.npz", "--samples",
                                              "2", cwd=tmp_path)  # the default sample
    assert "checked" not in ok("gradcheck", "--sample", "100000")  # small net: all of it


@pytest.mark.parametrize("cmd", [[], ["train"], ["evaluate"], ["predict"], ["info"],
                                 ["gradcheck"]])
def test_help_everywhere(cmd):
    out = ok(*cmd, "--help")
    assert out.startswith("usage: nndl")


# --- bad input: exit 2, one line, nothing executed -------------------------------------------
@pytest.fixture
def model(tmp_path):
    write_csv(tmp_path / "d.csv", *blobs())
    ok("train", "--data", "d.csv", "--layers", "2", "--iterations", "5", "--out", "m.npz",
       cwd=tmp_path)
    return tmp_path / "m.npz"


def test_bad_usage(tmp_path):
    fails("train", "--bogus")
    fails("train", "--layers", "a,b", words=["--layers"])
    fails("train", "--lr", "-1", words=["--lr"])
    fails("train", "--iterations", "0", words=["--iterations"])
    fails()
    fails("evaluate", "--data", "x.csv", words=["--model"])


def test_missing_and_unreadable_data(tmp_path, model):
    fails("train", "--data", tmp_path / "none.csv", words=["not found"])
    fails("train", "--data", "no-such-generator", words=["not found"])
    (tmp_path / "junk.xyz").write_bytes(b"\x00\x01\x02junk")
    fails("train", "--data", tmp_path / "junk.xyz")
    (tmp_path / "junk.csv").write_bytes(b"\xff\xfe\x00garbage,\x00\n1,2\n3\n")
    fails("train", "--data", tmp_path / "junk.csv")
    (tmp_path / "junk.npz").write_bytes(b"PK\x03\x04 truncated")
    fails("evaluate", "--model", model, "--data", tmp_path / "junk.npz")
    fails("train", "--out", tmp_path / "no" / "dir" / "m.npz", words=["does not exist"])


def test_model_and_data_of_different_widths(tmp_path, model):
    wide = write_csv(tmp_path / "wide.csv", *blobs(n=4))
    # the model knows its columns by name: the extra one is named
    fails("evaluate", "--model", model, "--data", wide, words=["not trained on", "f3"])
    fails("predict", "--model", model, wide, words=["not trained on", "f3"])
    # without a header only the width can be checked
    bare = tmp_path / "bare.csv"
    bare.write_text("\n".join(",".join(line.split(",")) for line in
                              wide.read_text().splitlines()[1:]) + "\n")
    fails("evaluate", "--model", model, "--data", bare, words=["3 input features", "4"])


def test_missing_corrupt_and_hostile_model_files(tmp_path, model):
    data = tmp_path / "d.csv"
    marker = tmp_path / "executed"

    class Marker:
        def __reduce__(self):
            return (os.mkdir, (str(marker),))

    bad = {"missing.npz": None,
           "random.npz": np.random.default_rng(0).bytes(500),
           "truncated.npz": model.read_bytes()[:300],
           "pickle.npz": pickle.dumps(Marker())}
    evil = np.empty(1, dtype=object)
    evil[0] = Marker()
    with np.load(model) as z:
        arrays = {k: z[k] for k in z.files}
    np.savez(tmp_path / "object.npz", **dict(arrays, W1=evil))
    bad["object.npz"] = (tmp_path / "object.npz").read_bytes()
    for name, content in bad.items():
        path = tmp_path / name
        if content is not None:
            path.write_bytes(content)
        fails("evaluate", "--model", path, "--data", data)
        fails("info", path)
        assert not marker.exists()


# --- checkpoints -----------------------------------------------------------------------------
RUN = ["train", "--data", "flower", "--layers", "30,30", "--hidden", "tanh", "--lr", "0.5",
       "--iterations", "3000", "--quiet"]


def test_interrupt_and_resume_equals_an_uninterrupted_run(tmp_path):
    ckpt = tmp_path / "run.ckpt.npz"
    p = subprocess.Popen(nndl_cmd(*RUN, "--out", "run.npz", "--checkpoint-every", "50"),
                         cwd=tmp_path, env=env(), stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while not ckpt.exists() and p.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    p.send_signal(signal.SIGINT)
    out, err = p.communicate(timeout=60)
    assert p.returncode == 128 + signal.SIGINT, err
    assert len(err.strip().splitlines()) == 1 and "--resume" in err
    assert not (tmp_path / "run.npz").exists()
    stopped = nndl.load(ckpt)
    assert 50 <= stopped.iterations_done < 3000

    ok("train", "--resume", ckpt, "--quiet", cwd=tmp_path)  # --out: the first run's run.npz
    ok(*RUN, "--out", "straight.npz", cwd=tmp_path)
    resumed, straight = nndl.load(tmp_path / "run.npz"), nndl.load(tmp_path / "straight.npz")
    assert resumed.iterations_done == straight.iterations_done == 3000
    for k in straight.params:
        assert np.array_equal(resumed.params[k], straight.params[k]), k
    assert resumed.history.costs == straight.history.costs


def test_resume_refuses_other_settings_and_plain_models(tmp_path, model):
    plain = model.with_name("plain.npz")
    nndl.Network([3, 1], seed=0).save(plain)
    fails("train", "--resume", plain, words=["not one saved by 'nndl train'"])
    ok(*RUN[:-3], "--iterations", "20", "--checkpoint-every", "10", "--out", "r.npz",
       cwd=tmp_path)
    # the finished model supersedes its checkpoints, and is where training continues
    assert not (tmp_path / "r.ckpt.npz").exists()
    fails("train", "--resume", "r.npz", "--lr", "0.1", words=["--lr"], cwd=tmp_path)
    # more iterations than first planned: continue to the new total
    ok("train", "--resume", "r.npz", "--iterations", "30", "--out", "r2.npz",
       cwd=tmp_path)
    assert nndl.load(tmp_path / "r2.npz").iterations_done == 30


def test_test_set_and_regression(tmp_path):
    write_csv(tmp_path / "train.csv", *blobs(seed=1))
    write_csv(tmp_path / "test.csv", *blobs(m=10, seed=2))
    out = ok("train", "--data", "train.csv", "--test", "test.csv", "--layers", "3",
             "--iterations", "30", "--lr", "0.05", "--out", "m.npz", cwd=tmp_path)
    assert "test      accuracy" in out and "dev       accuracy" in out
    _, meta = nndl.io.read(tmp_path / "m.npz")
    assert set(meta["info"]["summary"]) >= {"train", "dev", "test"}

    rng = np.random.default_rng(3)
    X = rng.standard_normal((50, 2))
    y = X @ np.array([1.5, -2.0]) + 0.25 + 0.01 * rng.standard_normal(50)
    np.savetxt(tmp_path / "r.csv", np.c_[X, y], delimiter=",", header="a,b,target",
               comments="", fmt="%.8f")
    out = ok("train", "--data", "r.csv", "--layers", "none", "--lr", "0.1", "--iterations",
             "300", "--out", "r.npz", cwd=tmp_path)
    assert "rmse" in out
    net = nndl.load(tmp_path / "r.npz")
    assert net.output == "linear" and net.classes is None
    out = ok("evaluate", "--model", "r.npz", "--data", "r.csv", cwd=tmp_path)
    rmse = float(next(s for s in out.splitlines() if s.startswith("rmse")).split()[-1])
    assert rmse < 0.1  # a linear target is learnt by linear regression


# --- mini-batches, optimizers, regularization ------------------------------------------------
MINI = ["train", "--data", "flower", "--layers", "30,30", "--hidden", "tanh", "--optimizer",
        "adam", "--lr", "0.01", "--batch-size", "32", "--epochs", "600", "--quiet"]


def test_minibatch_adam_interrupt_and_resume_equals_an_uninterrupted_run(tmp_path):
    ckpt = tmp_path / "run.ckpt.npz"
    p = subprocess.Popen(nndl_cmd(*MINI, "--out", "run.npz", "--checkpoint-every", "3"),
                         cwd=tmp_path, env=env(), stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while not ckpt.exists() and p.poll() is None and time.monotonic() < deadline:
        time.sleep(0.005)
    p.send_signal(signal.SIGINT)
    out, err = p.communicate(timeout=60)
    assert p.returncode == 128 + signal.SIGINT, err
    lines = err.strip().splitlines()  # "finishing epoch N" first, unless it was at its end
    assert len(lines) in (1, 2) and "--resume" in lines[-1] and "epoch" in lines[-1], err
    stopped, meta = nndl.io.read(ckpt)
    assert 3 <= stopped.epochs_done < 600
    assert stopped.iterations_done == 10 * stopped.epochs_done  # whole epochs (320 / 32)
    assert stopped.optimizer.name == "adam" and stopped.optimizer.t == stopped.iterations_done
    assert meta["info"]["checkpoint"]["signal"] == "SIGINT"

    ok("train", "--resume", ckpt, "--quiet", cwd=tmp_path)
    ok(*MINI, "--out", "straight.npz", cwd=tmp_path)
    resumed, straight = nndl.load(tmp_path / "run.npz"), nndl.load(tmp_path / "straight.npz")
    assert resumed.epochs_done == straight.epochs_done == 600
    for k in straight.params:
        assert np.array_equal(resumed.params[k], straight.params[k]), k
    assert resumed.history.costs == straight.history.costs
    assert resumed.history.epoch_costs == straight.history.epoch_costs


def _long_epochs(tmp_path, *more):
    """A run of mini-batches of 1 on 16000 samples (an epoch takes a while), checkpointed
    after every epoch; returned once the first checkpoint exists (training under way)."""
    rng = np.random.default_rng(0)
    X = rng.standard_normal((20000, 2))
    np.savetxt(tmp_path / "b.csv", np.c_[X, X[:, 0] * X[:, 1] > 0], delimiter=",",
               header="a,b,y", comments="", fmt="%.4f")
    p = subprocess.Popen(nndl_cmd("train", "--data", "b.csv", "--layers", "3", "--batch-size",
                                  "1", "--epochs", "50", "--out", "m.npz", "--checkpoint-every",
                                  "1", *more), cwd=tmp_path, env=env(),
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while not (tmp_path / "m.ckpt.npz").exists() and p.poll() is None \
            and time.monotonic() < deadline:
        time.sleep(0.005)
    return p


def test_a_signal_says_the_epoch_finishes_and_how_to_continue_with_this_runs_options(tmp_path):
    # the first Ctrl-C said nothing while the epoch finished, and the printed command dropped
    # --checkpoint-every and --log: the resumed run made no checkpoints and its log stopped
    p = _long_epochs(tmp_path, "--log", "run log.jsonl", "--quiet")
    p.send_signal(signal.SIGINT)
    first = p.stderr.readline()
    assert "SIGINT: finishing epoch 2 of 50, then writing a checkpoint (Ctrl-C again" in first
    out, err = p.communicate(timeout=60)
    assert p.returncode == 128 + signal.SIGINT, err
    command = err.strip().splitlines()[-1].split("continue with: ")[1]
    assert command == ("nndl train --resume m.ckpt.npz --checkpoint-every 1 "
                       "--log 'run log.jsonl' --quiet")
    done = nndl.load(tmp_path / "m.ckpt.npz").epochs_done
    ok(*shlex.split(command)[1:], "--epochs", done + 1, cwd=tmp_path)
    net = nndl.load(tmp_path / "m.npz")
    last = json.loads((tmp_path / "run log.jsonl").read_text().splitlines()[-1])
    assert net.epochs_done == done + 1 and last["iteration"] == net.iterations_done - 1


def test_a_second_ctrl_c_says_that_no_checkpoint_was_written(tmp_path):
    p = _long_epochs(tmp_path, "--quiet")
    p.send_signal(signal.SIGINT)
    assert "finishing epoch 2 of 50" in p.stderr.readline()
    p.send_signal(signal.SIGINT)
    out, err = p.communicate(timeout=60)
    assert p.returncode == 130, err
    assert "Traceback" not in err
    assert "interrupted again: no checkpoint was written; the last one, at epoch 1, is " \
           "m.ckpt.npz" in err
    assert nndl.load(tmp_path / "m.ckpt.npz").epochs_done == 1


def test_a_finished_resume_removes_the_temporary_files_a_killed_checkpoint_write_left(
        tmp_path):
    # kill -9 during a checkpoint write leaves .NAME.XXXXXXXX.tmp; once the resumed run
    # finished and removed the checkpoint, nothing would ever remove that file
    ok(*RUN[:-3], "--iterations", "20", "--checkpoint-every", "10", "--checkpoint",
       "c.ckpt.npz", "--out", "m.npz", cwd=tmp_path)
    names = [".c.ckpt.npz.k9_Ab123.tmp", ".c.ckpt.npz.short.tmp", ".m.npz.k9_Ab123.tmp",
             ".c.ckpt.npz.k9_Ab123.tmp.mine", "x.ckpt.npz.k9_Ab123.tmp"]
    for n in names:
        (tmp_path / n).write_text("left over")
    ok("train", "--resume", "c.ckpt.npz", "--iterations", "30", "--quiet", cwd=tmp_path)
    assert not (tmp_path / "c.ckpt.npz").exists()
    assert sorted(p.name for p in tmp_path.glob("*.tmp*")) == sorted(names[1:])


def test_resume_with_regularization_and_early_stopping_is_exact(tmp_path):
    write_csv(tmp_path / "d.csv", *blobs(m=60, seed=4))
    run_ = ["train", "--data", "d.csv", "--layers", "6", "--optimizer", "rmsprop", "--lr",
            "0.3", "--batch-size", "16", "--lambd", "0.1", "--keep-prob", "0.7", "--decay",
            "0.2", "--patience", "2", "--quiet"]
    # the checkpoint after epoch 6 is between the best epoch (5) and the stop (after 7): the
    # resumed run must carry the early-stopping state over to stop and restore the same way
    ok(*run_, "--epochs", "6", "--checkpoint-every", "6", "--out", "a.npz", cwd=tmp_path)
    ok("train", "--resume", "a.ckpt.npz", "--epochs", "9", "--out", "b.npz", "--quiet",
       cwd=tmp_path)
    out = ok(*run_, "--epochs", "9", "--out", "c.npz", cwd=tmp_path)
    assert "rmsprop (learning rate 0.3, decay 0.2), mini-batches of 16 for 9 epochs, " \
           "L2 0.1, dropout keep-prob 0.7, early stopping patience 2" in out
    b, c = nndl.load(tmp_path / "b.npz"), nndl.load(tmp_path / "c.npz")
    assert b.epochs_done == c.epochs_done < 9  # stopped early
    assert c.history.best_epoch < 6  # epochs 0..5 ran before the checkpoint
    assert b.history.best_epoch == c.history.best_epoch
    for k in c.params:
        assert np.array_equal(b.params[k], c.params[k]), k
    assert b.history.dev_costs == c.history.dev_costs
    info = ok("info", "c.npz", cwd=tmp_path)
    assert "RMSprop(learning_rate=0.3" in info and f"epochs       {c.epochs_done}" in info
    assert "mini-batches of 16 for 9 epochs" in info
    assert "6 of 6 epochs done" in ok("info", "a.ckpt.npz", cwd=tmp_path)
    fails("train", "--resume", "a.ckpt.npz", "--iterations", "10", words=["--epochs"],
          cwd=tmp_path)
    fails("train", "--resume", "a.ckpt.npz", "--batch-size", "8", words=["--batch-size"],
          cwd=tmp_path)
    ok(*RUN[:-3], "--iterations", "6", "--checkpoint-every", "3", "--out", "f.npz",
       cwd=tmp_path)
    fails("train", "--resume", "f.npz", "--epochs", "9", words=["--iterations"],
          cwd=tmp_path)


def test_full_batch_options_and_defaults(tmp_path):
    write_csv(tmp_path / "d.csv", *blobs(seed=5))
    ok("train", "--data", "d.csv", "--layers", "3", "--iterations", "20", "--out", "gd.npz",
       "--quiet", cwd=tmp_path)
    gd = nndl.load(tmp_path / "gd.npz")
    assert gd.optimizer.name == "gd" and gd.iterations_done == gd.epochs_done == 20
    ok("train", "--data", "d.csv", "--layers", "3", "--iterations", "20", "--optimizer",
       "momentum", "--out", "mo.npz", "--quiet", cwd=tmp_path)
    mo = nndl.load(tmp_path / "mo.npz")
    assert mo.optimizer.name == "momentum" and mo.optimizer.t == 20
    assert not np.array_equal(mo.params["W1"], gd.params["W1"])
    ok("train", "--data", "d.csv", "--layers", "3", "--batch-size", "10", "--out", "mb.npz",
       "--quiet", cwd=tmp_path)
    assert nndl.load(tmp_path / "mb.npz").epochs_done == 10  # the default number of epochs


def test_bad_training_options(tmp_path):
    fails("train", "--optimizer", "sgd2", words=["--optimizer"])
    fails("train", "--batch-size", "0", words=["--batch-size"])
    fails("train", "--epochs", "-3", words=["--epochs"])
    fails("train", "--lambd", "-1", words=["--lambd"])
    fails("train", "--lambd", "nan", words=["--lambd"])
    fails("train", "--keep-prob", "0", words=["--keep-prob"])
    fails("train", "--keep-prob", "1.5", words=["--keep-prob"])
    fails("train", "--decay", "inf", words=["--decay"])
    fails("train", "--patience", "0", words=["--patience"])
    fails("train", "--epochs", "5", words=["--batch-size"])
    fails("train", "--batch-size", "8", "--iterations", "5", words=["--epochs"])
    fails("train", "--patience", "3", "--dev", "0", words=["--dev"])
    fails("train", "--layers", "none", "--keep-prob", "0.5", words=["hidden"])


# --- the package: one module per command, errors, defaults in the help ------------------------
def _flat(text: str) -> str:
    return " ".join(text.split())


def _option_help(text: str) -> dict[str, str]:
    """--help's option entries: {"--lr": "--lr LR learning rate (default: 0.0075)", ...}."""
    entries: dict[str, str] = {}
    flag = None
    for line in text.splitlines():
        start = re.match(r"  (--?[a-z][a-z-]*)", line)
        if start:
            flag = start.group(1)
            entries[flag] = line.strip()
        elif flag and line.startswith("   "):
            entries[flag] += " " + line.strip()
        else:
            flag = None
    return entries


def test_train_help_shows_the_defaults_of_the_one_table():
    from nndl.cli.settings import TRAIN_DEFAULTS, shown

    text = ok("train", "--help")
    assert "20% held out" in _flat(text) and "%%" not in text
    entries = _option_help(text)
    stated = [k for k, v in TRAIN_DEFAULTS.items() if v is not None] + ["epochs"]
    for key in stated:  # each stated default appears in its own option's entry
        entry = entries["--" + key.replace("_", "-")]
        assert f"(default: {shown(key)}" in entry, (key, entry)
    assert shown("lr") == "0.0075" and shown("layers") == "20,7,5" and shown("epochs") == "10"
    assert "(default: 0.0075)" in entries["--lr"] and "(default: 20,7,5)" in entries["--layers"]


def test_gradcheck_help_shows_argparse_defaults():
    out = _flat(ok("gradcheck", "--help"))
    for text in ("n[0] (default: 4)", "hidden sizes (default: 5,3)", "(default: 1e-07)",
                 "(default: tanh)", "(default: sigmoid)"):
        assert text in out
    assert "default: None" not in out and "default: False" not in out


def test_every_command_is_a_module_declaring_its_own_options():
    from nndl import cli
    from nndl.cli import COMMANDS

    assert [c.NAME for c in COMMANDS] == ["train", "tune", "evaluate", "predict", "info",
                                           "gradcheck", "export", "playground"]
    parser = cli.build_parser()
    for command in COMMANDS:
        required = {"evaluate": ["--model", "m", "--data", "d"], "tune": ["--study", "s"],
                    "predict": ["--model", "m", "x.csv"], "info": ["m"], "export": ["m"]}
        args = parser.parse_args([command.NAME, *required.get(command.NAME, [])])
        assert args.run is command.run and args.command == command.NAME


def test_a_new_command_plugs_in_by_adding_its_module_to_the_table(monkeypatch, capsys):
    import types

    from nndl import cli as cli_main

    hello = types.ModuleType("hello")
    hello.NAME = "hello"

    def add_parser(sub):
        p = sub.add_parser("hello", help="say hello")
        p.add_argument("--times", type=int, default=1, help="how many")
        p.set_defaults(run=hello.run)
        return p

    hello.add_parser = add_parser
    hello.run = lambda args: print("hello " * args.times) or 3
    monkeypatch.setattr(cli_main, "COMMANDS", [*cli_main.COMMANDS, hello])
    assert cli_main.main(["hello", "--times", "2"]) == 3
    assert capsys.readouterr().out.strip() == "hello hello"
    with pytest.raises(SystemExit):
        cli_main.main(["hello", "--help"])
    assert "how many (default: 1)" in capsys.readouterr().out


@pytest.mark.parametrize("exc, status, line", [
    (nndl.NNDLError("expected this\n  got that"), 2, "nndl info: error: expected this got that"),
    (FileNotFoundError(2, "No such file or directory", "m.npz"), 2,
     "nndl info: error: m.npz: No such file or directory"),
    (PermissionError(13, "Permission denied"), 2, "nndl info: error: Permission denied"),
    (KeyboardInterrupt(), 130, "nndl info: interrupted"),
])
def test_main_maps_bad_input_to_one_line(monkeypatch, capsys, exc, status, line):
    from nndl.cli import info, main

    def run(args):
        raise exc

    monkeypatch.setattr(info, "run", run)
    assert main(["info", "m.npz"]) == status
    err = capsys.readouterr().err
    assert err.splitlines() == [line]


@pytest.mark.parametrize("exc", [ValueError("a bug"), KeyError("a bug"), ZeroDivisionError()])
def test_main_lets_a_bug_keep_its_traceback(monkeypatch, exc):
    from nndl.cli import info, main

    def run(args):
        raise exc

    monkeypatch.setattr(info, "run", run)
    with pytest.raises(type(exc)):
        main(["info", "m.npz"])


def test_a_bug_exits_1_with_its_traceback_as_a_user_sees_it(tmp_path):
    code = ("import sys; from nndl.cli import info, main\n"
            "def run(args): raise ValueError('an internal bug')\n"
            "info.run = run\nsys.exit(main(['info', 'm.npz']))\n")
    r = subprocess.run([sys.executable, "-c", code], env=env(), capture_output=True, text=True,
                       timeout=60, cwd=tmp_path)
    assert r.returncode == 1
    assert "Traceback" in r.stderr and "ValueError: an internal bug" in r.stderr


# --- what predict writes and prints -----------------------------------------------------------
def _named_model(tmp_path, names=("tab\there", "new\nline", "plain")) -> np.ndarray:
    """m.npz: a model of three classes with awkward names, trained on data.csv (30 rows)."""
    rng = np.random.default_rng(1)
    X = rng.standard_normal((30, 2))
    k = (X[:, 0] > 0).astype(int) + (X[:, 1] > 0.5)
    with open(tmp_path / "data.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["a", "b", "kind"])
        for x, c in zip(X, k):
            w.writerow([f"{x[0]:.4f}", f"{x[1]:.4f}", names[c]])
    ok("train", "--data", "data.csv", "--layers", "8", "--iterations", "400", "--lr", "0.5",
       "--dev", "0", "--quiet", "--out", "m.npz", cwd=tmp_path)
    return X


def test_predict_never_writes_over_its_inputs_or_its_model(tmp_path):
    """predict --out data.csv replaced the data with the predictions, --out m.npz the model,
    with exit 0 (export and train refuse theirs)."""
    _named_model(tmp_path)
    (tmp_path / "link.csv").symlink_to(tmp_path / "data.csv")
    before = {p: (tmp_path / p).read_bytes() for p in ("data.csv", "m.npz")}
    for out, what in (("data.csv", "an input"), ("m.npz", "the model"),
                      ("link.csv", "an input")):
        fails("predict", "--model", "m.npz", "data.csv", "--out", out, cwd=tmp_path,
              words=[f"--out {out} is {what}", "would destroy it"])
    assert {p: (tmp_path / p).read_bytes() for p in before} == before
    # nor an image read from a folder given (the review: pred/0.png became the CSV)
    from PIL import Image

    (tmp_path / "pred" / "a").mkdir(parents=True)
    Image.new("RGB", (4, 4), (200, 10, 10)).save(tmp_path / "pred" / "a" / "0.png")
    nndl.Network([48, 1], output="sigmoid", seed=0).save(tmp_path / "img.npz")
    image = (tmp_path / "pred" / "a" / "0.png").read_bytes()
    fails("predict", "--model", "img.npz", "pred", "--out", "pred/a/0.png", cwd=tmp_path,
          words=["--out pred/a/0.png is an input", "would destroy it"])
    assert (tmp_path / "pred" / "a" / "0.png").read_bytes() == image


def test_predict_prints_one_line_per_sample_whatever_the_class_names(tmp_path):
    """A class "new\\nline" split a prediction over two lines, one "tab\\there" added a field
    (README: one line per row, in order)."""
    _named_model(tmp_path)
    out = ok("predict", "--model", "m.npz", "data.csv", cwd=tmp_path).splitlines()
    assert len(out) == 30 and {len(line.split("\t")) for line in out} == {4}
    labels = {line.split("\t")[2] for line in out}
    assert labels <= {"tab\\there", "new\\nline", "plain"} and len(labels) > 1


def test_predict_prints_no_terminal_escape_sequence_of_a_class_name(tmp_path):
    """A class "\\x1b]0;title\\x07" (a terminal's escape: set the window's title) was printed
    raw; it is written as its \\xNN escapes, as tabs and line breaks are."""
    _named_model(tmp_path, names=("\x1b]0;title\x07", "bell\x9b", "gpj.\u202eexe"))
    out = ok("predict", "--model", "m.npz", "data.csv", cwd=tmp_path)
    assert not any(ord(c) < 32 and c not in "\t\n" or 127 <= ord(c) < 160 for c in out)
    assert "\u202e" not in out and "gpj.\\u202eexe" in out  # (the review: printed raw)
    labels = {line.split("\t")[2] for line in out.splitlines()}
    assert labels <= {"\\x1b]0;title\\x07", "bell\\x9b", "gpj.\\u202eexe"} and len(labels) > 1


def test_predict_writes_tsv_for_tsv_and_keeps_a_files_permissions(tmp_path):
    """--out p.tsv wrote comma-separated text; an existing 0600 file came back 0644."""
    import pandas as pd

    _named_model(tmp_path, names=("a,b", "c", "d"))
    ok("predict", "--model", "m.npz", "data.csv", "--out", "p.tsv", cwd=tmp_path)
    table = pd.read_csv(tmp_path / "p.tsv", sep="\t", keep_default_na=False)
    assert list(table.columns) == ["input", "index", "label", "probability"] and len(table) == 30
    (tmp_path / "private.csv").write_text("old\n")
    os.chmod(tmp_path / "private.csv", 0o600)
    ok("predict", "--model", "m.npz", "data.csv", "--out", "private.csv", cwd=tmp_path)
    assert (tmp_path / "private.csv").stat().st_mode & 0o777 == 0o600
    assert len(pd.read_csv(tmp_path / "private.csv", keep_default_na=False)) == 30


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0,
                    reason="only root can give a file another owner")
def test_a_file_written_over_keeps_its_owner(tmp_path):
    """Written over by root, a user's 0600 file became root's and its user could not read
    it any more (open(path, "w") keeps the owner)."""
    from nndl import files

    p = tmp_path / "theirs.csv"
    p.write_text("old\n")
    os.chown(p, 12345, 23456)
    os.chmod(p, 0o600)
    files.atomic_write(p, lambda f: f.write(b"new\n"), what="file")
    st = p.stat()
    assert (st.st_uid, st.st_gid, st.st_mode & 0o777) == (12345, 23456, 0o600)
    assert p.read_text() == "new\n"


def test_a_read_only_file_is_not_written_over(tmp_path, monkeypatch):
    """atomic_write replaced a file its user may not write (open(path, "w") refuses it); as
    root every file is writable, so the refusal is seen through os.access."""
    from nndl import files

    (tmp_path / "ro.txt").write_text("keep\n")
    monkeypatch.setattr(files.os, "access", lambda p, mode: False)
    with pytest.raises(nndl.NNDLError, match="read-only"):
        files.atomic_write(tmp_path / "ro.txt", lambda f: f.write(b"new"), what="file")
    assert (tmp_path / "ro.txt").read_text() == "keep\n"


def test_predict_keeps_the_order_of_its_inputs(tmp_path):
    """Image files came after data files and folders whatever the order given."""
    from PIL import Image

    rng = np.random.default_rng(2)
    (tmp_path / "folder" / "x").mkdir(parents=True)
    for name in ("first.png", "folder/x/second.png", "third.png"):
        Image.fromarray(rng.integers(0, 255, (8, 8, 3), dtype=np.uint8)).save(tmp_path / name)
    net = nndl.Network([8 * 8 * 3, 1], output="sigmoid", seed=0)
    net.save(tmp_path / "img.npz")
    out = ok("predict", "--model", "img.npz", "first.png", "folder", "third.png",
             cwd=tmp_path).splitlines()
    assert [line.split("\t")[0] for line in out] == ["first.png",
                                                     str(Path("folder") / "x" / "second.png"),
                                                     "third.png"]


def test_gradcheck_passes_a_correct_model_whose_default_step_rounds(tmp_path, capsys):
    """A correct regression model of targets near 1e9 (kept standardized) FAILED at 2.3e-7
    with the step 1e-7; its difference falls as the step grows (2.6e-8 at 1e-6): rounding.
    A wrong backward propagation still fails at every step."""
    from nndl.cli.app import main

    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 3))
    y = X @ [1.5, -2, 0.3] * 1e6 + 1e9 + rng.normal(size=40) * 0.123456789
    with open(tmp_path / "reg.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["a", "b", "c", "y"])
        for xi, yi in zip(X, y):
            w.writerow([*[repr(float(v)) for v in xi], repr(float(yi))])
    ok("train", "--data", "reg.csv", "--layers", "5", "--iterations", "100", "--dev", "0",
       "--out", "m.npz", "--quiet", cwd=tmp_path)
    out = ok("gradcheck", "--model", "m.npz", cwd=tmp_path)
    assert "(ok: tolerance 1e-07, at epsilon 1e-06: the difference fell" in out, out
    assert "  dW1    " in out and "(epsilon 1e-06)" in out  # each array's, at that step
    r = run("gradcheck", "--model", "m.npz", "--epsilon", "1e-7", cwd=tmp_path)
    assert r.returncode == 1 and "FAILED" in r.stdout  # a step said is the step checked
    from nndl import propagation

    real = propagation.linear_backward

    def wrong(*a, **k):
        dA, dW, db = real(*a, **k)
        return dA, dW * 1.01, db

    import unittest.mock

    with unittest.mock.patch.object(propagation, "linear_backward", wrong):
        code = main(["gradcheck", "--model", str(tmp_path / "m.npz")])
    out = capsys.readouterr().out
    assert code == 1 and "at 1e-05" in out and "FAILED" in out, out


def test_train_keeps_the_model_when_its_final_scores_fail(tmp_path, monkeypatch, capsys):
    """The end-of-training scores go over every sample; when they failed (out of memory),
    the trained model was never saved and a long run was lost: it is saved without its
    scores (a checkpoint of the finished run), and the error says where."""
    from nndl.cli import train
    from nndl.cli.app import main

    X, y = blobs()
    write_csv(tmp_path / "d.csv", X, y)

    def fail(*a, **k):
        raise nndl.NNDLError("the scores need about 3.0 GiB of memory; 1.0 GiB is available")

    monkeypatch.setattr(train, "summarize", fail)
    out = tmp_path / "m.npz"
    assert main(["train", "--data", str(tmp_path / "d.csv"), "--iterations", "7", "--out",
                 str(out), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert f"the trained model is saved in {out}, without its scores" in err, err
    assert "3.0 GiB" in err and "Traceback" not in err
    assert nndl.load(str(out)).iterations_done == 7

    def bare(*a, **k):  # NumPy's MemoryError may have no text: the message still ends well
        raise MemoryError()

    monkeypatch.setattr(train, "summarize", bare)
    assert main(["train", "--data", str(tmp_path / "d.csv"), "--iterations", "7", "--out",
                 str(out), "--quiet"]) == 2
    assert capsys.readouterr().err.rstrip().endswith("computing them failed: out of memory")

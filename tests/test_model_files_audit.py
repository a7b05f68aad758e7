"""Model files and exports, from the audit of 2026-12-07 (second session): each case was
quietly wrong, or a traceback, before.

- a symbolic link given as an output path was replaced by a regular file (``--out
  /dev/stdout > model.onnx`` turned the machine's /dev/stdout into a file; the tests use their
  own links, never the machine's);
- the status line of ``--out`` went into the output when that is standard output;
- an export did not say which column of X is which feature;
- ``nndl predict`` showed one unit of a multi-unit sigmoid model;
- values of the wrong type in a model's ``info`` were tracebacks where they were used.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest

import nndl
from nndl.files import atomic_write

from .test_trust_cli import SRC, fails, ok

onnx = pytest.importorskip("onnx", reason="needs the onnx extra (pip install 'nndl[onnx]')")
pytest.importorskip("onnxruntime", reason="needs onnxruntime (the onnx extra)")


@pytest.fixture(scope="module")
def trained(tmp_path_factory) -> Path:
    """A folder with m.npz: a binary model trained with --features income,ratio,age (not the
    file's order), --patience, mini-batches; and feats.csv, the file's columns."""
    d = tmp_path_factory.mktemp("models")
    X = np.round(np.random.default_rng(3).standard_normal((150, 4)), 3)
    y = np.where(X[:, 1] - X[:, 3] > 0, "yes", "no")
    with open(d / "d.csv", "w") as f:
        f.write("id,age,ratio,income,y\n")
        f.writelines(f"{i},{r[1]},{r[2]},{r[3]},{v}\n" for i, (r, v) in enumerate(zip(X, y)))
    ok("train", "--data", "d.csv", "--label", "y", "--features", "income,ratio,age",
       "--layers", "4", "--batch-size", "32", "--epochs", "3", "--patience", "3",
       "--optimizer", "adam", "--lr", "0.01", "--out", "m.npz", "--quiet", cwd=d)
    return d


def _edited(src: Path, dst: Path, edit) -> Path:
    """A copy of the model file ``src`` whose JSON metadata ``edit(meta)`` changed."""
    with np.load(src, allow_pickle=False) as z:
        arrays = {k: z[k] for k in z.files}
    meta = json.loads(str(arrays["__meta__"]))
    edit(meta)
    arrays["__meta__"] = np.array(json.dumps(meta))
    np.savez(dst, **arrays)
    return dst


# --- symbolic links -----------------------------------------------------------------------------
def test_writing_to_a_symlink_writes_the_file_it_names(tmp_path):
    (tmp_path / "runs").mkdir()
    os.symlink("runs/v1.txt", tmp_path / "latest.txt")
    for text in ("one", "two"):
        atomic_write(tmp_path / "latest.txt", lambda f, t=text: f.write(t), mode="w")
        assert (tmp_path / "latest.txt").is_symlink()  # was: replaced by a regular file
        assert (tmp_path / "runs" / "v1.txt").read_text() == text
    os.symlink("loop2", tmp_path / "loop1")
    os.symlink("loop1", tmp_path / "loop2")
    with pytest.raises(nndl.NNDLError, match="symbolic link that leads nowhere"):
        atomic_write(tmp_path / "loop1", lambda f: f.write("x"), mode="w")
    assert (tmp_path / "loop1").is_symlink()


def test_export_to_a_link_to_its_own_stdout_writes_the_redirected_file(trained, tmp_path):
    """``nndl export m.npz --out /dev/stdout > m.onnx``, with a link of the test's own
    standing for /dev/stdout: the link stays, m.onnx is the model, the status is on stderr."""
    link = tmp_path / "stdout"
    os.symlink("/proc/self/fd/1", link)
    with open(tmp_path / "m.onnx", "wb") as out:
        r = subprocess.run([sys.executable, "-m", "nndl", "export", str(trained / "m.npz"),
                            "--out", str(link)], stdout=out, stderr=subprocess.PIPE, text=True,
                           env=dict(os.environ, PYTHONPATH=SRC), timeout=300)
    assert r.returncode == 0, r.stderr
    assert link.is_symlink() and os.readlink(link) == "/proc/self/fd/1"
    model = onnx.load(str(tmp_path / "m.onnx"))  # was: only the "wrote ..." line
    assert [p.key for p in model.metadata_props if p.key == "feature_names"]
    assert "wrote" in r.stderr


def test_train_out_to_its_own_stdout_writes_only_the_model(tmp_path):
    link = tmp_path / "stdout"
    os.symlink("/proc/self/fd/1", link)
    with open(tmp_path / "m.npz", "wb") as out:
        r = subprocess.run([sys.executable, "-m", "nndl", "train", "--data", "moons", "--layers",
                            "4", "--iterations", "50", "--out", str(link)], stdout=out,
                           stderr=subprocess.PIPE, text=True,
                           env=dict(os.environ, PYTHONPATH=SRC), timeout=300)
    assert r.returncode == 0, r.stderr
    assert nndl.load(tmp_path / "m.npz").layer_dims == [2, 4, 1]  # no report lines inside
    assert "saved" in r.stderr and link.is_symlink()


def test_predict_out_to_a_pipe_has_only_the_csv(trained):
    r = subprocess.run(f"{sys.executable} -m nndl predict --model m.npz d.csv --out /dev/stdout"
                       " | cat", shell=True, capture_output=True, text=True, cwd=trained,
                       env=dict(os.environ, PYTHONPATH=SRC), timeout=300)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0] == "input,index,label,probability" and len(lines) == 151  # no "wrote" row
    assert "wrote 150 predictions" in r.stderr


def test_a_symlink_loop_as_model_or_output_is_one_line(trained, tmp_path):
    os.symlink("b.npz", tmp_path / "a.npz")
    os.symlink("a.npz", tmp_path / "b.npz")
    fails("export", "a.npz", cwd=tmp_path, words=["symbolic link loop"])
    fails("export", str(trained / "m.npz"), "--out", "a.npz", cwd=tmp_path,
          words=["cannot write", "symbolic link", "Too many levels"])  # was RuntimeError


# --- what X's columns are ---------------------------------------------------------------------
def test_exports_name_the_columns_of_x_in_order(trained, tmp_path):
    out = ok("export", str(trained / "m.npz"), "--out", str(tmp_path / "m.onnx"), cwd=tmp_path)
    assert "X (batch, 3: income, ratio, age)" in out
    props = {p.key: p.value for p in onnx.load(str(tmp_path / "m.onnx")).metadata_props}
    assert json.loads(props["feature_names"]) == ["income", "ratio", "age"]
    torch = pytest.importorskip("torch", reason="needs the torch extra")
    ok("export", str(trained / "m.npz"), "--out", str(tmp_path / "m.pt2"), cwd=tmp_path)
    extra = {nndl.export.TORCH_METADATA: ""}
    torch.export.load(str(tmp_path / "m.pt2"), extra_files=extra)
    about = json.loads(extra[nndl.export.TORCH_METADATA])
    assert about["feature_names"] == ["income", "ratio", "age"]
    assert about["classes"] == ["no", "yes"] and about["layer_dims"] == [3, 4, 1]
    with zipfile.ZipFile(tmp_path / "m.pt2") as z:  # no pickle in the archive
        assert not any(n.endswith((".pkl", "data.pkl")) for n in z.namelist())


def test_a_model_of_grey_images_exports(tmp_path):
    """The README's digits model (8x8 grey images, n[0] = 64): the export refused it while
    taking every image for RGB (found by the README audit)."""
    ok("train", "--data", "digits", "--layers", "8", "--iterations", "5", "--quiet",
       "--out", "d.npz", cwd=tmp_path)
    out = ok("export", "d.npz", "--out", "d.onnx", cwd=tmp_path)
    assert "X (batch, 64: pixel_0_0, pixel_0_1" in out  # was: image_size must be ... * 3
    props = {p.key: p.value for p in onnx.load(str(tmp_path / "d.onnx")).metadata_props}
    assert json.loads(props["image_size"]) == [8, 8] and props["channels"] == "1"
    assert props["input"].startswith("8x8 grey pixels")
    assert "images       8x8 grey" in ok("info", "d.npz", cwd=tmp_path)


def test_export_refuses_names_of_another_width():
    from nndl.export import Inputs, onnx_model

    net = nndl.Network([3, 2, 1], seed=0)
    with pytest.raises(nndl.NNDLError, match="feature_names must be 3 strings"):
        onnx_model(net, Inputs(feature_names=["a", "b"]))
    with pytest.raises(nndl.NNDLError, match="image_size"):
        onnx_model(net, Inputs(image_size=[2, 2]))


# --- several sigmoid units ----------------------------------------------------------------------
def test_predict_shows_every_unit_of_a_multi_label_model(tmp_path):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(2, 200))
    Y = np.vstack([X[0] > 0, X[1] > 0]).astype(float)
    net = nndl.Network([2, 8, 2], activations=["relu", "sigmoid"], seed=0)
    net.fit(X, Y, learning_rate=0.5, iterations=300)
    net.save(tmp_path / "ml.npz")
    np.savetxt(tmp_path / "x.csv", X[:, :6].T, delimiter=",")
    rows = [line.split("\t") for line in
            ok("predict", "--model", "ml.npz", "x.csv", cwd=tmp_path).splitlines()]
    want = net.predict(X[:, :6])  # (2, 6): one 0/1 per unit, each in its own column (they
    assert [r[2:4] for r in rows] == [[str(int(a)), str(int(b))] for a, b in want.T]  # were
    A = net.forward(X[:, :6])  # one cell "1 0"), then P(label i = 1) per unit (the multi audit)
    for r, a in zip(rows, A.T):
        assert [float(p) for p in r[4:6]] == pytest.approx(a, abs=1e-6)


# --- info of the wrong type ---------------------------------------------------------------------
def _ta(key, value):
    return lambda m: m["info"]["train_args"].__setitem__(key, value)


@pytest.mark.parametrize("edit, command, words", [
    (lambda m: m["info"].__setitem__("train_args", [1]), "predict", "train_args must be an obj"),
    (_ta("drop", 5), "evaluate", "train_args drop must be null or a list"),
    (_ta("label", ["y"]), "resume", "train_args label"),
    (_ta("dev", "x"), "resume", "train_args dev must be null or a finite number"),
    (_ta("data", 123), "resume", "train_args data must be null or a string"),
    (_ta("decay", "x"), "info", "train_args decay"),
    (_ta("iterations", 250.5), "resume", "train_args iterations must be null or an integer"),
    (lambda m: m["info"].__setitem__("summary", 5), "info", "summary must be an object"),
    (lambda m: m["info"].__setitem__("checkpoint", [1]), "resume", "checkpoint must be an obj"),
    (lambda m: m.__setitem__("iterations_done", 10**39), "resume", "iterations_done must be"),
    (lambda m: m.__setitem__("classes", ["", ""]), "predict", "classes must be distinct"),
], ids=["args-list", "drop", "label", "dev", "data", "decay", "iterations", "summary",
        "checkpoint", "iterations-done", "classes"])
def test_info_of_the_wrong_type_is_not_a_valid_model(trained, tmp_path, edit, command, words):
    bad = _edited(trained / "m.npz", tmp_path / "bad.npz", edit)
    args = {"predict": ["predict", "--model", bad, trained / "d.csv"],
            "evaluate": ["evaluate", "--model", bad, "--data", trained / "d.csv"],
            "info": ["info", bad],
            "resume": ["train", "--resume", bad, "--epochs", "5", "--out", "r.npz", "--quiet"]}
    fails(*args[command], cwd=tmp_path, words=["is not a valid nndl model", words])


def test_resuming_a_model_trained_with_patience_without_checkpoint_state(trained, tmp_path):
    plain = _edited(trained / "m.npz", tmp_path / "plain.npz",
                    lambda m: m["info"].pop("checkpoint"))  # as Network.save(info=...) writes
    out = ok("train", "--resume", plain, "--epochs", "4", "--out", "r.npz",
             cwd=tmp_path)  # was KeyError: 'checkpoint' (nndl tune's --out has none either)
    assert "saved" in out and (tmp_path / "r.npz").is_file()

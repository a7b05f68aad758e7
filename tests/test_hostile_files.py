"""Hostile and extreme files (issue 10, B): each refused with nndl's own error, at once, in
bounded memory, and model files kept compact (A.9)."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import time
import tracemalloc
import zipfile

import numpy as np
import pytest

import nndl
from nndl import io, limits
from nndl.datasets import load, load_images, read_image
from nndl.errors import MAX_MESSAGE, NNDLError
from nndl.files import STALE_SECONDS

from .hostile import deflated_zeros, npy_bytes, npy_header, raw_zip

X = np.random.default_rng(0).standard_normal((3, 12))
Y = (np.arange(12) % 2).reshape(1, -1)
PEAK = 64 * 2**20
"""Reading a hostile file may allocate at most this (tracemalloc's peak)."""


def small_model(tmp_path, name="m.npz", **kw):
    net = nndl.Network([3, 4, 1], hidden="tanh", seed=2)
    net.fit(X, Y, learning_rate=0.1, iterations=20)
    path = tmp_path / name
    io.save(net, path, **kw)
    return path


def members(path) -> dict:
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist()}


def meta_of(path) -> dict:
    with np.load(path, allow_pickle=False) as z:
        return json.loads(str(z["__meta__"]))


@contextlib.contextmanager
def bounded(peak=PEAK):
    """Fail if the block allocates more than ``peak`` bytes (tracemalloc sees NumPy's
    allocations) or hangs (an alarm after 60 s: a guard, not a timing assertion)."""
    def hang(signum, frame):
        raise TimeoutError("hung reading a file")

    old = signal.signal(signal.SIGALRM, hang)
    signal.alarm(60)
    tracemalloc.start()
    try:
        yield
    finally:
        _, top = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)
    assert top < peak, f"peak {top / 2**20:.1f} MiB"


def refused(fn, *args, words=(), **kw) -> str:
    with bounded(), pytest.raises(NNDLError) as e:
        fn(*args, **kw)
    msg = str(e.value)
    assert "\n" not in msg and len(msg) <= MAX_MESSAGE
    for w in words:
        assert w in msg, f"{w!r} not in {msg!r}"
    return msg


# --- A.9: compact model files -------------------------------------------------------------
def test_model_file_is_about_its_parameters_and_history_in_binary(tmp_path):
    from nndl.datasets import load_builtin

    iris = load_builtin("iris")
    net = nndl.Network([4, 16, 10, 3], hidden="relu", output="softmax", seed=0)
    net.fit(iris.X, iris.targets(), learning_rate=0.05, iterations=2000)
    path = tmp_path / "iris.model.npz"
    net.save(path)
    n_params = sum(p.size for p in net.params.values())
    n_costs = len(net.history.costs)
    binary = 8 * (n_params + n_costs)  # parameters and costs as float64
    size = path.stat().st_size
    assert size < 1.5 * binary + 8192, (size, binary)  # format 1: ~ 90x binary
    back = nndl.load(path)
    assert back.history.costs == net.history.costs
    assert back.history.iterations == net.history.iterations
    assert back.history.epochs == net.history.epochs
    assert back.history.epoch_costs == net.history.epoch_costs


def test_mini_batch_history_round_trips_and_numpy_reads_the_file(tmp_path):
    net = nndl.Network([3, 4, 1], seed=1)
    net.fit(X, Y, learning_rate=0.1, batch_size=5, epochs=7, dev=(X[:, :4], Y[:, :4]))
    net.history.best_epoch = 3
    path = tmp_path / "mb.npz"
    net.save(path)
    back = nndl.load(path)
    for k in ("iterations", "costs", "epochs", "epoch_costs", "dev_costs", "best_epoch"):
        assert getattr(back.history, k) == getattr(net.history, k), k
    with np.load(path, allow_pickle=False) as z:  # still a plain .npz
        assert z["history/costs"].tolist() == net.history.costs


def test_version_1_files_still_load(tmp_path):
    from .test_io import as_version_1

    path = small_model(tmp_path)
    with np.load(path, allow_pickle=False) as z:
        arrays = as_version_1({k: z[k] for k in z.files})
    old = tmp_path / "v1.npz"
    np.savez(old, **arrays)
    net, meta = io.read(old)
    assert meta["format_version"] == 1 and len(net.history.costs) == 20
    assert net.history.costs == nndl.load(path).history.costs


def test_stale_temporary_files_are_removed_on_the_next_save(tmp_path):
    path = small_model(tmp_path)
    old = tmp_path / ".m.npz.abcd1234.tmp"      # left by a save killed an hour ago
    fresh = tmp_path / ".m.npz.efgh5678.tmp"    # a save in progress, maybe
    other = tmp_path / ".n.npz.abcd1234.tmp"    # another target's
    for p in (old, fresh, other):
        p.write_bytes(b"partial")
    past = time.time() - STALE_SECONDS - 60
    os.utime(old, (past, past))
    os.utime(other, (past, past))
    small_model(tmp_path)
    assert not old.exists() and fresh.exists() and other.exists()


# --- B: size bombs --------------------------------------------------------------------------
def model_bomb(tmp_path, n: int, name="bomb.npz"):
    """A model declaring layer_dims [n, n, 1] whose W1 (n x n float64) is deflated zeros."""
    good = small_model(tmp_path, "seed.npz")
    meta = meta_of(good)
    meta["layer_dims"] = [n, n, 1]
    parts = {k: v for k, v in members(good).items() if k.startswith("history/")}
    parts.update({
        "__meta__.npy": npy_bytes(np.array(json.dumps(meta))),
        "W1.npy": deflated_zeros(npy_header((n, n)), 8 * n * n),
        "b1.npy": npy_bytes(np.zeros((n, 1))),
        "W2.npy": npy_bytes(np.zeros((1, n))),
        "b2.npy": npy_bytes(np.zeros((1, 1))),
    })
    path = tmp_path / name
    raw_zip(path, parts)
    return path


def test_model_of_compressed_zeros_declaring_16000x16000_weights(tmp_path):
    path = model_bomb(tmp_path, 16000)
    assert path.stat().st_size < 4 * 2**20  # 2 GB of weights in a few MB
    refused(nndl.load, path, words=["W1", "(16000, 16000)", "NNDL_MAX_BYTES"])


def test_the_limit_can_be_raised_or_lowered(tmp_path, monkeypatch):
    path = model_bomb(tmp_path, 1024)  # 8 MiB of zeros deflated about 1000 times
    assert nndl.load(path).layer_dims == [1024, 1024, 1]  # under the default 256 MiB
    refused(nndl.load, path, max_bytes="1M", words=["1 MiB"])
    monkeypatch.setenv("NNDL_MAX_BYTES", "2M")
    refused(nndl.load, path, words=["2 MiB"])
    assert nndl.load(path, max_bytes="64M").layer_dims == [1024, 1024, 1]
    monkeypatch.setattr(limits, "MAX_BYTES", 3 * 2**20)
    refused(nndl.load, path, words=["3 MiB"])
    monkeypatch.setenv("NNDL_MAX_BYTES", "lots")
    monkeypatch.setattr(limits, "MAX_BYTES", None)
    refused(nndl.load, path, words=["NNDL_MAX_BYTES"])


def test_data_npz_that_inflates_to_gigabytes(tmp_path):
    m, n = 20000, 20000  # 3.2 GB of float64 zeros
    path = tmp_path / "bomb.npz"
    raw_zip(path, {"X.npy": deflated_zeros(npy_header((m, n)), 8 * m * n),
                   "y.npy": npy_bytes(np.zeros(m))})
    assert path.stat().st_size < 5 * 2**20
    refused(load, path, words=["bomb.npz", "'X'", "(20000, 20000)", "max_bytes"])


def test_gzip_hdf5_that_inflates_to_gigabytes(tmp_path):
    h5py = pytest.importorskip("h5py")
    path = tmp_path / "bomb.h5"
    with h5py.File(path, "w") as f:
        d = f.create_dataset("X", shape=(20000, 20000), dtype="f8", compression="gzip",
                             chunks=(500, 500))
        d[:1000, :1000] = 0.0  # some chunks stored, most never written: all read as zeros
        f["y"] = np.zeros(20000)
    assert path.stat().st_size < 2**20
    refused(load, path, words=["bomb.h5", "'X'", "(20000, 20000)"])


def test_npy_header_declaring_8_terabytes(tmp_path):
    path = tmp_path / "tb.npz"
    raw_zip(path, {"X.npy": npy_header((10**6, 10**6)) + b"\0" * 64,
                   "y.npy": npy_bytes(np.zeros(3))})
    refused(load, path, words=["'X'", "shorter than its shape"])
    model = small_model(tmp_path)
    parts = members(model)
    parts["W1.npy"] = npy_header((10**6, 10**6)) + b"\0" * 64
    raw_zip(tmp_path / "tb.model.npz", parts)
    refused(nndl.load, tmp_path / "tb.model.npz", words=["W1"])


def test_tampered_image_size_in_a_model(tmp_path):
    path = small_model(tmp_path, info={"image_size": [12000, 12000]})
    refused(nndl.load, path, words=["image_size", "12000"])


def test_huge_image_size_on_a_tiny_image(tmp_path):
    Image = pytest.importorskip("PIL.Image")
    png = tmp_path / "tiny.png"
    Image.fromarray(np.zeros((4, 4, 3), dtype=np.uint8)).save(png)
    refused(read_image, png, (12000, 12000), words=["tiny.png", "12000x12000"])
    refused(load_images, [png, png], (12000, 12000), words=["12000x12000"])
    refused(load, png, image_size=(12000, 12000))
    assert read_image(png, (300, 200)).shape == (300, 200, 3)  # what is plausible still reads


def test_an_array_is_counted_once_against_the_limit(tmp_path):
    # check() then read() counted each array twice: half the limit was refused, and the
    # message doubled its size
    path = tmp_path / "z.npz"
    np.savez_compressed(path, X=np.zeros((9000, 10)), y=np.arange(9000) % 2)  # X: 703 KiB
    assert load(path, max_bytes="1M").X.shape == (10, 9000)
    refused(load, path, max_bytes="600K", words=["'X'", "would need 703 KiB", "600 KiB"])
    model = model_bomb(tmp_path, 300)  # W1: 703 KiB of zeros
    assert nndl.load(model, max_bytes="1M").layer_dims == [300, 300, 1]


def test_bools_and_pixels_are_counted_as_the_float64_they_become(tmp_path):
    # 1 byte per value in the file, 8 in nndl's X: 114 MiB of bools in 119 KB took 1.2 GB
    path = tmp_path / "b.npz"
    np.savez_compressed(path, X=np.zeros((20000, 6), bool), y=np.arange(20000) % 2)
    refused(load, path, max_bytes="1M",
            words=["'X'", "(20000, 6) bool", "117 KiB, and 938 KiB for the numbers nndl makes "
                   "of it", "would need 1.03 MiB"])
    assert load(path, max_bytes="2M").X.dtype == np.float64
    h5py = pytest.importorskip("h5py")
    h5 = tmp_path / "pixels.h5"
    with h5py.File(h5, "w") as f:
        f.create_dataset("X", data=np.zeros((400, 16, 16, 3), np.uint8), compression="gzip")
        f["y"] = np.arange(400) % 2
    refused(load, h5, max_bytes="2M", words=["'X'", "300 KiB, and 2.34 MiB for the numbers"])
    assert load(h5, max_bytes="3M").X.shape == (768, 400)


def test_float64_features_from_a_file_are_not_copied(tmp_path):
    # the file's array becomes Dataset.X (transposed) and is checked for NaN without a
    # temporary: loading took 2x X and more
    X = np.random.default_rng(0).standard_normal((20000, 50))  # 7.6 MiB
    path = tmp_path / "f.npz"
    np.savez(path, X=X, y=np.arange(20000) % 2)
    with bounded(int(1.3 * X.nbytes)):
        data = load(path)
    assert np.array_equal(data.X, X.T)
    X[0, 0] = np.nan
    np.savez(path, X=X, y=np.arange(20000) % 2)
    refused(load, path, words=["finite", "1 NaN"])


def test_one_long_text_label_costs_its_own_size(tmp_path):
    # a NumPy text array gives every label the room of the longest: one label of 10 000
    # characters made 3 000 short ones take 115 MiB (130 000 among 300 000: 145 GiB)
    path = tmp_path / "long.csv"
    long = "a" * 10_000
    path.write_text("x,y\n" + f"0.5,{long}\n"
                    + "".join(f"{i % 10},{'cd'[i % 2]}\n" for i in range(3000)))
    with bounded(16 * 2**20):
        data = load(path)
    assert data.classes == [long, "c", "d"]  # sorted, as before
    assert data.Y[0, :4].tolist() == [0, 1, 2, 1]


def test_one_long_variable_length_label_in_hdf5(tmp_path):
    h5py = pytest.importorskip("h5py")
    path = tmp_path / "vlen.h5"
    y = ["c" if i % 2 else "d" for i in range(600)]
    y[0] = "a" * 50_000  # fixed-width: 600 x 50 000 x 4 bytes = 114 MiB
    with h5py.File(path, "w") as f:
        f["X"] = np.arange(600.0)[:, None]
        f.create_dataset("y", data=y, dtype=h5py.string_dtype())
    with bounded(16 * 2**20):
        data = load(path)
    assert data.classes == ["a" * 50_000, "c", "d"] and data.Y[0, :3].tolist() == [0, 1, 2]


def test_variable_length_text_is_counted_at_its_real_size(tmp_path):
    h5py = pytest.importorskip("h5py")
    from nndl.datasets.arrays import read_labels
    from nndl.limits import Budget

    path = tmp_path / "text.h5"
    with h5py.File(path, "w") as f:
        f.create_dataset("y", data=["x" * 20_000] * 300, dtype=h5py.string_dtype())
    budget = Budget("text.h5")
    with h5py.File(path, "r") as f:
        values = read_labels(h5py, f["y"], "y", budget, path.stat().st_size)
    assert values.shape == (300,) and values[0] == b"x" * 20_000
    assert budget.declared >= 300 * 20_000  # was 300 pointers: 2400 bytes
    assert budget.stored <= path.stat().st_size


def test_many_classes_with_one_long_name_are_refused(tmp_path, monkeypatch):
    # the model keeps its classes as one NumPy text array: K names as wide as the longest
    monkeypatch.setattr(limits, "MAX_BYTES", 4 * 2**20)
    path = tmp_path / "ids.csv"
    path.write_text("x,y\n" + f"1,{'z' * 1000}\n" + "".join(f"{i},id{i}\n" for i in range(1100)))
    refused(load, path, words=["ids.csv", "1101 classes", "1000 characters", "4.2 MiB",
                               "4 MiB", "label column"])
    monkeypatch.setattr(limits, "MAX_BYTES", 8 * 2**20)
    assert load(path).n_classes == 1101


# --- B: what is not a regular file ---------------------------------------------------------
@pytest.mark.parametrize("suffix", [".csv", ".npz", ".h5", ".png", ".csv.gz"])
def test_fifo_device_and_symlink_loop_are_refused(tmp_path, suffix):
    fifo = tmp_path / f"pipe{suffix}"
    os.mkfifo(fifo)
    refused(load, fifo, words=["FIFO"])
    zero = tmp_path / f"zero{suffix}"
    zero.symlink_to("/dev/zero")
    refused(load, zero, words=["character device"])
    loop = tmp_path / f"loop{suffix}"
    loop.symlink_to(loop.name)
    refused(load, loop, words=["symbolic link loop"])


def test_absolute_path_of_a_symlink_loop(tmp_path):
    from nndl.files import absolute

    loop = tmp_path / "loop.csv"
    loop.symlink_to(loop.name)
    with pytest.raises(NNDLError, match="symbolic link loop"):
        absolute(loop, "data file")
    assert absolute(tmp_path / "x.csv") == (tmp_path / "x.csv").resolve()


def test_image_declaring_a_huge_size_is_not_decoded(tmp_path):
    Image = pytest.importorskip("PIL.Image")
    png = tmp_path / "wide.png"
    Image.new("RGB", (3000, 2000)).save(png)  # one colour: 24 MB decoded from a few KB
    assert png.stat().st_size < 2**16
    refused(read_image, png, (8, 8), max_bytes="8M", words=["wide.png", "3000x2000"])
    assert read_image(png, (8, 8)).shape == (8, 8, 3)  # within the default 256 MiB


def test_models_that_are_not_regular_files(tmp_path):
    fifo = tmp_path / "pipe.npz"
    os.mkfifo(fifo)
    refused(nndl.load, fifo, words=["FIFO"])
    zero = tmp_path / "zero.npz"
    zero.symlink_to("/dev/zero")
    refused(nndl.load, zero, words=["character device"])
    loop = tmp_path / "loop.npz"
    loop.symlink_to(loop.name)
    refused(nndl.load, loop, words=["symbolic link loop"])
    refused(nndl.load, tmp_path, words=["folder"])


def test_hdf5_soft_link_loop(tmp_path):
    h5py = pytest.importorskip("h5py")
    path = tmp_path / "loop.h5"
    with h5py.File(path, "w") as f:
        f["X"] = h5py.SoftLink("/X")
        f["y"] = np.zeros(3)
    refused(load, path, words=["loop.h5"])
    refused(load, path, keys=("X", "y"), words=["loop.h5"])
    with h5py.File(path, "w") as f:
        f["a"] = h5py.SoftLink("/b")
        f["b"] = h5py.SoftLink("/a")
        f["X"] = np.zeros((3, 2))
        f["y"] = np.zeros(3)
    assert load(path).m == 3  # the loop is not what is read: still fine


# --- B: malformed headers and metadata ------------------------------------------------------
def test_bit_flips_in_npy_headers(tmp_path):
    """Every byte of W1's header and of a data file's X header set to characters that break
    numpy's header parser: nndl's error or a correct result, never tokenize.TokenError."""
    model = small_model(tmp_path)
    parts = members(model)
    data = {"X.npy": npy_bytes(np.arange(6.0).reshape(3, 2)), "y.npy": npy_bytes(np.zeros(3))}
    for target, key, reader in ((parts, "W1.npy", nndl.load), (data, "X.npy", load)):
        blob = target[key]
        end = blob.index(b"\n")
        for i in range(8, end):
            for ch in (b"(", b"'", b"\\", b"\x00", b"{", b"9"):
                bad = dict(target, **{key: blob[:i] + ch + blob[i + 1:]})
                path = tmp_path / f"flip{i}.npz"
                raw_zip(path, bad)
                try:
                    reader(path)
                except NNDLError as exc:
                    assert len(str(exc)) <= MAX_MESSAGE
                path.unlink()


@pytest.mark.parametrize("edit, words", [
    (lambda m: m.update(iterations_done=10**400), ["digits"]),
    (lambda m: m["optimizer"].update(learning_rate=10**400) if m.get("optimizer") else
     m.update(epochs_done=10**400), ["digits"]),
    (lambda m: m.update(format_version=2**70), ["format_version"]),
], ids=["iterations", "epochs", "version"])
def test_numbers_too_large_in_metadata(tmp_path, edit, words):
    path = small_model(tmp_path)
    parts = members(path)
    meta = meta_of(path)
    edit(meta)
    parts["__meta__.npy"] = npy_bytes(np.array(json.dumps(meta)))
    raw_zip(tmp_path / "big.npz", parts)
    refused(nndl.load, tmp_path / "big.npz", words=words)


def test_history_cost_of_10_to_the_400(tmp_path):
    from .test_io import as_version_1

    path = small_model(tmp_path)
    with np.load(path, allow_pickle=False) as z:
        arrays = as_version_1({k: z[k] for k in z.files})
    meta = json.loads(str(arrays["__meta__"]))
    text = json.dumps(meta).replace(json.dumps(meta["history"]["costs"][0]), "1" + "0" * 400, 1)
    arrays["__meta__"] = np.array(text)
    np.savez(tmp_path / "v1.npz", **arrays)
    refused(nndl.load, tmp_path / "v1.npz", words=["JSON"])
    text = json.dumps(meta).replace(json.dumps(meta["history"]["costs"][0]), "1e400", 1)
    arrays["__meta__"] = np.array(text)
    np.savez(tmp_path / "v1f.npz", **arrays)
    refused(nndl.load, tmp_path / "v1f.npz", words=["too large"])


# --- B: complex numbers, long messages --------------------------------------------------------
def test_complex_numbers_are_refused_not_cut(tmp_path):
    np.savez(tmp_path / "c.npz", X=np.ones((3, 2)) * (1 + 2j), y=np.zeros(3))
    refused(load, tmp_path / "c.npz", words=["complex"])
    np.savez(tmp_path / "cy.npz", X=np.ones((3, 2)), y=np.ones(3) * 1j)
    refused(load, tmp_path / "cy.npz", words=["complex"])
    h5py = pytest.importorskip("h5py")
    with h5py.File(tmp_path / "c.h5", "w") as f:
        f["X"] = np.ones((3, 2)) * (1 + 2j)
        f["y"] = np.zeros(3)
    refused(load, tmp_path / "c.h5", words=["complex"])
    (tmp_path / "c.csv").write_text("a,y\n1+2j,0\n3,1\n")
    refused(load, tmp_path / "c.csv", words=["'1+2j'"])


def test_messages_are_capped(tmp_path):
    huge = "x" * 2**20
    np.savez(tmp_path / "names.npz", X=np.ones((2, 1)), y=np.array([huge, "b"]))
    msg = refused(load, tmp_path / "names.npz", classes=["a", "b"], words=["names.npz"])
    assert "characters left out" in msg
    (tmp_path / "names.csv").write_text(f"a,y\n1,{huge}\n2,b\n")
    refused(load, tmp_path / "names.csv", words=["names.csv", "field limit"])
    (tmp_path / "ok.csv").write_text("a,y\n1,0\n2,1\n")
    refused(load, tmp_path / "ok.csv", label=huge, words=["no column named"])
    path = small_model(tmp_path)
    parts = members(path)
    parts.update({f"extra{i}.npy": npy_bytes(np.zeros(1)) for i in range(5000)})
    raw_zip(tmp_path / "many.npz", parts)
    msg = refused(nndl.load, tmp_path / "many.npz", words=["5000 unexpected"])
    assert len(msg) < 1000
    meta = meta_of(path)
    meta["classes"] = [huge, "b", "c"]
    parts = members(path)
    parts["__meta__.npy"] = npy_bytes(np.array(json.dumps(meta)))
    raw_zip(tmp_path / "cls.npz", parts)
    refused(nndl.load, tmp_path / "cls.npz", words=["class"])


def test_shorten_keeps_head_and_tail():
    from nndl.errors import shorten

    assert shorten("abc", 10) == "abc"
    s = shorten("a" * 50 + "b" * 1000 + "c" * 50, 100)
    assert len(s) <= 100 and s.startswith("a") and s.endswith("c") and "left out" in s
    assert MAX_MESSAGE - 50 < len(str(NNDLError("y" * 10**6))) <= MAX_MESSAGE


def test_parse_size():
    assert limits.parse_size("4G") == 4 * 2**30
    assert limits.parse_size("512 MiB") == 512 * 2**20
    assert limits.parse_size(1000) == 1000
    for bad in ("", "-1", "4X", "0"):
        with pytest.raises(NNDLError, match="size"):
            limits.parse_size(bad)


def test_cli_symlink_loop_as_data_or_output_is_one_line(tmp_path):
    import subprocess, sys

    loop = tmp_path / "loop.csv"
    loop.symlink_to(loop.name)
    for extra in (["--data", str(loop)], ["--data", "moons", "--out", str(loop / "m.npz")]):
        r = subprocess.run([sys.executable, "-m", "nndl", "train", *extra, "--iterations", "2"],
                           capture_output=True, text=True, cwd=tmp_path, timeout=120)
        assert r.returncode == 2, r.stderr
        assert "Traceback" not in r.stderr and len(r.stderr.strip().splitlines()) == 1


def test_labels_of_bytes_that_are_not_utf8_are_said(tmp_path):
    """Labels stored as bytes in Latin-1 (b'caf\\xe9') in an .npz or HDF5 file ended in a
    UnicodeDecodeError traceback."""
    import h5py

    from nndl.datasets import load

    X, y = np.zeros((10, 2)), np.array([b"caf\xe9", b"tea"] * 5)
    np.savez(tmp_path / "lat.npz", X=X, y=y)
    with h5py.File(tmp_path / "lat.h5", "w") as f:
        f["X"], f["y"] = X, y
    for name in ("lat.npz", "lat.h5"):
        with pytest.raises(NNDLError, match=f"{name}: a label is bytes that are not UTF-8 text"):
            load(tmp_path / name)


# --- the security audit: HDF5 that reads other files ---------------------------------------
def _load_in_a_child(tmp_path, expr: str) -> str:
    """Run ``expr`` (a load) in a child process with a time limit: a file that makes it open
    a FIFO hangs (in C, where no alarm reaches it). Returns the error said."""
    import subprocess
    import sys

    from .test_trust_cli import SRC

    code = f"import nndl.datasets as d\ntry:\n    {expr}\nexcept nndl.NNDLError as e:\n" \
           "    print(e)\nelse:\n    print('read')\n"
    r = subprocess.run([sys.executable, "-c", "import nndl\n" + code], cwd=tmp_path,
                       capture_output=True, text=True, timeout=60,
                       env=dict(os.environ, PYTHONPATH=SRC))
    assert r.returncode == 0, r.stderr
    return r.stdout.strip()


def _course_files(folder, **x_kw) -> None:
    h5py = pytest.importorskip("h5py")
    folder.mkdir()
    for part in ("train", "test"):
        with h5py.File(folder / f"{part}_catvnoncat.h5", "w") as f:
            f.create_dataset(f"{part}_set_x", shape=(4, 4, 4, 3), dtype="u1", **x_kw)
            f[f"{part}_set_y"] = np.array([0, 1, 0, 1])
            f["list_classes"] = np.array([b"non-cat", b"cat"])


def test_the_cat_folder_reads_no_other_file_through_external_storage(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_bytes(b"root:x:0:0:" * 20)
    _course_files(tmp_path / "cat", external=[(str(secret), 0, 192)])
    # was: the secret's bytes as pixels
    refused(nndl.datasets.load_cat, tmp_path / "cat", words=["keeps its values in other files"])
    os.mkfifo(tmp_path / "fifo")
    _course_files(tmp_path / "catfifo", external=[(str(tmp_path / "fifo"), 0, 192)])
    said = _load_in_a_child(tmp_path, "d.load_cat('catfifo')")  # was: hung for ever
    assert "keeps its values in other files" in said, said


def test_course_layout_and_soft_links_follow_no_external_link(tmp_path):
    h5py = pytest.importorskip("h5py")
    os.mkfifo(tmp_path / "fifo")
    names = ("train_set_x", "train_set_y", "list_classes")
    with h5py.File(tmp_path / "real.h5", "w") as f:
        f["train_set_x"] = np.zeros((4, 4, 4, 3), "u1")
        f["train_set_y"], f["list_classes"] = np.array([0, 1, 0, 1]), np.array([b"a", b"b"])
        f["X"] = np.zeros((4, 2))
    for name, target in (("fifo.h5", str(tmp_path / "fifo")), ("real_link.h5", "real.h5")):
        with h5py.File(tmp_path / name, "w") as f:
            for k in names:
                f[k] = h5py.ExternalLink(target, "/" + k)
        said = _load_in_a_child(tmp_path, f"d.load({name!r})")  # fifo.h5 hung, the other read
        assert "external links ['list_classes', 'train_set_x', 'train_set_y'], which nndl " \
               "does not follow" in said, said
    (tmp_path / "cat").mkdir()
    for part in ("train", "test"):
        with h5py.File(tmp_path / "cat" / f"{part}_catvnoncat.h5", "w") as f:
            for k in names:
                k = k.replace("train", part)
                f[k] = h5py.ExternalLink(str(tmp_path / "fifo"), "/" + k)
    said = _load_in_a_child(tmp_path, "d.load_cat('cat')")
    assert "'train_set_x' is an external link" in said and "does not follow" in said, said
    with h5py.File(tmp_path / "soft.h5", "w") as f:  # X -> /ex -> another file's X
        f["ex"] = h5py.ExternalLink("real.h5", "/X")
        f["X"] = h5py.SoftLink("/ex")
        f["y"] = np.array([0, 1, 0, 1])
    refused(load, tmp_path / "soft.h5", words=["external links ['X', 'ex']"])  # was: read
    with h5py.File(tmp_path / "inside.h5", "w") as f:  # soft links inside the file: read
        f["g/data"] = np.ones((4, 2))
        f["X"] = h5py.SoftLink("/g/data")
        f["y"] = np.array([0, 1, 0, 1])
    assert load(tmp_path / "inside.h5").X.shape == (2, 4)


def test_evaluate_and_predict_call_a_link_loop_one(tmp_path):
    from .test_trust_cli import fails, ok

    np.savez(tmp_path / "d.npz", X=np.random.default_rng(0).random((20, 3)),
             y=np.arange(20) % 2)
    ok("train", "--data", "d.npz", "--layers", "3", "--iterations", "2", "--dev", "0",
       "--out", "m.npz", "--quiet", cwd=tmp_path)
    os.symlink("l2.csv", tmp_path / "l1.csv")
    os.symlink("l1.csv", tmp_path / "l2.csv")
    for command in (["evaluate", "--model", "m.npz", "--data", "l1.csv"],  # was: not found
                    ["predict", "--model", "m.npz", "l1.csv"],
                    ["train", "--data", "l1.csv"]):
        fails(*command, cwd=tmp_path, words=["l1.csv: a symbolic link loop"])


def test_a_gzipped_table_of_short_cells_is_counted_by_its_cells(tmp_path):
    """Inflated text was counted, not the cells made of it (some 28 bytes a character): a
    330 KB .csv.gz of 80 MiB text took 2.3 GB, within a limit of 256 MiB."""
    import gzip

    row = ",".join(["10"] * 19) + ",1\n"
    path = tmp_path / "b.csv.gz"
    with gzip.open(path, "wb", 9) as f:
        f.write(",".join(f"c{i}" for i in range(20)).encode() + b"\n")
        f.write((row + row.replace(",1\n", ",0\n")).encode() * 25_000)  # 3 MB of text
    assert path.stat().st_size < 2**14
    refused(load, path, max_bytes="16M", words=["cells made of the text", "bytes a character",
                                                "limit of 16 MiB"])
    assert load(path, max_bytes="256M").m == 50_000  # a limit that holds them: read


def test_an_ordinary_gzipped_table_is_not_refused_for_its_cells(tmp_path):
    """The review of the cells' budget: a .csv.gz of 0/1 cells that inflates ~6 times was
    refused where the same file uncompressed loads (its cells ~28 bytes a character, above
    100 times the compressed bytes): only a text over INFLATED times its file is counted."""
    import gzip

    from nndl.datasets.tables import INFLATED

    rng = np.random.default_rng(0)
    lines = [",".join(map(str, r)) + f",{r[0]}\n" for r in rng.integers(0, 2, (20_000, 10))]
    path = tmp_path / "ok.csv.gz"
    with gzip.open(path, "wt") as f:
        f.write(",".join(f"c{i}" for i in range(10)) + ",y\n" + "".join(lines))
    text = sum(map(len, lines))
    assert 2 < text / path.stat().st_size < INFLATED  # an ordinary ratio
    assert 28 * text > 100 * path.stat().st_size  # the cells over 100x the file: was refused
    assert load(path, max_bytes="1M").m == 20_000

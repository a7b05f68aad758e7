"""Data of any scale, models of any size: tiny features and targets are scaled (not taken for
constants), sizes beyond the memory are refused with NNDLError (never a MemoryError), and
overflow is a divergence or an honest inf, never a NumPy RuntimeWarning."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
import time
import warnings

import numpy as np
import pytest

import nndl
from nndl import initializers, memory, metrics, training
from nndl.errors import DivergenceError, NNDLError
from nndl.memory import parameter_count
from nndl.preprocessing import Standardizer


def _classes(m: int = 300, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """X (3, m) standard normal and y (1, m) = [x1 + x2 > 0]."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((3, m))
    return X, (X[0] + X[1] > 0).astype(float)[None, :]


# --- bug 1: a feature or target of a tiny scale is a feature, not a constant ------------------
@pytest.mark.parametrize("scale", [1e-13, 1e-200, 1e-310])
@pytest.mark.parametrize("offset", [0.0, 3.0])
def test_tiny_scale_features_standardize_to_unit_std(scale, offset):
    rng = np.random.default_rng(1)
    X = (rng.standard_normal((2, 200)) + offset) * scale  # 1e-310: subnormal numbers
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        s = Standardizer().fit(X)
        Z = s.transform(X)
    assert (s.std != 1.0).all()
    rtol = 1e-6 if scale < 1e-300 else 1e-12  # subnormals hold ~13 significant bits fewer
    np.testing.assert_allclose(Z.std(axis=1), 1.0, rtol=rtol)
    np.testing.assert_allclose(Z.mean(axis=1), 0.0, atol=rtol)


@pytest.mark.parametrize("row", [
    np.full(50, 0.1),                                              # 0.1 * 50 / 50 is not 0.1
    1e10 + np.random.default_rng(2).standard_normal(50) * 1e-6,   # 1e10 up to a few ulps
    np.full(50, 1e-300), np.full(50, 3e-310), np.zeros(50), np.full(50, -1.7e308),
])
def test_constant_features_are_only_centred(row):
    s = Standardizer().fit(np.vstack([row, np.arange(50.0)]))
    assert s.std[0, 0] == 1.0 and s.std[1, 0] == np.std(np.arange(50.0))


def _fit_classifier(X: np.ndarray, y: np.ndarray) -> nndl.Network:
    """As ``nndl train`` builds and trains a model: features standardized on the data."""
    net = nndl.Network([3, 8, 1], seed=0)
    net.preprocessing = Standardizer().fit(X)
    net.fit(X, y, learning_rate=0.5, iterations=200)
    return net


def test_a_classifier_learns_from_features_at_1e_13_as_from_unscaled_ones():
    X, y = _classes()
    plain, tiny = _fit_classifier(X, y), _fit_classifier(X * 1e-13, y)
    np.testing.assert_allclose(tiny.history.costs, plain.history.costs, rtol=1e-8)
    assert tiny.history.costs[-1] < 0.5 * tiny.history.costs[0]
    assert tiny.accuracy(X * 1e-13, y) == plain.accuracy(X, y) > 0.95


def _fit_regression(X: np.ndarray, Y: np.ndarray) -> float:
    """R^2 on the training data of a regression trained as ``nndl train`` does (features and
    targets standardized)."""
    net = nndl.Network([3, 8, 1], output="linear", seed=0)
    net.preprocessing = Standardizer().fit(X)
    net.target_scaling = Standardizer().fit(Y)
    net.fit(X, Y, learning_rate=0.05, iterations=300)
    return metrics.r2_score(Y, net.forward(X))


@pytest.mark.parametrize("scale", [1e-13, 1e-200])
def test_a_regression_learns_targets_at_a_tiny_scale_as_unscaled_ones(scale):
    X, _ = _classes()
    Y = (X[0] + 2 * X[1] - X[2])[None, :]
    plain, tiny = _fit_regression(X, Y), _fit_regression(X, Y * scale)
    assert plain > 0.9
    assert tiny == pytest.approx(plain, rel=1e-8)


# --- bug 2: sizes beyond the memory are an NNDLError before anything is allocated -------------
def test_a_huge_layer_is_refused_quickly_without_allocating(monkeypatch):
    monkeypatch.setattr(memory, "available_bytes", lambda: 100 * 2**20)
    start = time.perf_counter()
    with pytest.raises(NNDLError, match=r"need about 3\.7 GiB of memory; 100\.0 MiB is "
                                        r"available: use smaller layers"):
        nndl.Network([3, 10**8, 1])
    assert time.perf_counter() - start < 0.5


def _table_files(folder):
    """Tables of other shapes (20 000 rows each): narrow, long text left out, aligned with
    spaces, MNIST-like small integers, decimals with a text label."""
    rng = np.random.default_rng(0)
    n = 20000
    files = {"narrow.csv": "a,b\n" + "".join(f"{i % 10},{'ab'[i % 2]}\n" for i in range(n)),
             "notes.csv": "note,x,y\n" + "".join(f"{'w' * 300}{i},{i % 7},{i % 2}\n"
                                                  for i in range(n)),
             "aligned.txt": "".join(" ".join(f"{v:14.3f}" for v in row) + "\n"
                                    for row in rng.standard_normal((n, 6))),
             "pixels.csv": "".join(",".join(str(v) for v in row) + "\n" for row in
                                   (rng.random((n, 40)) < 0.2) * rng.integers(0, 256, (n, 40))),
             "decimals.csv": "".join(",".join(f"{v:.6f}" for v in row) + ",yes\n"
                                     for row in rng.standard_normal((n, 8))),
             "wide.csv": "".join(",".join(f"{v:.3f}" for v in row) + "\n"
                                 for row in rng.standard_normal((60, 1500))),
             "later.csv": "note,x,y\n" + "".join(f"{'w' * (4 if i < 2000 else 300)},{i % 7},"
                                                  f"{i % 2}\n" for i in range(n)),
             "earlier.csv": "note,x,y\n" + "".join(f"{'w' * (300 if i < 300 else 4)},{i % 7},"
                                                    f"{i % 2}\n" for i in range(n)),
             "blanks.csv": ",,\n" * 3000 + "a,b,c\n" + "".join(f"{i},{i % 3},{i % 2}\n"
                                                               for i in range(n)),
             # rows longer than a part (ROOM_WINDOW: 16 K characters here): a part of the text
             # held no line end (ZeroDivisionError), as a CSV of flattened 128x128 RGB images
             "verywide.csv": "".join(",".join(str((i + j) % 10) for j in range(12000)) + "\n"
                                     for i in range(12))}
    for name, text in files.items():
        (folder / name).write_text(text)
    return {name: {"drop": ["note"]} if name.endswith(("notes.csv", "later.csv", "earlier.csv"))
            else {} for name in files}


def test_a_tables_memory_is_judged_from_its_first_rows_near_what_reading_takes(
        tmp_path, monkeypatch):
    """The memory a table's cells need is estimated from what the rows of three parts of its
    text hold, per character (it was 12 bytes a cell and a character: 0.38x the real peak for
    a narrow table, 4.8x for one with long text left out, spaces of an aligned table counted
    as cells; then from the first 2000 rows: 6.7x after rows of only delimiters, 16x under
    for short rows after long ones, and wide tables never judged). The estimate is within
    0.8x-2.5x of what reading takes (tracemalloc's peak, the text itself left out), for
    tables of every shape."""
    import tracemalloc

    from nndl.datasets import load_csv, tables

    monkeypatch.setattr(tables, "ROOM_WINDOW", 2**14)  # the files' parts: 16 K characters
    needs = []
    real_check = tables.check_memory
    monkeypatch.setattr(tables, "check_memory",
                        lambda what, need, hint: needs.append(need) or real_check(what, need,
                                                                                  hint))
    for name, kw in _table_files(tmp_path).items():
        needs.clear()
        text_bytes = (tmp_path / name).stat().st_size
        tracemalloc.start()
        try:
            load_csv(tmp_path / name, **kw)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        assert len(needs) == 1, name
        real = peak - text_bytes  # the text is held before the estimate is made
        assert 0.8 * real < needs[0] < 2.5 * real, (name, needs[0], real)


def test_a_table_beyond_the_memory_is_refused_before_its_cells_are_made(tmp_path,
                                                                        monkeypatch):
    """A CSV whose cells would not fit is refused with what they need and the way out, after
    its first rows (it was read until the system killed the process, or a MemoryError came
    as a traceback); a MemoryError that still comes is nndl's error."""
    from nndl.datasets import load_csv, tables

    _table_files(tmp_path)
    monkeypatch.setattr(tables, "ROOM_WINDOW", 2**14)
    monkeypatch.setattr(memory, "available_bytes", lambda: 2 * 2**20)
    split = tables._split
    monkeypatch.setattr(tables, "_split", lambda *a: pytest.fail("split") if a[3:] == (None,)
                        else split(*a))  # the sniffer's splits of the first lines only
    with pytest.raises(NNDLError, match=r"about 40,\d{3} cells of narrow\.csv need about "
                                        r".* of memory; 2\.0 MiB is available: .*\.npz"):
        load_csv(tmp_path / "narrow.csv")
    monkeypatch.undo()
    monkeypatch.setattr(memory, "available_bytes", lambda: 2**30)
    assert load_csv(tmp_path / "narrow.csv").X.shape == (1, 20000)

    def no_room(*a):
        raise MemoryError

    monkeypatch.setattr(tables, "_numbers", no_room)
    with pytest.raises(NNDLError, match=r"pixels\.csv: the memory ran out while its cells were "
                                        r"read \(1\.0 GiB is available\)"):
        load_csv(tmp_path / "pixels.csv", label=False)


def test_what_is_available_counts_the_cgroup_and_the_process_limits(monkeypatch):
    monkeypatch.setattr(memory, "_system_bytes", lambda: 64 * 2**30)
    monkeypatch.setattr(memory, "_cgroup_room", lambda: 3 * 2**30)
    assert memory.available_bytes() == 3 * 2**30
    monkeypatch.setattr(memory, "_rlimit_room", lambda: [2 * 2**30, None])
    assert memory.available_bytes() == 2 * 2**30
    monkeypatch.setattr(memory, "_cgroup_room", lambda: -5)  # over its limit already
    assert memory.available_bytes() == 0


@pytest.mark.skipif(not os.path.exists("/proc/self/status"), reason="needs Linux's /proc")
def test_an_address_space_limit_refuses_the_model_instead_of_a_memory_error():
    # `ulimit -v`: the machine's free memory is not what this process may allocate
    code = textwrap.dedent("""
        import resource
        import nndl, numpy
        from nndl.errors import NNDLError
        with open("/proc/self/status") as f:
            used = next(int(l.split()[1]) * 1024 for l in f if l.startswith("VmSize:"))
        resource.setrlimit(resource.RLIMIT_AS, (used + 2**30, resource.RLIM_INFINITY))
        try:
            nndl.Network([3, 20000, 20000, 1])
        except NNDLError as exc:
            print("NNDLError:", exc)
    """)
    src = os.path.dirname(os.path.dirname(nndl.__file__))  # this nndl, not an installed one
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1",
           "PYTHONPATH": os.pathsep.join([src, os.environ.get("PYTHONPATH", "")])}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120, env=env)
    assert out.returncode == 0, out.stderr[-2000:]
    assert re.fullmatch(r"NNDLError: the parameters of Network\(\[3, 20000, 20000, 1\]\) "
                        r"\(float64\) need about 3\.0 GiB of memory; (1\.0 GiB|\d+\.\d MiB) "
                        r"is available: use smaller layers\n", out.stdout), out.stdout


def test_float32_parameters_count_their_float64_draw(monkeypatch):
    dims = [3, 4000, 1]
    need = initializers.initialize_bytes
    assert need(dims, "float64") == parameter_count(dims) * 8
    assert need(dims, "float32") == parameter_count(dims) * 4 + 4000 * 3 * 8  # W1 drawn in f64
    monkeypatch.setattr(memory, "available_bytes", lambda: parameter_count(dims) * 4 + 1000)
    with pytest.raises(NNDLError, match="float32"):
        nndl.Network(dims, dtype="float32")


def test_a_memory_error_while_drawing_the_parameters_is_an_nndl_error(monkeypatch):
    import nndl.network

    def fail(*args, **kwargs):
        raise MemoryError("Unable to allocate 2.98 GiB")

    monkeypatch.setattr(nndl.network, "initialize", fail)
    with pytest.raises(NNDLError, match=r"the parameters of Network\(\[3, 5, 1\]\) \(float64\) "
                                        r"need about .* and allocating them failed"):
        nndl.Network([3, 5, 1])


def test_a_memory_error_while_training_is_an_nndl_error(monkeypatch):
    X, y = _classes(50)
    net = nndl.Network([3, 5, 1], seed=0)

    def fail(*args, **kwargs):
        raise MemoryError("Unable to allocate 12 GiB")

    monkeypatch.setattr(training, "BatchSource", fail)
    with pytest.raises(NNDLError, match=r"training Network.* on batches of 50 samples .*need "
                                        r"about .* and allocating them failed .*batch_size"):
        net.fit(X, y, iterations=2)


def test_standardizing_an_x_beyond_the_memory_is_an_nndl_error(monkeypatch):
    # a raw MemoryError traceback came from Standardizer.fit under a 3 GB limit
    X = np.ones((60, 1000))
    monkeypatch.setattr(memory, "available_bytes", lambda: 100_000)
    with pytest.raises(NNDLError, match=r"the standard deviations of X \(60 features x 1000 "
                                        r"samples, float64; a temporary of its size\) need "
                                        r"about 468\.8 KiB of memory; 97\.7 KiB is available"):
        Standardizer().fit(X)
    std = Standardizer(np.zeros(60), np.ones(60))
    with pytest.raises(NNDLError, match=r"the standardized copy of X .*2 temporaries"):
        std.transform(X)
    monkeypatch.setattr(memory, "available_bytes", lambda: None)
    import nndl.preprocessing

    def fail(*args, **kwargs):
        raise MemoryError("Unable to allocate 732. MiB")

    monkeypatch.setattr(nndl.preprocessing, "_moments", fail)
    with pytest.raises(NNDLError, match=r"the standard deviations of X .* allocating them "
                                        r"failed"):
        Standardizer().fit(X)


def test_features_of_zeros_are_not_copied_to_be_standardized():
    # rows of zeros went down the tiny-values path, which copies them twice
    X = np.zeros((50, 20000))
    X[0] = 1.0
    import tracemalloc

    tracemalloc.start()
    try:
        std = Standardizer().fit(X)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 1.3 * X.nbytes, peak / X.nbytes
    assert std.mean.ravel()[:2].tolist() == [1.0, 0.0] and std.std.ravel().tolist() == [1.0] * 50


# --- bug 3: overflow is a divergence or an honest inf, never a NumPy warning ------------------
@pytest.mark.parametrize("scale", [1e300, 1e-300, 1e-310])
def test_regression_scores_of_any_scale_without_warnings(scale):
    rng = np.random.default_rng(3)
    t = rng.standard_normal((1, 200))
    p = t + 0.3 * rng.standard_normal((1, 200))
    unit = metrics.regression_scores(t, p)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = metrics.regression_scores(t * scale, p * scale)
        assert metrics.rmse(t * scale, p * scale) == got["rmse"]
    rtol = 1e-10 if scale > 1e-300 else 1e-6  # subnormal inputs hold fewer digits
    assert got["rmse"] == pytest.approx(unit["rmse"] * scale, rel=rtol)
    assert got["mae"] == pytest.approx(unit["mae"] * scale, rel=rtol)
    assert got["r2"] == pytest.approx(unit["r2"], rel=rtol)
    true_mse = unit["mse"] * scale * scale  # inf (beyond float64) or 0 (below), as it is
    assert got["mse"] == (np.inf if scale > 1 else true_mse)


def test_scores_of_errors_beyond_float64_are_inf_without_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert metrics.mse([1e308, 0.0], [-1e308, 0.0]) == np.inf
        assert metrics.r2_score([1e308, -1e308, 0.0], [-1e308, 1e308, 0.0]) == -np.inf


def test_scores_of_ordinary_values_keep_their_bits():
    rng = np.random.default_rng(4)
    t, p = rng.standard_normal((2, 40)), rng.standard_normal((2, 40))
    err = p - t
    assert metrics.mse(t, p) == float(np.mean(err ** 2))
    assert metrics.mae(t, p) == float(np.mean(np.abs(err)))
    ss_res = ((t - p) ** 2).sum(axis=1)
    ss_tot = ((t - t.mean(axis=1, keepdims=True)) ** 2).sum(axis=1)
    assert metrics.r2_score(t, p) == float(np.mean(1 - ss_res / ss_tot))


def _diverging(dtype: str) -> tuple[nndl.Network, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    X = rng.standard_normal((30, 400))
    y = (rng.standard_normal(30) @ X > 0).astype(float)[None, :]
    return nndl.Network([30, 20, 7, 5, 1], dtype=dtype, seed=0), X, y


def test_an_overflow_in_training_is_a_divergence_not_a_runtime_warning():
    net, X, y = _diverging("float32")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(DivergenceError, match="overflowed float32") as e:
            net.fit(X, y, learning_rate=1e6, iterations=100)
        net.forward(X)  # the parameters kept: the last ones whose forward pass did not overflow
    assert net.iterations_done == e.value.iteration - 1 == len(net.history.costs)


def test_a_fit_whose_cost_ends_far_above_its_start_warns_of_the_learning_rate():
    net, X, y = _diverging("float64")
    with pytest.warns(training.DivergenceWarning,
                      match=r"the cost rose from 0\.75.* \(first iteration of this fit\) to "
                            r".*smaller learning rate \(now 1e\+06\)"):
        h = net.fit(X, y, learning_rate=1e6, iterations=100)
    assert np.isfinite(h.costs).all() and h.costs[-1] > 10 * h.costs[0]


def test_a_fit_that_learns_gives_no_warning():
    net, X, y = _diverging("float64")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        h = net.fit(X, y, learning_rate=0.05, batch_size=64, epochs=20, optimizer="adam")
    assert h.epoch_costs[-1] < h.epoch_costs[0]


def test_the_one_hot_targets_of_many_labels_are_refused_before_they_are_made(monkeypatch):
    """20 000 string labels (an ID column) made a 20 000 x 20 000 one-hot Y outside any memory
    check: a raw numpy MemoryError (3 GB) from Network.fit and NNClassifier.fit."""
    from nndl.sklearn import NNClassifier

    m = 600  # one-hot: 600 x 600 float64, 2.9 MB
    rng = np.random.default_rng(0)
    X = rng.standard_normal((m, 3))
    y = np.char.add("id", np.arange(m).astype(str))
    net = nndl.Network([3, 4, m], output="softmax", seed=0)
    monkeypatch.setattr(memory, "available_bytes", lambda: 2**20)
    said = "the one-hot targets of 600 samples in 600 classes"
    with pytest.raises(NNDLError, match=said) as exc:
        net.fit(X.T, y, iterations=1)
    assert "IDs, names or dates" in str(exc.value) and net.label_map is None
    with pytest.raises(NNDLError, match=said), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # sklearn's "more classes than half the samples"
        NNClassifier(hidden_layer_sizes=(4,), max_iter=1, random_state=0).fit(X, y)


def test_the_cli_counts_the_training_targets_before_training(monkeypatch):
    """With mini-batches the CLI's estimate counted one batch, not the one-hot Y of all the
    samples (k x m): 20 000 dates as labels passed it and failed in numpy."""
    from nndl.cli import steps
    from nndl.cli.settings import TRAIN_DEFAULTS

    m = 400
    data = nndl.datasets.from_arrays(np.random.default_rng(0).standard_normal((m, 3)),
                                     np.char.add("d", np.arange(m).astype(str)), "dates.csv")
    data.label_name = "date"
    s = {**TRAIN_DEFAULTS, "layers": [3], "batch_size": 8}
    monkeypatch.setattr(memory, "available_bytes", lambda: 600_000)  # Y: 400 x 400, 1.3 MB
    with pytest.raises(NNDLError, match=r"targets 400 x 400\) need about 1\.3 MiB.*train on "
                       r"fewer samples.*the label column 'date': if it is not the label"):
        steps.build_model(s, steps.Parts(data, data, None, None))
    monkeypatch.setattr(memory, "available_bytes", lambda: 2**30)
    assert steps.build_model(s, steps.Parts(data, data, None, None)).layer_dims[-1] == m

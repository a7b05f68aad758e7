"""The benchmark suite runs (quick mode, tiny sizes) and prints its table. Nothing is timed."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

RUN = Path(__file__).resolve().parents[1] / "benchmarks" / "run.py"


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("nndl_benchmarks_run", RUN)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _rows(text):
    return [line.split() for line in text.splitlines() if line.startswith(("cat-", "wide-"))]


def test_quick_tiny_run_prints_the_table(bench, capsys):
    pytest.importorskip("sklearn")
    libs = "nndl,sklearn"
    text = bench.main(["--quick", "--tiny", "--in-process", "--libs", libs])
    out = capsys.readouterr().out
    assert text in out
    assert "sgemm" in text and "loop/dot" in text
    rows = _rows(text)
    assert len(rows) == len(bench.CASES) * len(libs.split(","))
    assert {r[0] for r in rows} == set(bench.CASES)  # wide-f32-c: the C-ordered data
    assert {r[1] for r in rows} == set(libs.split(","))
    for r in rows:
        assert float(r[2]) > 0                       # a time
        if r[1] == "nndl":
            assert r[3] == "1.00" and r[4] == "1.00-1.00"  # the ratio's reference
    # same start, same algorithm: the cat recipe's final cost agrees across libraries
    cat32 = {r[1]: float(r[5]) for r in rows if r[0] == "cat-f32"}
    assert max(cat32.values()) - min(cat32.values()) < 1e-4


def test_torch_rows(bench):
    pytest.importorskip("torch", reason="torch is optional (the 'bench' extra); CI has none")
    text = bench.main(["--quick", "--tiny", "--in-process", "--libs", "nndl,torch",
                       "--cases", "cat-f32"])
    cost = {r[1]: float(r[5]) for r in _rows(text)}
    assert set(cost) == {"nndl", "torch"}
    assert abs(cost["nndl"] - cost["torch"]) < 1e-4


def test_busy_run_adds_one_thread_rows_and_compares(bench):
    text = bench.main(["--quick", "--tiny", "--in-process", "--libs", "nndl", "--busy",
                       "--cases", "wide-f32-c-shuffled"])
    quiet, busy, summary = text.split("\n\n")
    for part in (quiet, busy):
        assert {r[1] for r in _rows(part)} == {"nndl", "nndl-1t", "nndl-fixed"}
    rows = _rows(summary)
    assert [r[1] for r in rows] == ["nndl", "nndl-fixed"]
    quiet_t, busy_t, ratio = (float(x) for x in rows[0][2:5])
    assert ratio == pytest.approx(busy_t / quiet_t, rel=0.01, abs=0.01)


def test_busy_table_ratios_are_per_round(bench):
    quiet = [{"case": "c", "lib": "x", "time": 2.0, "times": [2.0]}]
    busy = [{"case": "c", "lib": "x", "time": 3.0, "times": [3.0, 4.0, 2.0]},
            {"case": "c", "lib": "x-1t", "time": 2.0, "times": [2.0, 2.0, 2.0]}]
    row = bench.busy_table(quiet, busy).splitlines()[2].split()
    assert row[:7] == ["c", "x", "2", "3", "1.50", "1.50", "1.00-2.00"]


def test_flop_count_and_budget(bench):
    # [2, 3, 1] on m = 5: layer 1 forward + dW (no dA0): 4*3*2*5, layer 2: 6*1*3*5
    assert bench.nominal_flops([2, 3, 1], 5) == 4 * 3 * 2 * 5 + 6 * 1 * 3 * 5
    # 13 = 3*(2+1) + 1*(3+1) parameters and as many gradients, plus Z, A of 3 and 1 units on
    # 5 samples
    assert bench.budget_bytes([2, 3, 1], 5, 8) == (2 * 13 + 2 * (3 + 1) * 5) * 8


def test_libraries_take_turns_and_ratios_are_per_round(bench, monkeypatch):
    """Round r times every library once, starting with library r mod 3; the table's ratio is
    the median over rounds of time / nndl's time of the same round."""
    order = []
    clock = {"nndl": iter([1.0, 2.0, 4.0]), "sklearn": iter([3.0, 4.0, 2.0]),
             "torch": iter([1.0, 1.0, 1.0])}

    class Fake:
        def __init__(self, case, lib, cfg, rss=True):
            self.lib, self.times = lib, []

        def time_one(self):
            order.append(self.lib)
            self.times.append(next(clock[self.lib]))
            return self.times[-1]

        def finish(self):
            return {"case": "wide-f32", "lib": self.lib, "dtype": "float32", "time": 0.0,
                    "cost": 0.0, "train_acc": 0.0, "rss_delta_mb": None, "traced_mb": None,
                    "flops": 1, "budget_mb": 0.0}

    monkeypatch.setattr(bench, "Entry", Fake)
    cfg = dict(bench.config(quick=True, tiny=True), pause=0.0)
    res = bench.run_case("wide-f32", ["nndl", "sklearn", "torch"], cfg, 3, True, [])
    assert order == ["nndl", "sklearn", "torch", "sklearn", "torch", "nndl",
                     "torch", "nndl", "sklearn"]
    for r in res:
        r["time"] = sorted(r["times"])[1]
    text = bench.table(res, {"float32": 1.0, "float64": 1.0}, {"n": 1, "loop": 1.0, "dot": 1.0}, cfg)
    rows = {r[1]: r for r in _rows(text)}
    # sklearn / nndl per round: 3, 2, 0.5 -> median 2.00 (not median / median = 1.50);
    # torch: 1, 0.5, 0.25 -> 0.50
    assert rows["sklearn"][3:5] == ["2.00", "0.50-3.00"]
    assert rows["torch"][3:5] == ["0.50", "0.25-1.00"]


def test_breakdown_of_the_wide_epoch_runs():
    spec = importlib.util.spec_from_file_location("nndl_benchmarks_breakdown",
                                                  RUN.parent / "breakdown.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    text = mod.main(["--tiny", "--repeats", "1", "--top", "60"])
    assert "matrix products" in text and "% of the epoch" in text
    # nndl's own functions are in the profile (60 rows: under load, BLAS and NumPy calls can
    # fill a short top-5 by themselves)
    assert "linear_backward" in text


def test_revisions_compares_two_trees_and_their_costs():
    """benchmarks/revisions.py, this checkout against itself (tiny sizes): both columns hold a
    time and the same final cost; a folder without nndl is refused."""
    import subprocess
    import sys

    script = RUN.parent / "revisions.py"
    src = RUN.parents[1] / "src"
    done = subprocess.run([sys.executable, str(script), "--before", str(src), "--tiny",
                           "--rounds", "2", "--cases", "cat-f32,wide-f32"],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    rows = _rows(done.stdout)
    assert [r[0] for r in rows] == ["cat-f32", "wide-f32"]
    for r in rows:
        assert float(r[1]) > 0 and float(r[2]) > 0
        assert r[5] == r[6]                         # the same code: the same cost, every digit
    bad = subprocess.run([sys.executable, str(script), "--before", str(RUN.parent), "--tiny"],
                         capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2 and "holds no nndl package" in bad.stderr


def test_revisions_workers_import_the_tree_they_are_given(tmp_path):
    """A worker of revisions.py imports nndl from its tree, not from run.py's checkout (which
    run.py otherwise puts first on sys.path)."""
    import subprocess
    import sys

    (tmp_path / "nndl").mkdir()
    (tmp_path / "nndl" / "__init__.py").write_text("WHICH = 'the other tree'\n")
    spec = importlib.util.spec_from_file_location("nndl_benchmarks_revisions",
                                                  RUN.parent / "revisions.py")
    sys.path.insert(0, str(RUN.parent))
    try:
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
    finally:
        sys.path.remove(str(RUN.parent))
    code = (f"import sys; sys.argv = ['x']; sys.path.insert(0, {str(RUN.parent)!r}); "
            "import run; print(run.nndl.WHICH)")
    done = subprocess.run([sys.executable, "-c", code], env=mod._env(tmp_path),
                          capture_output=True, text=True, timeout=60)
    assert done.stdout.strip() == "the other tree", done.stderr


def test_adam_cases_give_every_library_the_same_start_and_end(bench):
    """wide-f32-adam: nndl and PyTorch run Adam from the same parameters and end at the same
    cost (float32 rounding apart)."""
    pytest.importorskip("torch", reason="torch is optional (the 'bench' extra)")
    text = bench.main(["--quick", "--tiny", "--in-process", "--libs", "nndl,torch",
                       "--cases", "wide-f32-adam,wide-f32-c-adam"])
    rows = _rows(text)
    assert {r[0] for r in rows} == {"wide-f32-adam", "wide-f32-c-adam"}
    for case in ("wide-f32-adam", "wide-f32-c-adam"):
        cost = {r[1]: float(r[5]) for r in rows if r[0] == case}
        assert abs(cost["nndl"] - cost["torch"]) < 1e-4, cost
    plain = _rows(bench.main(["--quick", "--tiny", "--in-process", "--libs", "nndl",
                              "--cases", "wide-f32"]))
    assert float(plain[0][5]) != float(rows[0][5])  # another optimizer: another trajectory


def test_kernels_benchmark_runs(monkeypatch):
    pytest.importorskip("numba", reason="the fused kernels need numba (nndl[fast])")
    from nndl import kernels

    monkeypatch.setattr(kernels, "_loaded", kernels._loaded)  # as they were, after
    monkeypatch.setattr(kernels, "enabled", kernels.enabled)
    spec = importlib.util.spec_from_file_location("nndl_benchmarks_kernels",
                                                  RUN.parent / "kernels.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    text = mod.main(["--tiny", "--epochs", "1"])
    lines = text.splitlines()
    assert [line.split()[0] for line in lines[2:5]] == ["adam", "momentum", "rmsprop"]
    assert lines[5].startswith("relu layer") and [x.split()[0] for x in lines[6:9]] == \
        ["16x64", "8x64", "8x20"]
    assert "loading in a fresh process" in text
    assert text.endswith("same parameters bit for bit: True")


def test_threads_bits_benchmark_runs():
    pytest.importorskip("threadpoolctl", reason="the thread counts need threadpoolctl")
    spec = importlib.util.spec_from_file_location("nndl_benchmarks_threads_bits",
                                                  RUN.parent / "threads_bits.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    text = mod.main(["--tiny"])
    assert text.count("all give the 2 threads' bits") == 2
    rows = [line.split() for line in text.splitlines() if line.startswith(("wide", "cat"))]
    assert len(rows) == 20  # 10 products, 2 dtypes


def test_activations_benchmark_runs():
    """benchmarks/activations.py (tiny sizes, still above activations.SMALL): a row per
    activation, dtype and part, and nndl's forms give the plain forms' bits."""
    spec = importlib.util.spec_from_file_location("nndl_benchmarks_activations",
                                                  RUN.parent / "activations.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    text = mod.main(["--tiny"])
    rows = [line.split() for line in text.splitlines()[2:]]
    assert [(r[0], r[1], r[2]) for r in rows] == [
        (name, dtype, part) for dtype in ("float32", "float64") for name in mod.PLAIN
        for part in ("forward", "backward")]
    assert all(r[-1] == "True" for r in rows)


def test_reading_benchmark_prints_every_reader_with_the_same_numbers():
    """benchmarks/reading.py (tiny files): every reader reads every file, and pandas'
    round-trip parse and NumPy's loadtxt give nndl's features bit for bit."""
    spec = importlib.util.spec_from_file_location("nndl_benchmarks_reading",
                                                  RUN.parent / "reading.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    readers = "nndl,loadtxt" + (",pandas" if importlib.util.find_spec("pandas") else "")
    text = mod.main(["--tiny", "--rounds", "1", "--readers", readers])
    rows = [line.split() for line in text.splitlines() if line.startswith("  ")
            and not line.split()[0] == "reader"]
    assert len(rows) == 3 * len(readers.split(","))
    assert all(r[-1] == "True" for r in rows), text

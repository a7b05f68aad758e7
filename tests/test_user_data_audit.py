"""Files a user brings, from the audit of 2026-12-07: each case was quietly wrong (or refused
with a misleading message) before, and is now read right or refused precisely.

The command-line tests run ``nndl`` as a subprocess on tables they write (hundreds of rows,
headers of numbers, text labels, IDs, integer targets).
"""

from __future__ import annotations

import csv
import os
from pathlib import Path

import numpy as np
import pytest

import nndl
from nndl.heads import dataset_targets
from nndl.io import read

from .test_trust_cli import fails, nndl_cmd, ok


def _write(path: Path, header: "list[str] | None", rows: list[list[object]]) -> Path:
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        if header is not None:
            w.writerow(header)
        w.writerows(rows)
    return path


def _features(m: int, seed: int = 0) -> np.ndarray:
    return np.round(np.random.default_rng(seed).standard_normal((m, 3)), 4)


TRAIN = ("--quiet", "--layers", "8", "--iterations", "400", "--lr", "0.05")


# --- a regression model reads whole-number targets as numbers, not as classes ----------------
def test_regression_model_scores_whole_number_targets_as_numbers(tmp_path):
    X = _features(400)
    t = 2 * X[:, 0] + X[:, 1] ** 2
    _write(tmp_path / "reg.csv", ["a", "b", "c", "target"], [[*x, f"{v:.6f}"]
                                                            for x, v in zip(X, t)])
    _write(tmp_path / "whole.csv", ["a", "b", "c", "target"], [[*x, int(round(v))]
                                                              for x, v in zip(X, t)])
    ok("train", "--data", "reg.csv", "--out", "reg.npz", *TRAIN, cwd=tmp_path)
    net, _ = read(tmp_path / "reg.npz")
    want = float(np.mean((net.predict(X.T).ravel() - np.round(t)) ** 2))
    out = ok("evaluate", "--model", "reg.npz", "--data", "whole.csv", cwd=tmp_path)
    mse = float(next(line.split()[1] for line in out.splitlines() if line.startswith("mse")))
    assert mse == pytest.approx(want, rel=1e-5)  # was ~25: the targets read as class indices
    out = ok("train", "--data", "reg.csv", "--test", "whole.csv", *TRAIN, cwd=tmp_path)
    test_mse = float(next(line for line in out.splitlines()
                          if line.startswith("test")).split()[2])
    assert test_mse == pytest.approx(want, rel=1e-5)


def test_library_refuses_labels_read_for_another_task(tmp_path):
    X = _features(300)
    _write(tmp_path / "whole.csv", ["a", "b", "c", "y"], [[*x, int(round(3 * x[0]))]
                                                         for x in X])
    net = nndl.Network([3, 4, 1], output="linear", seed=0)
    as_classes = nndl.datasets.load(tmp_path / "whole.csv")
    assert as_classes.task == "multiclass"
    with pytest.raises(nndl.NNDLError, match="read as classes.*regression model.*task="):
        dataset_targets(as_classes, net)
    numbers = nndl.datasets.load(tmp_path / "whole.csv", task="regression")
    np.testing.assert_array_equal(dataset_targets(numbers, net),
                                  np.round(3 * X[:, 0]).reshape(1, -1))


# --- headers of numbers -----------------------------------------------------------------------
def _spectra(tmp_path: Path, m: int = 200) -> tuple[Path, np.ndarray, np.ndarray]:
    X = _features(m, seed=1)
    species = np.where(X[:, 0] + X[:, 1] > 0, "setosa", "virginica")
    path = _write(tmp_path / "wave.csv", ["400", "410", "420", "species"],
                  [[*x, s] for x, s in zip(X, species)])
    return path, X, species


def test_a_header_of_numbers_above_text_classes_is_a_header(tmp_path):
    path, X, species = _spectra(tmp_path)
    data = nndl.datasets.load(path)
    assert data.feature_names == ["400", "410", "420"] and data.label_name == "species"
    assert data.classes == ["setosa", "virginica"] and data.m == len(X)
    ok("train", "--data", "wave.csv", "--out", "wave.npz", *TRAIN, cwd=tmp_path)
    out = ok("predict", "--model", "wave.npz", "wave.csv", cwd=tmp_path)
    assert len(out.splitlines()) == len(X)  # was one more: the header predicted as a sample
    _write(tmp_path / "nohead.csv", None, [list(x) for x in X])
    same = ok("predict", "--model", "wave.npz", "nohead.csv", cwd=tmp_path)
    assert [r.split("\t")[1:] for r in same.splitlines()] == \
        [r.split("\t")[1:] for r in out.splitlines()]


def test_a_first_row_of_whole_numbers_over_decimals_asks_which_it_is(tmp_path):
    X = _features(50, seed=2)
    y = X[:, 0] + 2 * X[:, 1]
    path = _write(tmp_path / "years.csv", ["2019", "2020", "2021", "2022"],
                  [[*x, f"{v:.4f}"] for x, v in zip(X, y)])
    with pytest.raises(nndl.NNDLError, match="is line 1 .* a header"):
        nndl.datasets.load(path)
    fails("train", "--data", "years.csv", *TRAIN, cwd=tmp_path, words=["--header"])
    data = nndl.datasets.load(path, header=True)
    assert data.m == 50 and data.feature_names == ["2019", "2020", "2021"]
    assert nndl.datasets.load(path, header=False).m == 51
    by_name = nndl.datasets.load(path, header=True, label=2022)  # a number beyond the columns
    assert by_name.label_name == "2022" and by_name.feature_names == ["2019", "2020", "2021"]
    ok("train", "--data", "years.csv", "--header", "--label", "2022", "--out", "y.npz",
       *TRAIN, cwd=tmp_path)
    out = ok("evaluate", "--model", "y.npz", "--data", "years.csv", cwd=tmp_path)
    assert "50 samples" in out  # the model's column names find the header
    assert len(ok("predict", "--model", "y.npz", "years.csv", cwd=tmp_path).splitlines()) == 50
    with pytest.raises(nndl.NNDLError, match="out of range.*header=True"):
        nndl.datasets.load(path, header=False, label=2022)


def test_a_unique_first_cell_of_repeated_classes_needs_enough_rows(tmp_path):
    """Nine rows are too few to call a column's values classes: no header is guessed."""
    rows = [[0.5 * i, i, "a" if i % 2 else "b"] for i in range(10)]
    data = nndl.datasets.load(_write(tmp_path / "few.csv", None, [[1.5, 2.5, "c"], *rows[:9]]))
    assert data.m == 10 and data.feature_names is None


# --- a file without a header for a model of named columns -------------------------------------
def test_a_headerless_file_of_another_width_is_refused_for_a_named_model(tmp_path):
    X = _features(300, seed=3)
    _write(tmp_path / "abc.csv", ["a", "b", "c", "label"],
           [[*x, "pos" if x[0] + x[1] > 0 else "neg"] for x in X])
    ok("train", "--data", "abc.csv", "--out", "m.npz", *TRAIN, cwd=tmp_path)
    _write(tmp_path / "ids.csv", None, [[1000 + i, *x] for i, x in enumerate(X[:20])])
    fails("predict", "--model", "m.npz", "ids.csv", cwd=tmp_path,
          words=["no header row", "['a', 'b', 'c']", "--drop"])
    _write(tmp_path / "plain.csv", None, [list(x) for x in X[:20]])
    want = ok("predict", "--model", "m.npz", "plain.csv", cwd=tmp_path)
    got = ok("predict", "--model", "m.npz", "--drop", "0", "ids.csv", cwd=tmp_path)
    assert [r.split("\t")[1:] for r in got.splitlines()] == \
        [r.split("\t")[1:] for r in want.splitlines()]


def test_a_header_naming_a_column_twice_is_refused_at_training(tmp_path):
    X = _features(100, seed=4)
    _write(tmp_path / "dup.csv", ["a", "a", "b", "label"],
           [[*x, "pos" if x[0] > 0 else "neg"] for x in X])
    fails("train", "--data", "dup.csv", *TRAIN, cwd=tmp_path, words=["twice", "'a'"])


# --- labels -------------------------------------------------------------------------------------
def test_integer_labels_beyond_float64s_integers_stay_distinct(tmp_path):
    X = _features(300, seed=5)
    big = np.array([2**53, 2**53 + 1, 2**53 + 2], dtype=object)
    labels = big[(X[:, 0] > 0).astype(int) + (X[:, 1] > 0).astype(int)]
    path = _write(tmp_path / "big.csv", ["a", "b", "c", "id"],
                  [[*x, str(v)] for x, v in zip(X, labels)])
    data = nndl.datasets.load(path)
    assert data.classes == [str(v) for v in big]
    assert [data.classes[i] for i in data.Y[0]] == [str(v) for v in labels]
    arrays = nndl.datasets.from_arrays(X, np.array([2**62, 2**62 + 1] * 150), "arrays")
    assert arrays.classes == [str(2**62), str(2**62 + 1)] and arrays.task == "binary"


def test_a_word_label_read_as_missing_says_how_to_keep_it_as_a_class(tmp_path):
    X = _features(60, seed=6)
    severity = np.array(["None", "Mild", "Severe"])[np.arange(60) % 3]
    path = _write(tmp_path / "sev.csv", ["a", "b", "c", "severity"],
                  [[*x, s] for x, s in zip(X, severity)])
    with pytest.raises(nndl.NNDLError, match="'None', which nndl reads as a missing label; if "
                       "it is a class, rename it"):
        nndl.datasets.load(path)


# --- dialects ---------------------------------------------------------------------------------
def _rows_of(X: np.ndarray, labels: np.ndarray) -> list[list[object]]:
    return [[*x, s] for x, s in zip(X, labels)]


@pytest.mark.parametrize("kind", ["trailing", "spaces", "excel", "late-comma"])
def test_dialects_read_to_the_same_numbers(tmp_path, kind):
    X = _features(260, seed=7)
    labels = np.where(X[:, 2] > 0, "up", "down")
    if kind == "trailing":  # a delimiter at the end of every line
        text = "a,b,c,label,\n" + "".join(f"{a},{b},{c},{s},\n" for (a, b, c), s
                                          in zip(X, labels))
    elif kind == "spaces":  # columns aligned with runs of spaces
        text = "".join(f"{a:>9} {b:>9}   {c:>9}  {s}\n" for (a, b, c), s in zip(X, labels))
    elif kind == "excel":  # Excel's "sep=;" first line
        text = "sep=;\na;b;c;label\n" + "".join(f"{a};{b};{c};{s}\n" for (a, b, c), s
                                                in zip(X, labels))
    else:  # decimal commas only after the 200 rows the delimiter is judged on
        X[:200] = np.round(X[:200] * 10)
        text = "a;b;c;label\n" + "".join(
            f"{a:g};{b:g};{c:g};{s}\n".replace(".", ",") for (a, b, c), s in zip(X, labels))
    path = tmp_path / ("t.txt" if kind == "spaces" else "t.csv")
    path.write_text(text)
    data = nndl.datasets.load(path)
    np.testing.assert_allclose(data.X, X.T, rtol=0, atol=1e-12)
    assert [data.classes[i] for i in data.Y[0]] == labels.tolist()
    if kind != "spaces":
        assert data.feature_names == ["a", "b", "c"]


def test_python_style_number_separators_are_not_numbers(tmp_path):
    path = _write(tmp_path / "u.csv", ["a", "b", "label"],
                  [[1.5, "1_017", "x"], *[[i, i + 0.5, "y"] for i in range(30)]])
    with pytest.raises(nndl.NNDLError, match="line 2, column 'b'.*'1_017'"):
        nndl.datasets.load(path)


# --- predictions keep every digit ---------------------------------------------------------------
def test_predict_out_writes_regression_values_that_read_back_exactly(tmp_path):
    X = _features(200, seed=8)
    y = 3.5e6 + 1e5 * X[:, 0]
    _write(tmp_path / "big.csv", ["a", "b", "c", "y"], [[*x, f"{v:.2f}"] for x, v in zip(X, y)])
    ok("train", "--data", "big.csv", "--out", "m.npz", *TRAIN, cwd=tmp_path)
    ok("predict", "--model", "m.npz", "big.csv", "--out", "p.csv", cwd=tmp_path)
    with open(tmp_path / "p.csv", newline="") as f:
        values = [float(r["value"]) for r in csv.DictReader(f)]
    net, _ = read(tmp_path / "m.npz")
    np.testing.assert_array_equal(values, net.predict(X.T).ravel())  # was 6 digits: 3.43469e+06


def test_spaces_split_only_lines_of_numbers(tmp_path):
    """Text with spaces is not cut at them: a one-column file of words stays one column."""
    path = tmp_path / "words.txt"
    path.write_text("city name id\n" + "".join(f"New York {i}\n" for i in range(30)))
    with pytest.raises(nndl.NNDLError, match="at least one feature column"):
        nndl.datasets.load(path)


# --- warnings and scores beyond float64 on the command line ----------------------------------
def test_a_warning_is_one_line_on_stderr(tmp_path, monkeypatch, capsys):
    """nndl's warnings (a fit whose cost rose: DivergenceWarning) print like its errors."""
    from nndl import training
    from nndl.cli.app import main

    X = _features(100, seed=9)
    _write(tmp_path / "d.csv", ["a", "b", "c", "label"],
           [[*x, "p" if x[0] > 0 else "n"] for x in X])
    monkeypatch.setattr(training, "RISE", 0.0)  # any finite last cost counts as a rise
    assert main(["train", "--data", str(tmp_path / "d.csv"), "--quiet", "--iterations", "20",
                 "--out", str(tmp_path / "m.npz")]) == 0
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("nndl train: warning: the cost rose"), err
    assert issubclass(nndl.DivergenceWarning, nndl.NNDLWarning)


def test_regression_scores_beyond_float64_are_saved_and_shown(tmp_path):
    X = _features(300, seed=10)
    t = (2 * X[:, 0] + X[:, 1] ** 2) * 1e306  # their sum overflows: so did the mean
    _write(tmp_path / "huge.csv", ["a", "b", "c", "y"], [[*x, repr(float(v))]
                                                        for x, v in zip(X, t)])
    out = ok("train", "--data", "huge.csv", "--out", "m.npz", *TRAIN, cwd=tmp_path)
    assert "mse beyond float64  rmse" in ok("info", "m.npz", cwd=tmp_path)
    r = nndl_cmd("evaluate", "--model", "m.npz", "--data", "huge.csv", cwd=tmp_path)
    assert r.returncode == 0 and r.stderr == "", r.stderr  # no NumPy overflow warning
    assert "mean baseline, mse inf" in r.stdout and out


# --- the third audit: headers both ways, decimal commas in labels, special files -----------
def _csv(path: Path, first: str, rows: list[str]) -> Path:
    path.write_text(first + "\n" + "\n".join(rows) + "\n")
    return path


def _decimals(m: int, seed: int = 11) -> list[str]:
    X = _features(m, seed)
    return [f"{a},{b},{c}" for a, b, c in X]


@pytest.mark.parametrize("label", ["int", "text"])
def test_pandas_default_column_names_are_a_header(tmp_path, label):
    """pandas writes integer column names 0..n-1: with a 0/1 or text label that row was a
    sample of a third class ('4')."""
    rows = _decimals(50)
    labs = [str(i % 2) if label == "int" else "ab"[i % 2] for i in range(50)]
    data = nndl.datasets.load(_csv(tmp_path / "p.csv", "0,1,2,3",
                                   [f"{r},{k}" for r, k in zip(rows, labs)]))
    assert data.m == 50 and data.feature_names == ["0", "1", "2"] and len(data.classes) == 2


def test_whole_number_names_above_decimals_and_a_label_ask_which(tmp_path):
    rows = [f"{r},{i % 2}" for i, r in enumerate(_decimals(50))]
    with pytest.raises(nndl.NNDLError, match="is line 1 .* a header"):  # was a class '2022'
        nndl.datasets.load(_csv(tmp_path / "y.csv", "2019,2020,2021,2022", rows))
    assert nndl.datasets.load(tmp_path / "y.csv", header=True).classes == ["0", "1"]


@pytest.mark.parametrize("first", ["6.3,3.3,6.0,Iris-virginica", "5.1,#DIV/0!,1.4,Iris-setosa"])
def test_a_first_row_of_data_is_never_taken_for_a_header(tmp_path, first):
    """A headerless file whose first row holds a class found nowhere else, or an error cell:
    it was read as the header (the sample lost, numbers as column names); now asked."""
    rows = [f"{r},{'Iris-setosa' if i % 2 else 'Iris-versicolor'}"
            for i, r in enumerate(_decimals(60))]
    path = _csv(tmp_path / "iris.csv", first, rows)
    with pytest.raises(nndl.NNDLError, match="is line 1 .* a header"):
        nndl.datasets.load(path)
    if "DIV" not in first:
        data = nndl.datasets.load(path, header=False)
        assert data.m == 61 and "Iris-virginica" in data.classes


def test_decimal_commas_in_the_label_after_row_200_make_it_numbers(tmp_path):
    labels = [str(10 + i % 37) for i in range(210)] + [f"{10 + i % 37},5" for i in range(50)]
    rows = [f"{i % 9};{i % 7};{y}" for i, y in enumerate(labels)]
    data = nndl.datasets.load(_csv(tmp_path / "l.csv", "a;b;y", rows))
    assert data.task == "regression"  # was multiclass with classes '10' ... '10,5'
    np.testing.assert_array_equal(data.Y[0, -2:], [float(labels[-2].replace(",", ".")),
                                                   float(labels[-1].replace(",", "."))])


def test_a_point_in_a_decimal_comma_file_is_refused(tmp_path):
    rows = [f"{10 + i % 90},{i % 10};{i % 3};{'ab'[i % 2]}" for i in range(250)] + \
        ["1.234;0;a"] + [f"5,5;{i % 3};b" for i in range(9)]
    with pytest.raises(nndl.NNDLError, match="line 252.*'1.234' has a point.*thousands"):
        nndl.datasets.load(_csv(tmp_path / "t.csv", "a;b;y", rows))  # was read as 1.234


def test_labels_partly_class_names_are_not_shifted_to_indices():
    X = _features(5)
    with pytest.raises(nndl.NNDLError, match=r"labels \['0'\] are not among"):
        nndl.datasets.from_arrays(X, [1, 2, 3, 4, 0], "s", classes=["1", "2", "3", "4", "5"])
    data = nndl.datasets.from_arrays(X, [0, 1, 2, 3, 4], "s", classes=list("abcde"))
    assert data.Y.tolist() == [[0, 1, 2, 3, 4]]  # numbers none of which is a name: indices


@pytest.mark.parametrize("bad, words", [
    (dict(y=np.array([1, None, 0], dtype=object)), "missing"),
    (dict(y=[0, 1, 0], classes=["a", "a", "b"]), "distinct"),
    (dict(y=[0, 1, 0], X=np.zeros((3, 0))), "no features"),
])
def test_from_arrays_refuses_missing_labels_repeated_classes_and_no_features(bad, words):
    kw = {"X": _features(3), **bad}
    with pytest.raises(nndl.NNDLError, match=words):
        nndl.datasets.from_arrays(source="s", **kw)


def test_writes_go_into_devices_and_fifos_not_over_them(tmp_path):
    import os
    import stat
    import threading

    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()))
    reader.start()
    net = nndl.Network([2, 1], seed=0)
    net.save(fifo)  # was: a temporary file renamed over the FIFO
    reader.join(timeout=60)
    assert stat.S_ISFIFO(os.stat(fifo).st_mode) and got and got[0][:2] == b"PK"
    null = tmp_path / "null"  # a device node of our own, never the machine's /dev/null
    try:
        os.mknod(null, stat.S_IFCHR | 0o666, os.makedev(1, 3))
    except (PermissionError, OSError):
        null = None  # not root: the FIFO above stands for the non-regular files
    if null is not None:
        net.save(null)
        assert stat.S_ISCHR(os.stat(null).st_mode)
    with pytest.raises(nndl.NNDLError, match="too long"):
        net.save(tmp_path / ("x" * 300 + ".npz"))


# --- the tables audit: rows of numbers taken for a header, thousands separators, ... ---------
FAST = ("--quiet", "--layers", "3", "--iterations", "5")


def test_a_counting_first_row_is_data_for_a_model_trained_without_a_header(tmp_path):
    """A headerless file whose first row is 1,2,3 (Likert answers) lost that row at predict:
    it was taken for R's default column names, and every prediction moved up one row."""
    rng = np.random.default_rng(2)
    X = rng.integers(0, 10, size=(100, 3))
    _write(tmp_path / "train.csv", None, [[*x, int(x.sum() > 13)] for x in X])
    _write(tmp_path / "new.csv", None, [[1, 2, 3], [0, 9, 4], [5, 5, 5]])
    ok("train", "--data", "train.csv", *FAST, "--out", "m.npz", cwd=tmp_path)
    r = nndl_cmd("predict", "--model", "m.npz", "new.csv", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert len(r.stdout.splitlines()) == 3, r.stdout  # was 2: the row 1,2,3 lost
    assert "line 1 (1, 2, 3) is read as data" in r.stderr and "--header" in r.stderr
    told = ok("predict", "--model", "m.npz", "--no-header", "new.csv", cwd=tmp_path)
    assert told == r.stdout


def test_a_counting_first_row_taken_as_a_header_is_said_on_stderr(tmp_path):
    """Training on a new file whose first row is 0,1,2,3 (pandas' default names) takes it as
    the header, as before, but no longer silently."""
    rows = [f"{r},{i % 2}" for i, r in enumerate(_decimals(50))]
    with pytest.warns(nndl.NNDLWarning, match=r"line 1 \(0, 1, 2, 3\) is taken as a header"):
        assert nndl.datasets.load(_csv(tmp_path / "p.csv", "0,1,2,3", rows)).m == 50
    r = nndl_cmd("train", "--data", "p.csv", *FAST, "--out", "m.npz", cwd=tmp_path)
    assert r.returncode == 0 and "taken as a header" in r.stderr and "--no-header" in r.stderr


@pytest.mark.parametrize("sep", ["\t", ";"])
def test_thousands_separators_are_not_read_as_decimal_commas(tmp_path, sep):
    """44,170 (US thousands, what Excel writes into a tab or ; separated file) was read as
    44.17 beside 800 read as 800; now it is refused with both readings, unless some number
    proves the decimal comma (another count of digits after it, or a leading 0)."""
    rows = [["age", "income", "buys"], [30, "44,170", 1], [41, "800", 0], [25, "2,500", 0]]
    rows += [[20 + i, f"{i + 1},{i:03d}", i % 2] for i in range(20)]
    path = tmp_path / "us.tsv"
    path.write_text("".join(sep.join(map(str, r)) + "\n" for r in rows))
    with pytest.raises(nndl.NNDLError, match=r"line 2, column 'income': '44,170' reads as 44170 "
                       r"\(a thousands separator\) or as 44.170 \(a decimal comma\)"):
        nndl.datasets.load(path)
    assert nndl.datasets.load_csv(path, decimal=",").X[1, 0] == 44.17  # as said
    fails("train", "--data", "us.tsv", *FAST, cwd=tmp_path, words=["44170", "44.170"])
    path.write_text(path.read_text() + sep.join(["50", "0,25", "1"]) + "\n")
    assert nndl.datasets.load(path).X[1, :3].tolist() == [44.17, 800, 2.5]  # 0,25 proves it


def test_a_column_dropped_by_index_is_recorded_and_drop_by_index_matches_by_name(tmp_path):
    """pandas' df.to_csv() writes an unnamed index column first, which only --drop 0 can
    leave out: the model forgot it (only drops by name were kept) and refused its own
    training file, and evaluate/predict --drop 0 was ignored when columns match by name."""
    X = _features(60, seed=3)
    rows = [[i, *x, "yes" if x[0] > 0 else "no"] for i, x in enumerate(X)]
    _write(tmp_path / "train.csv", ["", "a", "b", "c", "label"], rows)
    ok("train", "--data", "train.csv", "--drop", "0", *FAST, "--out", "m.npz", cwd=tmp_path)
    assert read(tmp_path / "m.npz")[1]["info"]["dropped_names"] == [""]
    assert "60 samples" in ok("evaluate", "--model", "m.npz", "--data", "train.csv",
                              cwd=tmp_path)
    assert len(ok("predict", "--model", "m.npz", "train.csv", cwd=tmp_path).splitlines()) == 60
    _write(tmp_path / "id.csv", ["id", "a", "b", "c", "label"], rows)  # another first column
    fails("evaluate", "--model", "m.npz", "--data", "id.csv", cwd=tmp_path, words=["['id']"])
    assert "60 samples" in ok("evaluate", "--model", "m.npz", "--drop", "0", "--data",
                              "id.csv", cwd=tmp_path)  # was: the same error, --drop 0 ignored


def test_quotes_in_a_space_separated_file_are_quoting(tmp_path):
    """R's write.table(df, row.names=FALSE) quotes names and text: the quotes stayed in the
    feature names ('"a"') and classes ('"yes"'), and the same data as a CSV was refused."""
    X = _features(40, seed=5)
    lines = ['"a" "b" "c" "label"'] + [f'{a} {b} {c} "{"yes" if a > 0 else "no"}"'
                                       for a, b, c in X]
    (tmp_path / "r.txt").write_text("\n".join(lines) + '\n1 2 3 "New ""York"""\n')
    data = nndl.datasets.load(tmp_path / "r.txt")
    assert data.feature_names == ["a", "b", "c"] and data.classes == ['New "York"', "no", "yes"]


@pytest.mark.parametrize("quoted", [False, True])
def test_a_whitespace_table_with_row_names_says_so(tmp_path, quoted):
    """pandas' df.to_string() and R's write.table write row names under no header field:
    that was 'needs at least one feature column besides the label column'."""
    q = '"' if quoted else ""
    lines = [" ".join(f"{q}{n}{q}" for n in "abc") + f" {q}label{q}"]
    lines += [f"{q}{i}{q} {a} {b} {c} {q}{'yes' if a > 0 else 'no'}{q}"
              for i, (a, b, c) in enumerate(_features(30, seed=6))]
    (tmp_path / "t.txt").write_text("\n".join(lines) + "\n")
    with pytest.raises(nndl.NNDLError, match="the header has 4 fields and the rows below it 5"
                       ".*row names.*index=False.*row.names=FALSE"):
        nndl.datasets.load(tmp_path / "t.txt")


@pytest.mark.parametrize("cell", ["inf", "-Infinity", "1e400"])
def test_a_feature_beyond_float64_is_named_by_line_and_column(tmp_path, cell):
    """inf or 1e400 in a feature gave 'features must be finite; found 1 NaN or inf value(s)'
    with no line or column, and --drop-missing did not drop it (it is not missing)."""
    rows = [[*x, i % 2] for i, x in enumerate(_features(30, seed=7))]
    rows[20][1] = cell
    _write(tmp_path / "d.csv", ["a", "b", "c", "label"], rows)
    with pytest.raises(nndl.NNDLError, match=f"line 22, column 'b': features must be finite "
                       f"numbers; got '{cell}'"):
        nndl.datasets.load(tmp_path / "d.csv", drop_missing=True)


def test_labels_with_underscores_are_class_names_not_numbers(tmp_path):
    """float() reads '1_0' as 10: the labels 1_0 / 2_0 became classes '10' / '20', while
    the same text as a feature is refused."""
    _write(tmp_path / "u.csv", ["a", "b", "c", "y"],
           [[*x, "1_0" if x[0] > 0 else "2_0"] for x in _features(30, seed=8)])
    assert nndl.datasets.load(tmp_path / "u.csv").classes == ["1_0", "2_0"]


def test_a_repeated_header_row_is_said_to_be_one(tmp_path):
    """Two exported files joined: the second header was 'features must be numbers; got 'a'
    (to leave a column out: ... --drop NAME)'."""
    rows = [[*x, i % 2] for i, x in enumerate(_features(30, seed=9))]
    _write(tmp_path / "cat.csv", ["a", "b", "c", "label"],
           rows[:15] + [["a", "b", "c", "label"]] + rows[15:])
    with pytest.raises(nndl.NNDLError, match="line 17 repeats the header row"):
        nndl.datasets.load(tmp_path / "cat.csv")


def test_a_label_of_all_distinct_values_is_warned_about_and_shown_short(tmp_path):
    """An e-mail column last was silently thousands of classes, each named on the 'data'
    line (38 KB), and the memory refusal blamed --layers only."""
    with open(tmp_path / "users.csv", "w") as f:
        f.write("a,b,email\n")
        for i, (a, b, _) in enumerate(_features(400, seed=10)):
            f.write(f"{a},{b},user{i:05d}@x.com\n")
    r = nndl_cmd("train", "--data", "users.csv", *FAST, "--dev", "0", "--out", "m.npz",
                 cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "the label column 'email' has 400 classes for 400 samples" in r.stderr
    assert "--label" in r.stderr
    assert len(r.stdout.splitlines()[0]) < 500, r.stdout.splitlines()[0]  # was 8 KB
    r = nndl_cmd("train", "--data", "users.csv", *FAST, "--dev", "0.2", cwd=tmp_path)
    assert r.returncode == 2 and len(r.stderr) < 1000, r.stderr  # every class size was listed


def test_the_memory_refusal_names_a_label_of_too_many_classes(monkeypatch):
    from nndl import memory
    from nndl.cli import steps
    from nndl.cli.settings import TRAIN_DEFAULTS

    data = nndl.datasets.from_arrays(_features(40), np.char.add("id", np.arange(40).astype(str)),
                                     "ids.csv")
    data.label_name = "id"
    s = {**TRAIN_DEFAULTS, "layers": [3]}
    monkeypatch.setattr(memory, "available_bytes", lambda: 100)
    with pytest.raises(nndl.NNDLError, match="its 40 output units are the classes of the label "
                       "column 'id': if it is not the label, say which is with --label"):
        steps.build_model(s, steps.Parts(data, data, None, None))


def test_a_header_file_for_a_model_trained_without_one(tmp_path):
    """A headerless model, a file with a header and a column of numbers more: a bare width
    mismatch at first. Which column is the label (or an ID) cannot be told: refused, with
    the header's columns and --label NAME (a text label column is left out by position,
    see test_trust_cli)."""
    X = _features(40, seed=12)
    _write(tmp_path / "train.csv", None, [[*x, int(x[0] > 0)] for x in X])
    _write(tmp_path / "new.csv", ["a", "b", "c", "label"], [[*x, 1] for x in X[:5]])
    ok("train", "--data", "train.csv", *FAST, "--out", "m.npz", cwd=tmp_path)
    fails("predict", "--model", "m.npz", "new.csv", cwd=tmp_path,
          words=["has 4;", "'label'", "--label NAME"])
    assert len(ok("predict", "--model", "m.npz", "--label", "label", "new.csv",
                  cwd=tmp_path).splitlines()) == 5


def test_a_counting_first_row_of_a_test_file_is_data_as_evaluate_reads_it(tmp_path):
    """--test read a first row 1,2,3,4 of a headerless training file's test file as a header
    (9 rows scored) where evaluate on the saved model read it as data (10 rows): two test
    scores for one file. Both read it as data now, with a warning."""
    rng = np.random.default_rng(2)
    X = rng.integers(0, 10, size=(100, 3))
    _write(tmp_path / "train.csv", None, [[*x, x.sum() / 3 + 0.5] for x in X])  # regression
    _write(tmp_path / "test.csv", None, [[1, 2, 3, 4], [0, 9, 4, 4.8], [5, 5, 5, 5.5]])
    r = nndl_cmd("train", "--data", "train.csv", "--test", "test.csv", *FAST, "--out",
                 "m.npz", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "line 1 (1, 2, 3, 4) is read as data" in r.stderr and "test 3" in r.stdout
    mse = next(x for x in r.stdout.splitlines() if x.startswith("test")).split("mse")[1].split()[0]
    out = ok("evaluate", "--model", "m.npz", "--data", "test.csv", cwd=tmp_path)
    assert "3 samples" in out and f"mse       {mse}" in out, (mse, out)
    fails("train", "--data", "train.csv", "--test", "nothere.csv", *FAST, cwd=tmp_path,
          words=["--test: data not found", "nothere.csv"])  # it did not name --test
    os.mkfifo(tmp_path / "pipe.csv")
    fails("train", "--data", "train.csv", "--test", "pipe.csv", *FAST, cwd=tmp_path,
          words=["--test: the data file", "pipe.csv is a FIFO"])
    fails("train", "--data", "train.csv", "--test", "-", *FAST, cwd=tmp_path,
          words=["--test: data from standard input"])


# --- a review of the fixes above (regressions they made, and one they left) ------------------
def test_a_pandas_default_header_is_a_header_for_a_model_trained_on_arrays(tmp_path):
    """A model of an .npz has no column names, and was not trained on a headerless table:
    the header 0,1 of DataFrame(X).to_csv(index=False) was read as a sample (5 lines for 4)."""
    X = _features(60)[:, :2]
    np.savez(tmp_path / "train.npz", X=X, y=(X[:, 0] > 0).astype(int))
    ok("train", "--data", "train.npz", *FAST, "--out", "m.npz", cwd=tmp_path)
    _write(tmp_path / "new.csv", ["0", "1"], X[:4].tolist())
    r = nndl_cmd("predict", "--model", "m.npz", "new.csv", cwd=tmp_path)
    assert r.returncode == 0 and len(r.stdout.splitlines()) == 4, (r.stdout, r.stderr)
    assert "taken as a header" in r.stderr


def test_a_pandas_header_on_the_test_file_of_a_headerless_training_file_is_said(tmp_path):
    """The test file of a headerless training file is read as evaluate reads it: a first row
    0,1,2,3 is not taken for default names; above decimals it is asked about, never scored
    in silence either way."""
    X = _features(50)
    rows = [[*x, int(x[0] > 0)] for x in X]
    _write(tmp_path / "train.csv", None, rows)
    _write(tmp_path / "test.csv", ["0", "1", "2", "3"], rows[:20])
    r = nndl_cmd("train", "--data", "train.csv", "--test", "test.csv", *FAST, "--out",
                 "m.npz", cwd=tmp_path)
    assert r.returncode == 2 and "is line 1 (0, 1, 2, 3) a header?" in r.stderr, r.stderr
    assert not (tmp_path / "m.npz").exists()

def test_drop_by_index_on_a_named_data_set_and_drop_of_a_column_the_model_uses(tmp_path):
    """train --data iris --drop 0 said 'data file not found: iris' (its header looked up as
    a file's); predict --drop of one of the model's columns was read anyway, silently; a
    --drop name that a file lacks is accepted at predict, as before."""
    assert "3 features" in ok("train", "--data", "iris", "--drop", "0", *FAST, "--out",
                              "i.npz", cwd=tmp_path)
    X = _features(60)
    _write(tmp_path / "t.csv", ["id", "a", "b", "c", "y"],
           [[i, *x, int(x[0] > 0)] for i, x in enumerate(X)])
    ok("train", "--data", "t.csv", "--drop", "id", *FAST, "--out", "m.npz", cwd=tmp_path)
    _write(tmp_path / "new.csv", ["a", "b", "c"], X[:5].tolist())
    assert len(ok("predict", "--model", "m.npz", "new.csv", "--drop", "id",
                  cwd=tmp_path).splitlines()) == 5
    for drop in ("a", "0"):
        fails("predict", "--model", "m.npz", "new.csv", "--drop", drop, cwd=tmp_path,
              words=["--drop ['a']: the model was trained on this column"])


def test_a_decimal_comma_proved_by_the_label_is_not_refused_for_the_features(tmp_path):
    """1,275;2,033 (three decimals) beside a target 32,2: the label proved the decimal comma,
    and a second look at the features alone refused them as thousands separators."""
    rows = "".join(f"{1 + i / 997:.3f};{2 + i / 499:.3f};{30 + i / 10:.1f}\n".replace(".", ",")
                   for i in range(40))
    (tmp_path / "euro.csv").write_text("gewicht;preis;wert\n" + rows)
    data = nndl.datasets.load(tmp_path / "euro.csv", task="regression")
    np.testing.assert_allclose(data.X[:, 1], [1 + 1 / 997, 2 + 1 / 499], atol=5e-4)
    np.testing.assert_allclose(data.Y[0, :2], [30.0, 30.1])


def test_a_data_row_holding_a_models_numeric_names_is_taken_as_a_header_with_a_warning(
        tmp_path):
    """A model of pandas' default names '0', '1': a headerless file whose first row is 1,0
    lost that row with nothing said."""
    X = (_features(60)[:, :2] > 0).astype(int)
    _write(tmp_path / "train.csv", ["0", "1", "y"], [[*x, int(x[0])] for x in X])
    ok("train", "--data", "train.csv", *FAST, "--out", "m.npz", cwd=tmp_path)
    _write(tmp_path / "new.csv", None, [[1, 0], [0, 1], [1, 1]])
    r = nndl_cmd("predict", "--model", "m.npz", "new.csv", cwd=tmp_path)
    assert r.returncode == 0 and "holds the model's column names, which are numbers" in r.stderr
    assert len(ok("predict", "--model", "m.npz", "--no-header", "new.csv",
                  cwd=tmp_path).splitlines()) == 3


def test_a_header_of_numeric_names_with_a_label_name_is_no_warning(tmp_path):
    """A model of columns 2019, 2020, 2021 warned, on its own training file, that the header
    2019,2020,2021,label might be data: 'label' above 0/1 says it is none."""
    X = _features(60)
    _write(tmp_path / "t.csv", ["2019", "2020", "2021", "label"],
           [[*x, int(x[0] > 0)] for x in X])
    ok("train", "--data", "t.csv", "--header", *FAST, "--out", "m.npz", cwd=tmp_path)
    r = nndl_cmd("evaluate", "--model", "m.npz", "--data", "t.csv", cwd=tmp_path)
    assert r.returncode == 0 and "taken as a header" not in r.stderr, r.stderr

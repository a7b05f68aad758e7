"""Issue 10, A: the command line on files a user brings, never quietly wrong.

Every test writes its own table (hundreds of rows, a header, text labels, the label column
not last, columns in another order) and runs ``nndl`` as a subprocess.
"""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import nndl

SRC = str(Path(__file__).resolve().parents[1] / "src")


def nndl_cmd(*args: object, cwd: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=SRC, OPENBLAS_NUM_THREADS="1")
    return subprocess.run([sys.executable, "-m", "nndl", *map(str, args)], capture_output=True,
                          text=True, cwd=cwd, env=env, timeout=300)


def ok(*args: object, cwd: Path) -> str:
    r = nndl_cmd(*args, cwd=cwd)
    assert r.returncode == 0, r.stderr
    return r.stdout


def fails(*args: object, cwd: Path, words: list[str]) -> str:
    r = nndl_cmd(*args, cwd=cwd)
    assert r.returncode == 2, (r.returncode, r.stdout, r.stderr)
    line = r.stderr.strip()
    assert "Traceback" not in line and len(line.splitlines()) == 1, line
    for w in words:
        assert w in line, (w, line)
    return line


def write_table(path: Path, columns: dict[str, list]) -> Path:
    names = list(columns)
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(names)
        for row in zip(*columns.values()):
            w.writerow(row)
    return path


def three_species(m: int = 300, seed: int = 0) -> dict[str, list]:
    """Three separable classes in 4 features whose scales differ; the label in the middle."""
    rng = np.random.default_rng(seed)
    k = rng.integers(0, 3, m)
    centers = np.array([[0, 0, 0, 0], [3, -2, 1, 0], [-3, 2, 0, 1]], dtype=float)
    X = centers[k] + 0.6 * rng.standard_normal((m, 4))
    X *= np.array([1.0, 10.0, 0.1, 5.0])
    names = np.array(["setosa", "versicolor", "virginica"])[k]
    return {"sepal_length": [f"{v:.6g}" for v in X[:, 0]],
            "sepal_width": [f"{v:.6g}" for v in X[:, 1]],
            "species": names.tolist(),
            "petal_length": [f"{v:.6g}" for v in X[:, 2]],
            "petal_width": [f"{v:.6g}" for v in X[:, 3]]}


def reorder(columns: dict[str, list], order: list[str]) -> dict[str, list]:
    return {n: columns[n] for n in order}


def accuracy_line(out: str) -> str:
    return next(line for line in out.splitlines() if line.startswith("accuracy"))


@pytest.fixture(scope="module")
def species_model(tmp_path_factory):
    d = tmp_path_factory.mktemp("species")
    cols = three_species()
    write_table(d / "train.csv", cols)
    ok("train", "--data", "train.csv", "--label", "species", "--layers", "8",
       "--iterations", "300", "--lr", "0.5", "--quiet", "--out", "m.npz", cwd=d)
    return d, cols


def test_columns_are_matched_by_name_not_position(species_model):
    d, cols = species_model
    same = accuracy_line(ok("evaluate", "--model", "m.npz", "--data", "train.csv", cwd=d))
    # the label column chosen at training is remembered (A.4): no --label here, and it is not
    # the last column; the features come in another order (A.3)
    write_table(d / "swapped.csv", reorder(cols, ["petal_width", "species", "sepal_width",
                                                  "petal_length", "sepal_length"]))
    swapped = accuracy_line(ok("evaluate", "--model", "m.npz", "--data", "swapped.csv",
                               cwd=d))
    assert swapped == same and float(same.split()[1]) > 0.9
    # predictions too: the same labels whatever the order, with or without the label column
    p1 = ok("predict", "--model", "m.npz", "train.csv", cwd=d)
    write_table(d / "nolabel.csv", reorder(cols, ["sepal_width", "petal_width",
                                                  "sepal_length", "petal_length"]))
    p2 = ok("predict", "--model", "m.npz", "nolabel.csv", cwd=d)
    labels = [line.split("\t")[2] for line in p1.splitlines()]
    assert labels == [line.split("\t")[2] for line in p2.splitlines()]
    assert set(labels) <= {"setosa", "versicolor", "virginica"}


def test_missing_and_unknown_columns_are_refused_by_name(species_model):
    d, cols = species_model
    write_table(d / "missing.csv", reorder(cols, ["sepal_length", "species", "petal_length",
                                                  "petal_width"]))
    fails("evaluate", "--model", "m.npz", "--data", "missing.csv", cwd=d,
          words=["lacks", "sepal_width"])
    extra = dict(cols, id=[str(i) for i in range(len(cols["species"]))])
    write_table(d / "extra.csv", extra)
    fails("evaluate", "--model", "m.npz", "--data", "extra.csv", cwd=d,
          words=["not trained on", "id", "--drop"])
    out = ok("evaluate", "--model", "m.npz", "--data", "extra.csv", "--drop", "id", cwd=d)
    assert float(accuracy_line(out).split()[1]) > 0.9


def test_an_id_column_dropped_at_training_may_stay_in_later_files(tmp_path):
    cols = dict(three_species(), id=[f"s{i}" for i in range(300)])
    write_table(tmp_path / "t.csv", cols)
    ok("train", "--data", "t.csv", "--label", "species", "--drop", "id", "--layers", "8",
       "--iterations", "200", "--lr", "0.5", "--quiet", cwd=tmp_path)
    info = nndl.io.read(tmp_path / "model.npz")[1]["info"]
    assert info["feature_names"] == ["sepal_length", "sepal_width", "petal_length",
                                     "petal_width"]
    assert info["label_name"] == "species"
    out = ok("evaluate", "--model", "model.npz", "--data", "t.csv", cwd=tmp_path)
    assert float(accuracy_line(out).split()[1]) > 0.9
    # --features chooses the feature columns
    ok("train", "--data", "t.csv", "--label", "species", "--features",
       "petal_width,sepal_length", "--layers", "none", "--iterations", "20", "--quiet",
       "--out", "two.npz", cwd=tmp_path)
    assert nndl.load(tmp_path / "two.npz").layer_dims[0] == 2


def test_missing_values_are_named_or_dropped(tmp_path):
    cols = three_species()
    cols["sepal_width"][7] = ""
    write_table(tmp_path / "holes.csv", cols)
    fails("train", "--data", "holes.csv", "--label", "species", cwd=tmp_path,
          words=["missing", "sepal_width"])
    out = ok("train", "--data", "holes.csv", "--label", "species", "--drop-missing",
             "--dev", "0", "--layers", "none", "--iterations", "5", "--quiet", cwd=tmp_path)
    assert "train 299" in " ".join(out.split())


def test_task_chooses_classes_or_regression_for_integer_targets(tmp_path):
    rng = np.random.default_rng(1)
    X = rng.standard_normal((400, 3))
    y = np.clip(np.round(2 * X[:, 0] - X[:, 1] + 4), 0, 9).astype(int)  # 0..9: integers
    write_table(tmp_path / "counts.csv", {"a": X[:, 0].tolist(), "b": X[:, 1].tolist(),
                                          "c": X[:, 2].tolist(), "count": y.tolist()})
    common = ["--data", "counts.csv", "--layers", "6", "--iterations", "50", "--quiet"]
    out = ok("train", *common, "--out", "cls.npz", cwd=tmp_path)
    assert "task multiclass" in out
    out = ok("train", *common, "--task", "regression", "--out", "reg.npz", cwd=tmp_path)
    assert "task regression" in out and "r2" in out
    assert nndl.load(tmp_path / "reg.npz").output == "linear"
    fails("train", "--data", "moons", "--task", "regression", cwd=tmp_path,
          words=["--task regression", "moons", "binary"])


def test_evaluate_reports_r2_and_the_mean_baseline(tmp_path):
    rng = np.random.default_rng(2)
    X = rng.standard_normal((300, 2))
    y = 3 * X[:, 0] - 2 * X[:, 1] + 0.1 * rng.standard_normal(300) + 0.5
    write_table(tmp_path / "lin.csv", {"x1": X[:, 0].tolist(), "x2": X[:, 1].tolist(),
                                       "y": y.tolist()})
    ok("train", "--data", "lin.csv", "--layers", "none", "--lr", "0.1", "--iterations", "300",
       "--quiet", cwd=tmp_path)
    out = ok("evaluate", "--model", "model.npz", "--data", "lin.csv", cwd=tmp_path)
    r2 = float(next(line for line in out.splitlines() if line.startswith("r2")).split()[1])
    assert r2 > 0.99 and "mean baseline" in out
    base = float(np.mean((y - y.mean()) ** 2))
    assert f"mse {base:.6g}" in out


def test_predict_names_the_files_of_a_folder_of_images(tmp_path):
    Image = pytest.importorskip("PIL.Image")
    for cls, colour in (("red", (230, 20, 20)), ("blue", (20, 20, 230))):
        (tmp_path / "train" / cls).mkdir(parents=True)
        for i in range(6):
            Image.new("RGB", (8, 8), colour).save(tmp_path / "train" / cls / f"{i}.png")
    ok("train", "--data", "train", "--layers", "none", "--iterations", "40", "--lr", "0.05",
       "--dev", "0", "--image-size", "8", "--quiet", cwd=tmp_path)
    (tmp_path / "new").mkdir()
    Image.new("RGB", (8, 8), (230, 20, 20)).save(tmp_path / "new" / "apple.png")
    Image.new("RGB", (8, 8), (20, 20, 230)).save(tmp_path / "new" / "sea.png")
    out = ok("predict", "--model", "model.npz", "new", cwd=tmp_path)
    rows = dict((Path(r.split("\t")[0]).name, r.split("\t")[2]) for r in out.splitlines())
    assert rows == {"apple.png": "red", "sea.png": "blue"}


def test_the_test_file_is_matched_by_name_too(species_model):
    d, cols = species_model
    write_table(d / "test.csv", reorder(cols, ["species", "petal_width", "petal_length",
                                               "sepal_width", "sepal_length"]))
    out = ok("train", "--data", "train.csv", "--label", "species", "--test", "test.csv",
             "--layers", "8", "--iterations", "300", "--lr", "0.5", "--quiet",
             "--out", "t.npz", cwd=d)
    line = next(x for x in out.splitlines() if x.startswith("test"))
    assert float(line.split()[-1]) > 0.9


def test_a_finished_model_trains_further_exactly_and_leaves_no_checkpoint(tmp_path):
    run = ["--data", "moons", "--layers", "5", "--lr", "0.3", "--quiet", "--seed", "3"]
    ok("train", *run, "--iterations", "60", "--checkpoint-every", "20", "--out", "a.npz",
       cwd=tmp_path)
    assert not (tmp_path / "a.ckpt.npz").exists()  # the model supersedes it
    fails("train", "--resume", "a.npz", cwd=tmp_path, words=["finished", "--iterations 120"])
    ok("train", "--resume", "a.npz", "--iterations", "120", "--out", "more.npz",
       cwd=tmp_path)
    assert (tmp_path / "a.npz").exists()  # a finished model resumed from is kept
    ok("train", *run, "--iterations", "120", "--out", "straight.npz", cwd=tmp_path)
    more, straight = nndl.load(tmp_path / "more.npz"), nndl.load(tmp_path / "straight.npz")
    assert more.iterations_done == straight.iterations_done == 120
    for k in straight.params:
        assert np.array_equal(more.params[k], straight.params[k]), k
    assert more.history.costs == straight.history.costs


def test_the_summary_counts_the_epochs_run_when_early_stopping_stops(tmp_path):
    out = ok("train", "--data", "moons", "--layers", "16,16", "--optimizer", "adam", "--lr",
             "0.05", "--batch-size", "16", "--epochs", "300", "--patience", "2", "--quiet",
             cwd=tmp_path)
    time_line = next(x for x in out.splitlines() if x.startswith("time"))
    early = next(x for x in out.splitlines() if x.startswith("early"))
    run = int(time_line.split(" for ")[1].split()[0])
    assert "stopped after epoch" in early and run < 300
    assert run == int(early.split("stopped after epoch ")[1].split(";")[0]) + 1


def test_resuming_on_changed_data_is_refused(tmp_path):
    cols = three_species()
    write_table(tmp_path / "d.csv", cols)
    ok("train", "--data", "d.csv", "--label", "species", "--layers", "4", "--iterations", "20",
       "--quiet", cwd=tmp_path)
    ok("train", "--resume", "model.npz", "--iterations", "30", "--out", "m2.npz",
       cwd=tmp_path)  # the same data: fine
    cols["sepal_length"][3] = "99"  # same path, same shape, one value changed
    write_table(tmp_path / "d.csv", cols)
    fails("train", "--resume", "model.npz", "--iterations", "40", cwd=tmp_path,
          words=["not what this checkpoint was trained on"])


def test_regression_with_the_defaults_learns_and_answers_in_the_targets_units(tmp_path):
    out = ok("train", "--data", "diabetes", "--quiet", cwd=tmp_path)
    dev = next(x for x in out.splitlines() if x.startswith("dev"))
    assert float(dev.split("r2")[1]) > 0.3, out  # was a constant 148.686: r2 <= 0
    assert "standardized targets" in out
    net = nndl.load(tmp_path / "model.npz")
    assert net.target_scaling is not None
    assert "targets      standardized" in ok("info", "model.npz", cwd=tmp_path)
    data = nndl.datasets.load_builtin("diabetes")
    pred = net.predict(data.X)
    assert pred.std() > 20 and 50 < pred.mean() < 250  # varies, in the targets' units
    # the library's answer is the CLI's: scores on the original scale
    assert nndl.metrics.r2_score(data.Y, pred) > 0.3
    ev = ok("evaluate", "--model", "model.npz", "--data", "diabetes", cwd=tmp_path)
    assert float(next(x for x in ev.splitlines() if x.startswith("r2")).split()[1]) > 0.3
    ok("train", "--data", "diabetes", "--no-standardize", "--quiet", "--out", "raw.npz",
       cwd=tmp_path)
    assert nndl.load(tmp_path / "raw.npz").target_scaling is None


def test_a_missing_file_a_pipe_or_standard_input_is_said_to_be_one(species_model):
    """predict said "has no header row" for a missing file or a FIFO; train said "data not
    found: /proc/N/fd/pipe:[...]" for the shell's <(...) (its link resolved first)."""
    d, _ = species_model
    os.mkfifo(d / "fifo.csv")
    for cmd in (["predict", "--model", "m.npz"], ["evaluate", "--model", "m.npz", "--data"],
                ["train", "--quiet", "--out", "x.npz", "--data"]):
        fails(*cmd, "nothere.csv", cwd=d, words=["data not found: ", "nothere.csv"])
        fails(*cmd, "fifo.csv", cwd=d, words=["fifo.csv is a FIFO (named pipe)"])
        fails(*cmd, "-", cwd=d, words=["standard input ('-') is not read"])
        r, w = os.pipe()  # as bash's <(cat train.csv): /dev/fd/N, a link to pipe:[...]
        try:
            env = dict(os.environ, PYTHONPATH=SRC, OPENBLAS_NUM_THREADS="1")
            got = subprocess.run([sys.executable, "-m", "nndl", *cmd, f"/dev/fd/{r}"],
                                 capture_output=True, text=True, cwd=d, env=env, timeout=300,
                                 pass_fds=(r,))
        finally:
            os.close(r)
            os.close(w)
        assert got.returncode == 2 and "Traceback" not in got.stderr, got.stderr
        assert f"/dev/fd/{r} is a FIFO (named pipe)" in got.stderr, got.stderr
    assert not (d / "x.npz").exists()


def test_predict_refuses_a_label_column_the_file_does_not_have(species_model):
    """predict --label nosuch (or 99) was ignored, exit 0; evaluate refused it."""
    d, _ = species_model
    fails("predict", "--model", "m.npz", "train.csv", "--label", "nosuch", cwd=d,
          words=["no column named 'nosuch'", "species"])
    fails("predict", "--model", "m.npz", "train.csv", "--label", "99", cwd=d,
          words=["column 99 is out of range"])
    assert len(ok("predict", "--model", "m.npz", "train.csv", "--label", "species",
                  cwd=d).splitlines()) == 300


def test_predict_leaves_out_the_trained_label_position_of_a_header_file_for_a_nameless_model(
        tmp_path):
    """A model trained on a headerless file with --label 4 refused the same data with a header
    (its text label read as a feature), where evaluate and --test took the trained position."""
    cols = three_species(m=120)
    order = ["sepal_length", "sepal_width", "petal_length", "petal_width", "species"]
    write_table(tmp_path / "head.csv", reorder(cols, order))
    rows = (tmp_path / "head.csv").read_text().splitlines()[1:]
    (tmp_path / "bare.csv").write_text("\n".join(rows) + "\n")
    ok("train", "--data", "bare.csv", "--label", "4", "--layers", "4", "--iterations", "50",
       "--quiet", "--out", "m.npz", cwd=tmp_path)
    bare = ok("predict", "--model", "m.npz", "bare.csv", cwd=tmp_path)
    head = ok("predict", "--model", "m.npz", "head.csv", cwd=tmp_path)
    assert len(head.splitlines()) == 120
    assert [x.split("\t")[1:] for x in head.splitlines()] == \
        [x.split("\t")[1:] for x in bare.splitlines()]


def test_arrays_without_column_names_are_said_to_be_taken_by_position(species_model):
    """A model of named columns read an .npz's X by position without a word (0.38 accuracy
    where the CSV of the same data gave 0.85, columns in another order)."""
    d, cols = species_model
    names = ["sepal_length", "sepal_width", "petal_length", "petal_width"]
    X = np.array([[float(v) for v in cols[n]] for n in names]).T
    y = np.array(cols["species"])
    np.savez(d / "same.npz", X=X, y=y)
    for cmd in (["evaluate", "--model", "m.npz", "--data", "same.npz"],
                ["predict", "--model", "m.npz", "same.npz"],
                ["train", "--data", "train.csv", "--label", "species", "--test", "same.npz",
                 "--layers", "4", "--iterations", "5", "--quiet", "--out", "t.npz"]):
        r = nndl_cmd(*cmd, cwd=d)
        assert r.returncode == 0, r.stderr
        assert "has no column names: its columns are taken by position" in r.stderr, r.stderr
    r = nndl_cmd("evaluate", "--model", "m.npz", "--data", "train.csv", cwd=d)
    assert "by position" not in r.stderr


def test_an_extra_column_of_numbers_is_not_taken_for_a_label_by_position(tmp_path):
    """A model without column names, a file id,a,b,c: predict left out c as 'the label at
    the trained position' and predicted from id,a,b, exit 0."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(3, 60))
    net = nndl.Network([3, 4, 1], seed=0)
    net.fit(X, (X[0:1] > 0).astype(float), learning_rate=0.5, iterations=20)
    net.save(tmp_path / "m.npz")
    rows = "".join(f"{i},{a:.4f},{b:.4f},{c:.4f}\n" for i, (a, b, c) in enumerate(X.T[:8]))
    (tmp_path / "new.csv").write_text("id,a,b,c\n" + rows)
    fails("predict", "--model", "m.npz", "new.csv", cwd=tmp_path,
          words=["takes 3 input features but the data (new.csv) has 4", "--label NAME"])


def test_a_model_without_column_names_says_it_reads_a_header_file_by_position(tmp_path):
    """A file label,c,b,a for a model without names was read by position in silence
    (11/300); a headerless id,a,b,c for a model of arrays lost its last column as 'the
    label' (a model trained on arrays has no label position of its own)."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 3))
    np.savez(tmp_path / "a.npz", X=X, y=(X[:, 0] > 0).astype(int))
    ok("train", "--data", "a.npz", "--layers", "4", "--iterations", "20", "--quiet", "--out",
       "m.npz", cwd=tmp_path)
    (tmp_path / "h.csv").write_text("c,b,a\n" + "".join(
        f"{c:.4f},{b:.4f},{a:.4f}\n" for a, b, c in X[:5]))
    r = nndl_cmd("predict", "--model", "m.npz", "h.csv", cwd=tmp_path)
    assert r.returncode == 0 and "taken by position, in the file's order" in r.stderr
    (tmp_path / "id.csv").write_text("".join(f"{i},{a:.4f},{b:.4f},{c:.4f}\n"
                                             for i, (a, b, c) in enumerate(X[:5])))
    fails("predict", "--model", "m.npz", "id.csv", cwd=tmp_path,
          words=["takes 3 input features but the data (id.csv) has 4"])


# --- the test file's own header, the decimal mark -------------------------------------------
def _rows(m: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """m rows of 3 features in [1, 9) and a two-class label of them."""
    rng = np.random.default_rng(seed)
    X = rng.uniform(1, 9, size=(m, 3))
    return X, (X[:, 0] - X[:, 1] + 0.3 * X[:, 2] > 1.5).astype(int)


def test_a_test_file_has_its_own_header_option(tmp_path):
    """--header / --no-header spoke for --data and --test together: a headerless training
    file could not be given a test file with pandas' header 0,1,2,3 (df.to_csv(index=False)
    of integer column names): asked which it is, --header made the training file's first row
    a header too. --test-header says it of the test file alone, with evaluate --header's
    score."""
    X, y = _rows(240, 5)
    lines = [",".join(f"{v:.4f}" for v in x) + f",{t}" for x, t in zip(X, y)]
    (tmp_path / "train.csv").write_text("\n".join(lines[:180]) + "\n")
    (tmp_path / "test.csv").write_text("0,1,2,3\n" + "\n".join(lines[180:]) + "\n")
    common = ["--data", "train.csv", "--test", "test.csv", "--layers", "4", "--iterations",
              "200", "--lr", "0.3", "--quiet", "--out", "m.npz"]
    fails("train", *common, cwd=tmp_path, words=["test.csv", "--test-header",
                                                 "--test-no-header"])
    r = nndl_cmd("train", *common, "--test-header", cwd=tmp_path)
    assert r.returncode == 0, r.stderr  # by position, as evaluate warns: no names to match
    assert "columns of --test " in r.stderr and "test.csv are taken by position" in r.stderr
    info = nndl.io.read(tmp_path / "m.npz")[1]["info"]
    assert info["train_args"]["test_header"] is True and info["train_args"]["header"] is None
    assert info["summary"]["train"]  # the 180 training rows, the first one too
    acc = info["summary"]["test"]["accuracy"]
    out = ok("evaluate", "--model", "m.npz", "--data", "test.csv", "--header", cwd=tmp_path)
    assert accuracy_line(out).startswith(f"accuracy  {acc:.4f} (") and "/60)" in out
    fails("train", *common[:2], *common[4:], "--test-header", cwd=tmp_path,
          words=["--test-header", "--test"])  # no --test: nothing to apply it to
    r = nndl_cmd("train", *common, "--test-header", "--test-no-header", cwd=tmp_path)
    assert r.returncode == 2 and "not allowed with argument" in r.stderr


def test_a_test_file_has_its_own_decimal_mark(tmp_path):
    """One --decimal spoke for --data and --test: a European training file whose numbers all
    have three decimals (said with --decimal ,) could not be given a test file written with
    points (refused: the mark said is ','). --test-decimal says the test file's mark alone;
    the test score train saves is evaluate's on the same file, and the model keeps the
    training file's mark. Messages about the test file's mark name --test-decimal."""
    X, y = _rows(160, 7)
    us = ["a,b,c,y"] + [",".join(f"{v:.3f}" for v in x) + f",{t}" for x, t in zip(X, y)]
    eu = [line.replace(",", ";").replace(".", ",") for line in us]
    (tmp_path / "eu.csv").write_text("\n".join(eu[:121]) + "\n")
    (tmp_path / "us_test.csv").write_text("\n".join(us[:1] + us[121:]) + "\n")
    (tmp_path / "eu_test.csv").write_text("\n".join(eu[:1] + eu[121:]) + "\n")
    common = ["--data", "eu.csv", "--decimal", ",", "--layers", "4", "--iterations", "50",
              "--quiet", "--out", "m.npz"]
    fails("train", *common, "--test", "us_test.csv", cwd=tmp_path,
          words=["us_test.csv", "has a point", "--test-decimal ."])
    ok("train", *common, "--test", "us_test.csv", "--test-decimal", ".", cwd=tmp_path)
    info = nndl.io.read(tmp_path / "m.npz")[1]["info"]
    assert info["train_args"]["decimal"] == "," and info["train_args"]["test_decimal"] == "."
    acc = info["summary"]["test"]["accuracy"]
    out = ok("evaluate", "--model", "m.npz", "--data", "us_test.csv", "--decimal", ".",
             cwd=tmp_path)
    assert accuracy_line(out).startswith(f"accuracy  {acc:.4f} (") and "/40)" in out, out
    # the same rows with the training file's mark: the same score
    ok("train", *common, "--test", "eu_test.csv", cwd=tmp_path)
    assert nndl.io.read(tmp_path / "m.npz")[1]["info"]["summary"]["test"]["accuracy"] == acc
    fails("train", *common, "--test", "eu_test.csv", "--test-decimal", ".", cwd=tmp_path,
          words=["eu_test.csv", "features must be numbers", "--test-decimal ,"])
    np.savez(tmp_path / "a.npz", X=X, y=y)
    fails("train", *common, "--test", "a.npz", "--test-decimal", ".", cwd=tmp_path,
          words=["--test-decimal", "a.npz"])
    fails("train", *common, "--test-decimal", ".", cwd=tmp_path,
          words=["--test-decimal", "no --test"])


def test_decimal_comma_option_reads_three_decimals_as_decimals(tmp_path):
    """A ; file whose every number has three decimals (1,275) was refused as possibly US
    thousands separators, and no option could say it is a decimal comma: --decimal , reads it
    as the same numbers written with points, the same model bit for bit; predict and
    evaluate read the training's decimal mark by default."""
    X, y = _rows(120, 6)
    us = ["a,b,c,y"] + [",".join(f"{v:.3f}" for v in x) + f",{t}" for x, t in zip(X, y)]
    eu = [line.replace(",", ";").replace(".", ",") for line in us]
    (tmp_path / "us.csv").write_text("\n".join(us) + "\n")
    (tmp_path / "eu.csv").write_text("\n".join(eu) + "\n")
    common = ["--layers", "4", "--iterations", "50", "--quiet"]
    fails("train", "--data", "eu.csv", *common, "--out", "eu.npz", cwd=tmp_path,
          words=["thousands", "--decimal ,", "--decimal ."])
    ok("train", "--data", "eu.csv", "--decimal", ",", *common, "--out", "eu.npz", cwd=tmp_path)
    ok("train", "--data", "us.csv", *common, "--out", "us.npz", cwd=tmp_path)
    eu_net, us_net = nndl.load(tmp_path / "eu.npz"), nndl.load(tmp_path / "us.npz")
    for k, v in us_net.params.items():
        assert np.array_equal(eu_net.params[k], v), k
    assert nndl.io.read(tmp_path / "eu.npz")[1]["info"]["train_args"]["decimal"] == ","
    assert ok("predict", "--model", "eu.npz", "eu.csv", cwd=tmp_path) == \
        ok("predict", "--model", "us.npz", "eu.csv", "--decimal", ",", cwd=tmp_path)
    assert accuracy_line(ok("evaluate", "--model", "eu.npz", "--data", "eu.csv",
                            cwd=tmp_path)) == \
        accuracy_line(ok("evaluate", "--model", "us.npz", "--data", "us.csv", cwd=tmp_path))
    # a point said is a point: 1,275 is then no number (was read as 1.275)
    fails("evaluate", "--model", "eu.npz", "--data", "eu.csv", "--decimal", ".", cwd=tmp_path,
          words=["column 'a'", "features must be numbers", "decimal mark said is '.'"])
    # the model's comma on a file with points: the message says where the comma comes from
    fails("predict", "--model", "eu.npz", "us.csv", cwd=tmp_path,
          words=["'a'", "has a point", "decimal mark said is ','", "--decimal ."])
    assert ok("predict", "--model", "eu.npz", "us.csv", "--decimal", ".", cwd=tmp_path) == \
        ok("predict", "--model", "us.npz", "us.csv", cwd=tmp_path)
    np.savez(tmp_path / "a.npz", X=X, y=y)
    for cmd in (["train", "--data", "a.npz", *common, "--out", "n.npz"],
                ["train", "--data", "iris", *common, "--out", "n.npz"],
                ["evaluate", "--model", "us.npz", "--data", "a.npz"],
                ["predict", "--model", "us.npz", "a.npz"]):
        fails(*cmd, "--decimal", ",", cwd=tmp_path, words=["--decimal", "table"])
    for cmd in (["evaluate", "--model", "us.npz", "--data", "a.npz"],  # was ignored, exit 0
                ["predict", "--model", "us.npz", "a.npz"]):
        for option in ("--header", "--no-header"):
            fails(*cmd, option, cwd=tmp_path, words=[option, "table"])
    # a mistyped table is not found (it was said to be no table)
    for cmd in (["evaluate", "--model", "us.npz", "--data", "uss.csv"],
                ["predict", "--model", "us.npz", "uss.csv"]):
        fails(*cmd, "--header", cwd=tmp_path, words=["uss.csv", "not found"])
    r = nndl_cmd("train", "--data", "eu.csv", "--decimal", ";", cwd=tmp_path)
    assert r.returncode == 2 and "invalid choice" in r.stderr


# --- a model no better than one that learned nothing is said so ----------------------------
def test_a_model_no_better_than_the_majority_class_or_the_mean_is_said_so(tmp_path):
    """On 99/1 unbalanced classes, train's defaults predicted the majority class for every
    sample, and train and evaluate printed accuracy 0.99 with no word; train printed a dev r2
    below 0 with no word (evaluate warned). Both now say it, with evaluate's baseline line;
    a model that learned something gets no such warning."""
    rng = np.random.default_rng(3)
    X = rng.standard_normal((400, 3))
    rare = np.zeros(400, dtype=int)
    rare[rng.choice(400, 4, replace=False)] = 1  # 1%, at random: nothing to learn
    cols = {f"x{j}": [f"{v:.5f}" for v in X[:, j]] for j in range(3)}
    write_table(tmp_path / "rare.csv", {**cols, "y": rare.tolist()})
    r = nndl_cmd("train", "--data", "rare.csv", "--iterations", "30", "--quiet", "--out",
                 "m.npz", cwd=tmp_path)
    said = "does no better than always predicting the most frequent class, '0'"
    assert r.returncode == 0 and f"on the train data, the model {said}" in r.stderr, r.stderr
    assert "it predicts '0' for every sample" in r.stderr
    r = nndl_cmd("evaluate", "--model", "m.npz", "--data", "rare.csv", cwd=tmp_path)
    assert r.returncode == 0 and "accuracy  0.9900 (396/400)" in r.stdout, r.stdout
    assert "baseline  0.9900 (always '0', the most frequent class)" in r.stdout
    assert said in r.stderr and "(accuracy 0.9900; that class is 0.9900" in r.stderr
    # the mean: targets that are noise
    write_table(tmp_path / "noise.csv", {**cols, "t": [f"{v:.4f}" for v in
                                                       rng.standard_normal(400) * 5 + 0.5]})
    r = nndl_cmd("train", "--data", "noise.csv", "--iterations", "300", "--lr", "0.1",
                 "--quiet", "--out", "n.npz", cwd=tmp_path)
    assert r.returncode == 0 and "on the dev data, the model does no better than predicting " \
        "the mean of the targets (r2 " in r.stderr, r.stderr
    fresh = {f"x{j}": [f"{v:.5f}" for v in rng.standard_normal(200)] for j in range(3)}
    write_table(tmp_path / "fresh.csv", {**fresh, "t": [f"{v:.4f}" for v in
                                                        rng.standard_normal(200) * 5 + 0.5]})
    r = nndl_cmd("evaluate", "--model", "n.npz", "--data", "fresh.csv", cwd=tmp_path)
    assert "warning   the model does no better than predicting the mean" in r.stderr, r.stdout
    # a model that learned: no warning, the baseline still shown
    write_table(tmp_path / "species.csv", three_species())
    r = nndl_cmd("train", "--data", "species.csv", "--label", "species", "--iterations",
                 "300", "--lr", "0.1", "--quiet", "--out", "s.npz", cwd=tmp_path)
    assert r.returncode == 0 and "no better" not in r.stderr, r.stderr
    r = nndl_cmd("evaluate", "--model", "s.npz", "--data", "species.csv", cwd=tmp_path)
    assert "baseline  0." in r.stdout and "most frequent class" in r.stdout
    assert "no better" not in r.stderr, r.stderr


def test_a_few_whole_numbers_read_as_classes_name_task_regression(tmp_path):
    """A small table of whole-number targets (13 values for 15 rows) is read as 13 classes
    (documented); the warning said to look at --label only, never --task regression."""
    rng = np.random.default_rng(4)
    X = rng.standard_normal((15, 2))
    cols = {"a": [f"{v:.4f}" for v in X[:, 0]], "b": [f"{v:.4f}" for v in X[:, 1]]}
    weight = [150 + 7 * i for i in range(13)] + [150, 157]
    write_table(tmp_path / "w.csv", {**cols, "weight": weight})
    r = nndl_cmd("train", "--data", "w.csv", "--dev", "0", "--iterations", "5", "--quiet",
                 "--out", "m.npz", cwd=tmp_path)
    assert "13 classes for 15 samples" in r.stderr and "--task regression" in r.stderr
    write_table(tmp_path / "n.csv", {**cols, "name": [f"p{i}" for i in range(13)] + ["p0", "p1"]})
    r = nndl_cmd("train", "--data", "n.csv", "--dev", "0", "--iterations", "5", "--quiet",
                 "--out", "m.npz", cwd=tmp_path)
    assert "13 classes for 15 samples" in r.stderr and "--task" not in r.stderr, r.stderr


def test_many_whole_numbers_read_as_a_regression_name_task_classification(tmp_path):
    """30 class ids were trained as one number (r2 0.65 for accuracy 0.93) and the data line
    said only 'task regression'; the <= 20 case had its note."""
    rng = np.random.default_rng(5)
    X = rng.standard_normal((120, 2))
    ids = (np.arange(120) % 30).tolist()
    write_table(tmp_path / "ids.csv", {"a": X[:, 0].tolist(), "b": X[:, 1].tolist(),
                                       "species_id": ids})
    common = ["--data", "ids.csv", "--iterations", "5", "--quiet"]
    line = ok("train", *common, "--out", "m.npz", cwd=tmp_path).splitlines()[0]
    assert "task regression (30 distinct whole numbers" in line
    assert "if they are class ids, --task classification reads them as classes" in line
    line = ok("train", *common, "--task", "regression", "--out", "r.npz",
              cwd=tmp_path).splitlines()[0]
    assert "--task" not in line  # asked for
    write_table(tmp_path / "f.csv", {"a": X[:, 0].tolist(), "b": X[:, 1].tolist(),
                                     "y": (X[:, 0] + 0.5).tolist()})
    line = ok("train", "--data", "f.csv", "--iterations", "5", "--quiet", "--out", "f.npz",
              cwd=tmp_path).splitlines()[0]
    assert line.endswith("task regression")  # fractions: nothing to say
    # the review: counts, years, prices in whole units were advised --task classification,
    # which failed on them; only ids from 0 (or 1) with no gap are class ids
    for name, y in (("years", 1990 + np.arange(120) % 35), ("prices", 25 + (X[:, 0] * 80).round()
                                                                    .astype(int) ** 2 % 300)):
        write_table(tmp_path / f"{name}.csv", {"a": X[:, 0].tolist(), "b": X[:, 1].tolist(),
                                               "y": y.tolist()})
        line = ok("train", "--data", f"{name}.csv", "--iterations", "5", "--quiet", "--out",
                  f"{name}.npz", cwd=tmp_path).splitlines()[0]
        assert line.endswith("task regression"), line


def test_names_in_another_unicode_form_are_the_same_names(tmp_path):
    """A file written on macOS spells 'größe' decomposed (NFD: o + U+0308); a model trained
    on the composed form (NFC) refused it: "lacks ['größe', 'höhe'] (the model was trained
    on ['größe', 'höhe'])", and its classes 'café', 'thé' were "classes the model does not
    know". Names are compared in one form now, columns, classes and --label alike."""
    import unicodedata

    X = np.random.default_rng(0).normal(size=(60, 2))
    text = "größe,höhe,klasse\n" + "".join(
        f"{a:.4f},{b:.4f},{'café' if a + b > 0 else 'thé'}\n" for a, b in X)
    (tmp_path / "nfc.csv").write_text(text, encoding="utf-8")
    nfd = unicodedata.normalize("NFD", text)
    assert nfd != text
    (tmp_path / "nfd.csv").write_text(nfd, encoding="utf-8")
    h, *rows = nfd.splitlines()  # the columns in another order too
    swapped = [",".join([c[1], c[0], c[2]]) for c in (r.split(",") for r in [h, *rows])]
    (tmp_path / "nfd_swapped.csv").write_text("\n".join(swapped) + "\n", encoding="utf-8")
    ok("train", "--data", "nfc.csv", "--layers", "4", "--iterations", "300", "--lr", "0.5",
       "--dev", "0", "--quiet", "--out", "m.npz", cwd=tmp_path)
    scores = [[x for x in ok("evaluate", "--model", "m.npz", "--data", f, cwd=tmp_path)
               .splitlines() if x.startswith("accuracy")] for f in ("nfc.csv", "nfd.csv",
                                                                    "nfd_swapped.csv")]
    assert len(scores[0]) == 1 and scores == [scores[0]] * 3, scores
    out = [ok("predict", "--model", "m.npz", f, cwd=tmp_path)
           for f in ("nfc.csv", "nfd_swapped.csv")]
    assert out[0].replace("nfc.csv", "f") == out[1].replace("nfd_swapped.csv", "f")
    # --label in the composed form names the decomposed column
    ok("train", "--data", "nfd.csv", "--label", "klasse", "--features", "höhe", "--iterations",
       "5", "--quiet", "--out", "m2.npz", cwd=tmp_path)
    assert nndl.load(tmp_path / "m2.npz").layer_dims[0] == 1


def test_names_that_differ_only_in_their_unicode_form_stay_apart_when_both_are_there(tmp_path):
    """The review: classes 'café' composed and decomposed (two classes, as training keeps
    them) were merged in evaluate, the decomposed samples counted as the composed class
    (accuracy 0.5 for 1.0); a header of 'K' and the Kelvin sign 'K' was refused as one
    column named twice. An exact name wins; one form matches only where it is one name's."""
    import unicodedata

    from nndl.datasets import load_csv

    nfc, nfd = "café", unicodedata.normalize("NFD", "café")
    X = np.random.default_rng(1).normal(size=(60, 2))
    cls = [nfc if a > 0.5 else nfd if a > -0.5 else "tea" for a in X[:, 0]]
    write_table(tmp_path / "d.csv", {"a": list(X[:, 0]), "b": list(X[:, 1]), "y": cls})
    keep = [i for i, c in enumerate(cls) if c != "tea"]
    write_table(tmp_path / "t.csv", {"a": list(X[keep, 0]), "b": list(X[keep, 1]),
                                     "y": [cls[i] for i in keep]})
    ok("train", "--data", "d.csv", "--layers", "16", "--optimizer", "adam", "--lr", "0.05",
       "--iterations", "400", "--dev", "0", "--quiet", "--out", "m.npz", cwd=tmp_path)
    assert sorted(nndl.load(tmp_path / "m.npz").classes) == sorted([nfc, nfd, "tea"])
    on_train = [x for x in ok("evaluate", "--model", "m.npz", "--data", "d.csv",
                              cwd=tmp_path).splitlines() if x.startswith("accuracy")]
    on_test = [x for x in ok("evaluate", "--model", "m.npz", "--data", "t.csv",
                             cwd=tmp_path).splitlines() if x.startswith("accuracy")]
    assert on_train[0].startswith("accuracy  1.0000") and on_test[0].startswith(
        "accuracy  1.0000"), (on_train, on_test)
    (tmp_path / "k.csv").write_text("K,\u212a,y\n1,2,0\n3,4,1\n", encoding="utf-8")
    data = load_csv(tmp_path / "k.csv")
    assert data.feature_names == ["K", "\u212a"] and data.X.tolist() == [[1, 3], [2, 4]]
    assert load_csv(tmp_path / "k.csv", features=["\u212a"]).X.tolist() == [[2, 4]]


def _raw(args: list, cwd: Path, env: "dict | None" = None, **kw) -> subprocess.CompletedProcess:
    """nndl run with bytes out (what the streams hold, undecoded)."""
    env = dict(os.environ, PYTHONPATH=SRC, OPENBLAS_NUM_THREADS="1", **(env or {}))
    return subprocess.run([sys.executable, "-m", "nndl", *args], capture_output=True, cwd=cwd,
                          env=env, timeout=300, **kw)


def test_a_closed_stderr_never_puts_messages_among_the_predictions(tmp_path):
    """With fd 2 closed (2>&-: cron, daemons) Python's sys.stderr is None, and print(file=None)
    writes to stdout: a warning became the first line of the predictions, an error the only
    'data' a reader got."""
    X = np.random.default_rng(0).normal(size=(40, 2))
    np.savez(tmp_path / "d.npz", X=X, y=(X[:, 0] > 0).astype(float))
    write_table(tmp_path / "q.csv", {"a": list(X[:4, 0]), "b": list(X[:4, 1])})
    ok("train", "--data", "d.npz", "--layers", "3", "--iterations", "5", "--quiet", "--out",
       "m.npz", cwd=tmp_path)
    shut = {"stderr": None, "pass_fds": (), "preexec_fn": lambda: os.close(2)}
    r = subprocess.run([sys.executable, "-m", "nndl", "predict", "--model", "m.npz", "q.csv"],
                       stdout=subprocess.PIPE, cwd=tmp_path, timeout=300, env=dict(
                           os.environ, PYTHONPATH=SRC), **shut)
    assert r.returncode == 0 and b"warning" not in r.stdout, r.stdout  # (taken by position)
    assert len(r.stdout.splitlines()) == 4 and all(x.startswith(b"q.csv\t")
                                                   for x in r.stdout.splitlines())
    r = subprocess.run([sys.executable, "-m", "nndl", "predict", "--model", "gone.npz", "q.csv"],
                       stdout=subprocess.PIPE, cwd=tmp_path, timeout=300, env=dict(
                           os.environ, PYTHONPATH=SRC), **shut)
    assert r.returncode == 2 and r.stdout == b""


def test_an_ascii_locale_prints_names_escaped_and_files_stay_utf8(tmp_path):
    """PYTHONUTF8=0 LC_ALL=C (stdout ASCII): train, predict, info and evaluate of a class
    'café' ended in a UnicodeEncodeError traceback (exit 1), and predict --out wrote its CSV
    in the locale's encoding. Printed, what ASCII cannot hold is a backslash escape (as a tab
    is \\t); files are UTF-8; a file name that is not UTF-8 keeps its bytes in the CSV."""
    X = np.random.default_rng(0).normal(size=(60, 2))
    labels = ["café" if a + b > 0 else "中文" for a, b in X]
    write_table(tmp_path / "uni.csv", {"a": list(X[:, 0]), "b": list(X[:, 1]), "y": labels})
    (tmp_path / "uni.csv").rename(tmp_path / os.fsdecode(b"caf\xe9.csv"))
    name = os.fsdecode(b"caf\xe9.csv")
    c = {"PYTHONUTF8": "0", "LC_ALL": "C", "LANG": "C"}
    for args in (["train", "--data", name, "--layers", "3", "--iterations", "5", "--out",
                  "m.npz"], ["info", "m.npz"], ["evaluate", "--model", "m.npz", "--data", name],
                 ["predict", "--model", "m.npz", name], ["predict", "--model", "m.npz", name,
                                                        "--out", "p.csv"]):
        r = _raw(args, tmp_path, c)
        assert r.returncode == 0, (args, r.stderr.decode(errors="replace"))
        assert b"Traceback" not in r.stderr
    assert b"'caf\\xe9'" in _raw(["info", "m.npz"], tmp_path, c).stdout
    printed = _raw(["predict", "--model", "m.npz", name], tmp_path, c).stdout.splitlines()
    assert len(printed) == 60 and printed[0].startswith(b"caf\\udce9.csv\t0\t")
    written = (tmp_path / "p.csv").read_bytes().splitlines()
    assert len(written) == 61 and written[1].startswith(b"caf\xe9.csv,0,")  # the file's bytes
    assert {x.split(b",")[2].decode("utf-8") for x in written[1:]} <= {"café", "中文"}


def test_the_longest_file_names_are_written_and_a_derived_name_too_long_is_said(tmp_path):
    """A valid name of 240 bytes was refused as "File name too long": the temporary file
    beside it (.NAME.XXXXXXXX.tmp) was. At 251 bytes the derived checkpoint NAME.ckpt.npz is
    too long; the message named a file the user never gave, without saying whose it is."""
    import time

    from nndl.files import atomic_write, remove_stale_temporaries

    long = tmp_path / ("a" * 240 + ".csv")
    atomic_write(long, lambda f: f.write("x\n"), mode="w")
    assert long.read_text() == "x\n" and os.listdir(tmp_path) == [long.name]  # no temporary
    from nndl.files import _temporary_prefix  # a killed write's temporary is still found

    old = tmp_path / (_temporary_prefix(long) + "abcd1234.tmp")
    old.write_text("")
    os.utime(old, (time.time() - 3600,) * 2)
    assert remove_stale_temporaries(long) == [old] and long.exists()
    X = np.random.default_rng(0).normal(size=(40, 2))
    write_table(tmp_path / "d.csv", {"a": list(X[:, 0]), "b": list(X[:, 1]),
                                     "y": [int(a > 0) for a in X[:, 0]]})
    ok("train", "--data", "d.csv", "--iterations", "3", "--quiet", "--out", "b" * 244 + ".npz",
       cwd=tmp_path)
    assert (tmp_path / ("b" * 244 + ".npz")).is_file()
    fails("train", "--data", "d.csv", "--iterations", "3", "--out", "c" * 248 + ".npz",
          cwd=tmp_path, words=["the checkpoint (--out's name with .ckpt.npz; give another with "
                               "--checkpoint)", "File name too long"])
    ok("train", "--data", "d.csv", "--iterations", "3", "--quiet", "--out", "c" * 248 + ".npz",
       "--checkpoint", "c.ckpt.npz", cwd=tmp_path)


def test_a_mistyped_speed_switch_is_said_not_silently_the_default(tmp_path):
    """NNDL_THREADS=of (for off) and NNDL_KERNELS=maybe were silently the defaults, unlike
    NNDL_MAX_BYTES, which refuses a bad size. They change speed, never a result: one warning
    line each, naming the values they take; known values say nothing."""
    args = ["train", "--data", "moons", "--iterations", "3", "--quiet", "--out", "m.npz"]
    r = _raw(args, tmp_path, {"NNDL_THREADS": "of", "NNDL_KERNELS": "maybe"})
    lines = r.stderr.decode().splitlines()
    assert r.returncode == 0 and len(lines) == 2, lines
    assert lines[0].startswith("nndl train: warning: NNDL_THREADS='of' is not one of auto, on")
    assert "NNDL_KERNELS='maybe' is not one of 1, on, true, yes, 0, off" in lines[1]
    for env in ({"NNDL_THREADS": " Off ", "NNDL_KERNELS": "0"},
                {"NNDL_THREADS": "", "NNDL_KERNELS": ""}):  # empty: unset, as in a script
        r = _raw(args, tmp_path, env)
        assert r.returncode == 0 and r.stderr == b"", env


def test_whole_numbers_taken_for_classes_say_how_to_predict_them_as_numbers(tmp_path):
    """Model years (16 values) became a 16-class softmax (dev accuracy 0.21; as a regression
    r2 0.78), printed as 'task multiclass, classes [...]' and nothing more: the report now
    says how to read them as numbers, where nndl chose (not for --task, nor digits' '0'..'9')."""
    X = np.random.default_rng(0).normal(size=(80, 2))
    years = [2000 + int(t) for t in np.clip((X[:, 0] * 3 + 8).round(), 1, 15)]
    write_table(tmp_path / "yr.csv", {"a": list(X[:, 0]), "b": list(X[:, 1]), "year": years})
    note = "(whole numbers read as classes; --task regression predicts them as numbers)"
    run = ["train", "--iterations", "3", "--quiet", "--out", "m.npz"]
    assert note in ok(*run, "--data", "yr.csv", cwd=tmp_path).splitlines()[0]
    assert note not in ok(*run, "--data", "yr.csv", "--task", "classification", cwd=tmp_path)
    assert note not in ok(*run, "--data", "digits", cwd=tmp_path)
    (tmp_path / "digits").write_text("x")  # a file named as the set: --data digits is the set
    assert note not in ok(*run, "--data", "digits", cwd=tmp_path)
    assert "task regression" in ok(*run, "--data", "yr.csv", "--task", "regression",
                                   cwd=tmp_path).splitlines()[0]


def test_image_folders_named_by_numbers_get_no_regression_note(tmp_path):
    """Class folders 0, 1, 2 of images are classes: the note on whole numbers is for files."""
    from PIL import Image

    for c in "012":
        (tmp_path / "imgs" / c).mkdir(parents=True)
        for i in range(3):
            Image.new("RGB", (4, 4), (80 * int(c), 10 * i, 0)).save(tmp_path / "imgs" / c / f"{i}.png")
    out = ok("train", "--data", "imgs", "--image-size", "4", "--iterations", "3", "--dev", "0",
             "--quiet", "--out", "m.npz", cwd=tmp_path)
    assert "classes ['0', '1', '2']" in out and "--task regression" not in out


def test_a_features_model_is_not_given_images_read_as_pixels(tmp_path):
    """The review of uint16 image arrays read as images: a model trained on such a file
    before, which took its values as they are (0..65535, standardized), was given today's
    pixels in [0, 1] and scored 0.53 for 1.0 on its own file, exit 0. A model of standardized
    features trained on the same pictures stored as floats stands in for it."""
    rs = np.random.RandomState(0)
    X = (rs.rand(60, 6, 6, 3) * 30000).astype(np.uint16)
    y = (X[:, 0, 0, 0] > 15000).astype(int)
    np.savez(tmp_path / "u16.npz", X=X, y=y)
    np.savez(tmp_path / "raw.npz", X=X.astype(np.float64), y=y)
    ok("train", "--data", "raw.npz", "--layers", "5", "--iterations", "50", "--dev", "0",
       "--out", "old.npz", "--quiet", cwd=tmp_path)
    for cmd in (("evaluate", "--model", "old.npz", "--data", "u16.npz"),
                ("predict", "--model", "old.npz", "u16.npz")):
        fails(*cmd, cwd=tmp_path, words=["u16.npz holds images", "standardized features",
                                        "train it again"])
    ok("evaluate", "--model", "old.npz", "--data", "raw.npz", cwd=tmp_path)  # its own data
    ok("train", "--data", "u16.npz", "--layers", "5", "--iterations", "50", "--dev", "0",
       "--out", "new.npz", "--quiet", cwd=tmp_path)  # an image model of the same file
    ok("evaluate", "--model", "new.npz", "--data", "u16.npz", cwd=tmp_path)


# --- column options checked as train checks them (r_options C3, C4, C5, D4) -------------------
def test_predict_and_evaluate_refuse_column_options_their_data_cannot_use(species_model):
    """--label and --drop-missing on an .npz, --drop on a folder of images were ignored (exit
    0), where --header and --decimal were refused."""
    d, cols = species_model
    names = ["sepal_length", "sepal_width", "petal_length", "petal_width"]
    np.savez(d / "arr.npz", X=np.array([[float(v) for v in cols[n]] for n in names]).T,
             y=np.array(cols["species"]))
    fails("predict", "--model", "m.npz", "arr.npz", "--label", "0", cwd=d,
          words=["--label chooses a table file's label column", "arr.npz is a file of arrays"])
    fails("evaluate", "--model", "m.npz", "--data", "arr.npz", "--drop-missing", cwd=d,
          words=["--drop-missing", "arr.npz is a file of arrays"])
    (d / "pics" / "x").mkdir(parents=True, exist_ok=True)
    fails("evaluate", "--model", "m.npz", "--data", "pics", "--drop", "3", cwd=d,
          words=["--drop leaves out columns", "pics is a folder of images"])


def test_a_drop_the_file_lacks_is_refused_by_every_command_alike(species_model):
    """train refused --drop nosuch ('no column named'), evaluate and predict took it; a name
    the model dropped itself may be missing from a later file, and is still taken."""
    d, cols = species_model
    for cmd in (["evaluate", "--model", "m.npz", "--data", "train.csv"],
                ["predict", "--model", "m.npz", "train.csv"],
                ["train", "--data", "train.csv", "--label", "species", "--iterations", "2",
                 "--out", "x.npz"]):
        fails(*cmd, "--drop", "nosuch", cwd=d,
              words=["no column named 'nosuch'", "'sepal_length'", "'species'"])
    write_table(d / "id.csv", {"id": list(range(300)), **cols})
    ok("train", "--data", "id.csv", "--label", "species", "--drop", "id", "--layers", "4",
       "--iterations", "30", "--quiet", "--out", "id.npz", cwd=d)
    assert accuracy_line(ok("evaluate", "--model", "id.npz", "--data", "train.csv", "--drop",
                            "id", cwd=d))
    fails("evaluate", "--model", "id.npz", "--data", "train.csv", "--drop", "species", cwd=d,
          words=["--drop species", "is the label column", "--label"])


def test_features_with_a_drop_of_a_kept_column_or_a_drop_of_the_label_are_refused(
        species_model):
    """--features a,b --drop a trained on b alone, and --drop LABEL kept the label, exit 0."""
    d, _ = species_model
    fails("train", "--data", "train.csv", "--label", "species", "--features",
          "sepal_length,sepal_width", "--drop", "sepal_length", "--iterations", "2", "--out",
          "x.npz", cwd=d, words=["--drop sepal_length", "--features", "keeps"])
    fails("train", "--data", "train.csv", "--label", "species", "--drop", "species",
          "--iterations", "2", "--out", "x.npz", cwd=d,
          words=["--drop species", "names the label column 'species'", "--label"])
    assert not (d / "x.npz").exists()


def test_a_selection_on_a_named_set_or_a_headerless_file_is_read_again(tmp_path):
    """A model trained with --features / --drop on iris, or on a file without a header, could
    not be scored on the same data ('iris has no header row ... add the header row', 'the
    model takes 2 input features but the data has 3')."""
    ok("train", "--data", "iris", "--features", "2,3", "--layers", "4", "--iterations", "50",
       "--quiet", "--out", "ir.npz", cwd=tmp_path)
    assert accuracy_line(ok("evaluate", "--model", "ir.npz", "--data", "iris", cwd=tmp_path))
    assert len(ok("predict", "--model", "ir.npz", "iris", cwd=tmp_path).splitlines()) == 150
    fails("evaluate", "--model", "ir.npz", "--data", "iris", "--drop", "2", cwd=tmp_path,
          words=["the model was trained on this column"])
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 3))
    y = (X[:, 0] - X[:, 2] > 0).astype(int)
    (tmp_path / "bare.csv").write_text("".join(
        f"{a:.4f},{b:.4f},{c:.4f},{t}\n" for (a, b, c), t in zip(X, y)))
    (tmp_path / "nolabel.csv").write_text("".join(f"{a:.4f},{b:.4f},{c:.4f}\n" for a, b, c in X))
    ok("train", "--data", "bare.csv", "--features", "0,2", "--layers", "4", "--iterations",
       "50", "--quiet", "--out", "h.npz", cwd=tmp_path)
    assert accuracy_line(ok("evaluate", "--model", "h.npz", "--data", "bare.csv", cwd=tmp_path))
    full = ok("predict", "--model", "h.npz", "bare.csv", cwd=tmp_path).splitlines()
    bare = ok("predict", "--model", "h.npz", "nolabel.csv", cwd=tmp_path).splitlines()
    assert [x.split("\t")[1:] for x in full] == [x.split("\t")[1:] for x in bare]
    assert len(full) == 60
    fails("evaluate", "--model", "h.npz", "--data", "nolabel.csv", cwd=tmp_path,
          words=["nolabel.csv has 3 columns", "trained on a file of 4 columns"])


def test_resuming_with_an_equivalent_spelling_is_no_change(tmp_path):
    """--keep-prob 1 (saved: none), --header on a file whose header was found, --label by its
    name, --hidden ReLU were 'cannot be changed when resuming'."""
    write_table(tmp_path / "d.csv", three_species(m=60))
    ok("train", "--data", "d.csv", "--label", "species", "--layers", "3", "--iterations", "4",
       "--quiet", "--out", "m.npz", cwd=tmp_path)
    ok("train", "--resume", "m.npz", "--iterations", "6", "--keep-prob", "1", "--header",
       "--label", "2", "--hidden", "ReLU", "--task", "classification", "--quiet", cwd=tmp_path)
    assert nndl.load(tmp_path / "m.npz").iterations_done == 6
    assert "dropout" not in ok("info", "m.npz", cwd=tmp_path)  # kept as saved (the review:
    # --keep-prob 1 was stored, and info said "dropout keep-prob 1" of a model without any)
    fails("train", "--resume", "m.npz", "--iterations", "8", "--label", "sepal_width",
          cwd=tmp_path, words=["--label cannot be changed when resuming"])
    fails("train", "--resume", "m.npz", "--iterations", "8", "--no-header", cwd=tmp_path,
          words=["--no-header cannot be changed when resuming"])


def test_options_given_again_add_up_and_empty_paths_are_refused(tmp_path):
    """The review of the options fixes: `--drop id --drop c` kept only `c` (id trained on as a
    feature); `--data ''` read the current folder; `predict --drop label` of a file without
    the label column was refused though predict leaves the label out itself; abbreviations
    (no longer taken) got no hint."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 3))
    rows = [[i, *x, int(x[0] > 0)] for i, x in enumerate(X)]
    write_table(tmp_path / "bin.csv", {k: [r[j] for r in rows]
                                       for j, k in enumerate(["id", "a", "b", "c", "label"])})
    write_table(tmp_path / "nolabel.csv", {k: [r[j] for r in rows]
                                           for j, k in enumerate(["id", "a", "b", "c"])})
    out = ok("train", "--data", "bin.csv", "--drop", "id", "--drop", "c", "--layers", "3",
             "--iterations", "20", "--dev", "0", "--out", "p.npz", cwd=tmp_path)
    assert "bin.csv: 2 features" in out
    assert nndl.load(tmp_path / "p.npz").layer_dims[0] == 2
    said = ok("predict", "--model", "p.npz", "bin.csv", "nolabel.csv", "--drop", "label",
              cwd=tmp_path)
    assert len(said.splitlines()) == 80
    for cmd in (("train", "--data", ""), ("train", "--test", ""),
                ("evaluate", "--model", "", "--data", "bin.csv"),
                ("predict", "--model", "p.npz", ""), ("info", "")):
        fails(*cmd, cwd=tmp_path, words=["expected a file name; got an empty value"])
    fails("train", "--data", "bin.csv", "--iter", "3", cwd=tmp_path,
          words=["--iter", "did you mean --iterations?"])


def test_names_saved_in_another_case_are_the_same_setting():
    """Studies and models saved before names were read in any case (`--hidden ReLU --init
    HE`) could not be continued: the saved spelling matched no spelling given now."""
    from nndl.cli.settings import same_setting
    from nndl.tuning.space import canonical

    assert same_setting("hidden", "relu", "ReLU") and same_setting("init", "he", "HE")
    assert not same_setting("hidden", "tanh", "ReLU")
    old = canonical({"space": {"hidden": ["ReLU", "Tanh"], "init": "HE", "lr": [0.1]}})
    assert old["space"] == {"hidden": ["relu", "tanh"], "init": "he", "lr": [0.1]}


def test_a_model_of_chosen_array_features_reads_its_own_file_again(tmp_path):
    """The options review: a model trained with --features / --drop on an .npz could not be
    scored on that same file ("the model takes 2 input features but the data has 4"): an
    array's features are numbered, so the saved selection is read again, as for a headerless
    table."""
    rs = np.random.RandomState(0)
    X = rs.randn(40, 4)
    np.savez(tmp_path / "tab.npz", X=X, y=(X[:, 0] + X[:, 2] > 0).astype(int))
    for option, cols in (("--features", "0,2"), ("--drop", "1,3")):
        ok("train", "--data", "tab.npz", option, cols, "--layers", "3", "--iterations", "50",
           "--dev", "0", "--out", "f.npz", "--quiet", cwd=tmp_path)
        net = nndl.load(tmp_path / "f.npz")
        want = net.predict(X[:, [0, 2]].T)[0]
        said = ok("predict", "--model", "f.npz", "tab.npz", cwd=tmp_path).splitlines()
        assert [r.split("\t")[2] for r in said] == [str(v) for v in want]
        assert "accuracy" in ok("evaluate", "--model", "f.npz", "--data", "tab.npz",
                                cwd=tmp_path)

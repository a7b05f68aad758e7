"""Rows that must keep their place, from the audit of 2026-12-07 (second session): a row of
only delimiters, a label column left empty in a file to predict on, and the line numbers of
messages after blank lines and quoted line breaks. Each case was quietly wrong (or refused
with a wrong line or a wrong option) before.

The command-line tests run ``nndl`` as a subprocess on tables they write.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import nndl
from nndl.datasets.tables import read_table
from nndl.limits import Budget

from .test_trust_cli import fails, ok


@pytest.fixture(scope="module")
def model(tmp_path_factory) -> Path:
    """A small binary model trained on a,b,c,label (200 rows, text labels)."""
    d = tmp_path_factory.mktemp("rows")
    X = np.round(np.random.default_rng(0).standard_normal((200, 3)), 3)
    y = np.where(X[:, 0] + X[:, 1] > 0, "yes", "no")
    with open(d / "train.csv", "w") as f:
        f.write("a,b,c,label\n")
        f.writelines(f"{r[0]},{r[1]},{r[2]},{v}\n" for r, v in zip(X, y))
    ok("train", "--data", "train.csv", "--label", "label", "--layers", "5", "--lr", "0.1",
       "--iterations", "300", "--out", "m.npz", "--quiet", cwd=d)
    return d


def _predictions(out: str) -> list[tuple[str, str]]:
    """(index, label) of every line ``nndl predict`` printed."""
    return [(f[1], f[2]) for f in (line.split("\t") for line in out.splitlines())]


# --- a row of only delimiters is a sample whose values are missing ----------------------------
@pytest.mark.parametrize("empty", [",,", " , , ", ",,,"])
def test_predict_refuses_a_row_of_only_delimiters_between_samples(model, empty):
    (model / "rows.csv").write_text(f"a,b,c\n1,1,0\n{empty}\n-1,-1,0\n2,2,0\n")
    fails("predict", "--model", "m.npz", "rows.csv", cwd=model,
          words=["line 3", "missing value"])  # ",,," of 4 fields too: a row of empty cells
    # was: three predictions for four rows, the last two paired with the wrong rows


def test_evaluate_counts_a_row_of_delimiters_and_drops_it_only_when_asked(model):
    (model / "ev.csv").write_text("a,b,c,label\n1,1,0,yes\n,,,\n-1,-1,0,no\n")
    fails("evaluate", "--model", "m.npz", "--data", "ev.csv", cwd=model,
          words=["line 3", "missing value", "1 of 3 rows", "--drop-missing"])
    out = ok("evaluate", "--model", "m.npz", "--data", "ev.csv", "--drop-missing", cwd=model)
    assert "ev.csv: 2 samples" in out


def test_rows_of_delimiters_before_and_after_the_data_are_blank_lines(model):
    (model / "excel.csv").write_text(",,\na,b,c\n1,1,0\n-1,-1,0\n,,\n , ,\n,,\n")
    assert [i for i, _ in _predictions(ok("predict", "--model", "m.npz", "excel.csv",
                                          cwd=model))] == ["0", "1"]


def test_library_reads_a_middle_row_of_delimiters_as_missing_values(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("a,b,y\n1,2,p\n,,\n3,4,q\n5,6,p\n")
    with pytest.raises(nndl.MissingValueError, match="line 3") as info:
        nndl.datasets.load(path)
    assert (info.value.rows, info.value.total) == (1, 4)
    data = nndl.datasets.load(path, drop_missing=True)
    np.testing.assert_array_equal(data.X, [[1, 3, 5], [2, 4, 6]])


# --- the label column of a file to predict on is not read -------------------------------------
@pytest.mark.parametrize("cell", ["", "?", "NA"])
def test_predict_takes_a_file_whose_label_column_is_empty(model, cell):
    (model / "new.csv").write_text(f"a,b,c,label\n1,1,0,{cell}\n-1,-1,0,{cell}\n2,2,0,{cell}\n")
    (model / "plain.csv").write_text("a,b,c\n1,1,0\n-1,-1,0\n2,2,0\n")
    want = ok("predict", "--model", "m.npz", "plain.csv", cwd=model)
    got = ok("predict", "--model", "m.npz", "new.csv", cwd=model)
    assert _predictions(got) == _predictions(want) and len(_predictions(got)) == 3
    got = ok("predict", "--model", "m.npz", "new.csv", "--label", "label", cwd=model)
    assert _predictions(got) == _predictions(want)


def test_predict_refuses_missing_features_without_offering_to_drop_rows(model):
    (model / "hole.csv").write_text("a,b,c\n1,1,0\n-1,,0\n")
    line = fails("predict", "--model", "m.npz", "hole.csv", cwd=model,
                 words=["line 3", "column 'b'", "fill them in"])
    assert "drop" not in line  # predict has no --drop-missing: every row gets a prediction


# --- line numbers count every line of the file ------------------------------------------------
def test_messages_name_the_files_own_line_after_blank_lines(model):
    (model / "holes.csv").write_text("a,b,c,label\n\n1,1,0,yes\n\n-1,-1,0,no\n2,,0,yes\n")
    fails("evaluate", "--model", "m.npz", "--data", "holes.csv", cwd=model,
          words=["line 6", "column 'b'"])  # was "line 3", a blank line
    (model / "x.csv").write_text("a,b,c\n\n1,1,0\n\n-1,x,0\n")
    fails("predict", "--model", "m.npz", "x.csv", cwd=model, words=["line 5", "'x'"])


def test_line_numbers_count_quoted_line_breaks_and_excels_sep_line(tmp_path):
    path = tmp_path / "q.csv"
    path.write_text('sep=,\nname,a,b\n"two\nlines",1,2\n\nplain,3,4\n')
    table = read_table(path, Budget("q.csv", 10**6))
    assert table.header == ["name", "a", "b"]
    assert [table.line(i) for i in range(len(table.rows))] == [3, 6]
    path.write_text("a,b\n1,2\n\n3\n")
    with pytest.raises(nndl.NNDLError, match="ragged rows: line 4 has 1 fields, line 1 has 2"):
        read_table(path, Budget("q.csv", 10**6))


def test_a_short_row_of_only_delimiters_is_a_row_of_missing_values(tmp_path):
    path = tmp_path / "p.csv"
    path.write_text("a,b,y\n1,2,0\n,\n3,4,1\n5,6,0\n")  # "," in a file of 3 columns
    with pytest.raises(nndl.MissingValueError, match="line 3"):
        nndl.datasets.load(path)  # (was refused as a ragged row since this session's change)
    np.testing.assert_array_equal(nndl.datasets.load(path, drop_missing=True).X,
                                  [[1, 3, 5], [2, 4, 6]])


def test_predict_leaves_out_the_label_position_training_used_in_a_headerless_file(tmp_path):
    rng = np.random.default_rng(0)
    X = np.round(rng.normal(size=(200, 3)), 4)
    y = (X[:, 0] + X[:, 1] > 0).astype(int)
    (tmp_path / "train.csv").write_text("".join(
        f"{v}," + ",".join(map(str, x)) + "\n" for x, v in zip(X, y)))
    ok("train", "--data", "train.csv", "--label", "0", "--out", "m.npz", "--iterations",
       "300", "--lr", "0.1", "--layers", "4", "--quiet", cwd=tmp_path)
    new = np.round(rng.normal(size=(5, 3)), 4)
    for v in (0, 1):  # the same features, the label column all 0 or all 1
        (tmp_path / f"new{v}.csv").write_text("".join(
            f"{v}," + ",".join(map(str, x)) + "\n" for x in new))
    a, b = (ok("predict", "--model", "m.npz", f"new{v}.csv", cwd=tmp_path) for v in (0, 1))
    assert [r.split("\t")[2:] for r in a.splitlines()] == \
        [r.split("\t")[2:] for r in b.splitlines()]  # was: the label read as a feature

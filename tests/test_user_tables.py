"""Users' own data files (issue 10, A.1 and A.10): every row read, the formats a spreadsheet
writes, missing values named, columns chosen, folders of images for prediction."""

from __future__ import annotations

import gzip

import numpy as np
import pytest

from nndl.datasets import Dataset, load, load_csv, split
from nndl.errors import NNDLError


def rows_text(m: int, sep: str = ",", header: bool = True, decimal: str = ".") -> str:
    """m rows a, b, y with a = i / 4 (exact in binary), b = i % 7, y = i % 2."""
    def num(v: float) -> str:
        return repr(v).replace(".", decimal) if decimal != "." else repr(v)
    lines = ([sep.join(["a", "b", "y"])] if header else []) + [
        sep.join([num(i / 4), num(float(i % 7)), str(i % 2)]) for i in range(m)]
    return "\n".join(lines) + "\n"


def expected_X(m: int) -> np.ndarray:
    i = np.arange(m)
    return np.vstack([i / 4, (i % 7).astype(float)])


# --- A.1: a header row no longer cuts the file to 200 rows ----------------------------------
@pytest.mark.parametrize("m", [199, 200, 201, 600, 1500])
def test_csv_with_header_keeps_every_row(tmp_path, m):
    p = tmp_path / "big.csv"
    p.write_text(rows_text(m))
    d = load(p)
    assert d.m == m and d.feature_names == ["a", "b"]
    np.testing.assert_array_equal(d.X, expected_X(m))
    assert d.Y.tolist() == [(np.arange(m) % 2).tolist()]
    train, dev, _ = split(d, dev=0.2, seed=0)
    assert train.m + dev.m == m  # 600 rows train on 480 + 120, not 160 + 40


def test_header_is_detected_from_later_rows_too(tmp_path):
    p = tmp_path / "late.csv"  # the header's column is numeric only from row 2 on
    p.write_text("x,label\n" + "".join(f"{i},{'ab'[i % 2]}\n" for i in range(450)))
    d = load(p)
    assert d.m == 450 and d.classes == ["a", "b"] and d.feature_names == ["x"]


# --- A.10: other text formats ---------------------------------------------------------------
@pytest.mark.parametrize("name, sep", [("d.tsv", "\t"), ("d.txt", ","), ("d.txt", "\t"),
                                       ("d.txt", ";"), ("d.csv", "|")])
def test_tsv_and_txt_read_like_csv(tmp_path, name, sep):
    p = tmp_path / name
    p.write_text(rows_text(250, sep=sep))
    d = load(p)
    assert d.m == 250 and d.feature_names == ["a", "b"]
    np.testing.assert_array_equal(d.X, expected_X(250))


@pytest.mark.parametrize("name", ["d.csv.gz", "d.tsv.gz", "D.CSV.GZ"])
def test_gzipped_tables(tmp_path, name):
    p = tmp_path / name
    with gzip.open(p, "wt") as f:
        f.write(rows_text(300, sep="\t" if ".tsv" in name else ","))
    d = load(p)
    assert d.m == 300
    np.testing.assert_array_equal(d.X, expected_X(300))


def test_broken_gzip_is_refused(tmp_path):
    p = tmp_path / "d.csv.gz"
    with gzip.open(p, "wt") as f:
        f.write(rows_text(300))
    p.write_bytes(p.read_bytes()[:-30])
    with pytest.raises(NNDLError, match="d.csv.gz: not a readable gzip file"):
        load(p)


def test_semicolons_with_decimal_commas(tmp_path):
    p = tmp_path / "excel.csv"
    p.write_text(rows_text(40, sep=";", decimal=","))
    d = load(p)
    assert d.m == 40 and d.feature_names == ["a", "b"]
    np.testing.assert_array_equal(d.X, expected_X(40))
    # regression targets with decimal commas too
    q = tmp_path / "reg.csv"
    q.write_text("x;t\n" + "".join(f"{i};{i},25\n" for i in range(30)))
    r = load(q)
    assert r.task == "regression" and r.Y[0, 3] == 3.25


def test_quoted_decimal_commas_in_a_comma_file_are_not_numbers(tmp_path):
    p = tmp_path / "q.csv"
    p.write_text('a,y\n"1,5",0\n"2,5",1\n')
    with pytest.raises(NNDLError, match=r"line 2, column 'a': features must be numbers; got '1,5'"):
        load(p)


def test_a_decimal_point_said_is_not_taken_for_a_comma(tmp_path):
    """decimal='.' was overruled by the detection of a decimal comma: 1,275 in a ; file was
    read as 1.275 though the caller said the decimal mark is a point."""
    p = tmp_path / "eu.csv"
    p.write_text("a;b;y\n" + "".join(f"{i + 1},275;2,500;{i % 2}\n" for i in range(12)))
    with pytest.raises(NNDLError, match=r"line 2, column 'a': features must be numbers; "
                       r"got '1,275'"):
        load_csv(p, decimal=".")
    assert load_csv(p, decimal=",").X[:, 0].tolist() == [1.275, 2.5]


# --- missing values -------------------------------------------------------------------------
def test_missing_values_are_named_and_can_be_dropped(tmp_path):
    p = tmp_path / "holes.csv"
    p.write_text("a;b;y\n1,5;2;0\n2;;1\n3;NA;0\n4;5;1\n5;?;0\n6;7;1\n")
    with pytest.raises(NNDLError) as e:
        load(p)
    msg = str(e.value)
    assert "holes.csv: line 3, column 'b': missing value (an empty cell)" in msg
    assert "3 of 6 rows" in msg and "drop_missing=True" in msg and "--drop-missing" in msg
    d = load(p, drop_missing=True)
    assert d.m == 3 and d.X.tolist() == [[1.5, 4.0, 6.0], [2.0, 5.0, 7.0]]
    assert d.Y.tolist() == [[0, 1, 1]]


def test_missing_label_and_nan_cells(tmp_path):
    p = tmp_path / "lab.csv"
    p.write_text("a,y\n1,0\n2,\n3,1\n")
    with pytest.raises(NNDLError, match="line 3, column 'y': missing value \\(an empty label\\)"):
        load(p)
    assert load(p, drop_missing=True).m == 2
    q = tmp_path / "nan.csv"
    q.write_text("a,y\n1,0\nNaN,1\n")
    with pytest.raises(NNDLError, match="missing value .'NaN', not a finite number"):
        load(q)
    r = tmp_path / "all.csv"
    r.write_text("a,y\n,0\n,1\n")
    with pytest.raises(NNDLError, match="every row has a missing value"):
        load(r, drop_missing=True)


def test_missing_values_in_dropped_columns_do_not_count(tmp_path):
    p = tmp_path / "notes.csv"
    p.write_text("id,a,note,y\n1,0.5,,0\n2,1.5,x,1\n")
    d = load(p, drop=["id", "note"])
    assert d.feature_names == ["a"] and d.X.tolist() == [[0.5, 1.5]]


# --- choosing columns -----------------------------------------------------------------------
def test_drop_an_id_column_and_choose_features(tmp_path):
    p = tmp_path / "ids.csv"
    p.write_text("id,h,w,kind\n" + "".join(f"u{i},{i},{2 * i},{'xy'[i % 2]}\n"
                                              for i in range(30)))
    with pytest.raises(NNDLError, match=r"column 'id': features must be numbers; got 'u0' "
                                        r"\(to leave a column out: drop=\[name\]"):
        load(p)
    d = load(p, drop=["id"])
    assert d.feature_names == ["h", "w"] and d.X[:, 3].tolist() == [3.0, 6.0]
    f = load(p, features=["w", "h"])  # in the order given
    assert f.feature_names == ["w", "h"] and f.X[:, 3].tolist() == [6.0, 3.0]
    assert load(p, features=[2], label="kind").feature_names == ["w"]
    assert load(p, drop=[0, "w"]).feature_names == ["h"]
    for kw, message in [({"drop": ["nope"]}, "no column named 'nope'; the columns are"),
                        ({"features": ["kind"]}, "features includes the label column 'kind'"),
                        ({"features": ["h", "h"]}, "names a column twice"),
                        ({"drop": ["id", "h", "w"]}, "no feature column is left"),
                        ({"drop": "id"}, "drop must be a list"),
                        ({"features": [9]}, "column 9 is out of range")]:
        with pytest.raises(NNDLError, match=message):
            load(p, **kw)


def test_features_of_an_npz_by_index(tmp_path):
    X = np.arange(24.0).reshape(6, 4)
    np.savez(tmp_path / "a.npz", X=X, y=np.arange(6) % 2)
    d = load(tmp_path / "a.npz", features=[3, 1])
    np.testing.assert_array_equal(d.X, X[:, [3, 1]].T)
    assert load(tmp_path / "a.npz", drop=[0]).n_features == 3


def test_feature_names_come_from_the_header(tmp_path):
    p = tmp_path / "named.csv"
    p.write_text("sepal length,sepal width,species\n5.1,3.5,setosa\n6.2,2.9,virginica\n")
    d = load(p)
    assert d.feature_names == ["sepal length", "sepal width"]
    assert d.subset([1]).feature_names == ["sepal length", "sepal width"]


# --- a plain folder of images, for prediction ---------------------------------------------
def test_plain_folder_of_images_gives_unlabeled_data_with_file_names(tmp_path):
    Image = pytest.importorskip("PIL.Image")
    rng = np.random.default_rng(0)
    folder = tmp_path / "to_predict"
    folder.mkdir()
    for name in ("b.png", "a.jpg", "c.bmp"):
        Image.fromarray(rng.integers(0, 256, (9, 7, 3), dtype=np.uint8)).save(folder / name)
    (folder / "readme.txt").write_text("not an image")
    d = load(folder, image_size=(4, 5))
    assert d.Y is None and d.task == "unlabeled" and d.m == 3
    assert d.sample_names == ["a.jpg", "b.png", "c.bmp"]
    assert d.X.shape == (4 * 5 * 3, 3) and d.images.shape == (3, 4, 5, 3)
    assert d.subset([2, 0]).sample_names == ["c.bmp", "a.jpg"]
    # a class-per-sub-folder tree still reads as labelled data, with "class/file" names
    (tmp_path / "tree" / "cat").mkdir(parents=True)
    Image.fromarray(rng.integers(0, 256, (5, 5, 3), dtype=np.uint8)).save(
        tmp_path / "tree" / "cat" / "x.png")
    t = load(tmp_path / "tree", image_size=(4, 5))
    assert t.classes == ["cat"] and t.sample_names == ["cat/x.png"]


def test_dataset_checks_sample_names():
    with pytest.raises(NNDLError, match="2 samples but 1 sample names"):
        Dataset(X=np.zeros((1, 2)), Y=None, sample_names=["a"])

"""Property-based tests of the readers (issue 10, D): random bytes, bit flips and truncations
of valid files (model .npz, data .npz, .csv, .h5), and CSV files in random dialects. Each
read gives nndl's own error (NNDLError) or a correct result, nothing else."""

from __future__ import annotations

import codecs
import csv
import io as stdio

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

import nndl
from nndl.datasets import Dataset, load
from nndl.errors import MAX_MESSAGE, NNDLError

FAST = settings(max_examples=40, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])

X = np.random.default_rng(0).standard_normal((3, 12))
Y = (np.arange(12) % 2).reshape(1, -1)


def _model_bytes(tmp_path_factory) -> bytes:
    net = nndl.Network([3, 4, 1], hidden="tanh", seed=2)
    net.fit(X, Y, learning_rate=0.1, batch_size=4, epochs=3, optimizer="adam")
    p = tmp_path_factory.mktemp("valid") / "m.npz"
    net.save(p)
    return p.read_bytes()


@pytest.fixture(scope="module")
def valid_files(tmp_path_factory) -> dict[str, bytes]:
    """Valid files of each kind, as bytes: {suffix: content}."""
    folder = tmp_path_factory.mktemp("valid")
    out = {".model.npz": _model_bytes(tmp_path_factory)}
    buf = stdio.BytesIO()
    np.savez_compressed(buf, X=np.arange(12.0).reshape(4, 3), y=np.array([0, 1, 1, 0]))
    out[".npz"] = buf.getvalue()
    out[".csv"] = b"a,b,y\n1.5,2,0\n3,4.25,1\n5,6,0\n"
    try:
        import h5py
    except ImportError:  # pragma: no cover - the test extra installs it
        return out
    with h5py.File(folder / "d.h5", "w") as f:
        f["X"] = np.arange(12.0).reshape(4, 3)
        f.create_dataset("y", data=np.array([0, 1, 1, 0]), compression="gzip")
    out[".h5"] = (folder / "d.h5").read_bytes()
    return out


def check_result(result: object) -> None:
    """A read that succeeded gave a well-formed model or data set."""
    if isinstance(result, Dataset):
        assert result.X.ndim == 2 and np.isfinite(result.X).all()
        assert result.Y is None or result.Y.shape == (1, result.m)
    else:
        assert isinstance(result, nndl.Network)
        for k, v in result.params.items():
            assert np.isfinite(v).all(), k
        assert np.isfinite(result.forward(np.zeros((result.layer_dims[0], 2)))).all()


def read_back(path, suffix: str) -> None:
    """Read ``path`` as nndl would; only NNDLError may come out."""
    try:
        result = nndl.load(path) if suffix == ".model.npz" else load(path)
    except NNDLError as exc:
        msg = str(exc)
        assert "\n" not in msg and len(msg) <= MAX_MESSAGE
        return
    check_result(result)


KINDS = [".model.npz", ".npz", ".csv", ".h5"]


@FAST
@given(kind=st.sampled_from(KINDS), data=st.binary(max_size=600))
def test_random_bytes(tmp_path, kind, data):
    p = tmp_path / f"r{kind}"
    p.write_bytes(data)
    read_back(p, kind)


@FAST
@given(kind=st.sampled_from(KINDS), flips=st.lists(st.tuples(st.integers(0, 10**9),
                                                             st.integers(0, 7)),
                                                   min_size=1, max_size=4))
def test_bit_flips_of_valid_files(tmp_path, valid_files, kind, flips):
    assume(kind in valid_files)
    blob = bytearray(valid_files[kind])
    for pos, bit in flips:
        blob[pos % len(blob)] ^= 1 << bit
    p = tmp_path / f"f{kind}"
    p.write_bytes(bytes(blob))
    read_back(p, kind)


@FAST
@given(kind=st.sampled_from(KINDS), cut=st.floats(0.0, 1.0, exclude_max=True))
def test_truncations_of_valid_files(tmp_path, valid_files, kind, cut):
    assume(kind in valid_files)
    blob = valid_files[kind]
    p = tmp_path / f"t{kind}"
    p.write_bytes(blob[: int(cut * len(blob))])
    read_back(p, kind)


def test_the_valid_files_read(tmp_path, valid_files):
    for kind, blob in valid_files.items():
        p = tmp_path / f"v{kind}"
        p.write_bytes(blob)
        check_result(nndl.load(p) if kind == ".model.npz" else load(p))


# --- CSV dialects -------------------------------------------------------------------------
finite = st.floats(allow_nan=False, allow_infinity=False, width=64)


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(values=st.lists(st.lists(finite, min_size=2, max_size=2), min_size=1, max_size=12),
       delimiter=st.sampled_from([",", ";", "\t", "|"]),
       quoting=st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL, csv.QUOTE_NONNUMERIC]),
       header=st.booleans(), newline=st.sampled_from(["\n", "\r\n", "\r"]),
       encoding=st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "utf-16-be", "utf-32"]),
       suffix=st.sampled_from([".csv", ".txt", ".tsv"]), blank_lines=st.booleans())
def test_csv_dialects_read_exactly(tmp_path, values, delimiter, quoting, header, newline,
                                   encoding, suffix, blank_lines):
    Xr = np.array(values)
    y = np.arange(len(values)) % 2
    buf = stdio.StringIO()
    w = csv.writer(buf, delimiter=delimiter, quoting=quoting, lineterminator=newline)
    if header:
        w.writerow(["height", "weight", "label"])
    for (a, b), c in zip(values, y):
        w.writerow([repr(float(a)), repr(float(b)), str(c)])
        if blank_lines:
            buf.write(newline)
    p = tmp_path / f"d{suffix}"
    # UTF-8 with or without its byte-order mark; UTF-16 (both byte orders) and UTF-32 with it
    mark = codecs.BOM_UTF16_BE if encoding == "utf-16-be" else b""
    p.write_bytes(mark + buf.getvalue().encode(encoding))
    d = load(p)
    np.testing.assert_array_equal(d.X, Xr.T)  # exact: repr round-trips a float64
    assert d.Y.tolist() == [y.tolist()]
    assert d.feature_names == (["height", "weight"] if header else None)


@FAST
@given(cells=st.lists(st.lists(st.text(alphabet=",;\t|\"'\r\n .-+eE0123456789naNA?x",
                                       max_size=6), min_size=1, max_size=4),
                      min_size=1, max_size=8),
       drop_missing=st.booleans())
def test_csv_of_odd_cells(tmp_path, cells, drop_missing):
    """Random cells, quotes and separators: nndl's error or a data set that matches the
    numbers in the file."""
    p = tmp_path / "odd.csv"
    p.write_text("\n".join(",".join(r) for r in cells))
    try:
        d = load(p, drop_missing=drop_missing)
    except NNDLError as exc:
        assert len(str(exc)) <= MAX_MESSAGE
        return
    check_result(d)


# --- the table reader's C-speed looks equal their plain definitions ---------------------------
def _plain_missing_rows(rows, columns):
    from nndl.datasets.cells import MISSING
    return [i for i, r in enumerate(rows) if any(r[j].lower() in MISSING for j in columns)]


def _plain_numbers(rows, columns, comma):
    """The cells as float64 the plain way (float() of each cell, '_' refused), or None."""
    try:
        out = [[float(r[j].replace(",", ".") if comma else r[j]) for j in columns] for r in rows]
    except ValueError:
        return None
    if any("_" in r[j] for r in rows for j in columns):
        return None
    return np.array(out, dtype=np.float64).reshape(len(rows), len(columns))


cell = st.one_of(st.sampled_from(["", "NA", "nA", "Nan", "NULL", "None", "#N/a", "?", "n/a",
                                  "1_0", "x", "inf", "7"]),
                 st.floats(allow_nan=False, allow_infinity=False, width=64).map(repr),
                 st.integers(-999, 999).map(str),
                 st.builds(lambda a, b: f"{a},{b}", st.integers(0, 99), st.integers(0, 999)))


@settings(max_examples=150, deadline=None)
@example(rows=[["1_0", "2", "3"]], filler=0, columns=[0, 1, 2], comma=False)  # '_' refused
@example(rows=[["1.5", "2", "3"]], filler=250, columns=[0], comma=True)  # a point, row 251
@example(rows=[["#N/a", "2", "3"]], filler=230, columns=[2, 1], comma=False)  # not a used one
@given(rows=st.lists(st.lists(cell, min_size=3, max_size=3), min_size=1, max_size=6),
       filler=st.integers(0, 260), columns=st.sampled_from([[0], [0, 2], [2, 1], [0, 1, 2]]),
       comma=st.booleans())
def test_the_readers_fast_looks_equal_their_plain_definitions(rows, filler, columns, comma):
    """missing_rows, number_cells and the decimal mark's look for a number with a point find
    at C speed what a loop over every cell finds (the cells behind ``filler`` rows of plain
    whole numbers, so that beyond the first HEADER_SAMPLE rows too)."""
    from nndl.datasets import tables
    from nndl.datasets.tables import Table, missing_rows
    rows = [["5", "6", "8"] for _ in range(filler)] + [list(r) for r in rows]
    text = "".join(c for r in rows for c in r)
    table = Table(rows=[list(r) for r in rows], header=["a", "b", "c"],
                  delimiter=";" if comma else ",", decimal="," if comma else ".", source="t",
                  lines=list(range(2, len(rows) + 2)), decimal_proved=comma,
                  marks=frozenset(c for c in "_.," if c in text))
    assert missing_rows(table, columns) == _plain_missing_rows(rows, columns)
    pointed = next((f"line {i + 2}" for i, r in enumerate(rows) for j in columns
                    if "." in r[j] and _plain_numbers([r], [j], False) is not None), None)
    plain = _plain_numbers(rows, columns, comma)
    chunk, tables.NUMBERS_CHUNK = tables.NUMBERS_CHUNK, 7  # rows read in several chunks
    try:
        X = tables.number_cells(table, columns)
    except NNDLError as exc:
        if comma and pointed is not None:
            assert pointed in str(exc) and "has a point" in str(exc)
        else:
            assert plain is None or not np.isfinite(plain).all()
        return
    finally:
        tables.NUMBERS_CHUNK = chunk
    assert not (comma and pointed is not None)
    assert plain is not None
    np.testing.assert_array_equal(X, plain)  # exact: the same float() of the same text


def test_quoted_cells_of_a_whitespace_table_are_stripped(tmp_path):
    """A whitespace table's quoted cells (R's write.table quotes text) lose their spaces as a
    CSV's cells do: a quoted blank or padded NA is a missing label, not a class '' or 'NA';
    a padded header name matches by name."""
    p = tmp_path / "t.txt"
    p.write_text('"a " b label\n1 2 1\n3 4 " "\n5 6 2\n7 8 " NA"\n9 1 1\n')
    with pytest.raises(nndl.errors.MissingValueError, match="line 3, column 'label'"):
        load(p)
    d = load(p, drop_missing=True)
    assert list(d.classes) == ["1", "2"] and d.task == "binary"
    assert d.Y.tolist() == [[0, 1, 0]] and d.feature_names == ["a", "b"]


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(first=st.sampled_from(["a,b,c", "1,2,3", "0,1,2", "2019,2020,y", "a,b,", "x,,z", ",,"]),
       body=st.lists(st.sampled_from(["1,2,3", "1.5,2.5,u", ",,", "4,5,", "7,8,9,9", "a,b,c",
                                      "", "0.1,x,"]), min_size=0, max_size=6),
       lead=st.integers(0, 3), filler=st.sampled_from([0, 1, 4, 9, 195, 199, 200, 201, 215]),
       late=st.booleans(), trail=st.sampled_from([0, 1, 250]),
       ends=st.sampled_from(["\n", "\r\n", "\r"]))
@example(first="c,2019,2020", body=["a,0.5,0.7", "b,1.5,1.7"] * 2, lead=0, filler=0,
         late=False, trail=300, ends="\n")  # spreadsheet rows after 4: no sample of classes
def test_the_header_read_from_the_first_rows_is_the_whole_reads(tmp_path, first, body, lead,
                                                                filler, late, trail, ends):
    """table_header splits only the rows the header is judged on: it finds the header the
    whole read finds (a last column empty in the first rows but not in a later one, rows of
    only delimiters before the first row or after the last, fewer or more rows than it
    reads), or the error
    the whole read raises (a ragged row after the rows it reads is the whole read's to say,
    after a question about the header, which it asks first)."""
    from nndl.datasets.tables import read_table
    from nndl.limits import Budget

    rows = [",,"] * lead + [first] + ["1.5,2.5,"] * filler + body + (["1,2,3"] if late else [])
    rows += [",,"] * trail
    p = tmp_path / "t.csv"
    p.write_text(ends.join(rows) + ends)
    results = []
    for head_only in (False, True):
        try:
            results.append(read_table(p, Budget("t", None), head_only=head_only).header)
        except NNDLError as exc:
            results.append(str(exc))
    whole, head = results
    beyond = isinstance(whole, str) and "ragged" in whole  # a row after those read: the
    if not beyond:                                          # whole read says it first
        assert head == whole
    elif isinstance(head, str):  # then only an error of the first rows is said first
        assert "ragged" in head or "header" in head

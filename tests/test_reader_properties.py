"""Property-based tests of the readers (issue 10, D): random bytes, bit flips and truncations
of valid files (model .npz, data .npz, .csv, .h5), and CSV files in random dialects. Each
read gives nndl's own error (NNDLError) or a correct result, nothing else."""

from __future__ import annotations

import codecs
import csv
import io as stdio

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
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

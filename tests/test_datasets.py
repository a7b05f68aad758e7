"""nndl.datasets: Dataset, loaders (CSV, NPZ, HDF5, image folders), the course files, built-in
sets, generators and splitting. Files are made in tmp_path by the tests themselves."""

from __future__ import annotations

import codecs
import pickle

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from nndl.datasets import (
    BUILTIN,
    GENERATORS,
    MAX_AUTO_CLASSES,
    Dataset,
    generate,
    load,
    load_builtin,
    load_images,
    load_spec,
    make_blobs,
    make_circles,
    make_flower,
    make_moons,
    make_spiral,
    make_xor,
    resolve_spec,
    spec_names,
    split,
)
from nndl.errors import NNDLError


def write(path, text):
    path.write_text(text, encoding="utf-8")
    return path


# --- Dataset ----------------------------------------------------------------------------
def test_dataset_checks_shapes_and_builds_targets():
    X = np.arange(12.0).reshape(2, 6)
    d = Dataset(X=X, Y=np.array([[0, 1, 2, 0, 1, 2]]), classes=["a", "b", "c"], task="multiclass")
    assert d.m == 6 and d.n_features == 2 and d.n_classes == 3
    oh = d.targets()
    assert oh.shape == (3, 6) and np.array_equal(oh.argmax(axis=0), d.Y[0])
    assert np.array_equal(oh.sum(axis=0), np.ones(6))
    sub = d.subset([1, 4])
    assert np.array_equal(sub.X, X[:, [1, 4]]) and sub.Y.tolist() == [[1, 1]]
    assert sub.classes == d.classes
    with pytest.raises(NNDLError, match=r"shape \(1, m\) = \(1, 6\)"):
        Dataset(X=X, Y=np.zeros((1, 5), dtype=np.int64))
    with pytest.raises(NNDLError, match="task must be one of"):
        Dataset(X=X, Y=np.zeros((1, 6)), task="clustering")
    with pytest.raises(NNDLError, match="2 features but 1 feature names"):
        Dataset(X=X, Y=np.zeros((1, 6), dtype=np.int64), feature_names=["x"])


def test_binary_targets_are_the_label_row():
    d = generate("moons", m=10)
    assert d.targets() is d.Y and d.targets().shape == (1, 10)


# --- CSV ----------------------------------------------------------------------------------
def test_csv_with_header_and_text_labels(tmp_path):
    p = write(tmp_path / "pets.csv", "weight,height,kind\n4.5,30,cat\n30,60,dog\n5,25,cat\n")
    d = load(p)
    assert d.X.shape == (2, 3) and d.X.dtype == np.float64
    assert np.array_equal(d.X[:, 1], [30.0, 60.0])
    assert d.classes == ["cat", "dog"] and d.Y.tolist() == [[0, 1, 0]]
    assert d.Y.dtype == np.int64 and d.task == "binary"
    assert d.feature_names == ["weight", "height"] and d.name == "pets.csv"


def test_csv_without_header_and_label_by_index(tmp_path):
    p = write(tmp_path / "plain.csv", "1,0.5,2\n0,1.5,3\n1,2.5,4\n2,3.5,5\n")
    d = load(p, label=0)
    assert d.feature_names is None and d.X.shape == (2, 4)
    assert d.classes == ["0", "1", "2"] and d.task == "multiclass"
    assert d.Y.tolist() == [[1, 0, 1, 2]]
    assert np.array_equal(load(p, label="0").Y, d.Y)  # an index given as text (command line)
    assert np.array_equal(load(p, label=-3).Y, d.Y)


def test_csv_label_by_name_semicolons_and_regression(tmp_path):
    rows = "\n".join(f"{i};{i * 0.37:.3f};{i % 2}" for i in range(30))
    p = write(tmp_path / "reg.csv", "price;size;odd\n" + rows + "\n")
    d = load(p, label="size")
    assert d.task == "regression" and d.classes is None and d.Y.dtype == np.float64
    assert d.Y[0, 3] == pytest.approx(1.11, abs=1e-12)
    assert d.feature_names == ["price", "odd"]
    # integers with few distinct values are classes; task= overrides the rule
    assert load(p, label="odd").task == "binary"
    assert load(p, label="odd", task="regression").task == "regression"
    many = write(tmp_path / "many.csv", "\n".join(f"{i},{i}" for i in range(MAX_AUTO_CLASSES + 1)))
    assert load(many).task == "regression"


def test_csv_unlabeled_and_fixed_classes(tmp_path):
    u = load(write(tmp_path / "u.csv", "a,b,c\n1,2,5\n3,4,6\n"), label=False)
    assert u.Y is None and u.task == "unlabeled" and u.X.shape == (3, 2)
    assert u.feature_names == ["a", "b", "c"]
    p = write(tmp_path / "x.csv", "a,b,y\n1,2,dog\n3,4,dog\n")
    d = load(p, classes=["cat", "dog"])  # only dogs here, but the index must be the model's
    assert d.Y.tolist() == [[1, 1]] and d.classes == ["cat", "dog"]
    q = write(tmp_path / "idx.csv", "1,2,1\n3,4,0\n")
    assert load(q, classes=["malignant", "benign"]).Y.tolist() == [[1, 0]]
    with pytest.raises(NNDLError, match=r"labels \['dog'\] are not among the expected classes"):
        load(p, classes=["cat", "bird"])


@settings(max_examples=25, deadline=None)
@given(X=st.lists(st.lists(st.floats(-1e9, 1e9, allow_nan=False), min_size=2, max_size=2),
                  min_size=1, max_size=15),
       header=st.booleans(), sep=st.sampled_from([",", ";", "\t"]))
def test_csv_round_trip(tmp_path_factory, X, header, sep):
    X = np.array(X)
    y = np.arange(len(X)) % 2
    lines = ([sep.join(["f1", "f2", "y"])] if header else []) + [
        sep.join([repr(float(a)), repr(float(b)), str(c)]) for (a, b), c in zip(X, y)]
    p = tmp_path_factory.mktemp("csv") / "r.csv"
    write(p, "\n".join(lines) + "\n")
    d = load(p)
    assert np.array_equal(d.X, X.T) and d.Y.tolist() == [y.tolist()]
    assert d.feature_names == (["f1", "f2"] if header else None)


@pytest.mark.parametrize("text, kw, message", [
    ("", {}, "empty"),
    ("a,b,c\n", {}, "header but no samples"),
    ("1,2,3\n4,5\n", {}, "ragged rows: line 2 has 2 fields"),
    ("a,b,y\n1,x,0\n2,3,1\n", {}, "line 2, column 'b': features must be numbers; got 'x'"),
    ("a,b,y\n1,2,0\n", {"label": "z"}, r"no column named 'z'; the columns are \['a', 'b', 'y'\]"),
    ("1,2,0\n3,4,1\n", {"label": 5}, "label column 5 is out of range; the file has 3 columns"),
    ("1,2,0\n3,4,\n", {}, "empty label"),
    ("a,b,y\n1,nan,0\n", {}, "finite"),
    ("7\n8\n", {}, "at least one feature column"),
])
def test_csv_bad_input(tmp_path, text, kw, message):
    p = write(tmp_path / "bad.csv", text)
    with pytest.raises(NNDLError, match=message) as e:
        load(p, **kw)
    assert "bad.csv" in str(e.value)


def test_csv_saved_as_unicode_text(tmp_path):
    """A spreadsheet's "Unicode text" export: UTF-16 with a byte-order mark, tab separated,
    a header and text labels; read as the same file in UTF-8 is."""
    text = "height\tweight\tlabel\r\n" + "".join(
        f"{1.5 + i / 4}\t{60 + i}\t{'cat' if i % 3 else 'dog'}\r\n" for i in range(300))
    ref = load(write(tmp_path / "ref.csv", text))
    for name, data in [("le.txt", codecs.BOM_UTF16_LE + text.encode("utf-16-le")),
                       ("be.csv", codecs.BOM_UTF16_BE + text.encode("utf-16-be")),
                       ("u32.csv", text.encode("utf-32"))]:
        (tmp_path / name).write_bytes(data)
        d = load(tmp_path / name)
        assert d.X.shape == (2, 300) and d.feature_names == ["height", "weight"]
        np.testing.assert_array_equal(d.X, ref.X)
        np.testing.assert_array_equal(d.Y, ref.Y)
        assert list(d.classes) == list(ref.classes) == ["cat", "dog"]
    # a UTF-16 file cut in the middle of a character, and Latin-1 text: nndl's error
    (tmp_path / "cut.csv").write_bytes(text.encode("utf-16")[:-1])
    with pytest.raises(NNDLError, match="cut.csv: not a text CSV file .*UTF-16"):
        load(tmp_path / "cut.csv")
    (tmp_path / "latin.csv").write_bytes(text.replace("label", "étiquette").encode("latin-1"))
    with pytest.raises(NNDLError, match='latin.csv: not a text CSV file .*not UTF-8.*CSV UTF-8'):
        load(tmp_path / "latin.csv")


def test_csv_that_is_not_text(tmp_path):
    p = tmp_path / "bin.csv"
    p.write_bytes(bytes(range(256)) * 4)
    with pytest.raises(NNDLError, match="not a text CSV file"):
        load(p)


# --- files in general -------------------------------------------------------------------
def test_missing_file_and_unknown_format(tmp_path):
    with pytest.raises(NNDLError, match="data file not found: .*nope.csv"):
        load(tmp_path / "nope.csv")
    p = write(tmp_path / "data.xlsx", "x")
    with pytest.raises(NNDLError, match=r"data.xlsx: unknown data format '.xlsx'"):
        load(p)


# --- NPZ ----------------------------------------------------------------------------------
def test_npz_rows_are_samples(tmp_path):
    X = np.arange(20.0).reshape(5, 4)  # 5 samples, 4 features
    y = np.array([0, 1, 1, 0, 1])
    np.savez(tmp_path / "d.npz", X=X, y=y)
    d = load(tmp_path / "d.npz")
    assert np.array_equal(d.X, X.T) and d.Y.tolist() == [y.tolist()] and d.task == "binary"
    np.savez(tmp_path / "k.npz", feats=X, target=y.reshape(5, 1).astype(float) * 1.5)
    k = load(tmp_path / "k.npz", keys=("feats", "target"))  # 0 / 1.5: not integers
    assert k.task == "regression" and k.classes is None and k.Y[0, 1] == 1.5
    u = load(tmp_path / "k.npz", keys=("feats",))
    assert u.Y is None and u.X.shape == (4, 5)


def test_npz_images_are_flattened_and_scaled(tmp_path):
    imgs = np.random.default_rng(0).integers(0, 256, size=(3, 4, 5, 3), dtype=np.uint8)
    np.savez(tmp_path / "img.npz", x=imgs, Y=np.array(["a", "b", "a"]))
    d = load(tmp_path / "img.npz")
    assert d.X.shape == (60, 3) and d.X.max() <= 1.0 and d.X.min() >= 0.0
    assert np.allclose(d.X[:, 1], imgs[1].reshape(-1) / 255.0, rtol=0, atol=1e-15)
    assert d.images is not None and np.array_equal(d.images, imgs)
    assert d.classes == ["a", "b"]


def test_npz_bad_input(tmp_path):
    np.savez(tmp_path / "nokey.npz", data=np.ones((3, 2)))
    with pytest.raises(NNDLError, match=r"nokey.npz: no feature array 'X' .*\['data'\]"):
        load(tmp_path / "nokey.npz")
    np.savez(tmp_path / "noy.npz", X=np.ones((3, 2)))
    with pytest.raises(NNDLError, match="no label array 'y'"):
        load(tmp_path / "noy.npz")
    with pytest.raises(NNDLError, match="no label array named 'lab'"):
        load(tmp_path / "noy.npz", keys=("X", "lab"))
    np.savez(tmp_path / "t.npz", X=np.ones((2, 5)), y=np.zeros(5))
    with pytest.raises(NNDLError, match="2 samples .* labels have 5 .*looks transposed"):
        load(tmp_path / "t.npz")
    np.savez(tmp_path / "obj.npz", X=np.array([{"a": 1}, None], dtype=object), y=np.zeros(2))
    with pytest.raises(NNDLError, match="pickle"):
        load(tmp_path / "obj.npz")
    (tmp_path / "rand.npz").write_bytes(np.random.default_rng(0).bytes(300))
    with pytest.raises(NNDLError, match="rand.npz: not a .npz file"):
        load(tmp_path / "rand.npz")
    (tmp_path / "pick.npz").write_bytes(pickle.dumps({"X": [1, 2]}))
    with pytest.raises(NNDLError, match="pick.npz: not a .npz file"):
        load(tmp_path / "pick.npz")
    np.savez(tmp_path / "cut.npz", X=np.ones((30, 20)), y=np.zeros(30))
    (tmp_path / "cut.npz").write_bytes((tmp_path / "cut.npz").read_bytes()[:-200])
    with pytest.raises(NNDLError, match="cut.npz: not a readable .npz file"):
        load(tmp_path / "cut.npz")
    with open(tmp_path / "bare.npz", "wb") as fh:  # a .npy under the wrong name
        np.save(fh, np.ones(3))
    with pytest.raises(NNDLError, match="bare.npz: not a .npz file"):
        load(tmp_path / "bare.npz")
    np.savez(tmp_path / "s.npz", X=np.array([["a", "b"]]), y=np.zeros(1))
    with pytest.raises(NNDLError, match="features must be numbers"):
        load(tmp_path / "s.npz")


# --- HDF5 ---------------------------------------------------------------------------------
def test_hdf5_with_keys_and_course_layout(tmp_path):
    h5py = pytest.importorskip("h5py")
    with h5py.File(tmp_path / "g.h5", "w") as f:
        f["X"] = np.arange(12.0).reshape(4, 3)
        f["y"] = np.array([0.5, 1.5, 2.25, 3.125])
    g = load(tmp_path / "g.h5")
    assert g.X.shape == (3, 4) and g.task == "regression" and g.Y[0, 2] == 2.25
    imgs = np.random.default_rng(1).integers(0, 256, size=(6, 2, 2, 3), dtype=np.uint8)
    with h5py.File(tmp_path / "cats.h5", "w") as f:
        f["test_set_x"] = imgs
        f["test_set_y"] = np.array([0, 1, 1, 0, 0, 1])
        f["list_classes"] = np.array([b"non-cat", b"cat"])
    c = load(tmp_path / "cats.h5")
    assert c.X.shape == (12, 6) and c.classes == ["non-cat", "cat"]
    assert np.allclose(c.X, imgs.reshape(6, -1).T / 255.0, rtol=0, atol=1e-15)
    assert c.Y.tolist() == [[0, 1, 1, 0, 0, 1]] and np.array_equal(c.images, imgs)


def test_hdf5_bad_input(tmp_path):
    h5py = pytest.importorskip("h5py")
    with h5py.File(tmp_path / "other.h5", "w") as f:
        f["features"] = np.ones((3, 2))
    with pytest.raises(NNDLError, match=r"other.h5: no dataset 'X' .*\['features'\]"):
        load(tmp_path / "other.h5")
    (tmp_path / "junk.h5").write_bytes(b"not an hdf5 file at all" * 10)
    with pytest.raises(NNDLError, match="junk.h5: not a readable HDF5 file"):
        load(tmp_path / "junk.h5")


def test_course_cat_files(cat_data):
    train, test = cat_data
    assert isinstance(train, Dataset) and isinstance(test, Dataset)
    assert train.X.shape == (12288, 209) and test.X.shape == (12288, 50)
    assert train.classes == ["non-cat", "cat"] and train.images.shape == (209, 64, 64, 3)
    assert 0.0 <= train.X.min() and train.X.max() <= 1.0 and train.task == "binary"


# --- image folders --------------------------------------------------------------------------
def make_image_folder(root, Image):
    rng = np.random.default_rng(0)
    (root / "dog").mkdir(parents=True)
    (root / "cat").mkdir()
    # different sizes and modes: all come out RGB at image_size
    Image.fromarray(rng.integers(0, 256, (10, 12, 3), dtype=np.uint8)).save(root / "cat" / "a.png")
    Image.fromarray(rng.integers(0, 256, (7, 7), dtype=np.uint8), "L").save(root / "cat" / "b.jpg")
    Image.fromarray(rng.integers(0, 256, (8, 8, 4), dtype=np.uint8), "RGBA").save(
        root / "dog" / "c.png")
    (root / "dog" / "notes.txt").write_text("not an image")
    return root


def test_image_folder(tmp_path):
    Image = pytest.importorskip("PIL.Image")
    root = make_image_folder(tmp_path / "pets", Image)
    d = load(root, image_size=(6, 5))
    assert d.classes == ["cat", "dog"] and d.Y.tolist() == [[0, 0, 1]]
    assert d.X.shape == (6 * 5 * 3, 3) and d.images.shape == (3, 6, 5, 3)
    assert d.images.dtype == np.uint8 and 0.0 <= d.X.min() and d.X.max() <= 1.0
    assert np.allclose(d.X, d.images.reshape(3, -1).T / 255.0, rtol=0, atol=1e-15)
    one = load(root / "cat" / "a.png", image_size=(6, 5))  # a single file, for prediction
    assert one.Y is None and np.array_equal(one.X[:, 0], d.X[:, 0])
    assert load_images([root / "cat" / "a.png", root / "dog" / "c.png"], (6, 5)).m == 2


def test_image_folder_bad_input(tmp_path):
    Image = pytest.importorskip("PIL.Image")
    (tmp_path / "flat").mkdir()
    with pytest.raises(NNDLError, match="one sub-folder per class"):
        load(tmp_path / "flat")
    root = make_image_folder(tmp_path / "pets", Image)
    (root / "bird").mkdir()
    with pytest.raises(NNDLError, match="bird: class folder has no image files"):
        load(root)
    (root / "bird" / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n garbage")
    with pytest.raises(NNDLError, match="broken.png: not a readable image"):
        load(root)
    with pytest.raises(NNDLError, match="image_size must be"):
        load(root, image_size=(0, 4))


# --- built-in real data -------------------------------------------------------------------
@pytest.mark.parametrize("name, task, n0, m", [
    ("breast_cancer", "binary", 30, 569), ("digits", "multiclass", 64, 1797),
    ("iris", "multiclass", 4, 150), ("wine", "multiclass", 13, 178),
    ("diabetes", "regression", 10, 442)])
def test_builtin(name, task, n0, m):
    pytest.importorskip("sklearn")
    d = load_builtin(name)
    assert name in BUILTIN and d.task == task and d.X.shape == (n0, m) and d.Y.shape == (1, m)
    assert d.X.dtype == np.float64 and np.isfinite(d.X).all()
    if task == "regression":
        assert d.classes is None and d.Y.dtype == np.float64
    else:
        assert d.Y.dtype == np.int64 and set(np.unique(d.Y)) == set(range(len(d.classes)))


def test_builtin_default_and_unknown():
    pytest.importorskip("sklearn")
    assert load_builtin().name == "breast_cancer"
    with pytest.raises(NNDLError, match="unknown built-in data set 'mnist'; expected one of"):
        load_builtin("mnist")


# --- generators -----------------------------------------------------------------------------
SIMPLE = [make_moons, make_circles, make_xor]


@pytest.mark.parametrize("name", sorted(GENERATORS))
def test_generators_shape_determinism_and_balance(name):
    fn = GENERATORS[name]
    X, Y = fn(m=120, noise=0.1, seed=3)
    assert X.shape == (2, 120) and Y.shape == (1, 120) and Y.dtype == np.int64
    assert np.isfinite(X).all()
    X2, Y2 = fn(m=120, noise=0.1, seed=3)
    assert np.array_equal(X, X2) and np.array_equal(Y, Y2)
    X3, _ = fn(m=120, noise=0.1, seed=4)
    assert not np.array_equal(X, X3)
    counts = np.bincount(Y[0])
    assert counts.max() - counts.min() <= 1 and counts.min() > 0


@settings(max_examples=25, deadline=None)
@given(m=st.integers(3, 200), k=st.integers(2, 6), seed=st.integers(0, 2**31 - 1))
def test_multiclass_generators_for_any_size(m, k, seed):
    for fn in (make_spiral, make_blobs):
        if m < k:
            continue
        X, Y = fn(m=m, noise=0.5, seed=seed, k=k)
        assert X.shape == (2, m) and np.bincount(Y[0], minlength=k).min() >= m // k


def test_generators_without_noise_have_their_shapes():
    X, Y = make_circles(m=100, noise=0.0, factor=0.3)
    r = np.linalg.norm(X, axis=0)
    assert np.allclose(r[Y[0] == 0], 1.0, rtol=0, atol=1e-12)
    assert np.allclose(r[Y[0] == 1], 0.3, rtol=0, atol=1e-12)
    X, Y = make_xor(m=100, noise=0.0)
    assert np.array_equal((X[0] * X[1] < 0).astype(int), Y[0])
    X, Y = make_moons(m=100, noise=0.0)
    assert np.allclose(np.linalg.norm(X[:, Y[0] == 0], axis=0), 1.0, rtol=0, atol=1e-12)
    X, Y = make_blobs(m=300, noise=0.0, k=3, radius=2.0)
    assert len({tuple(np.round(x, 12)) for x in X.T}) == 3


def test_flower_is_unchanged():
    X, Y = make_flower(seed=1)
    assert X.shape == (2, 400) and np.bincount(Y[0]).tolist() == [200, 200]
    # the course's load_planar_dataset() with np.random.seed(1): first point of class 0
    rng = np.random.RandomState(1)
    t = np.linspace(0, 3.12, 200) + rng.randn(200) * 0.2
    r = 4 * np.sin(4 * t) + rng.randn(200) * 0.2
    assert np.allclose(X[:, 0], [r[0] * np.sin(t[0]), r[0] * np.cos(t[0])], rtol=0, atol=1e-15)


@pytest.mark.parametrize("kw, message", [
    ({"m": 1}, "m must be an integer >= 2"), ({"noise": -1.0}, "noise must be a number >= 0"),
    ({"seed": -2}, "seed must be a non-negative integer"), ({"m": 2.5}, "m must be")])
def test_generators_bad_arguments(kw, message):
    for fn in SIMPLE:
        with pytest.raises(NNDLError, match=message):
            fn(**kw)
    with pytest.raises(NNDLError, match="k .* must be an integer >= 2"):
        make_spiral(k=1)


def test_generate_by_name():
    d = generate("spiral", m=90, k=3, seed=1, noise=None)
    assert d.task == "multiclass" and d.classes == ["0", "1", "2"] and d.name == "spiral"
    assert d.feature_names == ["x1", "x2"] and d.m == 90
    assert generate("Flower").m == 400
    with pytest.raises(NNDLError, match="unknown generator 'swirl'; expected one of"):
        generate("swirl")
    with pytest.raises(NNDLError, match="generator 'moons'"):
        generate("moons", k=3)


# --- data named by one string (the command line's --data) -------------------------------------
def test_load_spec_names_files_and_the_course_folder(tmp_path, monkeypatch):
    assert spec_names() == [*GENERATORS, *BUILTIN]
    moons, none = load_spec("moons")
    assert none is None and moons.name == "moons" and np.array_equal(moons.X, generate("moons").X)
    iris, _ = load_spec("iris")
    assert iris.task == "multiclass" and iris.m == 150
    default, _ = load_spec(None)
    assert default.m == 569 and default.classes == load_builtin().classes  # breast cancer
    csv_path = write(tmp_path / "pets.csv", "weight,kind,height\n4.5,cat,30\n30,dog,60\n")
    pets, _ = load_spec(str(csv_path), label="kind")
    assert pets.classes == ["cat", "dog"] and pets.X.tolist() == [[4.5, 30.0], [30.0, 60.0]]
    h5py = pytest.importorskip("h5py")
    folder = tmp_path / "cat"
    folder.mkdir()
    rng = np.random.default_rng(0)
    for part, m in (("train", 5), ("test", 3)):
        with h5py.File(folder / f"{part}_catvnoncat.h5", "w") as f:
            f[f"{part}_set_x"] = rng.integers(0, 256, size=(m, 2, 2, 3), dtype=np.uint8)
            f[f"{part}_set_y"] = np.arange(m) % 2
            f["list_classes"] = np.array([b"non-cat", b"cat"])
    train, test = load_spec(str(folder))
    assert (train.m, test.m) == (5, 3) and train.classes == ["non-cat", "cat"]


def test_load_spec_says_what_it_takes_when_nothing_matches(tmp_path):
    with pytest.raises(NNDLError, match=r"data not found: swirl \(expected a file, a folder, or "
                       r"one of: flower, moons, .*, diabetes\)"):
        load_spec("swirl")
    with pytest.raises(NNDLError, match="data not found"):
        load_spec(str(tmp_path / "none.csv"))


def test_resolve_spec_keeps_names_and_makes_paths_absolute(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert resolve_spec(None) is None
    assert resolve_spec("digits") == "digits" and resolve_spec("flower") == "flower"
    assert resolve_spec("d.csv") == str(tmp_path.resolve() / "d.csv")


# --- splitting ----------------------------------------------------------------------------
def imbalanced(m0=80, m1=20, m2=100):
    Y = np.array([[0] * m0 + [1] * m1 + [2] * m2], dtype=np.int64)
    X = np.arange(2 * Y.size, dtype=float).reshape(2, -1)
    return Dataset(X=X, Y=Y, classes=["a", "b", "c"], task="multiclass", name="imb")


def test_stratified_split_keeps_proportions():
    d = imbalanced()
    train, dev, test = split(d, dev=0.2, test=0.1, seed=0)
    assert (train.m, dev.m, test.m) == (140, 40, 20)
    assert np.bincount(dev.Y[0]).tolist() == [16, 4, 20]
    assert np.bincount(test.Y[0]).tolist() == [8, 2, 10]
    assert np.bincount(train.Y[0]).tolist() == [56, 14, 70]
    # disjoint and complete: every sample (identified by its first feature) exactly once
    ids = np.concatenate([p.X[0] for p in (train, dev, test)])
    assert np.array_equal(np.sort(ids), np.sort(d.X[0]))
    assert train.classes == d.classes and train.name == "imb[train]"


@settings(max_examples=30, deadline=None)
@given(m0=st.integers(2, 60), m1=st.integers(2, 60), dev=st.floats(0.05, 0.45),
       seed=st.integers(0, 1000))
def test_stratified_split_any_sizes(m0, m1, dev, seed):
    d = imbalanced(m0, m1, 0)
    assume(round(dev * d.m) >= 1)
    train, dv, test = split(d, dev=dev, seed=seed)
    assert test is None and dv.m == round(dev * d.m) and train.m + dv.m == d.m
    for c, mc in enumerate((m0, m1)):  # within one sample of the exact share, one kept to train
        assert abs(np.sum(dv.Y == c) - dev * mc) <= 1 + 1e-9
        assert np.sum(train.Y == c) >= 1


def test_split_is_seeded_and_plain_for_regression():
    d = imbalanced()
    a, b = split(d, seed=5), split(d, seed=5)
    assert np.array_equal(a[1].X, b[1].X)
    assert not np.array_equal(a[1].X, split(d, seed=6)[1].X)
    r = load_builtin("diabetes") if _has_sklearn() else Dataset(
        X=np.ones((1, 50)), Y=np.arange(50.0).reshape(1, -1), task="regression")
    tr, dv, te = split(r, dev=0.25, test=0.25)
    assert tr.m + dv.m + te.m == r.m and dv.m == round(0.25 * r.m)


def _has_sklearn():
    try:
        import sklearn  # noqa: F401
    except ImportError:
        return False
    return True


@pytest.mark.parametrize("kw, message", [
    ({"dev": 1.0}, r"dev must be a fraction in \[0, 1\)"), ({"test": -0.1}, "test must be"),
    ({"dev": 0.6, "test": 0.5}, "sum < 1"), ({"dev": True}, "dev must be"),
    ({"seed": -1}, "seed must be")])
def test_split_bad_arguments(kw, message):
    with pytest.raises(NNDLError, match=message):
        split(imbalanced(), **kw)
    with pytest.raises(NNDLError, match="too few"):
        split(imbalanced(2, 2, 0), dev=0.1)



# --- the pyapi audit: masked arrays and 16-bit image arrays -------------------------------------
def test_from_arrays_refuses_masked_entries_and_reads_an_unmasked_array():
    from nndl.datasets.arrays import from_arrays

    X = np.ma.masked_array(np.arange(6.0).reshape(3, 2), mask=[[0, 0], [1, 0], [0, 0]])
    with pytest.raises(NNDLError, match=r"x: X has 1 masked value\(s\)"):
        from_arrays(X, [0, 1, 0], "x")
    y = np.ma.masked_array([0, 1, 0], mask=[0, 0, 1])
    with pytest.raises(NNDLError, match=r"x: y has 1 masked value\(s\)"):
        from_arrays(X.data, y, "x")
    d = from_arrays(np.ma.masked_array(X.data, mask=False), y.data, "x")
    np.testing.assert_array_equal(d.X, X.data.T)


def test_uint16_image_arrays_are_images_scaled_by_65535(tmp_path):
    """uint8 images were divided by 255 and marked as images; uint16 ones were neither
    (trained on 0..65535), though a 16-bit image file is read / 65535."""
    from nndl.datasets.arrays import from_arrays

    imgs = np.random.default_rng(0).integers(0, 256, (6, 4, 4, 3))
    eight = from_arrays(imgs.astype(np.uint8), np.arange(6) % 2, "x")
    sixteen = from_arrays((imgs * 257).astype(np.uint16), np.arange(6) % 2, "x")
    np.testing.assert_array_equal(sixteen.X, eight.X)
    assert sixteen.images.dtype == np.uint8
    np.testing.assert_array_equal(sixteen.images, eight.images)
    grey = from_arrays(np.full((2, 3, 3), 32768, dtype=np.uint16), [0, 1], "g")
    assert grey.images.shape == (2, 3, 3, 1) and grey.X.max() == 32768 / 65535
    assert grey.images.max() == 128  # 32768 / 257 = 127.5 rounds up, as the files' to_uint8
    np.savez(tmp_path / "u16.npz", X=(imgs * 257).astype(np.uint16), y=np.arange(6) % 2)
    back = load(tmp_path / "u16.npz")
    assert back.images is not None and back.X.max() <= 1.0
    table = from_arrays(np.array([[1, 60000], [2, 3]], dtype=np.uint16), [0, 1], "t")
    assert table.images is None and table.X.max() == 60000  # a table's numbers, as they are

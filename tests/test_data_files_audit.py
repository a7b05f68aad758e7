"""Data that is not a CSV, from the audit of 2026-12-07 (second session): image files and
folders, HDF5 and NPZ arrays, and what the Python API is given. Each case was quietly wrong,
or refused with a misleading message, before.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

import nndl
from nndl.datasets import load

from .test_trust_cli import fails, ok

Image = pytest.importorskip("PIL.Image", reason="needs Pillow (the images extra)")


def _png(path: Path, rgb: tuple[int, int, int], size: int = 8) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(np.full((size, size, 3), rgb, dtype=np.uint8)).save(path)
    return path


# --- images -------------------------------------------------------------------------------------
def test_a_photo_is_read_upright_as_its_exif_orientation_says(tmp_path):
    shown = np.zeros((20, 40, 3), np.uint8)
    shown[:, :20] = (255, 0, 0)  # as a viewer shows it: red left, blue right
    shown[:, 20:] = (0, 0, 255)
    stored = Image.fromarray(shown).transpose(Image.Transpose.ROTATE_90)  # as a phone stores it
    exif = Image.Exif()
    exif[0x0112] = 6  # "turn 90 degrees clockwise to show"
    stored.save(tmp_path / "photo.png", exif=exif)
    got = load(tmp_path / "photo.png", image_size=(20, 40)).images[0]
    np.testing.assert_array_equal(got[:, :18], shown[:, :18])  # was: read sideways, squashed
    np.testing.assert_array_equal(got[:, 22:], shown[:, 22:])


def test_a_folder_of_images_and_sub_folders_is_refused(tmp_path):
    for i in range(3):
        _png(tmp_path / "pred" / f"{i}.png", (255, 0, 0))
    _png(tmp_path / "pred" / "thumbs" / "t.png", (0, 0, 255))
    with pytest.raises(nndl.NNDLError, match=r"holds image files \(3, e\.g\. 0\.png\) and "
                                             r"sub-folders \(thumbs\)"):
        load(tmp_path / "pred", image_size=(8, 8))  # was: one class 'thumbs', m = 1


def test_images_in_folders_inside_a_class_folder_are_read(tmp_path):
    _png(tmp_path / "train" / "red" / "r.png", (255, 0, 0))
    _png(tmp_path / "train" / "blue" / "b.png", (0, 0, 255))
    for i in range(3):
        _png(tmp_path / "train" / "blue" / "more" / f"{i}.png", (0, 0, 250))
    os.symlink("..", tmp_path / "train" / "blue" / "more" / "up")  # a loop: read once
    data = load(tmp_path / "train", image_size=(8, 8))
    assert data.sample_names == ["blue/b.png", "blue/more/0.png", "blue/more/1.png",
                                 "blue/more/2.png", "red/r.png"]  # was: 2 of 5
    np.testing.assert_array_equal(data.Y, [[0, 0, 0, 0, 1]])


def test_many_tiny_images_are_refused_naming_the_image_size(tmp_path):
    files = [_png(tmp_path / f"{i}.png", (i % 256, 0, 0), size=2) for i in range(300)]
    with pytest.raises(nndl.NNDLError, match="resized to 64x64 pixels.*--image-size"):
        nndl.datasets.load_images(files, image_size=(64, 64), max_bytes=2**20)


def test_predict_takes_a_folder_named_like_an_image(tmp_path):
    net = nndl.Network([8 * 8 * 3, 1], seed=0)
    net.save(tmp_path / "m.npz")
    _png(tmp_path / "shots.png" / "a.png", (255, 0, 0))
    out = ok("predict", "--model", "m.npz", "shots.png", cwd=tmp_path)
    assert out.startswith(str(Path("shots.png") / "a.png"))  # was: "image file not found"


# --- arrays -------------------------------------------------------------------------------------
def _pixels(m: int = 40, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """(m, 8, 8, 3) uint8 images, red for class 1, blue for class 0."""
    rng = np.random.default_rng(seed)
    y = np.arange(m) % 2
    imgs = np.zeros((m, 8, 8, 3), np.uint8)
    imgs[y == 1, ..., 0] = 200
    imgs[y == 0, ..., 2] = 200
    return np.clip(imgs + rng.integers(0, 40, imgs.shape), 0, 255).astype(np.uint8), y


def test_image_files_are_refused_by_a_model_of_image_arrays_of_unknown_scale(tmp_path):
    imgs, y = _pixels()
    np.savez(tmp_path / "u8.npz", X=imgs, y=y)
    np.savez(tmp_path / "f32.npz", X=imgs.astype(np.float32), y=y)
    _png(tmp_path / "red.png", (220, 0, 0))
    for name in ("u8", "f32"):
        ok("train", "--data", f"{name}.npz", "--layers", "4", "--iterations", "300", "--lr",
           "0.05", "--dev", "0", "--quiet", "--out", f"m_{name}.npz", cwd=tmp_path)
    assert ok("predict", "--model", "m_u8.npz", "red.png", cwd=tmp_path).split("\t")[2] == "1"
    fails("predict", "--model", "m_f32.npz", "red.png", cwd=tmp_path,
          words=["trained on f32.npz (192 features), not on images nndl read"])
    # was: class 0 (p 0.66): pixels in [0, 1] standardized with the 0..255 statistics


def test_channels_first_images_are_refused(tmp_path):
    imgs, y = _pixels()
    np.savez(tmp_path / "nchw.npz", X=np.moveaxis(imgs, -1, 1), y=y)
    with pytest.raises(nndl.NNDLError, match=r"got shape \(40, 3, 8, 8\), channels first"):
        load(tmp_path / "nchw.npz")  # was: images of 3x8 pixels and 8 channels


def test_predict_reads_arrays_without_labels(tmp_path):
    h5py = pytest.importorskip("h5py", reason="needs h5py (the hdf5 extra)")
    X = np.random.default_rng(0).standard_normal((30, 3))
    ok("train", "--data", "moons", "--layers", "4", "--iterations", "50", "--quiet", "--out",
       "m.npz", cwd=tmp_path)
    np.savez(tmp_path / "new.npz", X=X[:, :2])
    with h5py.File(tmp_path / "new.h5", "w") as f:
        f["X"] = X[:, :2]
    for name in ("new.npz", "new.h5"):
        lines = ok("predict", "--model", "m.npz", name, cwd=tmp_path).splitlines()
        assert len(lines) == 30  # was: "no label array 'y'", exit 2
    np.testing.assert_array_equal(load(tmp_path / "new.npz", label=False).X, X[:, :2].T)
    # --label names a table's column: for arrays it would drop nothing, and is refused (it
    # was taken and ignored, exit 0: r_options C3)
    fails("predict", "--model", "m.npz", "new.npz", "--label", "1", cwd=tmp_path,
          words=["--label chooses a table file's label column", "new.npz is a file of arrays"])


def test_hdf5_values_kept_in_other_files_or_never_written_are_refused(tmp_path):
    h5py = pytest.importorskip("h5py", reason="needs h5py (the hdf5 extra)")
    raw = tmp_path / "other.bin"
    np.arange(240, dtype=np.float64).tofile(raw)
    y = np.arange(60) % 2
    with h5py.File(tmp_path / "ext.h5", "w") as f:
        f.create_dataset("X", shape=(60, 4), dtype="f8", external=[(str(raw), 0, 240 * 8)])
        f["y"] = y
    layout = h5py.VirtualLayout(shape=(60, 4), dtype="f8")
    layout[:] = h5py.VirtualSource(str(tmp_path / "gone.h5"), "X", shape=(60, 4))
    with h5py.File(tmp_path / "vds.h5", "w") as f:
        f.create_virtual_dataset("X", layout, fillvalue=0)
        f["y"] = y
    with h5py.File(tmp_path / "unwritten.h5", "w") as f:
        f.create_dataset("X", shape=(60, 4), dtype="f8")
        f["y"] = y
    for name in ("ext.h5", "vds.h5"):  # vds.h5 read as zeros before, and trained
        with pytest.raises(nndl.NNDLError, match="keeps its values in other files"):
            load(tmp_path / name)
    with pytest.raises(nndl.NNDLError, match="holds no stored values"):
        load(tmp_path / "unwritten.h5")


def test_hdf5_datasets_in_groups_are_found_and_links_named(tmp_path):
    h5py = pytest.importorskip("h5py", reason="needs h5py (the hdf5 extra)")
    X = np.random.default_rng(1).standard_normal((50, 4))
    y = (X[:, 0] > 0).astype(int)
    with h5py.File(tmp_path / "nested.h5", "w") as f:
        f["grp/X"], f["grp/y"] = X, y
    with pytest.raises(nndl.NNDLError, match=r"it holds \['grp/X', 'grp/y'\]"):  # was: []
        load(tmp_path / "nested.h5")
    np.testing.assert_array_equal(load(tmp_path / "nested.h5", keys=("grp/X", "grp/y")).X, X.T)
    with h5py.File(tmp_path / "data.h5", "w") as f:
        f["X"] = X
    with h5py.File(tmp_path / "link.h5", "w") as f:
        f["X"] = h5py.ExternalLink("data.h5", "X")
        f["y"] = y
    with pytest.raises(nndl.NNDLError, match=r"external links \['X'\], which nndl does not "
                                             r"follow"):
        load(tmp_path / "link.h5")


# --- the Python API -----------------------------------------------------------------------------
def test_missing_text_labels_are_named_as_missing():
    pd = pytest.importorskip("pandas")
    X = np.random.default_rng(0).normal(size=(3, 50))
    for y in (pd.Series(["no", "yes"] * 24 + ["no", np.nan]),
              np.array(["no", "yes"] * 24 + ["no", None], dtype=object)):
        with pytest.raises(nndl.NNDLError, match="1 missing label.*the first at sample 49"):
            nndl.Network([3, 2, 1], seed=0).fit(X, y, iterations=2)  # was: "must hold numbers"


def test_shape_messages_say_when_x_looks_transposed_or_has_missing_values():
    pd = pytest.importorskip("pandas")
    rows = np.random.default_rng(0).normal(size=(5, 3))  # 5 samples of 3 features, as rows
    with pytest.raises(nndl.NNDLError, match="X looks transposed"):
        nndl.Network([5, 2, 1], seed=0).fit(rows, np.array([0, 1, 0, 1, 1]), iterations=1)
    net = nndl.Network([3, 2, 1], seed=0)
    df = pd.DataFrame({"a": [1.0, pd.NA, 3.0], "b": [1.0, 2.0, 3.0], "c": [0.0, 1.0, 0.0]},
                      dtype=object)
    with pytest.raises(nndl.NNDLError, match="missing values"):
        net.fit(df.T, np.array([[0, 1, 0]]), iterations=1)


def test_an_npz_with_both_x_and_capital_x_asks_which(tmp_path):
    X = np.random.default_rng(2).normal(size=(10, 3))
    np.savez(tmp_path / "two.npz", X=X, x=X[:, :2], y=np.arange(10) % 2)
    with pytest.raises(nndl.NNDLError, match="holds both 'X' and 'x'"):
        load(tmp_path / "two.npz")  # was: X, silently
    assert load(tmp_path / "two.npz", keys=("x", "y")).X.shape == (2, 10)


def test_links_inside_a_class_folder_never_read_another_class(tmp_path):
    for c, rgb in (("cat", (255, 0, 0)), ("dog", (0, 0, 255))):
        for i in range(3):
            _png(tmp_path / "ds" / c / f"{i}.png", rgb)
    os.symlink("..", tmp_path / "ds" / "cat" / "up")  # the root, and dog inside it
    os.symlink("../dog", tmp_path / "ds" / "cat" / "more")  # another class
    data = load(tmp_path / "ds", image_size=(8, 8))
    assert data.m == 6 and data.Y.tolist() == [[0, 0, 0, 1, 1, 1]]  # was 9: dogs as cats


def test_hdf5_enum_labels_are_read_as_their_names(tmp_path):
    h5py = pytest.importorskip("h5py", reason="needs h5py (the hdf5 extra)")
    X = np.random.default_rng(3).normal(size=(12, 2))
    kind = h5py.enum_dtype({"cat": 1, "dog": 2}, basetype="i1")
    with h5py.File(tmp_path / "e.h5", "w") as f:
        f["X"] = X
        f.create_dataset("y", data=np.array([1, 2] * 6, dtype="i1"), dtype=kind)
    data = load(tmp_path / "e.h5")
    assert data.classes == ["cat", "dog"]  # was ['1', '2']


def test_a_link_into_another_class_or_two_names_for_one_folder(tmp_path):
    _png(tmp_path / "ds" / "cats" / "1.png", (255, 0, 0))
    _png(tmp_path / "ds" / "dogs" / "2.png", (0, 0, 255))
    for i in (3, 4):
        _png(tmp_path / "ds" / "dogs" / "misc" / f"{i}.png", (0, 0, 250))
    os.symlink("../dogs/misc", tmp_path / "ds" / "cats" / "misc")
    data = load(tmp_path / "ds", image_size=(8, 8))  # dogs/misc stays the dogs'
    assert data.sample_names == ["cats/1.png", "dogs/2.png", "dogs/misc/3.png",
                                 "dogs/misc/4.png"] and data.Y.tolist() == [[0, 1, 1, 1]]
    os.symlink("cats", tmp_path / "ds" / "kitties")
    with pytest.raises(nndl.NNDLError, match="'cats' and 'kitties' are the same folder"):
        load(tmp_path / "ds", image_size=(8, 8))


# --- the security audit: links and entries that are not image files ------------------------------
def test_a_link_to_a_folder_holding_the_data_set_is_not_walked(tmp_path):
    """cat/x -> / read every image on the disk as a cat. A link to a folder that holds the
    data set is refused; a class folder linked to a folder elsewhere is read, as before (the
    first fix refused it too: the review)."""
    for c in ("cat", "dog"):
        _png(tmp_path / "ds" / c / "0.png", (9, 9, 9))
    _png(tmp_path / "elsewhere" / "deep" / "1.png", (1, 2, 3))
    _png(tmp_path / "photos" / "2.png", (3, 2, 1))
    os.symlink(tmp_path, tmp_path / "ds" / "cat" / "everything")
    with pytest.raises(nndl.NNDLError, match="everything leads to .*a folder that holds the "
                                             "data set's folder"):
        load(tmp_path / "ds", image_size=(8, 8))  # was: elsewhere's and ds's again as cats
    os.unlink(tmp_path / "ds" / "cat" / "everything")
    os.symlink("/", tmp_path / "ds" / "cat" / "root")
    with pytest.raises(nndl.NNDLError, match="root leads to /"):
        load(tmp_path / "ds", image_size=(8, 8))
    os.unlink(tmp_path / "ds" / "cat" / "root")
    os.symlink(tmp_path / "elsewhere", tmp_path / "ds" / "bird")  # a class folder elsewhere
    os.symlink(tmp_path / "photos", tmp_path / "ds" / "cat" / "more")  # and inside one
    d = load(tmp_path / "ds", image_size=(8, 8))
    assert d.m == 4 and d.classes == ["bird", "cat", "dog"]
    os.symlink(tmp_path / "ds", tmp_path / "link")  # the data set itself through a link: fine
    assert load(tmp_path / "link", image_size=(8, 8)).m == 4


@pytest.mark.parametrize("make, words", [
    (lambda p: os.symlink("/nonexistent.png", p), "a symbolic link to nothing"),
    (lambda p: os.symlink(p.name, p), "a symbolic link loop"),
    (os.mkfifo, "is a FIFO"),
])
def test_an_entry_named_like_an_image_that_is_not_a_file_is_said(tmp_path, make, words):
    for c in ("cat", "dog"):
        _png(tmp_path / "ds" / c / "0.png", (9, 9, 9))
    make(tmp_path / "ds" / "dog" / "odd.png")
    with pytest.raises(nndl.NNDLError, match=f"odd.png.*{words}|{words}.*odd.png"):
        load(tmp_path / "ds", image_size=(8, 8))  # was: left out, unsaid
    os.unlink(tmp_path / "ds" / "cat" / "0.png")
    os.rmdir(tmp_path / "ds" / "cat")
    os.replace(tmp_path / "ds" / "dog" / "0.png", tmp_path / "ds" / "0.png")
    os.replace(tmp_path / "ds" / "dog" / "odd.png", tmp_path / "ds" / "odd.png")
    os.rmdir(tmp_path / "ds" / "dog")
    with pytest.raises(nndl.NNDLError, match="odd.png"):  # loose images: the same
        load(tmp_path / "ds", image_size=(8, 8))

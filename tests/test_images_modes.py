"""Images of every Pillow mode: read at their own depth and scaled to [0, 1] like 8-bit ones
(16-bit PNG/TIFF, 32-bit integer and float images are not clipped to 0..255), refused with
an NNDLError where no scale is known; and ``nndl predict`` refusing images for a table model.

Every file is written by Pillow into tmp_path in the mode under test."""

from __future__ import annotations

import numpy as np
import pytest

import nndl
from nndl.datasets import load, load_image_folder, load_images, read_image
from nndl.errors import NNDLError

from .test_cli import fails, ok

Image = pytest.importorskip("PIL.Image")


def gray16(path, values, mode="I;16"):
    """A 16-bit grayscale file of the (h, w) ``values`` (0..65535), in ``mode``."""
    a = np.asarray(values, dtype=np.uint16)
    im = Image.fromarray(a)  # "I;16"
    if mode != "I;16":
        im = Image.frombytes(mode, im.size, a.astype(">u2" if mode == "I;16B" else "<u2")
                             .tobytes())
    im.save(path)
    with Image.open(path) as back:  # the file really holds the mode under test
        assert back.mode.startswith("I;16"), back.mode
    return path


# --- 16-bit grayscale ------------------------------------------------------------------------
@pytest.mark.parametrize("name, mode", [("g.png", "I;16"), ("g.tif", "I;16"),
                                        ("b.tif", "I;16B"), ("l.tif", "I;16L")])
def test_16_bit_values_are_divided_by_65535(tmp_path, name, mode):
    values = np.array([[0, 1000, 32768], [40000, 65000, 65535]])
    path = gray16(tmp_path / name, values, mode)
    d = load_images([path], image_size=(2, 3))
    X = d.X.reshape(2, 3, 3)  # one sample: (h, w, 3)
    for c in range(3):  # gray on every channel
        np.testing.assert_allclose(X[..., c], values / 65535.0, rtol=0, atol=1e-12)
    assert d.X.dtype == np.float64 and abs(d.X[6, 0] - 0.5) < 1e-4  # pixel (0, 2): 32768
    assert d.images.dtype == np.uint8
    np.testing.assert_array_equal(d.images[0, ..., 0], np.rint(values / 65535.0 * 255))
    np.testing.assert_array_equal(read_image(path, (2, 3)), d.images[0])


def test_16_bit_resizing_matches_the_8_bit_image(tmp_path):
    """The same picture as 8-bit L and as 16-bit (v * 257) resizes to the same X, within
    the 8-bit path's rounding: one bilinear filter for both depths."""
    rng = np.random.default_rng(0)
    u8 = rng.integers(0, 256, (13, 17), dtype=np.uint8)
    Image.fromarray(u8).save(tmp_path / "a8.png")
    gray16(tmp_path / "a16.png", u8.astype(np.uint16) * 257)
    for size in [(6, 5), (20, 30)]:  # smaller and larger
        x8 = load(tmp_path / "a8.png", image_size=size).X
        x16 = load(tmp_path / "a16.png", image_size=size).X
        assert np.abs(x8 - x16).max() <= 1 / 255 + 1e-12
        assert 0.0 <= x16.min() and x16.max() <= 1.0


def test_a_16_bit_folder_separates_dark_from_bright(tmp_path):
    """The bug's repro: dark (1000..20000) and bright (30000..65000) 16-bit PNGs were all
    255 after the RGB conversion, and a network could not tell them apart (accuracy 0.5)."""
    rng = np.random.default_rng(0)
    for cls, (lo, hi) in {"dark": (1000, 20000), "bright": (30000, 65000)}.items():
        (tmp_path / "img16" / cls).mkdir(parents=True)
        for i in range(12):
            gray16(tmp_path / "img16" / cls / f"{i}.png", rng.integers(lo, hi, (8, 8)))
    d = load_image_folder(tmp_path / "img16", image_size=(8, 8))
    dark = d.X[:, d.Y[0] == d.classes.index("dark")]
    assert dark.max() < 20000 / 65535 + 1e-9 and d.X.max() > 0.9
    net = nndl.Network([d.n_features, 4, 1], seed=0)
    net.fit(d.X, d.Y, learning_rate=0.05, iterations=300)
    assert np.mean(net.predict(d.X) == d.Y) == 1.0


# --- 32-bit integer and float ----------------------------------------------------------------
@pytest.mark.parametrize("name", ["g.pgm", "g.tif"])
def test_32_bit_integer_in_16_bit_range_reads_as_16_bit(tmp_path, name):
    """Mode "I": a 16-bit PGM opens so (Pillow scales its maxval to 65535), and a TIFF of
    32-bit integers."""
    values = np.array([[0, 32768], [65535, 1000]])
    im = Image.fromarray(values.astype(np.uint16 if name.endswith(".pgm") else np.int32))
    im.save(tmp_path / name)
    with Image.open(tmp_path / name) as back:
        assert back.mode == "I"
    X = load_images([tmp_path / name], image_size=(2, 2)).X.reshape(2, 2, 3)[..., 0]
    np.testing.assert_allclose(X, values / 65535.0, rtol=0, atol=1e-12)


@pytest.mark.parametrize("bad, shown", [(70000, "70000"), (-5, "-5")])
def test_32_bit_integer_beyond_16_bits_is_refused(tmp_path, bad, shown):
    Image.fromarray(np.array([[0, bad]], dtype=np.int32)).save(tmp_path / "i.tif")
    with Image.open(tmp_path / "i.tif") as im:
        assert im.mode == "I"
    with pytest.raises(NNDLError, match=rf"i\.tif: .*mode I.*{shown}.*0\.\.65535"):
        load_images([tmp_path / "i.tif"], image_size=(1, 2))


def test_float_image_in_0_1_is_taken_as_it_is(tmp_path):
    values = np.array([[0.0, 0.25, 1.0], [0.5, 0.75, 0.125]], dtype=np.float32)
    Image.fromarray(values).save(tmp_path / "f.tif")
    with Image.open(tmp_path / "f.tif") as im:
        assert im.mode == "F"
    X = load(tmp_path / "f.tif", image_size=(2, 3)).X.reshape(2, 3, 3)
    for c in range(3):
        np.testing.assert_array_equal(X[..., c], values.astype(np.float64))
    half = load(tmp_path / "f.tif", image_size=(1, 1)).X  # resized: still inside [0, 1]
    assert 0.0 < half.min() and half.max() < 1.0


@pytest.mark.parametrize("values, words", [
    ([[0.0, 255.0]], ["f.tif", "mode F", "[0, 255]", "[0, 1]"]),
    ([[-0.5, 0.5]], ["f.tif", "mode F", "[-0.5, 0.5]"]),
    ([[0.5, np.nan]], ["f.tif", "mode F", "NaN"]),
])
def test_float_image_outside_0_1_is_refused(tmp_path, values, words):
    Image.fromarray(np.array(values, dtype=np.float32)).save(tmp_path / "f.tif")
    with pytest.raises(NNDLError) as err:
        load_images([tmp_path / "f.tif"], image_size=(1, 2))
    for w in words:
        assert w in str(err.value)
    with pytest.raises(NNDLError, match="mode F"):
        read_image(tmp_path / "f.tif", (1, 2))


# --- 8-bit modes and several frames keep working -----------------------------------------------
def _rgb_reference(path, size):
    with Image.open(path) as im:
        return np.asarray(im.convert("RGB").resize(size[::-1], Image.BILINEAR)) / 255.0


@pytest.mark.parametrize("mode, name", [("1", "a.png"), ("L", "a.png"), ("LA", "a.png"),
                                        ("P", "a.png"), ("P", "a.gif"), ("RGBA", "a.png"),
                                        ("CMYK", "a.jpg"), ("CMYK", "a.tif"),
                                        ("YCbCr", "a.jpg"), ("RGB", "a.webp")])
def test_8_bit_modes_read_as_rgb(tmp_path, mode, name):
    rgb = np.random.default_rng(1).integers(0, 256, (9, 11, 3), dtype=np.uint8)
    im = Image.fromarray(rgb).convert(mode)
    if mode == "P":
        im.info["transparency"] = 0  # a palette entry marked transparent
    im.save(tmp_path / name)
    for size in [(9, 11), (4, 6)]:
        d = load(tmp_path / name, image_size=size)
        np.testing.assert_array_equal(d.X.T.reshape(*size, 3), _rgb_reference(tmp_path / name,
                                                                                size))
        np.testing.assert_array_equal(d.images[0], np.rint(d.X.T.reshape(*size, 3) * 255))


@pytest.mark.parametrize("name", ["f.gif", "f.tif"])
def test_several_frames_give_the_first(tmp_path, name):
    frames = [Image.new("L", (4, 4), v) for v in (10, 200)]
    frames[0].save(tmp_path / name, save_all=True, append_images=frames[1:])
    with Image.open(tmp_path / name) as im:
        assert im.n_frames == 2
    assert np.all(read_image(tmp_path / name, (4, 4)) == 10)


# --- nndl predict: a table model refuses images ------------------------------------------------
def _table(path, header: bool):
    rng = np.random.default_rng(0)
    rows = [[f"{v:.4f}" for v in rng.standard_normal(3)] + [str(i % 2)] for i in range(20)]
    lines = [",".join(r) for r in ([["a", "b", "c", "label"]] if header else []) + rows]
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.mark.parametrize("header, words", [(True, ["table columns", "a, b, c", "not images"]),
                                           (False, ["table t.csv", "not images"])])
def test_a_table_model_refuses_an_image(tmp_path, header, words):
    """3 columns = 3 * 1 * 1: the image used to be shrunk to 1x1 RGB and predicted on."""
    ok("train", "--data", _table(tmp_path / "t.csv", header), "--layers", "2",
       "--iterations", "5", "--out", tmp_path / "m.npz", "--quiet")
    Image.fromarray(np.zeros((5, 5, 3), np.uint8)).save(tmp_path / "x.png")
    fails("predict", "--model", tmp_path / "m.npz", tmp_path / "x.png", words=words)


def test_an_array_model_of_flat_images_still_takes_images(tmp_path):
    """An .npz of flattened 2x2 RGB images (no feature names): n[0] = 12 = 3 * 2^2."""
    rng = np.random.default_rng(0)
    np.savez(tmp_path / "a.npz", X=rng.random((20, 12)), y=np.arange(20) % 2)
    ok("train", "--data", tmp_path / "a.npz", "--layers", "2", "--iterations", "5",
       "--out", tmp_path / "m.npz", "--quiet")
    Image.fromarray(np.zeros((5, 5, 3), np.uint8)).save(tmp_path / "x.png")
    out = ok("predict", "--model", tmp_path / "m.npz", tmp_path / "x.png")
    assert out.startswith(str(tmp_path / "x.png"))


def test_a_folder_of_netpbm_images_is_read_at_its_depth(tmp_path):
    """.pgm / .ppm files (what scientific cameras and ImageMagick write) are images too: a
    folder of them was 'no images'; 16-bit PGM values scale by 65535."""
    for c, lo, hi in (("dark", 1000, 20000), ("bright", 30000, 65000)):
        (tmp_path / c).mkdir()
        for i in range(4):
            values = np.random.default_rng(i).integers(lo, hi, (8, 8)).astype(np.uint16)
            Image.fromarray(values).save(tmp_path / c / f"{i}.pgm")
    Image.fromarray(np.full((8, 8, 3), 255, np.uint8)).save(tmp_path / "dark" / "c.ppm")
    data = nndl.datasets.load(tmp_path, image_size=(8, 8))
    assert data.m == 9 and data.classes == ["bright", "dark"]
    bright = data.X[:, np.asarray(data.Y[0]) == 0]
    assert bright.min() > 30000 / 65535 - 1e-3 and bright.max() < 65000 / 65535 + 1e-3
    np.testing.assert_array_equal(nndl.datasets.read_pixels(tmp_path / "dark" / "c.ppm",
                                                            (8, 8)), 1.0)


def test_a_split_too_small_names_its_fractions_readably():
    """A fraction computed as 1 - 0.9 (the playground's train ratio) was shown as
    dev=0.09999999999999998."""
    data = nndl.datasets.from_arrays(np.zeros((3, 2)), [0, 1, 0], "s")
    with pytest.raises(nndl.NNDLError, match=r"too few to split with dev=0\.1, test=0\.2$"):
        nndl.datasets.split(data, dev=1 - 0.9, test=0.2)


def test_an_image_gone_between_its_check_and_its_read_is_nndls_error(tmp_path, monkeypatch):
    """A folder changing while it is read (the storage audit): a file removed after it was
    found regular gave a bare FileNotFoundError from its size, not nndl's error."""
    from pathlib import Path

    from nndl.datasets import images

    monkeypatch.setattr(images, "regular_file", lambda p, what="file": Path(p))  # found...
    gone = tmp_path / "gone.png"  # ...then removed
    for call in (lambda: images.read_pixels(gone, (8, 8)),
                 lambda: images.load_images([gone], (8, 8))):
        with pytest.raises(NNDLError, match="cannot read the image file .*gone.png: No such file"):
            call()


@pytest.mark.parametrize("suffix", [".png", ".jpg"])
def test_a_large_image_is_made_small_before_its_rgb_copy(tmp_path, suffix):
    """A 24 Mpx image took twice its decoded size (its RGB copy); now about once (PNG) or an
    eighth (JPEG, decoded at a smaller scale), with the pixels of a resize of the whole."""
    import subprocess
    import sys

    from .test_trust_cli import SRC

    y, x = np.mgrid[0:4000, 0:6000]
    a = (127 + 60 * np.sin(x / 300) + 60 * np.cos(y / 200)).astype(np.uint8)
    Image.fromarray(np.stack([a, 255 - a, a // 2], -1)).save(tmp_path / f"big{suffix}")
    code = ("import numpy as np\nfrom nndl.datasets.images import read_pixels\n"
            "def peak():  # this process's own (ru_maxrss keeps its parent's across exec)\n"
            "    s = open('/proc/self/status').read()\n"
            "    return int(s.split('VmHWM:')[1].split()[0]) // 1024\n"
            f"r0 = peak()\np = read_pixels('big{suffix}', (64, 64))\n"
            "print(peak() - r0)\nnp.save('p.npy', p)\n")
    r = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True,
                       text=True, timeout=120, env={"PYTHONPATH": SRC, "PATH": "/usr/bin"})
    assert r.returncode == 0, r.stderr
    assert int(r.stdout) < 140, f"{r.stdout} MB"  # was 187 MB (decoded 96 MB)
    with Image.open(tmp_path / f"big{suffix}") as im:
        whole = np.asarray(im.convert("RGB").resize((64, 64), Image.BILINEAR)) / 255.0
    assert np.abs(np.load(tmp_path / "p.npy") - whole).max() <= 2 / 255

"""nndl.plots: every figure is written as a valid, non-empty PNG, atomically."""

from __future__ import annotations

import os

import numpy as np
import pytest

import nndl
from nndl.callbacks import History
from nndl.datasets import Dataset, make_moons
from nndl.errors import NNDLError

pytest.importorskip("matplotlib")
plots = pytest.importorskip("nndl.plots")

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def assert_png(path, min_size=(100, 100)):
    """The file starts with the PNG signature and Pillow decodes it to a non-trivial image."""
    data = path.read_bytes()
    assert data[:8] == PNG_SIGNATURE and len(data) > 1000
    Image = pytest.importorskip("PIL.Image")
    with Image.open(path) as im:
        assert im.format == "PNG"
        im.load()  # decodes every pixel: a truncated file fails here
        assert im.size[0] >= min_size[0] and im.size[1] >= min_size[1]
        extrema = im.convert("L").getextrema()
        assert extrema[0] < extrema[1]  # not a blank image


def no_temp_files(folder):
    return [p.name for p in folder.iterdir() if p.name.endswith(".tmp")] == []


class Threshold:
    """A stand-in model: class 1 where x1 > 0; records what it was asked."""

    layer_dims = [2, 1]

    def __init__(self):
        self.calls = []

    def predict(self, X):
        self.calls.append(X.shape)
        return (X[0:1] > 0).astype(np.int64)


# --- cost curve -----------------------------------------------------------------------------
def test_cost_curve_from_history_and_lists(tmp_path):
    h = History()
    for i, c in enumerate(np.linspace(0.7, 0.1, 50)):
        h.append(100 + i, float(c))
    fig = plots.plot_costs(h, tmp_path / "costs.png")
    assert_png(tmp_path / "costs.png")
    line = fig.axes[0].lines[0]
    assert np.array_equal(line.get_xdata(), np.arange(100, 150))
    assert np.allclose(line.get_ydata(), h.costs, rtol=0, atol=0)
    assert "final J = 0.1" in fig.axes[0].get_title()
    fig = plots.plot_costs([0.5, 0.4, 0.3])  # no path: a figure, no file
    assert fig.axes[0].lines[0].get_xdata().tolist() == [0, 1, 2]
    fig = plots.plot_costs([(0, 0.9), (10, 0.5)])
    assert fig.axes[0].lines[0].get_xdata().tolist() == [0, 10]
    fig = plots.plot_costs({"iterations": [5, 6], "costs": [1.0, 0.5]}, log_scale=True)
    assert fig.axes[0].get_yscale() == "log"
    assert no_temp_files(tmp_path)


@pytest.mark.parametrize("bad, message", [
    ([], "non-empty"), ({"loss": [1.0]}, "needs a 'costs'"), (["a", "b"], "costs must be"),
    ({"iterations": [1, 2, 3], "costs": [1.0]}, "differ in length: 3 and 1")])
def test_cost_curve_bad_input(bad, message):
    with pytest.raises(NNDLError, match=message):
        plots.plot_costs(bad)


# --- decision boundary ----------------------------------------------------------------------
def test_decision_boundary_of_a_trained_network(tmp_path):
    X, Y = make_moons(m=60, noise=0.1, seed=0)
    net = nndl.Network([2, 5, 1], hidden="tanh", seed=0)
    net.fit(X, Y, learning_rate=0.5, iterations=50)
    fig = plots.plot_decision_boundary(net, X, Y, tmp_path / "boundary.png", resolution=60)
    assert_png(tmp_path / "boundary.png")
    ax = fig.axes[0]
    offsets = ax.collections[-1].get_offsets()  # the scatter of the samples, on top
    assert np.allclose(np.asarray(offsets).T, X, rtol=0, atol=1e-12)


def test_decision_boundary_asks_the_model_over_a_grid(tmp_path):
    X = np.array([[-1.0, 1.0, -2.0, 2.0], [0.0, 1.0, 2.0, 3.0]])
    model = Threshold()
    one_hot = np.array([[1, 0, 1, 0], [0, 1, 0, 1]])
    plots.plot_decision_boundary(model, X, one_hot, tmp_path / "b.png", resolution=30)
    assert model.calls == [(2, 900)]
    assert_png(tmp_path / "b.png")


def test_decision_boundary_bad_input():
    X, Y = make_moons(m=20)
    with pytest.raises(NNDLError, match="2 inputs; this one has n\\[0\\] = 3"):
        plots.plot_decision_boundary(nndl.Network([3, 1], seed=0), X, Y)
    with pytest.raises(NNDLError, match="X has m = 20, Y has m = 19"):
        plots.plot_decision_boundary(Threshold(), X, Y[:, :19])
    with pytest.raises(NNDLError, match="must have 2 rows"):
        plots.plot_decision_boundary(Threshold(), X[:1], Y)
    with pytest.raises(NNDLError, match="resolution"):
        plots.plot_decision_boundary(Threshold(), X, Y, resolution=1)


# --- activations ----------------------------------------------------------------------------
def test_activations_figure(tmp_path):
    fig = plots.plot_activations(tmp_path / "act.png")
    assert_png(tmp_path / "act.png")
    titles = [ax.get_title() for ax in fig.axes]
    assert titles == ["sigmoid", "tanh", "relu", "leaky_relu", "linear"]
    z, a = fig.axes[0].lines[0].get_xdata(), fig.axes[0].lines[0].get_ydata()
    da = fig.axes[0].lines[1].get_ydata()
    assert np.allclose(a, 1 / (1 + np.exp(-z)), rtol=0, atol=1e-12)
    assert np.allclose(da, a * (1 - a), rtol=0, atol=1e-12) and da.max() == pytest.approx(0.25)
    relu_d = fig.axes[2].lines[1]
    assert set(np.unique(relu_d.get_ydata())) == {0.0, 1.0}
    fig = plots.plot_activations(names=["tanh", "leaky_relu:0.2"])
    assert [ax.get_title() for ax in fig.axes] == ["tanh", "leaky_relu:0.2"]
    with pytest.raises(NNDLError, match="unknown activation 'swish'"):
        plots.plot_activations(names=["swish"])


# --- mislabeled images ----------------------------------------------------------------------
def image_data(m=8):
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, size=(m, 6, 6, 3), dtype=np.uint8)
    X = images.reshape(m, -1).T / 255.0
    Y = np.array([[0, 1] * (m // 2)], dtype=np.int64)
    return Dataset(X=X, Y=Y, classes=["non-cat", "cat"], images=images, name="tiny")


class AlwaysZero:
    def predict(self, X):
        return np.zeros((1, X.shape[1]), dtype=np.int64)


def test_mislabeled_grid(tmp_path):
    data = image_data(8)  # 4 cats, all predicted non-cat
    fig = plots.plot_mislabeled(AlwaysZero(), data, tmp_path / "wrong.png", max_images=3)
    assert_png(tmp_path / "wrong.png")
    titles = [ax.get_title() for ax in fig.axes]
    assert titles == ["true: cat\npred: non-cat"] * 3
    assert "4 of 8 mislabeled (first 3 shown)" in fig._suptitle.get_text()
    shown = fig.axes[0].images[0].get_array()
    assert np.array_equal(np.asarray(shown), data.images[1])
    grey = Dataset(X=data.X[:36], Y=data.Y, classes=data.classes, name="grey",
                   images=data.images[..., :1])
    plots.plot_mislabeled(AlwaysZero(), grey, tmp_path / "grey.png")
    assert_png(tmp_path / "grey.png")


def test_mislabeled_when_all_are_right(tmp_path):
    data = image_data(4)
    data.Y[:] = 0
    fig = plots.plot_mislabeled(AlwaysZero(), data, tmp_path / "none.png")
    assert "0 of 4 mislabeled" in fig._suptitle.get_text()
    assert fig.axes[0].texts[0].get_text() == "no mislabeled images"
    assert_png(tmp_path / "none.png", min_size=(50, 50))


def test_mislabeled_bad_input():
    data = image_data(4)
    no_images = Dataset(X=data.X, Y=data.Y, classes=data.classes, name="flat")
    with pytest.raises(NNDLError, match="needs image data .*flat has none"):
        plots.plot_mislabeled(AlwaysZero(), no_images)
    with pytest.raises(NNDLError, match="max_images must be a positive integer"):
        plots.plot_mislabeled(AlwaysZero(), data, max_images=0)

    class Wrong:
        def predict(self, X):
            return np.zeros((2, X.shape[1]))

    with pytest.raises(NNDLError, match=r"predictions have shape \(2, 4\)"):
        plots.plot_mislabeled(Wrong(), data)


# --- atomic writes ------------------------------------------------------------------------
def test_png_writes_are_atomic(tmp_path, monkeypatch):
    target = tmp_path / "costs.png"
    plots.plot_costs([1.0, 0.5], target)
    before = target.read_bytes()
    fig = plots.plot_costs([3.0, 2.0, 1.0])

    def crash(fh, **kw):  # a crash half-way through writing
        fh.write(PNG_SIGNATURE + b"half")
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(fig, "savefig", crash)
    with pytest.raises(RuntimeError, match="disk on fire"):
        plots.save_png(fig, target)
    assert target.read_bytes() == before and no_temp_files(tmp_path)
    with pytest.raises(NNDLError, match="folder .*missing does not exist"):
        plots.plot_costs([1.0], tmp_path / "missing" / "c.png")
    with pytest.raises(NNDLError, match="it is a folder"):
        plots.plot_costs([1.0], tmp_path)


def test_written_files_get_ordinary_permissions(tmp_path):
    """Atomic writes go through mkstemp (0o600); the result must be 0o666 less the umask."""
    from nndl.files import atomic_write

    old = os.umask(0o022)
    try:
        p = atomic_write(tmp_path / "x.txt", lambda f: f.write("hi"), mode="w")
    finally:
        os.umask(old)
    assert p.read_text() == "hi"
    assert (p.stat().st_mode & 0o777) == 0o644


def test_mini_batch_history_is_drawn_per_epoch_with_dev_and_best_epoch(tmp_path):
    X, Y = make_moons(m=200, noise=0.3, seed=0)
    net = nndl.Network([2, 16, 16, 1], seed=0)
    h = net.fit(X[:, ::2], Y[:, ::2], learning_rate=0.05, optimizer="adam", batch_size=16,
                epochs=200, dev=(X[:, 1::2], Y[:, 1::2]), patience=3)
    assert h.best_epoch is not None
    fig = plots.plot_costs(h, tmp_path / "c.png")
    ax = fig.axes[0]
    assert ax.get_xlabel() == "epoch"
    lines = {ln.get_label(): ln for ln in ax.get_lines()}
    train = lines["training cost (epoch mean)"]
    assert list(train.get_ydata()) == h.epoch_costs
    assert list(lines["dev cost"].get_ydata()) == h.dev_costs
    assert f"best epoch {h.best_epoch}" in ax.get_title()
    assert f"final J = {h.epoch_costs[-1]:.6g}" in ax.get_title()
    assert f"{h.costs[-1]:.6g}" not in ax.get_title() or h.costs[-1] == h.epoch_costs[-1]
    assert (tmp_path / "c.png").stat().st_size > 1000

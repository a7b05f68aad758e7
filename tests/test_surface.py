"""The library's surface: output kinds compared in one module, bad arguments refused the same
way everywhere (issue 9 and issue 10 B)."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

import nndl
from nndl.errors import NNDLError

SRC = Path(nndl.__file__).parent

OUTPUT_NAME = re.compile(r"""["'](sigmoid|softmax|linear)["']""")
TABLES = {"heads.py", "activations.py"}
"""The table of output heads and the table of activations: the places that spell the names
(export.py translates activation names to ONNX / PyTorch in two tables of its own)."""


def _code_lines(path: Path) -> list[tuple[int, str]]:
    """(line number, text) of the lines of code, without docstrings and comments."""
    import ast
    import io
    import tokenize

    text = path.read_text()
    docs = set()
    for node in ast.walk(ast.parse(text)):
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.Expr) \
                and isinstance(body[0].value, ast.Constant) and isinstance(body[0].value.value, str):
            docs.update(range(body[0].lineno, body[0].end_lineno + 1))
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):  # attribute docs
            docs.update(range(node.lineno, node.end_lineno + 1))
    out = []
    for tok in tokenize.generate_tokens(io.StringIO(text).readline):
        if tok.type == tokenize.STRING and tok.start[0] not in docs \
                and OUTPUT_NAME.fullmatch(tok.string):
            out.append((tok.start[0], path.read_text().splitlines()[tok.start[0] - 1]))
    return out


def test_output_names_are_spelled_only_in_the_tables():
    """No module compares output names: they ask the head (nndl.heads)."""
    found = []
    for path in sorted(SRC.rglob("*.py")):
        if path.name in TABLES:
            continue
        for n, line in _code_lines(path):
            if path.name == "export.py" and re.match(r'\s*"(sigmoid|softmax|linear)": ', line):
                continue  # an entry of export's activation tables
            if path.name == "network.py" and re.match(r'\s*output: str = "sigmoid",', line):
                continue  # Network's default output (the notes' binary classifier)
            if path.parent.name == "tuning" and line.startswith("SCALES = "):
                continue  # the scales of a search range (log, linear), not output names
            if path.name == "__init__.py" and '": "activations"' in line:
                continue  # the functions sigmoid, softmax, linear exported by nndl
            found.append(f"{path.relative_to(SRC)}:{n}: {line.strip()}")
    assert found == []


@pytest.mark.parametrize("dims", [b"xx", "xx", bytearray(b"ab")])
def test_text_is_not_a_list_of_layer_sizes(dims):
    with pytest.raises(NNDLError, match="layer sizes must be a list of positive integers"):
        nndl.Network(dims)


def test_complex_inputs_are_refused_not_cut_to_their_real_part():
    net = nndl.Network([2, 3, 1], seed=0)
    X = np.array([[1 + 1j, 2], [3, 4 - 2j]])
    with pytest.raises(NNDLError, match="real numbers; got complex"):
        net.predict(X)
    with pytest.raises(NNDLError, match="real numbers; got complex"):
        net.fit(X, np.array([[0, 1]]), iterations=1)


def test_standardizing_values_near_the_float_limit_says_what_overflowed():
    from nndl.preprocessing import Standardizer

    X = np.array([[1e308, 1.5e308, -1e308, 1.7e308], [1.0, 2.0, 3.0, 4.0]])
    std = Standardizer().fit(X)  # sums overflow: computed on X / max|x|
    scaled = X[0] / 1.7e308
    np.testing.assert_allclose(std.mean[0, 0], 1.7e308 * scaled.mean(), rtol=1e-15)
    np.testing.assert_allclose(std.std[0, 0], 1.7e308 * scaled.std(), rtol=1e-15)
    assert std.mean[1, 0] == 2.5 and std.std[1, 0] == np.std([1.0, 2.0, 3.0, 4.0])
    Z = std.transform(X)
    np.testing.assert_allclose(Z.mean(axis=1), 0, atol=1e-15)
    np.testing.assert_allclose(Z.std(axis=1), 1, rtol=1e-14)
    # beyond float64 even as X / std - mean / std: a constant feature (std 1), far away
    low = Standardizer().fit(np.array([[-1.7e308, -1.7e308, -1.7e308], [1.0, 2.0, 3.0]]))
    with pytest.raises(NNDLError, match=r"standardizing X overflowed: \(X - mean\) / std of 1 "
                                        r"feature\(s\) \(rows 0 of X\)"):
        low.transform(np.array([[1.7e308], [1.0]]))


def test_the_cli_trains_on_values_near_the_float_limit_and_says_what_overflows(tmp_path):
    from .test_cli import fails, ok

    rows = ["1e308", "1.5e308", "-1e308", "1.7e308"] * 3  # sums beyond float64
    (tmp_path / "big.csv").write_text("a,b,c,y\n" + "".join(
        f"{v},{i},-1.7e308,{i % 2}\n" for i, v in enumerate(rows)))
    out = ok("train", "--data", tmp_path / "big.csv", "--out", tmp_path / "m.npz",
             "--iterations", "50")
    assert "diverged" not in out
    (tmp_path / "far.csv").write_text("a,b,c,y\n1.7e308,1,1.7e308,0\n")  # c was constant
    fails("evaluate", "--model", tmp_path / "m.npz", "--data", tmp_path / "far.csv",
          words=["standardizing X overflowed", "(X - mean) / std", "rows 2 of X"])


# --- the public API ------------------------------------------------------------------------
def test_every_public_name_imports_and_is_documented():
    import importlib
    import inspect
    import types

    assert len(nndl.__all__) == len(set(nndl.__all__))
    for name in nndl.__all__:
        obj = getattr(nndl, name)
        assert obj is not None, name
        if isinstance(obj, (types.ModuleType, type, types.FunctionType)):
            doc = inspect.getdoc(obj)
            assert doc and len(doc) >= 10, f"nndl.{name} has no docstring"
    assert set(nndl.__all__) <= set(dir(nndl))
    for name, module in nndl._EXPORTS.items():  # defined where it says
        assert getattr(importlib.import_module(f"nndl.{module}"), name) is getattr(nndl, name)


def test_the_public_api_has_what_a_user_looks_for():
    from nndl import (ACTIVATIONS, COSTS, HEADS, INITIALIZERS, OPTIMIZERS, Adam,  # noqa: F401
                      EarlyStopping, Network, datasets, leaky_relu, load, metrics, relu, save)

    assert set(ACTIVATIONS) >= {"relu", "leaky_relu", "sigmoid", "tanh", "linear", "softmax"}
    assert set(COSTS) == {"binary_cross_entropy", "cross_entropy", "squared_error"}
    assert set(HEADS) == {"binary", "multiclass", "regression"}
    assert nndl.relu(np.array([[-1.0, 2.0]])).tolist() == [[0.0, 2.0]]
    assert nndl.datasets.load_builtin("iris").m == 150
    assert nndl.metrics.accuracy([1, 0], [1, 1]) == 0.5
    assert nndl.io.load is nndl.load  # any sub-module is there on first use
    with pytest.raises(AttributeError):
        nndl.no_such_name


def test_help_of_the_estimators_lists_their_parameters():
    pytest.importorskip("sklearn")
    import pydoc

    from nndl.sklearn import NNClassifier, NNRegressor

    for est in (NNClassifier, NNRegressor):
        text = pydoc.render_doc(est, renderer=pydoc.plaintext)
        assert "Parameters\n |  ----------" in text
        for p in est().get_params():
            assert f" |  {p} : " in text, (est.__name__, p)


@pytest.mark.parametrize("call, words", [
    (lambda: nndl.gradcheck(nndl.Network([2, 2, 1], seed=0), np.ones((2, 3)),
                            np.array([[0, 1, 1]]), epsilon=0), "epsilon must be a number in (0"),
    (lambda: nndl.gradcheck(nndl.Network([2, 2, 1], seed=0), np.ones((2, 3)),
                            np.array([[0, 1, 1]]), epsilon="1e-7"), "epsilon must be a number"),
    (lambda: __import__("nndl.progress").progress.ProgressBar(refresh=-1.0), "refresh"),
    (lambda: __import__("nndl.progress").progress.CostLog("x.log", flush_every=0), "flush_every"),
    (lambda: nndl.leaky_relu(True), "leaky_relu slope"),
    (lambda: nndl.datasets.make_flower(m=True), "m must be an even integer"),
    (lambda: nndl.datasets.make_circles(factor=float("nan")), "factor"),
])
def test_numeric_arguments_are_checked_where_they_come_in(call, words):
    with pytest.raises(NNDLError) as e:
        call()
    assert words in str(e.value)


def test_a_saved_label_map_is_checked_against_the_output_head():
    from nndl.model_state import label_map_from_state

    two = {"kind": "str", "classes": ["cat", "dog"]}
    assert label_map_from_state(two, 1, "sigmoid").classes.tolist() == ["cat", "dog"]
    assert label_map_from_state(two, 2, "softmax").n_classes == 2
    for n_out, output in ((3, "sigmoid"), (3, "softmax"), (1, "linear")):
        with pytest.raises(ValueError, match="a label map needs a classifier's output"):
            label_map_from_state(two, n_out, output)

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
PENDING = {"network.py", "training.py", "dual.py", "callbacks.py", "checkpoint.py"}
"""The model's modules, redesigned apart (issue 9)."""


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
        if path.name in TABLES | PENDING:
            continue
        for n, line in _code_lines(path):
            if path.name == "export.py" and re.match(r'\s*"(sigmoid|softmax|linear)": ', line):
                continue  # an entry of export's activation tables
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

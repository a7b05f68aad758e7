"""The layout issue 9 asks of the model's modules, checked on their source: the loop knows
nothing of the dual form, dual.py uses no private member of Network, no output names are
compared outside heads.py, and functions and modules stay small."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "nndl"
MODEL = ["network.py", "training.py", "first_layer.py", "dual.py", "callbacks.py",
         "checkpoint.py", "heads.py", "labels.py", "memory.py"]


def _code(name: str) -> str:
    return (SRC / name).read_text()


def test_the_loop_holds_nothing_of_the_dual_form():
    src = _code("training.py")
    assert not re.search(r"\bdual\.|import dual|from \.dual|\"C\"|sync", src)
    assert "reads_params" not in _code("callbacks.py") + _code("checkpoint.py")


def test_dual_uses_no_private_member_of_the_network():
    assert not re.search(r"\bnet\._", _code("dual.py"))


@pytest.mark.parametrize("name", ["network.py", "training.py", "first_layer.py", "dual.py",
                                  "callbacks.py", "checkpoint.py"])
def test_no_output_names_are_compared(name):
    names = r'"(sigmoid|softmax|linear)"'
    assert not re.search(rf"(==|!=|\bin)\s*\(?[^\n]*{names}|{names}\s*(==|!=)", _code(name))


ALL = sorted(str(p.relative_to(SRC)) for p in SRC.rglob("*.py"))


@pytest.mark.parametrize("name", ALL)
def test_functions_and_modules_stay_small(name):
    """Module <= 500 lines; function code (without its docstring) <= 80 lines."""
    text = _code(name)
    assert len(text.splitlines()) <= 500
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            first = node.body[0]
            doc = isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant)
            start = first.end_lineno + 1 if doc and len(node.body) > 1 else first.lineno
            assert node.end_lineno - start + 1 <= 80, node.name


def _module_name(path: Path) -> str:
    parts = ["nndl", *path.relative_to(SRC).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _top_level_imports(path: Path) -> set[str]:
    """The nndl modules a module imports when it is loaded (not inside functions)."""
    package = _module_name(path) if path.name == "__init__.py" else \
        _module_name(path).rpartition(".")[0]
    found: set[str] = set()
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.dump(node.test):
            continue
        for sub in ast.walk(node):
            if isinstance(sub, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                break
            if isinstance(sub, ast.Import):
                found |= {a.name for a in sub.names if a.name.startswith("nndl")}
            elif isinstance(sub, ast.ImportFrom):
                base = sub.module or ""
                if sub.level:
                    up = package.split(".")[: len(package.split(".")) - sub.level + 1]
                    base = ".".join(up + ([sub.module] if sub.module else []))
                if base.startswith("nndl"):
                    found.add(base)
                    found |= {f"{base}.{a.name}" for a in sub.names}
    return found


def test_no_import_cycle_at_module_level():
    """Each module's load-time nndl imports form a graph with no cycle (the package's lazy
    ``__init__`` aside, whose names load on first use)."""
    files = {_module_name(p): p for p in SRC.rglob("*.py")}
    graph = {name: {m for m in _top_level_imports(path) if m in files and m != name}
             for name, path in files.items()}
    assert graph["nndl.network"] >= {"nndl.heads", "nndl.training"}  # the parser sees imports
    state: dict[str, int] = {}

    def visit(name: str, trail: list[str]) -> None:
        state[name] = 1
        for nxt in sorted(graph[name]):
            if state.get(nxt) == 1 and nxt != "nndl":
                raise AssertionError("import cycle: " + " -> ".join(trail + [name, nxt]))
            if nxt not in state:
                visit(nxt, trail + [name])
        state[name] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name, [])

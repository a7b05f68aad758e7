"""The course's notebooks (examples/*.ipynb) run top to bottom, as stored, without outputs.

Each notebook asserts the course's numbers in its own cells, so running it is the check. The
kernel is ipykernel in this test's Python (jupyter_client maps a kernelspec's ``python`` to
``sys.executable``) and imports this checkout's nndl (PYTHONPATH). Notebooks whose metadata says
they need the cat data are skipped, with the reason, when it is absent.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
NOTEBOOKS = sorted(EXAMPLES.glob("*.ipynb"))

nbformat = pytest.importorskip("nbformat", reason="needs the notebooks extra")


def cat_folder() -> Path:
    """Where the notebooks look for the cat images: $NNDL_CAT_DATA (or $NNDL_CAT_DIR), else
    ../shared/data/cat relative to the repository root."""
    env = os.environ.get("NNDL_CAT_DATA") or os.environ.get("NNDL_CAT_DIR")
    return Path(env) if env else ROOT / ".." / "shared" / "data" / "cat"


def test_the_four_notebooks_are_there():
    assert [p.name for p in NOTEBOOKS] == [
        "01_logistic_regression_cat.ipynb", "02_planar_flower_one_hidden_layer.ipynb",
        "03_deep_network_step_by_step.ipynb", "04_deep_network_application_cat.ipynb"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_stored_without_outputs(path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, cell.source[:60]


def test_notebooks_match_their_generator():
    """examples/make_notebooks.py holds the cells; the .ipynb files are what it writes."""
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT / "src") + os.pathsep + env.get("PYTHONPATH", "")
    r = subprocess.run([sys.executable, str(EXAMPLES / "make_notebooks.py"), "--check"],
                       capture_output=True, text=True, env=env, timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs_top_to_bottom(path, monkeypatch):
    nbclient = pytest.importorskip("nbclient", reason="needs the notebooks extra")
    pytest.importorskip("ipykernel", reason="needs the notebooks extra")
    nb = nbformat.read(path, as_version=4)
    if "cat" in nb.metadata.get("nndl", {}).get("needs", []):
        pytest.importorskip("h5py", reason="the cat data is HDF5: needs h5py")
        if not (cat_folder() / "train_catvnoncat.h5").is_file():
            pytest.skip(f"cat data not found at {cat_folder()} (set NNDL_CAT_DATA, or put "
                        "shared/data/cat in the folder that holds the repository)")
    # The kernel is a child process: it inherits this environment.
    monkeypatch.setenv("PYTHONPATH", str(ROOT / "src") + os.pathsep +
                       os.environ.get("PYTHONPATH", ""))
    monkeypatch.setenv("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    client = nbclient.NotebookClient(nb, timeout=600, startup_timeout=180,
                                     kernel_name="python3",
                                     resources={"metadata": {"path": str(EXAMPLES)}})
    client.execute()  # raises CellExecutionError, with the cell and traceback, on failure
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs
              if o.output_type == "error"]
    assert errors == []
    images = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs
              if "image/png" in o.get("data", {})]
    assert images, "every notebook draws at least one plot"

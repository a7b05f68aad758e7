"""The playground's data: 2-D data sets on the plane [-6, 6]^2 and an uploaded CSV file.

Classification sets (labels 0/1): ``circle``, ``xor``, ``gauss`` (two Gaussian blobs),
``spiral`` (TensorFlow Playground's two arms of 1.75 turns) and the notes' ``flower``;
regression sets: ``plane`` (y = (x1 + x2)/10 plus noise) and ``gaussian`` (a sum of signed
Gaussian bumps). Circle, xor, gauss and flower come from :mod:`nndl.datasets.generators`,
scaled onto the plane; each set draws only from its ``seed``. ``noise`` is 0..0.5
(TensorFlow Playground's 0..50 %); the train/test split is :func:`nndl.datasets.split`
(stratified for classes).

An uploaded CSV file is read by :func:`nndl.datasets.load_csv` (two numeric columns and the
label column chosen by name) and mapped linearly onto the plane, each column's range to
[-5, 5]: ``(value - center) / half_range * 5`` (``PlaneData.center``, ``PlaneData.scale``).
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np

from ..datasets import Dataset, generators, load_csv, split
from ..datasets.base import task_for_classes
from ..datasets.cells import MISSING, is_number
from ..datasets.tables import Table, read_table
from ..errors import NNDLError, shorten
from ..limits import Budget
from ..validation import check_number, check_seed

Array = np.ndarray

DOMAIN = 6.0
"""The plane shown is [-DOMAIN, DOMAIN]^2."""
SPREAD = 5.0
"""Points are placed within [-SPREAD, SPREAD]^2."""
MAX_POINTS = 5000
"""The most points a generated set may have."""
MAX_UPLOAD_BYTES = 10 * 1024 * 1024
"""The largest CSV file accepted (10 MiB)."""
MAX_UPLOAD_ROWS = 10 * MAX_POINTS
"""The most rows of an uploaded file the playground trains on and draws (a 10 MiB file of
1.7 million short rows made a 22 MiB snapshot per update); more are refused, not sampled."""
MAX_CLASSES = 8
"""The most classes an uploaded file's label column may have (one colour each)."""


class NumbersNotClasses(NNDLError):
    """A label column of numbers to regress, chosen for classification: an upload then starts
    as a regression on it (as ``nndl playground --data`` does), before other columns."""


@dataclass
class PlaneData:
    """A data set on the plane: train and test parts, and the map from the source's units."""

    train: Dataset
    test: Dataset
    problem: str
    """``classification`` or ``regression``."""
    name: str
    center: Array = field(default_factory=lambda: np.zeros(2))
    scale: Array = field(default_factory=lambda: np.ones(2))
    """Plane coordinates are ``(source - center) / scale``."""
    columns: "list[str] | None" = None
    """For a CSV file: [x column, y column, label column]."""


def _circle(m: int, noise: float, rng: np.random.RandomState) -> tuple[Array, Array]:
    X, Y = generators.make_circles(m, noise=noise * 0.4, seed=rng, factor=0.45)
    return X * SPREAD, Y


def _xor(m: int, noise: float, rng: np.random.RandomState) -> tuple[Array, Array]:
    X, Y = generators.make_xor(m, noise=noise * 0.4, seed=rng)
    return X * SPREAD, Y


def _gauss(m: int, noise: float, rng: np.random.RandomState) -> tuple[Array, Array]:
    X, Y = generators.make_blobs(m, noise=0.5 + 3.0 * noise, seed=rng, k=2, radius=2.8)
    c, s = np.cos(np.pi / 4), np.sin(np.pi / 4)  # blobs at (2, 2) and (-2, -2)
    return np.array([[c, -s], [s, c]]) @ X, Y


def _spiral(m: int, noise: float, rng: np.random.RandomState) -> tuple[Array, Array]:
    """TensorFlow Playground's two spirals of 1.75 turns: for class j, point i of n,
    r = 5 i / n, t = 3.5 pi i / n + j pi, (r sin t, r cos t) + uniform(-noise, noise)."""
    parts = []
    for j, n in enumerate(generators.class_sizes(m, 2)):
        i = np.arange(n)
        r, t = SPREAD * i / n, 1.75 * 2 * np.pi * i / n + j * np.pi
        P = np.c_[r * np.sin(t), r * np.cos(t)]
        parts.append(P + rng.uniform(-1.0, 1.0, size=P.shape) * noise)
    return generators.stack_classes(parts)


def _flower(m: int, noise: float, rng: np.random.RandomState) -> tuple[Array, Array]:
    """The notes' flower of m points: it is drawn in two even halves, so an odd m draws one
    more and leaves the last out (101 points drew 102)."""
    X, Y = generators.make_flower(m + m % 2, noise=noise, seed=rng)
    return X[:, :m] * 1.2, Y[:, :m]


def _uniform(m: int, rng: np.random.RandomState) -> Array:
    return rng.uniform(-SPREAD, SPREAD, size=(2, m))


def _plane(m: int, noise: float, rng: np.random.RandomState) -> tuple[Array, Array]:
    X = _uniform(m, rng)
    y = (X[0] + X[1]) / (2 * SPREAD) + noise * rng.standard_normal(m)
    return X, y.reshape(1, m)


_BUMPS = ((-4.0, 2.5, 1.0), (0.0, 2.5, -1.0), (4.0, 2.5, 1.0),
          (-4.0, -2.5, -1.0), (0.0, -2.5, 1.0), (4.0, -2.5, -1.0))


def _gaussian(m: int, noise: float, rng: np.random.RandomState) -> tuple[Array, Array]:
    X = _uniform(m, rng)
    y = sum(s * np.exp(-((X[0] - cx) ** 2 + (X[1] - cy) ** 2) / 4.0) for cx, cy, s in _BUMPS)
    y = y + noise * rng.standard_normal(m)
    return X, np.asarray(y).reshape(1, m)


DATASETS: dict[str, tuple[str, str, Callable[..., tuple[Array, Array]]]] = {
    "circle": ("classification", "Circle", _circle),
    "xor": ("classification", "Exclusive or", _xor),
    "gauss": ("classification", "Gaussian", _gauss),
    "spiral": ("classification", "Spiral", _spiral),
    "flower": ("classification", "Flower (the notes')", _flower),
    "plane": ("regression", "Plane", _plane),
    "gaussian": ("regression", "Multi Gaussian", _gaussian),
}
"""Data set key -> (problem, label on the page, maker ``(m, noise, rng) -> (X, Y)``)."""


def _split(data: Dataset, ratio: float, seed: int) -> tuple[Dataset, Dataset]:
    """The train part (fraction ``ratio``) and the test part, every class in both; the split's
    refusal said in the page's words (it named stratify=False and nndl train's --dev)."""
    try:
        train, test, _ = split(data, dev=1.0 - ratio, test=0.0, seed=seed)
    except NNDLError:
        raise NNDLError(f"{data.m} points cannot be split {ratio:.0%} for training and "
                        f"{1 - ratio:.0%} for testing with every class in both parts: "
                        "choose another training ratio, or more points") from None
    assert test is not None
    return train, test


def make_data(name: str, m: int = 400, noise: float = 0.0, ratio: float = 0.5,
              seed: int = 1) -> PlaneData:
    """The generated set ``name`` (a key of :data:`DATASETS`) of ``m`` points, split into a
    train part (fraction ``ratio``) and a test part.

    Parameters
    ----------
    name : str
        A key of :data:`DATASETS`.
    m : int
        Number of points, 10..MAX_POINTS.
    noise : float
        0..0.5.
    ratio : float
        Fraction used for training, 0.1..0.9.
    seed : int
        Seed of the points and of the split.

    Returns
    -------
    PlaneData
    """
    if name not in DATASETS:
        raise NNDLError(f"unknown data set {name!r}; expected one of {list(DATASETS)}")
    m = int(check_number("m", m, integer=True, low=10, high=MAX_POINTS))
    noise = float(check_number("noise", noise, low=0, high=0.5))
    ratio = float(check_number("ratio", ratio, low=0.1, high=0.9))
    seed = check_seed(seed) or 0
    problem, _, maker = DATASETS[name]
    X, Y = maker(m, noise, np.random.RandomState(seed))
    if problem == "classification":
        data = Dataset(X=np.ascontiguousarray(X, dtype=np.float64), Y=Y.astype(np.int64),
                       classes=["0", "1"], feature_names=["x1", "x2"],
                       task=task_for_classes(2), name=name)
    else:
        data = Dataset(X=np.ascontiguousarray(X, dtype=np.float64), Y=Y.astype(np.float64),
                       feature_names=["x1", "x2"], task="regression", name=name)
    train, test = _split(data, ratio, seed)
    return PlaneData(train, test, problem, name)


# --- uploaded CSV files ------------------------------------------------------------------
def _check_size(content: bytes) -> None:
    if len(content) > MAX_UPLOAD_BYTES:  # (read up to one byte more than the cap: "more")
        raise NNDLError(f"the file has more than {MAX_UPLOAD_BYTES} bytes; the playground "
                        f"takes CSV files of at most {MAX_UPLOAD_BYTES // (1024 * 1024)} MiB")
    if not content.strip():
        raise NNDLError("the file is empty; expected a CSV table with a header row")
    if content[:2] == b"\x1f\x8b":  # (its lines could not be counted, nor its size capped)
        raise NNDLError("the file is gzip-compressed; the playground takes CSV text: "
                        "decompress it first (nndl train reads .csv.gz files)")


_PAGE_ADVICE = {
    "(to leave a column out: drop=[name] in Python, --drop NAME on the command line)":
        "(choose other columns)",
    "(drop_missing=True; nndl train or evaluate --drop-missing)": "from the file",
    "say which: header=True or header=False (nndl --header or --no-header)":
        "the playground takes a file whose first row names the columns",
}
"""What the loader's messages advise (options of nndl train and of Python), and what to do on
the page instead."""


def _page_words(text: str) -> str:
    for said, instead in _PAGE_ADVICE.items():
        text = text.replace(said, instead)
    return text


def _with_file(content: bytes, name: str, read: Callable[[str], object]) -> object:
    """``read(path)`` of the uploaded bytes written to a private temporary file; its errors
    name the file as its sender did, and advise what the page can do."""
    suffix = ".csv" if not name.lower().endswith((".tsv", ".txt")) else name[-4:]
    with tempfile.TemporaryDirectory(prefix="nndl-playground-") as tmp:
        path = os.path.join(tmp, "upload" + suffix)
        with open(path, "wb") as f:
            f.write(content)
        try:
            return read(path)
        except NNDLError as exc:  # the messages name the file as its sender did
            text = _page_words(str(exc))
            if text.startswith(f"upload{suffix}:"):
                text = shorten(name, 80) + text[len("upload" + suffix):]
            if text == str(exc):
                raise
            raise NNDLError(text) from None


def csv_columns(content: bytes, name: str = "upload.csv"
                ) -> tuple[list[str], list[list[str]]]:
    """The column names of an uploaded CSV file (its header row), and the choices of columns
    the page tries to start on (:func:`default_columns`, judged on the rows the header is
    judged on)."""
    _check_size(content)

    def head(path: str) -> Table:
        return read_table(Path(path), Budget(Path(path).name, None), head_only=True)

    table: Table = _with_file(content, name, head)  # type: ignore[assignment]
    if not table.header:
        raise NNDLError(f"{shorten(name, 80)}: expected a CSV table whose first row names the "
                        "columns (two numeric columns and a label column)")
    cells = [[r[j] for r in table.rows if r[j].strip().lower() not in MISSING]
             for j in range(table.width)]  # (a column of empty cells holds no numbers)
    numeric = [bool(c) and all(is_number(v, table.decimal) for v in c) for c in cells]
    return list(table.header), default_columns(list(table.header), numeric)


def _lines_with_text(content: bytes) -> int:
    """How many lines of ``content`` hold more than spaces: an upper bound of its rows, at C
    speed (blank lines, lines of spaces and the empty line of a doubled ``\r\r\n`` are not
    rows, as the reader skips them; a quoted field's line break still counts)."""
    a = np.frombuffer(content, dtype=np.uint8)
    if not a.size:
        return 0
    end = (a == 10) | (a == 13)
    blank = end | (a == 32) | (a == 9) | (a == 11) | (a == 12)  # line ends, spaces, tabs
    line = np.cumsum(end, dtype=np.int32)[~blank]  # the line of each other byte
    return int(line.size > 0) + int(np.count_nonzero(np.diff(line)))


def _to_plane(X: Array) -> tuple[Array, Array, Array]:
    """``X`` (2, m) mapped onto the plane (each row's range to [-SPREAD, SPREAD]), its center
    and scale. Halved before adding, so that values near the largest floats (+-1e308) do not
    overflow (every point was drawn at 0); a range too narrow to halve (subnormal numbers)
    counts as a constant column."""
    lo, hi = X.min(axis=1), X.max(axis=1)
    center = lo / 2 + hi / 2
    scale = (hi / 2 - lo / 2) / SPREAD
    scale = np.where(scale > 0, scale, 1.0)
    return (X - center[:, None]) / scale[:, None], center, scale


def _check_targets(Y: Array, name: str, column: str) -> None:
    """NNDLError unless the squared error of the targets ``Y`` (1, m) fits in float64 (the
    playground trains on them as they are; training would stop at once)."""
    top = float(np.max(np.abs(Y))) if Y.size else 0.0
    if top > np.sqrt(np.finfo(np.float64).max / max(Y.shape[1], 1)):
        raise NNDLError(f"{shorten(name, 80)}: column {shorten(repr(column), 40)} reaches "
                        f"|y| = {top:.3g}, too large to train on (its squared error overflows "
                        "float64); scale the column")


def csv_data(content: bytes, columns: "list[str]", problem: str = "classification",
             ratio: float = 0.5, seed: int = 1, name: str = "upload.csv") -> PlaneData:
    """An uploaded CSV file as plane data: ``columns`` = [x1 column, x2 column, label
    column]; classification takes two classes, regression a numeric label."""
    _check_size(content)
    lines = _lines_with_text(content)
    if lines > MAX_UPLOAD_ROWS + 1:  # counted before the cells are read: 1.7 million short
        raise NNDLError(                # rows of 10 MiB took 5 s and 350 MiB to refuse
            f"{shorten(name, 80)}: {lines} lines; the playground trains on and draws at "
            f"most {MAX_UPLOAD_ROWS} rows: upload a sample of the file (nndl train takes "
            "it whole)")
    if len(columns) != 3 or len(set(columns)) != 3:
        raise NNDLError(f"choose three different columns (x1, x2, label); got {columns}")
    task = "regression" if problem == "regression" else None

    def read(path: str) -> Dataset:
        return load_csv(path, label=columns[2], task=task, features=columns[:2])

    data: Dataset = _with_file(content, name, read)  # type: ignore[assignment]
    k = len(data.classes or [])
    if problem == "classification" and data.task == "regression":
        raise NumbersNotClasses(f"{shorten(name, 80)}: column {columns[2]!r} holds numbers (a "
                                "regression target), not classes: choose Regression, or a "
                                f"label column of 2 to {MAX_CLASSES} classes")
    if problem == "classification" and not 2 <= k <= MAX_CLASSES:
        raise NNDLError(f"{shorten(name, 80)}: column {columns[2]!r} holds {k} classes; "
                        f"the playground classifies 2 to {MAX_CLASSES} (or choose Regression)")
    if data.m < 4:
        raise NNDLError(f"{shorten(name, 80)}: {data.m} rows are too few to train and test")
    if data.m > MAX_UPLOAD_ROWS:
        raise NNDLError(f"{shorten(name, 80)}: {data.m} rows; the playground trains on and "
                        f"draws at most {MAX_UPLOAD_ROWS}: upload a sample of the file (nndl "
                        "train takes it whole)")
    if problem == "regression":
        _check_targets(data.Y, name, columns[2])
    X, center, scale = _to_plane(data.X)
    data.X = np.ascontiguousarray(X)
    data.name = name  # whole: the exported code reads the file by it (pages shorten it)
    ratio = float(check_number("ratio", ratio, low=0.1, high=0.9))
    train, test = _split(data, ratio, check_seed(seed) or 0)
    return PlaneData(train, test, problem, data.name, center, scale, list(columns))


def start_problem(upload: "tuple[bytes, str]", choices: list[list[str]]
                  ) -> tuple[list[str], str]:
    """The first of the ``--data`` file's choices of columns (:func:`default_columns`) that
    can be trained, and as what: classification, else regression (a label column of
    numbers); NNDLError when none can, so that the command fails at once instead of serving
    a page no session can start on."""
    first = None
    for columns in choices:
        for problem in ("classification", "regression"):
            try:
                csv_data(upload[0], columns, problem, name=upload[1])
                return columns, problem
            except NNDLError as exc:
                first = first or exc
    raise NNDLError(f"{first}; the playground starts on the columns "
                    f"{shorten(choices[0], 120)} (x1, x2, the label): put the columns to "
                    "train on first, the label last") from None


def default_columns(columns: list[str], numeric: "list[bool] | None" = None
                    ) -> list[list[str]]:
    """The choices of columns [x1, x2, label] the page tries to start on, in turn: the label
    is the last column; when that holds numbers and another column text, the last column of
    text is tried next (iris' ``species`` first: the file was refused, and no other column
    could be chosen). x1 and x2 are the first two columns of numbers besides the label
    (``numeric``: which columns hold numbers), those with a name first (not pandas' unnamed
    index column, ``""`` or ``Unnamed: 0``)."""
    if len(columns) < 3:
        raise NNDLError(f"the file has {len(columns)} column(s) {shorten(columns, 80)}; the "
                        "playground needs two numeric columns and a label column")
    numeric = numeric if numeric is not None else [True] * len(columns)
    text = [j for j, n in enumerate(numeric) if not n]
    labels = [len(columns) - 1] + ([text[-1]] if numeric[-1] and text else [])
    choices = []
    for label in labels:
        rest = [j for j in range(len(columns)) if j != label]
        numbers = [j for j in rest if numeric[j]]
        named = [j for j in numbers
                 if columns[j].strip() and not columns[j].startswith("Unnamed:")]
        x = next(c for c in (named, numbers, rest) if len(c) >= 2)
        choices.append([columns[x[0]], columns[x[1]], columns[label]])
    return choices


__all__ = ["DATASETS", "DOMAIN", "MAX_CLASSES", "MAX_POINTS", "MAX_UPLOAD_BYTES",
           "MAX_UPLOAD_ROWS", "NumbersNotClasses", "PlaneData", "csv_columns", "csv_data",
           "default_columns", "make_data", "start_problem"]

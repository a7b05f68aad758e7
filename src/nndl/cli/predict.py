"""``nndl predict``: the predicted label and its probability (or the predicted values) for
every sample of data files and image files.

    nndl predict --model model.npz photo.jpg table.csv [--out predictions.csv]
"""

from __future__ import annotations

import argparse
import csv
import io as _stdio
import sys
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from .. import datasets, heads
from ..datasets import IMAGE_SUFFIXES, Dataset
from ..errors import NNDLError
from ..files import atomic_write, is_stdout, not_an_input
from . import arguments as a
from .applies import check_model_options
from .common import check_width, read_model
from .model_data import read_for_model

NAME = "predict"


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    r = subparsers.add_parser(NAME, help="predict labels of data or image files",
                              description="Print the predicted label and its probability for "
                              "every sample of every INPUT (data files or image files).")
    r.add_argument("--model", required=True, type=a.path,
                   help="a model saved by nndl train")
    r.add_argument("inputs", nargs="+", type=a.path, metavar="INPUT", help="data files (.csv, .npz, .h5, a "
                   "folder) or image files (.png, .jpg, ...)")
    r.add_argument("--label", help="CSV label column to skip, by name or index (default: the "
                   "one chosen at training, when the file has it)")
    r.add_argument("--drop", type=a.column_list, action="extend", metavar="COLS",
                   help="CSV: columns to leave "
                   "out (by name or index), e.g. an ID column")
    r.add_argument("--out", type=a.path, help="write the predictions to this CSV file instead (tab-"
                   "separated for a name ending in .tsv)")
    a.add_header_options(r)
    a.add_decimal_option(r, "as given at training, else detected")
    r.set_defaults(run=run)
    return r


def run(args: argparse.Namespace) -> int:
    check_model_options(args.inputs, label=args.label, drop=args.drop, header=args.header,
                        decimal=args.decimal)
    to_file = bool(args.out) and not is_stdout(args.out)
    if to_file:
        not_an_input(args.out, "--out", [("the model", args.model),
                                         *(("an input", p) for p in args.inputs)])
    net, meta = read_model(args.model)
    inputs = read_inputs(args.inputs, net, meta, args.label, args.drop, args.header,
                         args.decimal)
    if to_file:  # nor an image read from a folder given
        not_an_input(args.out, "--out", [("an input", Path(p) / n) for p, d in inputs
                                         if d.sample_names and Path(p).is_dir()
                                         for n in d.sample_names])
    rows = [row for source, data in inputs for row in _rows(net, source, data)]
    header = ["input", "index", *_columns(net)]
    if args.out:
        buf = _stdio.StringIO()
        tabs = str(args.out).lower().endswith(".tsv")
        csv.writer(buf, delimiter="\t" if tabs else ",", lineterminator="\n").writerows(
            [header, *rows])
        atomic_write(args.out, lambda f: f.write(buf.getvalue()), mode="w", what="predictions")
        print(f"wrote {len(rows)} predictions to {args.out}",
              file=sys.stderr if is_stdout(args.out) else sys.stdout)  # not a row of the CSV
    else:  # one line per sample: a tab or a line break in a name is written \t or \n
        for r in rows:
            print("\t".join(_one_field(x) for x in r if x != ""))
    return 0


_BIDI = (0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A))
"""Unicode's bidirectional controls: a class name holding U+202E (right-to-left override)
printed the rest of its line backwards on a terminal."""
_ESCAPES = str.maketrans({**{chr(c): f"\\x{c:02x}" for c in (*range(32), *range(127, 160))},
                          **{chr(c): f"\\u{c:04x}" for c in _BIDI},
                          "\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
"""A field of a printed line as ``cut`` and ``wc -l`` see one: its tabs and line breaks (and
backslashes, so that it reads back) written with a backslash (a class "new\\nline" split a
prediction over two lines), and the other control characters as ``\\xNN`` (a class name
holding a terminal's escape sequence, ``\\x1b]0;title\\x07``, was printed raw: the terminal
ran it)."""


def _one_field(text: str) -> str:
    return text.translate(_ESCAPES)


def _columns(net: Any) -> list[str]:
    """The names of the columns after input and index: label and probability (value and an
    empty probability for a regression) for a model of one output; for k outputs one column
    each, value_1..value_k, or label_1..label_k then probability_1..probability_k, P(label
    i = 1) (several numbers in one cell were read as text)."""
    head, k = heads.for_output(net.output), int(net.layer_dims[-1])
    if k == 1 or head.task == "multiclass":
        return ["label" if head.is_classifier else "value", "probability"]
    if not head.is_classifier:
        return [f"value_{i}" for i in range(1, k + 1)]
    return [f"{c}_{i}" for c in ("label", "probability") for i in range(1, k + 1)]


def _rows(net: Any, source: str, data: Dataset) -> list[list[str]]:
    """[input, index, then the :func:`_columns`] per sample: label, probability (value, ''
    for a regression) for one output; each output's value, or each label then each P(label
    = 1), for several. The input is the image's own file for a folder of images, else the
    file given."""
    X, m = data.X, data.X.shape[1]
    where = [source] * m
    index = [str(j) for j in range(m)]
    if data.sample_names is not None and Path(source).is_dir():  # a folder: one file each
        where = [str(Path(source) / n) for n in data.sample_names]
    head = heads.for_output(net.output)
    A = net.forward(X)
    if not head.is_classifier:  # every digit: the shortest text that reads back as v
        empty = [""] if A.shape[0] == 1 else []
        return [[where[j], index[j], *(str(v) for v in A[:, j]), *empty] for j in range(m)]
    if A.shape[0] > 1 and head.task == "binary":  # sigmoid units, one yes/no answer each
        labels = head.indices(A)
        return [[where[j], index[j], *(str(int(v)) for v in labels[:, j]),
                 *(f"{p:.6f}" for p in A[:, j])] for j in range(m)]
    names = heads.class_names(net)
    classes, probabilities = head.indices(A)[0], head.confidence(A)
    return [[where[j], index[j], names[int(c)], f"{p:.6f}"]
            for j, (c, p) in enumerate(zip(classes, probabilities))]


def read_inputs(paths: Sequence[str], net: Any, meta: dict, label: "str | None",
                drop: "list | None" = None, header: "bool | None" = None,
                decimal: "str | None" = None) -> list[tuple[str, Dataset]]:
    """[(source, data)] for the data files and image files (sized as the model's), in the
    order given (image files came after the rest); ``header`` and ``decimal`` as the tables
    among them are read."""
    images = [p for p in paths if Path(p).suffix.lower() in IMAGE_SUFFIXES
              and not Path(p).is_dir()]  # a folder named shots.png/ is a folder
    info = meta.get("info") or {}
    if any(Path(p).is_dir() for p in paths) and not info.get("image_size"):
        # a folder of images, for a model saved from Python: the size image files get
        meta = {**meta, "info": {**info, "image_size": _image_size(net, meta)}}
    size = _image_size(net, meta) if images else None
    out = []
    for p in paths:
        if p not in images:
            out.append((p, _read_data(p, net, meta, label, drop, header, decimal)))
            continue
        if not Path(p).is_file():
            raise NNDLError(f"image file not found: {p}")
        data = datasets.load_images([p], image_size=tuple(size))  # type: ignore[arg-type]
        check_width(net, data, p)
        out.append((p, data))
    return out


def _read_data(path: str, net: Any, meta: dict, label: "str | None",
               drop: "list | None", header: "bool | None" = None,
               decimal: "str | None" = None) -> Dataset:
    """A data file to predict on, read as the model was trained (see
    :func:`~nndl.cli.model_data.read_for_model`): a table's columns matched by header name when
    the model knows them; its label column, when there, left out; a table without a header
    holds features only when its width is the model's, else its last column is a label."""
    return read_for_model(path, net, meta, label=label, labelled=False, drop=drop,
                          header=header, decimal=decimal)


def _image_size(net: Any, meta: dict) -> list[int]:
    """The model's image size [h, w]: as trained on images; for a model saved from Python
    (no training record), square RGB images of its n[0] = 3 * side^2 features. A model that
    ``nndl train`` trained on a table, or on arrays that were not 8-bit images unless the
    features it standardized average within [0, 1] (flattened pixels / 255), refuses images:
    NNDLError (float 0..255 or 16-bit image arrays would be fed at another scale)."""
    from ..datasets.tables import is_table
    from ..errors import shorten

    info = meta.get("info") or {}
    size = info.get("image_size")
    if size is not None:
        return size
    n0 = net.layer_dims[0]
    names = info.get("feature_names")
    if isinstance(names, list) and names:
        shown = ", ".join(shorten(str(n), 60) for n in names[:10])
        shown += f", ... ({len(names)} in all)" if len(names) > 10 else ""
        raise NNDLError(f"this model was trained on table columns [{shown}], not images")
    source = info.get("data_name")
    if isinstance(source, str) and is_table(Path(source)):
        raise NNDLError(f"this model was trained on the table {shorten(source, 80)} "
                        f"({n0} columns), not images")
    pre = net.preprocessing
    mean = getattr(pre, "mean", None)  # a Standardizer's
    in_unit_range = mean is not None and bool(np.all((mean >= 0) & (mean <= 1)))
    if isinstance(source, str) and not in_unit_range:
        # nndl train read no images there (it saves their size), and the features it
        # standardized do not average within [0, 1] as pixels / 255 do (0..255 arrays)
        raise NNDLError(f"this model was trained on {shorten(source, 80)} ({n0} features), "
                        "not on images nndl read (a folder of images, or 8-bit image arrays "
                        "(m, h, w, 3)), and its features were not pixels in [0, 1]: image "
                        "files, read in [0, 1], would be fed at another scale; give its "
                        "features as arrays instead")
    side = int(round(np.sqrt(n0 / 3)))
    if 3 * side * side != n0:
        raise NNDLError(f"this model takes {n0} features, not RGB images")
    return [side, side]

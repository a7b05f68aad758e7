"""Text tables (CSV, TSV, ``.txt``, each optionally gzipped) -> rows of cells -> numbers.

:func:`read_table` does the reading a user's file needs before any number is made:

- the text is read from a regular file only (:func:`nndl.files.open_regular`), gzip inflated
  within the file's memory budget (:mod:`nndl.limits`), UTF-8 with or without a BOM (or
  UTF-16 / UTF-32 with one: a spreadsheet's "Unicode text"), any line ending (``\\n``,
  ``\\r\\n``, ``\\r``), blank lines skipped;
- the delimiter is the one of ``,`` ``;`` tab ``|`` that splits the first lines into the same
  number of fields, most of them numbers (``.tsv``: tab first), else runs of spaces when they
  do; a first line ``sep=;`` (Excel's) names it; a last column empty in every row (a
  delimiter at the end of each line) is not a column;
- a decimal comma (``1,5`` in a ``;`` or tab separated file) is read as ``1.5``; a file whose
  every comma number may be a thousands separator (``44,170``, or 44.17?) is refused
  (:mod:`nndl.datasets.decimals`);
- the first row is a header when it holds no number at all, when a column is numeric in the
  rows after it but not in it (or text below a number), when its numbers are 0..n-1 (1..n:
  pandas' and R's default names; a warning says so, and ``counted=False``, for a model
  trained without a header, reads such a row as data), or when a text column's values repeat
  (classes) and its first cell is none of them above numbers written as whole numbers over
  decimals (``400,410,420,species``); judged on up to :data:`HEADER_SAMPLE` rows, all kept.
  Where the evidence points both ways it is an error asking for ``header=True`` or
  ``False``: a first row of whole numbers above decimals in every column but a label's
  (``2019,2020,2021`` over ``0.52,1.75,...``), a class found in row 1 only above data-like
  numbers, or a name beside numbers written with decimals. A first row holding all of a
  model's column names (``names``) is the header (with a warning if they are numbers).

:func:`number_cells` turns the chosen columns into a float64 array, saying which line and
column holds a cell that is not a number, or a missing value (an empty cell, ``NA``, ``NaN``,
``?``, ...), unless rows with missing values are dropped.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import os
import re
import zlib
from dataclasses import dataclass
from itertools import chain, product
from operator import itemgetter
from pathlib import Path
from statistics import median
from sys import getsizeof
from typing import Iterator, Sequence

import numpy as np

from ..errors import MissingValueError, NNDLError, shorten
from ..files import open_regular
from ..limits import MAX_RATIO, Budget
from .. import memory
from ..memory import check_memory, gib
from .cells import MISSING, is_number
from .decimals import DECIMAL_COMMA, column_text, decide_decimal, decimal_comma
from .headers import HEADER_SAMPLE, has_header

TEXT_SUFFIXES = (".csv", ".tsv", ".txt")
"""Text tables; each may also end in ``.gz`` (gzip)."""
DELIMITERS = (",", ";", "\t", "|")
_SEP_LINE = re.compile(r"sep=([^\r\n])\r?\n")


def is_table(path: Path) -> bool:
    """Whether ``path`` is named like a text table (``.csv``, ``.tsv``, ``.txt``, + ``.gz``)."""
    name = path.name.lower()
    if name.endswith(".gz"):
        name = name[:-3]
    return name.endswith(TEXT_SUFFIXES)


@dataclass
class Table:
    """A text table's cells (spaces stripped), as read: ``rows`` after the header."""

    rows: list[list[str]]
    header: "list[str] | None"
    delimiter: str
    decimal: str
    source: str
    lines: list[int]
    """The line of the file where each row starts (1-based, as an editor counts them: blank
    lines, the header and a quoted field's line breaks included)."""
    decimal_said: bool = False
    """Whether the caller said the decimal mark (``decimal=``, a model's saved setting): it is
    not judged then."""
    decimal_proved: bool = False
    """Whether a decimal comma was proved by a number no thousands separator makes: settled,
    not judged again by later calls."""
    marks: frozenset = frozenset("_.,")
    """Which of ``_ . ,`` the file's text holds anywhere: a cell can hold only those (asked
    once of the whole text at C speed, so that most files need no look at every cell)."""

    @property
    def width(self) -> int:
        return len(self.header if self.header is not None else self.rows[0])

    def line(self, i: int) -> int:
        """The line number of row ``i`` in the file (1-based)."""
        return self.lines[i]

    def drop(self, rows: "set[int]") -> None:
        """Leave out the rows whose indices are in ``rows`` (their line numbers with them)."""
        self.rows = [r for i, r in enumerate(self.rows) if i not in rows]
        self.lines = [n for i, n in enumerate(self.lines) if i not in rows]

    def column(self, j: int) -> str:
        """How to name column ``j`` in a message."""
        return f"column {self.header[j]!r}" if self.header is not None else f"column {j}"


def read_text(path: Path, budget: Budget) -> str:
    """The text of ``path`` (gzip inflated when its name ends in ``.gz``), within ``budget``."""
    with open_regular(path, "data file") as fh:
        size = os.fstat(fh.fileno()).st_size
        try:
            if path.name.lower().endswith(".gz"):
                most = max(MAX_RATIO * size, budget.limit)
                data = gzip.GzipFile(fileobj=fh, mode="rb").read(most + 1)
            else:
                data = fh.read()
        except (OSError, EOFError, zlib.error) as exc:
            raise NNDLError(f"{shorten(path.name)}: not a readable gzip file "
                            f"({shorten(exc, 120)})") from None
    budget.take(len(data), size, "the text")
    encoding = text_encoding(data)
    try:
        return data.decode(encoding)
    except UnicodeDecodeError:
        what = ('UTF-8 text; a spreadsheet saves it as "CSV UTF-8"' if encoding == "utf-8-sig"
                else f"{encoding.upper()} text as its byte-order mark says")
        raise NNDLError(f"{shorten(path.name)}: not a text CSV file (it is not {what})") \
            from None


def text_encoding(data: bytes) -> str:
    """The codec of a text table's bytes: UTF-32 or UTF-16 when they start with that
    encoding's byte-order mark (spreadsheets' "Unicode text" export is UTF-16 with one), else
    UTF-8 (a UTF-8 byte-order mark is skipped). Text in another 8-bit encoding (Latin-1,
    Windows-1252) is not guessed at: it fails as UTF-8, and the user is told so."""
    if data.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        return "utf-32"  # before UTF-16: the UTF-32 LE mark starts with the UTF-16 LE one
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    return "utf-8-sig"


def _split(text: str, delimiter: str, source: str,
           limit: "int | None" = None) -> tuple[list[list[str]], list[int]]:
    """The rows of ``text``, cells stripped, and the line where each starts (1-based).

    Blank lines are left out, and so are rows of only delimiters (``,,,``, a spreadsheet's
    empty rows) before the first row and after the last one with a value. Between rows with
    values such a row is kept, as a row of empty cells: a sample whose values are missing,
    which :func:`refuse_missing` names (dropping it silently would pair every later row of
    ``nndl predict``'s output with the wrong sample). Delimiter ``" "``: runs of spaces and
    tabs (a line of them is blank). ``limit``: stop after that many rows from the first one
    with a value (the rows the full split begins with; none left out at the end)."""
    rows: list[list[str]] = []
    lines: list[int] = []
    first = None  # the first row with a value
    for row, n in _rows(text, delimiter, source):
        rows.append(row)
        lines.append(n)
        if first is None and any(row):
            first = len(rows) - 1
        if limit is not None and first is not None and len(rows) - first == limit:
            if any(row):
                return rows[first:], lines[first:]
            limit = None  # a row of only delimiters last: whether it is the file's last is
            # for the whole split to find (they are left out at the end only)
    # rows of only delimiters before the first row with a value and after the last one
    first = next((k for k, r in enumerate(rows) if any(r)), len(rows))
    last = next((k for k in range(len(rows) - 1, first - 1, -1) if any(rows[k])), first - 1)
    if first or last < len(rows) - 1:
        del rows[last + 1:], lines[last + 1:], rows[:first], lines[:first]
    return rows, lines


def _rows(text: str, delimiter: str, source: str) -> "Iterator[tuple[list[str], int]]":
    """Each row of ``text`` but blank lines, cells stripped, with the line it starts on."""
    if delimiter == " ":
        for n, line in enumerate(text.splitlines(), start=1):
            if line.strip():
                yield list(map(str.strip, _fields(line))), n  # a quoted " NA" too
        return
    reader = csv.reader(_lines(text), delimiter=delimiter)
    start = 1
    try:
        for r in reader:
            if r and (len(r) > 1 or r[0].strip()):
                r[:] = map(str.strip, r)  # in place: a big file's cells are most memory
                yield r, start
            start = reader.line_num + 1
    except csv.Error as exc:
        raise NNDLError(f"{source}: not a readable CSV file ({shorten(exc, 120)})") from None


_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+")


def _lines(text: str) -> "Iterator[str]":
    """The lines of ``text`` with their ends, split where ``io.StringIO(text, newline="")``
    splits them (``\\n``, ``\\r\\n``, ``\\r``), one at a time (a StringIO holds a copy of the
    text at 4 bytes a character: 148 MB for a 37 MB file)."""
    return (m.group() for m in _LINE.finditer(text))


def _first_lines(text: str, n: int) -> list[str]:
    """``text.splitlines()[:n]`` without splitting the rest of a big file."""
    size = 1 << 16
    while True:
        lines = text[:size].splitlines()
        if len(lines) > n or size >= len(text):  # the n-th line ends inside the prefix
            return lines[:n]
        size *= 4


_FIELD = re.compile(r'"((?:[^"]|"")*)"(?=\s|$)|(\S+)')


def _fields(line: str) -> list[str]:
    """A whitespace-separated line's fields, a quoted one (``"New York"``, as R's
    write.table writes names and text) without its quotes, ``""`` in it as ``"``: quotes are
    CSV quoting here too, not part of the names and labels."""
    if '"' not in line:
        return line.split()
    return [m.group(1).replace('""', '"') if m.group(2) is None else m.group(2)
            for m in _FIELD.finditer(line)]


def _sniff(text: str, preferred: "str | None", source: str) -> tuple[str, str]:
    """``(delimiter, decimal)`` judged on the first lines of ``text``."""
    head = "\n".join(_first_lines(text, HEADER_SAMPLE + 1))
    order = ([preferred] if preferred else []) + [d for d in DELIMITERS if d != preferred]
    order.append(" ")  # runs of spaces, last: where they split into more numbers
    best, best_score, row_names = order[0], None, None
    for d in order:
        if d not in head:
            continue
        try:
            rows = _split(head, d, "")[0]
        except NNDLError:
            continue
        widths = {len(r) for r in rows}
        if d == " " and len(rows) > 1 and widths == {len(rows[0]), len(rows[0]) + 1} \
                and all(len(r) > len(rows[0]) for r in rows[1:]):
            row_names = len(rows[0])  # a header without the row names' column
        if len(widths) != 1 or widths == {1}:
            continue
        decimal = "," if d != "," and decimal_comma(rows) else "."
        numbers = sum(is_number(c, decimal) for r in rows for c in r)
        if d == " " and numbers < len(rows):  # spaces split text too: only columns of numbers
            continue
        score = (numbers, -order.index(d))
        if best_score is None or score > best_score:
            best, best_score = d, score
    if best_score is None and row_names is not None:
        raise NNDLError(
            f"{source}: the header has {row_names} fields and the rows below it {row_names + 1}"
            ": a table written with row names (pandas' df.to_string(), R's write.table), "
            "whose header has none for them; write it without them (pandas: "
            "df.to_csv(path, index=False); R: write.table(df, path, row.names=FALSE)), or "
            "add a name for the first column to the header")
    rows = _split(head, best, source)[0] if best in head else []
    return best, ("," if best != "," and decimal_comma(rows) else ".")


def read_table(path: Path, budget: Budget, *, header: "bool | None" = None,
               delimiter: "str | None" = None, decimal: "str | None" = None,
               names: "Sequence[str] | None" = None, counted: bool = True,
               head_only: bool = False) -> Table:
    """Read ``path`` into a :class:`Table` (see the module doc). ``header``, ``delimiter``
    and ``decimal`` (``"."`` or ``","``) override what is detected; ``names``: column names
    the header is expected to hold (a trained model's), which decide when detection cannot.
    ``counted=False``: a first row of numbers counting 0..n-1 or 1..n is not taken for
    pandas'/R's default column names (a model trained on a file without a header reads its
    data; such a row is as likely Likert answers 1,2,3). ``head_only``: the header and the
    rows it is judged on only (the same header; the rows after them are not split)."""
    source = shorten(path.name)
    text = read_text(path, budget)
    if delimiter is not None and (not isinstance(delimiter, str) or len(delimiter) != 1):
        raise NNDLError(f"delimiter must be one character; got {shorten(repr(delimiter), 40)}")
    if decimal not in (None, ".", ","):
        raise NNDLError(f"decimal must be '.' or ','; got {shorten(repr(decimal), 40)}")
    preferred = "\t" if path.name.lower().removesuffix(".gz").endswith(".tsv") else None
    said = _SEP_LINE.match(text)
    if said:  # Excel's first line "sep=;" names the delimiter
        text = text[said.end():]
        delimiter = delimiter or said.group(1)
    sniffed, dec = _sniff(text, delimiter or preferred, source)
    delimiter = delimiter or sniffed
    given, decimal = decimal is not None, decimal or dec
    limit = HEADER_SAMPLE + 1 if head_only else None
    if limit is None:
        _check_room(text, delimiter, source, budget)
    try:
        rows, lines = _split(text, delimiter, source, limit)
        if limit is not None and len(rows) == limit and all(r and r[-1] == "" for r in rows):
            rows, lines = _split(text, delimiter, source)  # the rule below is the whole file's
    except MemoryError:  # beyond the estimate: raised below, once the rows made are freed
        rows = None
    if rows is None:
        raise out_of_room(source)
    if not rows:
        raise NNDLError(f"{source}: the CSV file is empty")
    if said:  # the "sep=" line is a line of the file
        lines = [n + 1 for n in lines]
    if len(rows[0]) > 1 and all(r and r[-1] == "" for r in rows):  # "a,b," lines
        rows = [r[:-1] for r in rows]
    width = len(rows[0])
    rows = [r if len(r) == width or any(r) else [""] * width for r in rows]  # "," of 3: empty
    for r, n in zip(rows, lines):
        if len(r) != width:
            raise NNDLError(f"{source}: ragged rows: line {n} has {len(r)} fields, line "
                            f"{lines[0]} has {width}")
    if header is None:
        header = has_header(rows, decimal, names, source, lines[0], counted)
    head = rows[0] if header else None
    return Table(rows=rows[1:] if header else rows, header=head, delimiter=delimiter,
                 decimal=decimal, source=source, lines=lines[1:] if header else lines,
                 decimal_said=given,
                 marks=frozenset(c for c in "_.," if c in text))


ROOM_WINDOW = 2**18
"""Characters of each of the five parts of a big table's text (its start, quarters and end)
whose rows say how much memory the whole table's cells will take."""


INFLATED = 32  # ordinary .csv.gz files inflate 3-15 times; a 330 KB bomb, 800 (2.3 GB of cells)


def _check_room(text: str, delimiter: str, source: str,
                budget: "Budget | None" = None) -> None:
    """NNDLError when the table's cells would not fit in the file's ``budget`` (a text over
    :data:`INFLATED` times its file, a gzipped bomb: its cells cost some 28 bytes a character;
    :mod:`nndl.limits`) or in the memory available
    (:func:`nndl.memory.check_memory`), judged before they are made from five parts of the
    text (start, quarters, end): what their rows hold (lists, line numbers and strings,
    measured; one-character strings are shared) and a float for each cell, per character,
    the median of the five (a start unlike the rest does not decide) times the text's
    length, with the cells of :data:`NUMBERS_CHUNK` rows made numbers at a time (a
    list and an array), and a quarter more (allocators, copies). A refusal with the estimate
    instead of a process the system kills."""
    if len(text) <= 4 * ROOM_WINDOW:
        return
    costs, counts, lengths = [], [], []
    for at in [len(text) * k // 4 for k in range(4)] + [len(text) - ROOM_WINDOW]:
        starts = [i for i in (text.find(e, at, at + ROOM_WINDOW) for e in "\n\r") if i >= 0]
        start = 0 if at == 0 else min(starts) + 1 if starts else at  # (a row longer than the
        part = text[start:start + ROOM_WINDOW]                       # part: a piece of it)
        part = part[:max(part.rfind("\n"), part.rfind("\r")) + 1] or part
        if not part:  # a line end at the text's end
            continue
        try:
            rows = [r for r, _ in _rows(part, delimiter, source)]
        except NNDLError:  # cut inside a quoted field: the other parts judge
            continue
        held = sum(getsizeof(r) + 52 + 8 * len(r) + sum(getsizeof(c) for c in r if len(c) > 1)
                   for r in rows)
        costs.append(held / len(part))
        counts.append(sum(len(r) for r in rows) / len(part))
        lengths.append(len(part) / max(len(rows), 1))
    if costs:
        cells = len(text) * median(counts)
        rows_made = len(text) / median(lengths)
        chunk = 16 * cells * min(1.0, NUMBERS_CHUNK / max(rows_made, 1))  # a list, an array
        need = int(1.25 * (len(text) * median(costs) + chunk))
        if budget is not None and len(text) > INFLATED * budget.stored:  # a bomb's ratio
            budget.take(need, 0, f"about {int(cells):,} cells made of the text",
                        f"its cells take {need / len(text):.0f} bytes a character; {_ROOM_HINT}")
        check_memory(f"about {int(cells):,} cells of {source}", need, _ROOM_HINT)


_ROOM_HINT = ("read a part of the file, or save it once as .npz (arrays X (m, n) and y (m,)), "
              "which nndl reads without holding its text")


def out_of_room(source: str) -> NNDLError:
    """The NNDLError for a MemoryError while a table's cells were read or made numbers."""
    have = memory.available_bytes()
    now = f"{gib(have)} is available" if have is not None else "how much is available is unknown"
    return NNDLError(f"{source}: the memory ran out while its cells were read ({now}): "
                     f"{_ROOM_HINT}")


def missing_rows(table: Table, columns: Sequence[int]) -> list[int]:
    """Indices of the rows with a missing value in any of ``columns``."""
    # The cells are first looked through at C speed for one of MISSING in any case (a set
    # of all their spellings): most files have none, and then no row is visited in Python.
    if not columns or _MISSING_ANY_CASE.isdisjoint(_cells(table.rows, columns)):
        return []
    return [i for i, r in enumerate(table.rows) if any(r[j].lower() in MISSING for j in columns)]


def _cells(rows: "list[list[str]]", columns: Sequence[int]) -> "Iterator[str]":
    """The cells of ``columns`` row by row, one flat iterator (at C speed: no Python loop)."""
    if len(columns) == 1:
        return map(itemgetter(columns[0]), rows)
    return chain.from_iterable(map(itemgetter(*columns), rows))


_MISSING_ANY_CASE = frozenset(
    "".join(chars) for word in MISSING
    for chars in product(*({ch, ch.upper()} for ch in word)))
"""Every spelling of each cell of MISSING in upper and lower case (``NA``, ``Na``, ...)."""


def refuse_missing(table: Table, columns: Sequence[int], bad: list[int],
                   label: "int | None" = None) -> None:
    """:class:`~nndl.errors.MissingValueError` naming the first missing value's line and column (``label``: the label
    column's index), and how many rows have one."""
    i = bad[0]
    j = next(j for j in columns if table.rows[i][j].lower() in MISSING)
    cell = table.rows[i][j]
    if not cell:
        what = "an empty label" if j == label else "an empty cell"
    elif j == label:
        what = (f"{shorten(cell, 20)!r}, which nndl reads as a missing label; if it is a "
                "class, rename it in the file")
    else:
        what = f"{shorten(cell, 20)!r}, not a finite number"
    raise MissingValueError(
        f"{table.source}: line {table.line(i)}, {table.column(j)}: missing value ({what})",
        len(bad), len(table.rows))


def number_cells(table: Table, columns: Sequence[int]) -> np.ndarray:
    """Columns ``columns`` of every row as float64, (rows, len(columns)); NNDLError naming the
    line and column of the first cell that is not a finite number (``inf``, ``1e400``; a
    repeated header row is said to be one). A decimal comma is looked for in every row (the
    delimiter's sample may have held whole numbers only), and a number with ``_``
    (``1_017``, which Python's float() reads as 1017) is not a number."""
    decide_decimal(table, columns)
    underscore = "_" in table.marks and "_" in column_text(table, columns)
    comma = table.decimal == ","
    X = None
    if not underscore and columns:
        try:
            X = _numbers(table.rows, columns, comma)
        except ValueError:
            pass
        except MemoryError:  # raised below, once the frames holding the numbers are freed
            X = MemoryError
    if X is MemoryError:
        raise out_of_room(table.source)
    if X is None:
        X = np.array([[_cell(table, i, j, _dot(r[j]) if comma else r[j]) for j in columns]
                      for i, r in enumerate(table.rows)], dtype=np.float64)
    if not np.isfinite(X).all():  # inf, 1e400: no row or column could be named later
        i, k = (int(v) for v in np.argwhere(~np.isfinite(X))[0])
        raise NNDLError(f"{table.source}: line {table.line(i)}, {table.column(columns[k])}: "
                        f"features must be finite numbers; got "
                        f"{shorten(repr(table.rows[i][columns[k]]), 40)} (fix or remove it)")
    return X.reshape(len(table.rows), len(columns))


NUMBERS_CHUNK = 4096
"""Rows turned into numbers at a time: one flat list of their cells, which NumPy reads faster
than rows, and never one of the whole file's (126 MB of pointers for 20 000 MNIST rows)."""


def _numbers(rows: "list[list[str]]", columns: Sequence[int], comma: bool) -> np.ndarray:
    """The cells of ``columns`` as float64 (``comma``: decimal commas); ValueError for a cell
    that float() does not read."""
    X = np.empty((len(rows), len(columns)))
    for start in range(0, len(rows), NUMBERS_CHUNK):
        part = rows[start:start + NUMBERS_CHUNK]
        flat = _cells(part, columns)
        X[start:start + len(part)] = np.array(list(map(_dot, flat) if comma else flat),
                                              dtype=np.float64).reshape(len(part), -1)
    return X


def _dot(cell: str) -> str:
    """A decimal-comma cell written with a point (``1,5`` -> ``1.5``)."""
    return cell.replace(",", ".")


def _cell(table: Table, i: int, j: int, c: str) -> float:
    """Cell ``c`` (row ``i``, column ``j``) as a number, or NNDLError naming it."""
    try:
        if "_" in c:
            raise ValueError(c)
        return float(c)
    except ValueError:
        where = f"{table.source}: line {table.line(i)}"
        if table.header is not None and table.rows[i] == table.header:
            raise NNDLError(f"{where} repeats the header row (files joined together?): "
                            "remove it") from None
        hint = ("the decimal mark said is '.'; a decimal comma: decimal=',' (nndl --decimal ,)"
                if table.decimal_said and table.decimal == "." and DECIMAL_COMMA.fullmatch(c)
                else "to leave a column out: drop=[name] in Python, --drop NAME on the "
                "command line")
        raise NNDLError(f"{where}, {table.column(j)}: features must be numbers; got "
                        f"{shorten(repr(table.rows[i][j]), 60)} ({hint})") from None

"""What the commands' options are made of: the parser class and the ``type=`` of each kind of
value. A bad value is a usage error naming the option, what was expected and what came."""

from __future__ import annotations

import argparse
import math
from typing import Any, Callable, NoReturn


class Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line on stderr (exit 2), and the help shows the
    defaults (:class:`HelpFormatter`; sub-commands' parsers are of this class too)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", HelpFormatter)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


class HelpFormatter(argparse.ArgumentDefaultsHelpFormatter):
    """Each option's help ends with its default, when it has one worth showing: not None
    (an option not given, or one whose help says what happens then), not a switch's False,
    and not already stated in the help."""

    def _get_help_string(self, action: argparse.Action) -> "str | None":
        if action.default is None or action.default is False or "default" in (action.help or ""):
            return action.help
        return super()._get_help_string(action)


def layers(text: str) -> list[int]:
    """'20,7,5' -> [20, 7, 5]; '' or 'none' -> [] (logistic regression)."""
    t = text.strip().lower()
    if t in ("", "none", "0"):
        return []
    try:
        sizes = [int(s) for s in t.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected hidden layer sizes such as 20,7,5 (or 'none'); got {text!r}") from None
    if any(n < 1 for n in sizes):
        raise argparse.ArgumentTypeError(f"layer sizes must be positive; got {text!r}")
    return sizes


def show_layers(sizes: "list[int]") -> str:
    """[20, 7, 5] -> '20,7,5'; [] -> 'none' (what :func:`layers` reads back)."""
    return ",".join(map(str, sizes)) if sizes else "none"


def image_size(text: str) -> list[int]:
    """'64' -> [64, 64]; '48,64' -> [48, 64] (height, width)."""
    try:
        hw = [int(v) for v in text.split(",")]
    except ValueError:
        hw = []
    if len(hw) == 1:
        hw = hw * 2
    if len(hw) != 2 or min(hw) < 1:
        raise argparse.ArgumentTypeError(f"expected SIZE or HEIGHT,WIDTH in pixels; got {text!r}")
    return hw


def number(kind: type, ok: "Callable[[Any], bool]", expected: str) -> "Callable[[str], Any]":
    """An argparse ``type=``: ``kind(text)`` accepted when ``ok(value)``, else a usage error
    that says what was expected and what came."""

    def parse(text: str) -> Any:
        try:
            v = kind(text)
        except ValueError:
            v = None
        if v is None or not ok(v):
            raise argparse.ArgumentTypeError(f"expected {expected}; got {text!r}")
        return v

    return parse


positive_int = number(int, lambda v: v >= 1, "a positive integer")
positive_float = number(float, lambda v: v > 0 and math.isfinite(v), "a positive number")
nonnegative_float = number(float, lambda v: v >= 0 and math.isfinite(v), "a number >= 0")
probability = number(float, lambda v: 0 < v <= 1, "a probability in (0, 1]")
fraction = number(float, lambda v: 0 <= v < 1, "a fraction in [0, 1)")


def label_column(text: "str | None") -> "str | int | None":
    """A CSV label column as given: an index when it reads as an integer, else a name."""
    if text is None:
        return None
    try:
        return int(text)
    except ValueError:
        return text


def column_list(text: str) -> "list[str | int]":
    """'id,name' or '0,3' -> columns by name or index (--features, --drop)."""
    cols = [label_column(c.strip()) for c in text.split(",")]
    if any(c == "" for c in cols):
        raise argparse.ArgumentTypeError(f"expected column names or indices separated by "
                                         f"commas, e.g. id,date; got {text!r}")
    return cols  # type: ignore[return-value]

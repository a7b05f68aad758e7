"""What the commands' options are made of: the parser class and the ``type=`` of each kind of
value. A bad value is a usage error naming the option, what was expected and what came."""

from __future__ import annotations

import argparse
import difflib
import math
import re
from typing import Any, Callable, NoReturn

from ..errors import NNDLError
from ..validation import check_number

MAX_INT = 2**63 - 1
"""The largest count an integer option takes (a NumPy int64: iterations, epochs, sizes)."""


class Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line on stderr (exit 2), the help shows the
    defaults (:class:`HelpFormatter`; sub-commands' parsers are of this class too), and an
    option is only read by its full name: with argparse's abbreviations, ``--lay 3`` was
    ``--layers 3``, and a new option sharing the prefix would have broken such a command."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", HelpFormatter)
        kwargs.setdefault("allow_abbrev", False)
        super().__init__(*args, **kwargs)

    def parse_args(self, args: Any = None, namespace: Any = None) -> argparse.Namespace:
        """As argparse's, but unknown options are reported by the sub-command they were given
        to, with the closest option it has (:func:`did_you_mean`)."""
        ns, extra = self.parse_known_args(args, namespace)
        if extra:
            parser = self._command_parser(ns)
            parser.error(f"unrecognized arguments: {' '.join(extra)}"
                         f"{did_you_mean(extra, parser)}")
        return ns

    def _command_parser(self, ns: argparse.Namespace) -> argparse.ArgumentParser:
        """The parser of the sub-command ``ns`` holds (this parser when there is none)."""
        for action in self._actions:
            choices = getattr(action, "choices", None)
            if isinstance(action, argparse._SubParsersAction) and isinstance(choices, dict):
                return choices.get(getattr(ns, action.dest, None), self)
        return self

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


def _options(parser: argparse.ArgumentParser) -> dict[str, str]:
    """Every long option of ``parser`` -> its help text."""
    return {s: action.help or "" for action in parser._actions for s in action.option_strings
            if s.startswith("--")}


def did_you_mean(words: "list[str]", parser: argparse.ArgumentParser) -> str:
    """``" (did you mean --lr?)"`` for the first unknown option close to a known one: as the
    start of its name (an abbreviation, which nndl does not take), by spelling, by its initials (``--learning-rate`` -> ``--lr``) or by its words appearing in
    an option's help; ``""`` when none is."""
    known = _options(parser)
    for word in words:
        if not word.startswith("--"):
            continue
        name = word.split("=", 1)[0]
        parts = [p for p in re.split(r"[-_]+", name.lower()) if p]
        initials = "--" + "".join(p[0] for p in parts)
        typed = name.lower().replace("_", "-")
        hits = sorted(k for k in known if k.startswith(typed))  # an abbreviation (not taken)
        hits += difflib.get_close_matches(typed, known, n=1, cutoff=0.75)
        hits += [k for k in known if k == initials and len(parts) > 1]
        phrase = " ".join(parts)
        hits += [k for k, h in known.items() if len(parts) > 1 and phrase in h.lower()]
        if hits:
            return f" (did you mean {hits[0]}?)"
    return ""


class HelpFormatter(argparse.ArgumentDefaultsHelpFormatter):
    """Each option's help ends with its default, when it has one worth showing: not None
    (an option not given, or one whose help says what happens then), not a switch's False
    nor the True of a switch that turns something off (``--no-check``: "default: True" read
    as "no check by default"), and not already stated in the help."""

    def _get_help_string(self, action: argparse.Action) -> "str | None":
        if action.default is None or action.default is False or "default" in (action.help or "") \
                or isinstance(action, argparse._StoreFalseAction):
            return action.help
        return super()._get_help_string(action)


def layers(text: str) -> list[int]:
    """'20,7,5' -> [20, 7, 5]; 'none' or '0' -> [] (logistic regression). An empty text (an
    empty ``$LAYERS`` in a script) is refused: it silently trained logistic regression."""
    t = text.strip().lower()
    if t in ("none", "0"):
        return []
    if not t:
        raise argparse.ArgumentTypeError("expected hidden layer sizes such as 20,7,5, or "
                                         "'none' (or 0) for no hidden layer; got an empty "
                                         "value")
    try:
        sizes = [int(s) for s in t.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected hidden layer sizes such as 20,7,5 (or 'none'); got {text!r}") from None
    try:
        return [int(check_number("size", n, integer=True, low=1, high=MAX_INT)) for n in sizes]
    except NNDLError:
        raise argparse.ArgumentTypeError(f"layer sizes must be positive integers (at most "
                                         f"{MAX_INT}); got {text!r}") from None


def show_layers(sizes: "list[int]") -> str:
    """[20, 7, 5] -> '20,7,5'; [] -> 'none' (what :func:`layers` reads back)."""
    return ",".join(map(str, sizes)) if sizes else "none"


def image_size(text: str) -> list[int]:
    """'64' -> [64, 64]; '48,64' -> [48, 64] (height, width). Sides up to :data:`MAX_INT`
    (the memory an image size needs is checked when the images are read)."""
    try:
        hw = [int(check_number("side", int(v), integer=True, low=1, high=MAX_INT))
              for v in text.split(",")]
    except (ValueError, NNDLError):
        hw = []
    if len(hw) == 1:
        hw = hw * 2
    if len(hw) != 2:
        raise argparse.ArgumentTypeError(f"expected SIZE or HEIGHT,WIDTH in pixels (positive "
                                         f"integers); got {text!r}")
    return hw


def number(expected: str, integer: bool = False, **interval: Any) -> "Callable[[str], Any]":
    """An argparse ``type=``: the text as an int (``integer``) or a float, checked by
    :func:`~nndl.validation.check_number` with ``interval`` (``low=``, ``high=``,
    ``low_open=``, ``high_open=``); else a usage error that says what was expected and what
    came."""

    def parse(text: str) -> Any:
        try:
            return check_number("value", int(text) if integer else float(text),
                                integer=integer, **interval)
        except (ValueError, NNDLError):  # NNDLError is a ValueError; both say the same here
            raise argparse.ArgumentTypeError(f"expected {expected}; got {text!r}") from None

    return parse


positive_int = number(f"a positive integer (at most {MAX_INT})", integer=True, low=1,
                      high=MAX_INT)
positive_float = number("a positive number", low=0, low_open=True)
nonnegative_float = number("a number >= 0", low=0)
_probability = number("a probability in (0, 1]", low=0, high=1, low_open=True)


def probability(text: str) -> float:
    """A probability in (0, 1] whose inverse is a finite float64 (``--keep-prob``: inverted
    dropout divides by it; 1e-320, a subnormal, made 1/P infinite and the forward pass
    overflow, with a message that blamed the inputs)."""
    p = _probability(text)
    if not math.isfinite(1.0 / p):
        raise argparse.ArgumentTypeError(f"expected a probability in (0, 1] whose inverse 1/P "
                                         "is a finite number (P above about 5.6e-309); got "
                                         f"{text!r}")
    return p


fraction = number("a fraction in [0, 1)", low=0, high=1, high_open=True)
seed = number("a seed: an integer from 0 to 2**32 - 1 (as both of --rng's generators take)",
              integer=True, low=0, high=2**32 - 1)


def lower(text: str) -> str:
    """A name given in any case ('Adam' -> 'adam'): the ``type=`` of options with choices."""
    return text.strip().lower()


def _checked_name(check: "Callable[[str], object]") -> "Callable[[str], str]":
    """A ``type=`` for a name that ``check`` (nndl's own lookup, raising NNDLError) knows,
    given in any case: the name in lower case, or a usage error that names the option (the
    lookup's message, e.g. "unknown activation 'nosuch'; expected one of ...")."""

    def parse(text: str) -> str:
        name = lower(text)
        try:
            check(name)
        except NNDLError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None
        return name

    return parse


def _activation(name: str) -> object:
    from ..activations import get_activation

    return get_activation(name)


def _output(name: str) -> object:
    from ..heads import for_output

    return for_output(name)


def _init(name: str) -> object:
    from ..initializers import check_init

    return check_init(name)


hidden_activation = _checked_name(_activation)
"""``--hidden``: relu, tanh, ... (``leaky_relu:0.1``), any case."""
output_activation = _checked_name(_output)
"""``--output``: sigmoid, softmax or linear, any case."""
init_name = _checked_name(_init)
"""``--init``: he, xavier, ..., any case."""


def path(text: str) -> str:
    """A file's path as given; an empty one (an empty ``$OUT`` in a script) is refused: it
    read as 'not given' and wrote the default file (``model.npz``, stdout) instead."""
    if text == "":
        raise argparse.ArgumentTypeError("expected a file name; got an empty value")
    return text


def host(text: str) -> str:
    """An address to listen on; an empty one is refused: it listened on every interface, and
    the address printed (``http://:8000/``) could not be opened."""
    if not text.strip():
        raise argparse.ArgumentTypeError("expected an address, such as 127.0.0.1 (this "
                                         "machine only) or 0.0.0.0 (every interface); got an "
                                         "empty value")
    return text


def label_column(text: "str | None") -> "str | int | None":
    """A CSV label column as given: an index when it reads as an integer, else a name."""
    if text is None:
        return None
    try:
        return int(text)
    except ValueError:
        return text


def add_switch(p: Any, name: str, yes: str, no: str, no_name: "str | None" = None) -> None:
    """``--NAME`` / ``--no-NAME`` (or ``--NO_NAME``) with helps ``yes`` and ``no``, one or the
    other (dest NAME, ``-`` as ``_``: True, False, or None when neither is given)."""
    dest = name.replace("-", "_")
    g = p.add_mutually_exclusive_group()
    g.add_argument(f"--{name}", dest=dest, action="store_const", const=True, help=yes)
    g.add_argument(f"--{no_name or 'no-' + name}", dest=dest, action="store_const", const=False,
                   help=no)


def add_header_options(p: Any) -> None:
    """--header / --no-header (dest ``header``: True, False, or None to detect it)."""
    add_switch(p, "header", "CSV: the first row is a header (default: detected; say it when "
               "the column names are numbers, such as 2019,2020,...)",
               "CSV: the first row is data")


DECIMALS = (".", ",")
"""The decimal marks ``--decimal`` takes."""


def add_decimal_option(p: Any, default: str = "detected") -> None:
    """--decimal . or , (dest ``decimal``: None to detect it); ``default`` says what
    happens without it."""
    p.add_argument("--decimal", choices=DECIMALS, help="CSV: the decimal mark, . or , (default: "
                   f"{default}); say it for a ; or tab separated file whose numbers all have "
                   "three decimals, such as 1,275 (read as 1275 with a thousands separator, "
                   "or as 1.275)")


def column_list(text: str) -> "list[str | int]":
    """'id,name' or '0,3' -> columns by name or index (--features, --drop)."""
    cols = [label_column(c.strip()) for c in text.split(",")]
    if any(c == "" for c in cols):
        raise argparse.ArgumentTypeError(f"expected column names or indices separated by "
                                         f"commas, e.g. id,date; got {text!r}")
    return cols  # type: ignore[return-value]

"""nndl's own error and warning types.

Every problem with what a user passed in (shapes, values, names, files) is raised as
:class:`NNDLError`, a ``ValueError`` subclass whose message says what was expected and what
came. The command line turns it into one line on stderr and exit code 2.
"""

from __future__ import annotations


class NNDLError(ValueError):
    """Bad input to nndl: the message says what was expected and what came.

    A message longer than :data:`MAX_MESSAGE` characters is shortened (:func:`shorten`), so
    that nothing a file holds is echoed back without limit."""

    def __init__(self, *args: object) -> None:
        if len(args) == 1 and isinstance(args[0], str) and len(args[0]) > MAX_MESSAGE:
            args = (shorten(args[0], MAX_MESSAGE),)
        super().__init__(*args)


class DivergenceError(NNDLError):
    """Training produced a non-finite cost; the model keeps its last finite parameters.

    Attributes
    ----------
    iteration : int
        The (global) iteration whose cost was NaN or inf.
    """

    def __init__(self, message: str, iteration: int) -> None:
        super().__init__(message)
        self.iteration = iteration


class MissingValueError(NNDLError):
    """A table has rows with missing values (empty cells, ``NA``, ...).

    Attributes
    ----------
    where : str
        The first one: ``"file.csv: line 7, column 'age': missing value (an empty cell)"``.
    rows, total : int
        How many of the table's rows have one, and how many rows it has.
    """

    def __init__(self, where: str, rows: int, total: int,
                 advice: str = "fill them in, or drop those rows (drop_missing=True; "
                               "nndl train or evaluate --drop-missing)") -> None:
        super().__init__(f"{where}; {rows} of {total} rows have missing values: {advice}")
        self.where, self.rows, self.total = where, rows, total


class NNDLWarning(UserWarning):
    """Something nndl did as asked but that is likely not what was meant (the command line
    prints it as one line on stderr)."""


class DivergenceWarning(NNDLWarning):
    """A fit ended with a cost far above its first (``nndl.training.RISE`` times): the
    learning rate is likely too large. The model is kept (its parameters are finite), unlike
    a :class:`DivergenceError`."""


class UnsettledWarning(NNDLWarning):
    """A fit whose cost did not settle: its last epochs' costs reached far above the lowest
    of the fit (``nndl.training.UNSETTLED`` times), so that the model it ends with may be
    far from the best it passed; or whose cost rose above ``nndl.training.RISE`` times its
    first on the way before it came back (units pushed where they never fire again: a
    linear output on raw targets learned one constant). The steps are likely too large for
    the features' or the targets' scale."""


MAX_MESSAGE = 2000
"""The longest message an :class:`NNDLError` keeps; longer ones lose their middle."""


def shorten(value: object, limit: int = 200) -> str:
    """``str(value)`` cut to at most ``limit`` characters for an error message: its head and
    tail around ``...(N characters left out)...``, so a 1 MB class name or a list of 5,000
    array names is echoed as a few lines' worth, never whole."""
    text = value if isinstance(value, str) else str(value)
    if len(text) <= limit:
        return text
    width = len(f"...({len(text)} characters left out)...")
    keep = max(limit - width, 2)
    note = f"...({len(text) - keep} characters left out)..."
    return text[: keep - keep // 3] + note + text[len(text) - keep // 3:]

"""nndl's own error type.

Every problem with what a user passed in (shapes, values, names, files) is raised as
:class:`NNDLError`, a ``ValueError`` subclass whose message says what was expected and what
came. The command line turns it into one line on stderr and exit code 2.
"""

from __future__ import annotations


class NNDLError(ValueError):
    """Bad input to nndl: the message says what was expected and what came."""


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

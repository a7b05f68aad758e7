"""How layer 1 is trained during one ``fit``: the plain form, or the dual form of :mod:`nndl.dual`.

The training loop (:mod:`nndl.training`) sees one interface, :class:`Form`:

- ``trainable``: the arrays the optimizer updates (keyed as the gradients are),
- ``forward_cost(X, Y, lambd, masks)``: J and what ``backward`` needs,
- ``backward(work, Y, lambd, masks)``: the gradients of those arrays,
- ``use(arrays)``: make updated arrays the live ones,
- ``finish()``: at the end of ``fit``, ``net.params`` hold the final values.

:func:`choose` picks the form: the dual one when it is exact and does less work by a count of
floating-point operations (:func:`nndl.dual.applicable`), else the plain one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol, Sequence

import numpy as np

from . import dual
from .propagation import model_backward

if TYPE_CHECKING:  # pragma: no cover
    from .network import Network

Array = np.ndarray


class Form(Protocol):
    """What the training loop asks of layer 1's form (see the module doc)."""

    trainable: dict[str, Array]

    def forward_cost(self, X: Array, Y: Array, lambd: float,
                     masks: "Sequence[Array | None] | None") -> tuple[float, Any]: ...

    def backward(self, work: Any, Y: Array, lambd: float,
                 masks: "Sequence[Array | None] | None") -> dict[str, Array]: ...

    def use(self, arrays: dict[str, Array]) -> None: ...

    def finish(self) -> None: ...


class PlainForm:
    """Layer 1 as every other layer: the optimizer updates ``net.params`` themselves."""

    def __init__(self, net: "Network") -> None:
        self.net = net
        self.params = net.params
        self.trainable: dict[str, Array] = dict(self.params)
        net.layer1_state = None  # a dual form's state does not survive a plain update

    def forward_cost(self, X: Array, Y: Array, lambd: float,
                     masks: "Sequence[Array | None] | None") -> tuple[float, Any]:
        J, AL, caches = self.net.forward_cost(X, Y, lambd, masks)
        return J, (AL, caches)

    def backward(self, work: Any, Y: Array, lambd: float,
                 masks: "Sequence[Array | None] | None") -> dict[str, Array]:
        AL, caches = work
        return model_backward(AL, Y, caches, self.net.activations, masks=masks, lambd=lambd,
                              release_caches=True)

    def use(self, arrays: dict[str, Array]) -> None:
        self.trainable = arrays
        self.params.update(arrays)

    def finish(self) -> None:
        """Nothing to do: the live parameters are ``net.params``."""


def state_entries(net: "Network", m: int, *, full_batch: bool) -> int:
    """Array entries the form of layer 1 may hold besides the parameters and gradients: the
    dual form's W1_init, X^T X, P0 and C when it may be taken (full batch, m < n[0])."""
    n0, n1 = net.layer_dims[:2]
    return n1 * n0 + m * m + 2 * n1 * m if full_batch and m < n0 else 0


def choose(net: "Network", X: Array, iterations: int, *, full_batch: bool, optimizer: object,
           lambd: float, keep_probs: object, dev: bool) -> Form:
    """The dual form when it is exact and cheaper (see :func:`nndl.dual.applicable`), else the
    plain form."""
    if full_batch and dual.applicable(net, X, iterations, optimizer=optimizer, lambd=lambd,
                                      keep_probs=keep_probs, dev=dev):
        return dual.DualForm(net, X)
    return PlainForm(net)

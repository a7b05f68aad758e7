"""Optimizers: how a gradient becomes an update, as a table of small stateful classes.

| name     | state  | update (for every parameter P, gradient dP)                        |
|----------|--------|--------------------------------------------------------------------|
| gd       | none   | P -= alpha dP                                                      |
| momentum | v      | v = beta v + (1 - beta) dP;  P -= alpha v                          |
| rmsprop  | s      | s = beta s + (1 - beta) dP^2;  P -= alpha dP / (sqrt(s) + eps)     |
| adam     | m, v, t| m = b1 m + (1 - b1) dP;  v = b2 v + (1 - b2) dP^2;                 |
|          |        | m^ = m / (1 - b1^t);  v^ = v / (1 - b2^t);                         |
|          |        | P -= alpha m^ / (sqrt(v^) + eps)                                   |

Learning-rate decay (every optimizer):
``alpha = alpha0 / (1 + decay * floor(epoch / decay_every))``
where ``epoch`` counts the epochs this optimizer has finished (:meth:`Optimizer.end_epoch`).
With ``decay = 0`` (the default) the rate is exactly ``alpha0``.

Each optimizer updates the parameters in place (``step(params, grads)``), keeps its own state and
hands it out as a flat dict of NumPy arrays and scalars (``state_dict()``), which
``load_state_dict()`` (or :func:`from_state_dict`) restores, so that a checkpoint can resume
training exactly. The name -> class table is :data:`OPTIMIZERS`.
"""

from __future__ import annotations

import copy
import math
from typing import Any, ClassVar

import numpy as np

from . import kernels
from .errors import NNDLError
from .validation import check_number, check_positive

Array = np.ndarray


def _number(name: str, value: object, low: float, high: float, low_open: bool = True,
            high_open: bool = False) -> float:
    """:func:`~nndl.validation.check_number` (an infinite ``high``: unbounded)."""
    return float(check_number(name, value, low=low, high=None if math.isinf(high) else high,
                              low_open=low_open, high_open=high_open))


class Optimizer:
    """Base class: learning rate, its decay and the epoch / step counters.

    Subclasses list their per-parameter buffers in ``slots`` and their hyperparameters in
    ``hyper`` and implement :meth:`_delta`.

    Each slot has two buffers per parameter: a step reads the state from one and writes the new
    state into the other (:meth:`_advance`; the same passes as working in place), so the state
    before the last step is still there and :meth:`undo` takes it back without any copy
    (``fit``'s roll-back when the next cost is not finite).
    """

    name: ClassVar[str] = ""
    slots: ClassVar[tuple[str, ...]] = ()
    hyper: ClassVar[tuple[str, ...]] = ()

    def __init__(self, learning_rate: float = 0.01, decay: float = 0.0,
                 decay_every: int = 1) -> None:
        self.learning_rate = _number("learning_rate", learning_rate, 0.0, math.inf,
                                     high_open=True)
        self.decay = _number("decay", decay, 0.0, math.inf, low_open=False, high_open=True)
        self.decay_every = int(check_positive("decay_every", decay_every, integer=True))
        self._clear_state()

    def _clear_state(self) -> None:
        """The counters and buffers of an optimizer that has made no step."""
        self.t = 0
        """Number of updates done."""
        self.epoch = 0
        """Number of epochs finished (drives the learning-rate decay)."""
        self.state: dict[str, dict[str, Array]] = {s: {} for s in self.slots}
        self._previous: dict[str, dict[str, Array]] = {s: {} for s in self.slots}
        self._can_undo = False
        self._t_before = 0
        self._moved: list[tuple[str, str]] = []
        """The (slot, parameter) buffers the last step advanced, for :meth:`undo`."""

    def settings(self) -> dict[str, Any]:
        """Every attribute but the state (what :meth:`_clear_state` sets): the hyperparameters
        and whatever else a subclass keeps, which two optimizers that do the same share."""
        return {k: v for k, v in vars(self).items() if k not in _STATE_NAMES}

    def fresh_copy(self) -> "Optimizer":
        """A copy with this one's settings (and any other attribute of a subclass, shared as
        they are: a subclass's log or lock stays the user's) but no state: ``t``, ``epoch``
        and the buffers as a new optimizer has them. What a new training starts from when it
        is given an optimizer it must not change (the buffers are not copied)."""
        fresh = copy.copy(self)
        fresh._clear_state()  # new dicts on the copy; this one's state is left as it is
        return fresh

    # --- schedule -------------------------------------------------------------------------
    @property
    def current_learning_rate(self) -> float:
        """alpha0 / (1 + decay * floor(epoch / decay_every)); exactly alpha0 without decay."""
        if self.decay == 0:
            return self.learning_rate
        return self.learning_rate / (1.0 + self.decay * (self.epoch // self.decay_every))

    def end_epoch(self) -> None:
        """Called by ``fit`` after every epoch (one pass over the training set)."""
        self.epoch += 1

    # --- the update -----------------------------------------------------------------------
    def step(self, params: dict[str, Array], grads: dict[str, Array]) -> None:
        """Update every ``params[k]`` in place from ``grads["d" + k]`` (``P -= delta``).

        The gradient arrays are this step's own: they may be overwritten (with the update delta;
        a fused update, :mod:`nndl.kernels`, leaves them as they were).
        """
        self._update(params, grads, into_grads=False)

    def step_into(self, params: dict[str, Array], grads: dict[str, Array]) -> dict[str, Array]:
        """The same update, written into the gradient arrays instead of the parameters:
        returns ``{k: P - delta}`` (each in the buffer of ``grads["d" + k]``, the same numbers
        :meth:`step` gives) and leaves ``params`` as they were, so that a caller can keep them
        as the previous parameters without copying anything."""
        return self._update(params, grads, into_grads=True)

    def _update(self, params: dict[str, Array], grads: dict[str, Array],
                into_grads: bool) -> dict[str, Array]:
        """One step: each new P (``P - delta``) written into P or into its gradient's array,
        by a fused kernel when one is loaded and suits the arrays, else by NumPy's passes."""
        # what undo takes back is this step's own changes: the buffers it advanced (_moved)
        # and t as it was, noted before anything changes
        self._t_before, self._moved = self.t, []
        self._can_undo = True
        try:
            self.t = self._t_before + 1
            lr = self.current_learning_rate
            fused = kernels.loaded()
            out: dict[str, Array] = {}
            for k, P in params.items():
                dP = grads["d" + k]
                new = dP if into_grads else P
                if fused is None or not self._fused(fused, k, P, dP, new, P.dtype.type(lr)):
                    self._delta(k, P, dP, P.dtype.type(lr))
                    np.subtract(P, dP, out=new)
                out[k] = new
        except BaseException:
            # a Ctrl-C (KeyboardInterrupt) in the middle of the step: the state goes back to
            # before it, so that it matches the parameters, which step_into leaves unchanged
            self.undo()
            raise
        return out

    def undo(self) -> None:
        """Take back the last step's change of the state (buffers and ``t``); the parameters
        are the caller's. Only right after a step (NNDLError otherwise)."""
        if not self._can_undo:
            raise NNDLError("the optimizer has no step to undo (it made none since its state "
                            "was set, or it undid it already)")
        for slot, k in self._moved:  # every buffer of a whole step; some of a cut one
            self._previous[slot][k], self.state[slot][k] = \
                self.state[slot][k], self._previous[slot][k]
        self.t = self._t_before
        self._can_undo = False

    def forget_previous(self) -> None:
        """Drop the buffers that :meth:`undo` needs (memory back after ``fit``)."""
        self._can_undo = False
        self._previous = {s: {} for s in self.slots}

    def _advance(self, slot: str, k: str, P: Array) -> tuple[Array, Array]:
        """(the slot's state now, the buffer its next state goes into), the latter becoming the
        state; the former is kept for :meth:`undo`."""
        old = self._slot(slot, k, P)
        new = self._previous[slot].get(k)
        if new is None or new is old or new.shape != old.shape or new.dtype != old.dtype \
                or new.strides != old.strides:  # (old: a swap cut by an interrupt)
            new = np.empty_like(old)
        self._previous[slot][k], self.state[slot][k] = old, new
        self._moved.append((slot, k))
        return old, new

    def _slot(self, slot: str, k: str, P: Array) -> Array:
        buf = self.state[slot].get(k)
        if buf is None:
            buf = self.state[slot][k] = np.zeros_like(P)
        elif buf.shape != P.shape:
            raise NNDLError(
                f"optimizer state {slot}.{k} has shape {buf.shape} but the parameter {k} has "
                f"shape {P.shape}: this state belongs to another network"
            )
        return buf

    def _delta(self, k: str, P: Array, dP: Array, lr: Any) -> None:  # pragma: no cover
        """Turn the gradient ``dP`` (in place) into the update: the new P is ``P - dP``."""
        raise NotImplementedError

    def _fused(self, kern: Any, k: str, P: Array, dP: Array, out: Array, lr: Any) -> bool:
        """The same update in one pass (:mod:`nndl.kernels`, the same bits), the new P written
        into ``out`` (``P`` or ``dP``); False when the arrays do not suit a kernel."""
        return False

    def _kernel_arrays(self, k: str, P: Array, dP: Array) -> "tuple[Array, ...] | None":
        """Flat views (P, dP, then each slot's state now and its next buffer) when all suit a
        kernel (:func:`nndl.kernels.flat`), the slots advanced; None (nothing advanced) if not."""
        if kernels.flat(P, dP, *(self._slot(s, k, P) for s in self.slots)) is None:
            return None
        arrays = [P, dP]
        for s in self.slots:
            arrays += self._advance(s, k, P)  # the next buffer has the layout of the state
        return kernels.flat(*arrays)

    # --- state ----------------------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        """``{"name", "learning_rate", "decay", "decay_every", "t", "epoch", <hyper>...,
        "<slot>.<param>": array}``: everything needed to resume (arrays are copies)."""
        out: dict[str, Any] = {
            "name": self.name, "learning_rate": self.learning_rate, "decay": self.decay,
            "decay_every": self.decay_every, "t": self.t, "epoch": self.epoch,
        }
        for h in self.hyper:
            out[h] = getattr(self, h)
        for slot, bufs in self.state.items():
            for k, buf in bufs.items():
                out[f"{slot}.{k}"] = buf.copy()
        return out

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore what :meth:`state_dict` gave (hyperparameters, counters and buffers)."""
        name = state.get("name", self.name)
        if str(np.asarray(name)) != self.name:
            raise NNDLError(f"this state is for the optimizer {str(name)!r}, not {self.name!r}")
        try:
            fresh = type(self)(**{h: _scalar(state[h]) for h in
                                  ("learning_rate", "decay", "decay_every", *self.hyper)})
            t, epoch = int(_scalar(state["t"])), int(_scalar(state["epoch"]))
        except KeyError as e:
            raise NNDLError(f"optimizer state for {self.name!r} lacks {e.args[0]!r}") from None
        bufs: dict[str, dict[str, Array]] = {s: {} for s in self.slots}
        for key, value in state.items():
            slot, dot, k = str(key).partition(".")
            if dot and slot in bufs:
                bufs[slot][k] = np.array(value, copy=True, order="C")
            elif dot:
                raise NNDLError(f"unknown optimizer state entry {key!r} for {self.name!r}")
        _check_buffers(self.name, t, bufs)
        self.__dict__.update(fresh.__dict__)
        self.t, self.epoch, self.state = t, epoch, bufs

    def __repr__(self) -> str:
        args = ", ".join(f"{h}={getattr(self, h)!r}" for h in ("learning_rate", *self.hyper))
        return f"{type(self).__name__}({args})"


def _check_buffers(name: str, t: int, bufs: dict[str, dict[str, Array]]) -> None:
    """NNDLError unless a state of ``t`` > 0 steps has the buffers of every slot for one set
    of parameters: the first step makes all of them, and one missing would restart from
    zeros with the bias correction of step t (for a model file, :func:`nndl.model_format.
    state_shapes` checks them against the parameters)."""
    if t == 0 or not bufs:
        return
    keys = set().union(*bufs.values())
    lacking = sorted(f"{s}.{k}" for s, held in bufs.items() for k in keys if k not in held)
    if lacking or not keys:
        raise NNDLError(f"optimizer state lacks {lacking[0] if lacking else 'its buffers'} "
                        f"({name!r} after t = {t} steps has buffers {sorted(bufs)} for every "
                        "parameter)")


def _scalar(v: Any) -> Any:
    """A Python scalar from a 0-d array (as np.load gives them back) or a scalar."""
    return v.item() if isinstance(v, np.ndarray) else v


class GradientDescent(Optimizer):
    """P -= alpha dP (the notes' update)."""

    name = "gd"

    def _delta(self, k: str, P: Array, dP: Array, lr: Any) -> None:
        dP *= lr  # two passes with the subtraction: a fused kernel would gain nothing


class Momentum(Optimizer):
    """v = beta v + (1 - beta) dP;  P -= alpha v  (v starts at 0, no bias correction)."""

    name = "momentum"
    slots = ("v",)
    hyper = ("beta",)

    def __init__(self, learning_rate: float = 0.01, beta: float = 0.9, decay: float = 0.0,
                 decay_every: int = 1) -> None:
        super().__init__(learning_rate, decay, decay_every)
        self.beta = _number("beta", beta, 0.0, 1.0, low_open=False, high_open=True)

    def _delta(self, k: str, P: Array, dP: Array, lr: Any) -> None:
        v0, v = self._advance("v", k, P)
        beta = P.dtype.type(self.beta)
        np.multiply(v0, beta, out=v)
        dP *= 1 - beta  # dP is this step's own: (1 - beta) dP in its place, no temporary
        v += dP
        np.multiply(lr, v, out=dP)

    def _fused(self, kern: Any, k: str, P: Array, dP: Array, out: Array, lr: Any) -> bool:
        # four passes: below ~4096 entries NumPy's calls cost less than calling the kernel
        arrays = self._kernel_arrays(k, P, dP) if P.size >= 4096 else None
        if arrays is not None:
            beta = P.dtype.type(self.beta)
            kern.momentum(*arrays[:2], out is dP, *arrays[2:], beta, 1 - beta, lr)
        return arrays is not None


class RMSprop(Optimizer):
    """s = beta s + (1 - beta) dP^2;  P -= alpha dP / (sqrt(s) + eps)."""

    name = "rmsprop"
    slots = ("s",)
    hyper = ("beta", "epsilon")

    def __init__(self, learning_rate: float = 0.001, beta: float = 0.9, epsilon: float = 1e-8,
                 decay: float = 0.0, decay_every: int = 1) -> None:
        super().__init__(learning_rate, decay, decay_every)
        self.beta = _number("beta", beta, 0.0, 1.0, low_open=False, high_open=True)
        self.epsilon = _number("epsilon", epsilon, 0.0, math.inf, high_open=True)

    def _delta(self, k: str, P: Array, dP: Array, lr: Any) -> None:
        s0, s = self._advance("s", k, P)
        beta = P.dtype.type(self.beta)
        T = np.multiply(dP, dP)  # the one temporary, reused for every intermediate
        T *= 1 - beta
        np.multiply(s0, beta, out=s)
        s += T
        dP *= lr
        np.sqrt(s, out=T)
        T += P.dtype.type(self.epsilon)
        dP /= T

    def _fused(self, kern: Any, k: str, P: Array, dP: Array, out: Array, lr: Any) -> bool:
        arrays = self._kernel_arrays(k, P, dP)
        if arrays is not None:
            beta = P.dtype.type(self.beta)
            kern.rmsprop(*arrays[:2], out is dP, *arrays[2:], beta, 1 - beta, lr,
                         P.dtype.type(self.epsilon))
        return arrays is not None


class Adam(Optimizer):
    """Adam with bias correction (Kingma and Ba; the course's defaults b1 0.9, b2 0.999, eps 1e-8).

    m = b1 m + (1 - b1) dP,  v = b2 v + (1 - b2) dP^2,  m^ = m / (1 - b1^t),  v^ = v / (1 - b2^t),
    P -= alpha m^ / (sqrt(v^) + eps), with t = 1 at the first update.
    """

    name = "adam"
    slots = ("m", "v")
    hyper = ("beta1", "beta2", "epsilon")

    def __init__(self, learning_rate: float = 0.001, beta1: float = 0.9, beta2: float = 0.999,
                 epsilon: float = 1e-8, decay: float = 0.0, decay_every: int = 1) -> None:
        super().__init__(learning_rate, decay, decay_every)
        self.beta1 = _number("beta1", beta1, 0.0, 1.0, low_open=False, high_open=True)
        self.beta2 = _number("beta2", beta2, 0.0, 1.0, low_open=False, high_open=True)
        self.epsilon = _number("epsilon", epsilon, 0.0, math.inf, high_open=True)

    def _delta(self, k: str, P: Array, dP: Array, lr: Any) -> None:
        (m0, m), (v0, v) = self._advance("m", k, P), self._advance("v", k, P)
        t = P.dtype.type
        b1, b2 = t(self.beta1), t(self.beta2)
        # the equations' operations in their order, each a pass writing into an existing
        # array (one temporary T), so that no step allocates more than one parameter's size
        T = np.multiply(dP, 1 - b1)
        np.multiply(m0, b1, out=m)
        m += T                                                 # m = b1 m + (1 - b1) dP
        np.multiply(dP, dP, out=T)
        T *= 1 - b2
        np.multiply(v0, b2, out=v)
        v += T                                                 # v = b2 v + (1 - b2) dP^2
        c1, c2 = self._corrections(t)
        np.divide(m, c1, out=dP)                               # m^
        dP *= lr
        np.divide(v, c2, out=T)                                # v^
        np.sqrt(T, out=T)
        T += t(self.epsilon)
        dP /= T                                                # alpha m^ / (sqrt(v^) + eps)

    def _fused(self, kern: Any, k: str, P: Array, dP: Array, out: Array, lr: Any) -> bool:
        arrays = self._kernel_arrays(k, P, dP)
        if arrays is not None:
            t = P.dtype.type
            b1, b2 = t(self.beta1), t(self.beta2)
            kern.adam(*arrays[:2], out is dP, *arrays[2:], b1, 1 - b1, b2, 1 - b2,
                      *self._corrections(t), lr, t(self.epsilon))
        return arrays is not None

    def _corrections(self, t: Any) -> tuple[Any, Any]:
        """The bias corrections (1 - b1^t, 1 - b2^t) of this step, in the parameters' type."""
        return t(1.0 - self.beta1 ** self.t), t(1.0 - self.beta2 ** self.t)


def _state_names() -> frozenset:
    """The attributes :meth:`Optimizer._clear_state` sets, read off a blank optimizer."""
    blank = object.__new__(Optimizer)
    blank._clear_state()
    return frozenset(vars(blank))


_STATE_NAMES = _state_names()

OPTIMIZERS: dict[str, type[Optimizer]] = {
    cls.name: cls for cls in (GradientDescent, Momentum, RMSprop, Adam)
}
"""The table: optimizer name -> class (``"sgd"`` is an alias of ``"gd"``)."""

_ALIASES = {"sgd": "gd", "gradient_descent": "gd"}


def get_optimizer(spec: "str | Optimizer | None", learning_rate: "float | None" = None,
                  **kwargs: Any) -> Optimizer:
    """An optimizer instance from a name (``"adam"``), passing ``learning_rate`` and any
    hyperparameters; an instance is returned as it is (it keeps its own settings and state);
    ``None`` means ``"gd"``."""
    if isinstance(spec, Optimizer):
        return spec
    if spec is None:
        spec = "gd"
    if not isinstance(spec, str):
        raise NNDLError(f"optimizer must be a name (one of {sorted(OPTIMIZERS)}) or an "
                        f"Optimizer; got {spec!r}")
    name = _ALIASES.get(spec.strip().lower(), spec.strip().lower())
    try:
        cls = OPTIMIZERS[name]
    except KeyError:
        raise NNDLError(f"unknown optimizer {spec!r}; expected one of {sorted(OPTIMIZERS)}") \
            from None
    if learning_rate is not None:
        kwargs["learning_rate"] = learning_rate
    try:
        return cls(**kwargs)
    except TypeError as e:
        raise NNDLError(f"bad settings for optimizer {name!r}: {e}") from None


def from_state_dict(state: dict[str, Any]) -> Optimizer:
    """A new optimizer of the kind named in ``state["name"]`` with that state loaded."""
    if "name" not in state:
        raise NNDLError("optimizer state has no 'name' entry")
    opt = get_optimizer(str(np.asarray(state["name"])))
    opt.load_state_dict(state)
    return opt

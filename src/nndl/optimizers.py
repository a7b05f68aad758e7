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

import math
from typing import Any, ClassVar

import numpy as np

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
        self.t = 0
        """Number of updates done."""
        self.epoch = 0
        """Number of epochs finished (drives the learning-rate decay)."""
        self.state: dict[str, dict[str, Array]] = {s: {} for s in self.slots}

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

        The gradient arrays are this step's own: they are overwritten with the update delta.
        """
        self.t += 1
        lr = self.current_learning_rate
        for k, P in params.items():
            dP = grads["d" + k]
            self._delta(k, P, dP, P.dtype.type(lr))
            P -= dP

    def step_into(self, params: dict[str, Array], grads: dict[str, Array]) -> dict[str, Array]:
        """The same update, written into the gradient arrays instead of the parameters:
        returns ``{k: P - delta}`` (each in the buffer of ``grads["d" + k]``, the same numbers
        :meth:`step` gives) and leaves ``params`` as they were, so that a caller can keep them
        as the previous parameters without copying anything."""
        self.t += 1
        lr = self.current_learning_rate
        out: dict[str, Array] = {}
        for k, P in params.items():
            dP = grads["d" + k]
            self._delta(k, P, dP, P.dtype.type(lr))
            out[k] = np.subtract(P, dP, out=dP)
        return out

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
                bufs[slot][k] = np.array(value, copy=True)
            elif dot:
                raise NNDLError(f"unknown optimizer state entry {key!r} for {self.name!r}")
        self.__dict__.update(fresh.__dict__)
        self.t, self.epoch, self.state = t, epoch, bufs

    def __repr__(self) -> str:
        args = ", ".join(f"{h}={getattr(self, h)!r}" for h in ("learning_rate", *self.hyper))
        return f"{type(self).__name__}({args})"


def _scalar(v: Any) -> Any:
    """A Python scalar from a 0-d array (as np.load gives them back) or a scalar."""
    return v.item() if isinstance(v, np.ndarray) else v


class GradientDescent(Optimizer):
    """P -= alpha dP (the notes' update)."""

    name = "gd"

    def _delta(self, k: str, P: Array, dP: Array, lr: Any) -> None:
        dP *= lr


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
        v = self._slot("v", k, P)
        beta = P.dtype.type(self.beta)
        v *= beta
        v += (1 - beta) * dP
        np.multiply(lr, v, out=dP)


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
        s = self._slot("s", k, P)
        beta = P.dtype.type(self.beta)
        s *= beta
        s += (1 - beta) * (dP * dP)
        dP *= lr
        dP /= np.sqrt(s) + P.dtype.type(self.epsilon)


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
        m, v = self._slot("m", k, P), self._slot("v", k, P)
        t = P.dtype.type
        b1, b2 = t(self.beta1), t(self.beta2)
        m *= b1
        m += (1 - b1) * dP
        v *= b2
        v += (1 - b2) * (dP * dP)
        np.divide(m, t(1.0 - self.beta1 ** self.t), out=dP)  # m_hat
        dP *= lr
        dP /= np.sqrt(v / t(1.0 - self.beta2 ** self.t)) + t(self.epsilon)  # sqrt(v_hat) + eps


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

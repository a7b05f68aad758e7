"""The training loop behind ``Network.fit``: batches, the step, divergence roll-back, callbacks.

    history = train(net, X, Y, Plan(optimizer=GradientDescent(0.0075), n_epochs=2500))

Each step: forward with caches and J (+ the L2 term), then backward and the optimizer's update.
How layer 1 takes part (plainly, or in the dual form) is :mod:`nndl.first_layer`'s business,
how batches are drawn from X and Y (whatever their layout) :mod:`nndl.batching`'s, how many
BLAS threads the steps use :mod:`nndl.threads`'s, and whether the updates run as fused
kernels :mod:`nndl.kernels`'s; early stopping is the :class:`~nndl.callbacks.EarlyStopping`
callback.

No copy of the parameters is made per step: each update is written into the gradient's own
array, which then becomes the live parameter; the previous arrays serve as the roll-back until
the next cost is known to be finite (:class:`DivergenceError` otherwise).
"""

from __future__ import annotations

import warnings
import weakref
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from . import first_layer, kernels
from .batching import BatchSource
from .callbacks import Callback, EarlyStopping, History
from .errors import DivergenceError, DivergenceWarning, NNDLError, UnsettledWarning
from .memory import activation_count, check_memory, out_of_memory, parameter_count
from .optimizers import Optimizer
from .propagation import predict_forward
from .regularization import dropout_masks
from .threads import Threads

if TYPE_CHECKING:  # pragma: no cover
    from .network import Network

Array = np.ndarray


@dataclass
class Plan:
    """What one ``fit`` call asks for (its arguments, checked)."""

    optimizer: Optimizer
    n_epochs: int = 1
    batch_size: "int | None" = None
    """None: full batch (each epoch is one iteration)."""
    lambd: float = 0.0
    keep_probs: "list[float] | None" = None
    shuffle: bool = True
    dev: "tuple[Array, Array] | None" = None
    callbacks: list = field(default_factory=list)
    early: "EarlyStopping | None" = None
    """Built by ``fit(patience=...)``: its best parameters are restored at the end."""

    def batch(self, m: int) -> int:
        """Samples per step on m samples (all of them for the full batch)."""
        return min(m, self.batch_size or m)


@dataclass
class _Run:
    """What the loop carries from step to step."""

    plan: Plan
    form: Any  # nndl.first_layer.Form
    source: BatchSource
    threads: Threads
    history: History = field(default_factory=History)
    last_good: "dict[str, Array] | None" = None
    """The trainable arrays before the last update (the arrays themselves), for a roll-back."""
    epoch_cost: float = 0.0
    epoch_m: int = 0
    overflowed: bool = False
    """Whether a NumPy operation overflowed (or divided by zero) since the step began."""
    epoch_ended_at: "int | None" = None
    """``net.iterations_done`` when this fit's last epoch ended (see :func:`_roll_back`)."""

    def record_overflow(self, kind: str, flag: int) -> None:
        """``np.errstate(call=...)``'s callback: note the overflow instead of warning."""
        self.overflowed = True


RISE = 10.0
"""A fit whose last epoch's cost is more than RISE times its first epoch's ends with a
:class:`DivergenceWarning`: gradient descent with a workable learning rate lowers the cost
(mini-batches and dropout make it noisy, by far less than 10 times); one that ends 10 times
higher, finite but diverged, has a learning rate too large."""


def check_callbacks(callbacks: object) -> list:
    """``callbacks`` as a list of objects with the hooks of :class:`~nndl.callbacks.Callback`."""
    if callbacks is None:
        return []
    if isinstance(callbacks, (Callback, str, bytes)) or not hasattr(callbacks, "__iter__"):
        raise NNDLError(f"callbacks must be a list of nndl.Callback objects; got "
                        f"{type(callbacks).__name__}")
    out = list(callbacks)
    hooks = ("on_train_begin", "on_iteration_end", "on_epoch_end", "on_train_end")
    for i, cb in enumerate(out):
        if not isinstance(cb, Callback) and not all(callable(getattr(cb, h, None))
                                                    for h in hooks):
            raise NNDLError(f"callbacks[{i}] must be an nndl.Callback (with the hooks "
                            f"{', '.join(hooks)}); got {type(cb).__name__} {cb!r:.80}")
    return out


def training_entries(layer_dims: "list[int]", batch: int, slots: int, dropout: bool) -> int:
    """Numbers a fit holds besides the parameters and the data: the gradients, the
    optimizer's ``slots`` buffers (two each: see :class:`~nndl.optimizers.Optimizer`), one
    batch's activations (Z and A of every layer, plus dropout masks)."""
    return parameter_count(layer_dims) * (1 + 2 * slots) \
        + activation_count(layer_dims, batch) * (2 if dropout else 1)


def training_bytes(net: "Network", plan: Plan, m: int) -> int:
    """Bytes of :func:`training_entries` and what layer 1's form may keep
    (:func:`nndl.first_layer.state_entries`); the data, which exists before, not counted."""
    entries = training_entries(net.layer_dims, plan.batch(m), len(plan.optimizer.slots),
                               bool(plan.keep_probs))
    entries += first_layer.state_entries(net, m, full_batch=plan.batch_size is None)
    return entries * net.dtype.itemsize


def check_training_memory(net: "Network", plan: Plan, m: int) -> int:
    """Refuse (NNDLError) when :func:`training_bytes` cannot fit in memory; returns them.
    (A reordered copy of the data for shuffled batches, :mod:`nndl.batching`, is made only
    when it fits besides them.)"""
    need = training_bytes(net, plan, m)
    check_memory(_training_what(net, plan, m), need, _MEMORY_HINT)
    return need


_MEMORY_HINT = "use smaller layers or fewer samples per batch (batch_size)"


def _training_what(net: "Network", plan: Plan, m: int) -> str:
    """What :func:`training_bytes` counts, for a message."""
    return (f"training {net!r} on batches of {plan.batch(m)} samples (gradients, optimizer "
            "state, activations)")


def train(net: "Network", X: Array, Y: Array, plan: Plan) -> History:
    """Run ``plan`` on the checked arrays (X, Y); returns the :class:`History` of this call
    (``net.history`` accumulates all calls). See ``Network.fit``. Ends with a
    :class:`DivergenceWarning` when the cost rose :data:`RISE` times; a MemoryError (the
    estimate of :func:`check_training_memory` let through) becomes an NNDLError."""
    try:
        history = _train(net, X, Y, plan)
    except MemoryError:
        raise out_of_memory(_training_what(net, plan, X.shape[1]),
                            training_bytes(net, plan, X.shape[1]), _MEMORY_HINT) from None
    if history.epoch_costs and max(history.epoch_costs) > RISE * history.epoch_costs[0]:
        floor = constant_cost(net, Y)  # (a rise is judged against it too)
        if _warn_if_rising(history, plan, floor) or _warn_if_spiked(net, history, plan, floor):
            return history
    _warn_if_unsettled(history, plan)
    return history


def _train(net: "Network", X: Array, Y: Array, plan: Plan) -> History:
    """:func:`train`'s loop."""
    need = check_training_memory(net, plan, X.shape[1])
    source = BatchSource(X, Y, plan.batch_size, plan.shuffle, spare_bytes=need,
                         epochs=plan.n_epochs)
    threads = Threads()
    threads.start()  # layer 1's set-up (the dual form's X^T X) runs at the count it sets
    try:  # (until the loop's try below: the BLAS gets its count back if anything fails)
        form = first_layer.choose(net, source.X, plan.n_epochs,
                                  full_batch=plan.batch_size is None, optimizer=plan.optimizer,
                                  lambd=plan.lambd, keep_probs=plan.keep_probs,
                                  dev=plan.dev is not None)
        run = _Run(plan, form, source, threads)
        net.stop_training = False
        # fit swaps parameter arrays (see _step); arrays that someone else still holds get the
        # final values back at the end, and keep their place in net.params; read-only ones
        # (np.load(mmap_mode="r")) are only read: the model keeps the trained arrays instead
        originals = {k: weakref.ref(v) for k, v in net.params.items() if v.flags.writeable}
        batch = plan.batch(X.shape[1])
        steps = plan.n_epochs * -(-X.shape[1] // batch)
        kernels.prepare(plan.optimizer.name, parameter_count(net.layer_dims), steps,
                        [(g, n * batch) for g, n in zip(net.activations, net.layer_dims[1:])])
        for cb in plan.callbacks:
            cb.on_train_begin(net, steps)
    except BaseException:
        threads.finish()
        raise
    try:
        # an overflow in a step is a divergence (see _step), never a NumPy warning
        with np.errstate(over="call", divide="call", invalid="ignore",
                         call=run.record_overflow):
            try:
                for _ in range(plan.n_epochs):
                    if _epoch(net, run):
                        _end_epoch(net, run)
                    if net.stop_training:
                        break
            except KeyboardInterrupt:
                if run.epoch_m == run.source.m:  # after the epoch's last update (in full batch,
                    _record_epoch(net, run)      # every update): that epoch is done, counted
                raise
        form.finish()
        if plan.early is not None and plan.early.best_params is not None \
                and not paused(plan.callbacks):
            plan.early.restore(net)
            run.history.best_epoch = plan.early.best_epoch
    finally:
        run.threads.finish()
        plan.optimizer.forget_previous()
        form.finish()
        params = net.params
        for k, ref in originals.items():
            P = ref()
            if P is not None and params[k] is not P:
                np.copyto(P, params[k])
                params[k] = P
        for cb in plan.callbacks:
            cb.on_train_end(net, run.history)
    return run.history


def _epoch(net: "Network", run: _Run) -> bool:
    """One pass over the data in mini-batches; True when every batch was trained on (also when
    a callback stopped training at the last one: that epoch is complete, and recorded, as
    Keras calls on_epoch_end then too)."""
    for Xb, Yb in run.source.epoch(net.rng):
        run.threads.before_step(Xb, Yb)
        _step(net, run, Xb, Yb)
        run.threads.after_step(Xb.shape[1])
        if net.stop_training:
            break
    return run.epoch_m == run.source.m  # every sample of the data trained on


def _step(net: "Network", run: _Run, X: Array, Y: Array) -> float:
    """One update on (X, Y); returns J before the update (raises on a non-finite J)."""
    plan, form, it = run.plan, run.form, net.iterations_done
    masks = None
    if plan.keep_probs is not None:
        masks = dropout_masks(net.layer_dims, plan.keep_probs, X.shape[1], net.rng, net.dtype)
    run.overflowed = False
    J, work = form.forward_cost(X, Y, plan.lambd, masks)
    if not np.isfinite(J) or run.overflowed:
        # the message first: whether an update was made is what the roll-back takes away
        message = _divergence_message(net, run, X, J, it, Y)
        _roll_back(net, run)
        raise DivergenceError(message, iteration=it)
    run.last_good = None  # J is finite: the previous parameters can go before backward
    grads = form.backward(work, Y, plan.lambd, masks)
    del work
    # The new parameters are written into the gradient arrays, and the current ones are
    # kept as they are for a roll-back (the optimizer keeps its previous state likewise,
    # Optimizer.undo): no copy of the parameters or of the optimizer's state at any step.
    run.last_good = form.trainable
    form.use(plan.optimizer.step_into(form.trainable, grads))
    run.history.append(it, J)
    net.history.append(it, J)
    net.iterations_done += 1
    # counted at once with the update, before the callbacks: an interrupt raised in one
    # (KeyboardInterrupt) finds the epoch's samples counted (see _train)
    run.epoch_cost += J * X.shape[1]
    run.epoch_m += X.shape[1]
    if run.overflowed:  # in backward or the update: the next cost could not be computed
        _roll_back(net, run)
        raise DivergenceError(_update_overflow_message(net, run, it), iteration=it + 1)
    for cb in plan.callbacks:
        cb.on_iteration_end(net, it, J)
    return J


def _divergence_message(net: "Network", run: _Run, X: Array, J: float, it: int,
                        Y: "Array | None" = None) -> str:
    """Why the cost is not finite, or the forward pass overflowed: non-finite inputs or
    parameters; before the model's first update, not the learning rate but the scale of the
    targets (a squared error beyond the dtype) or of the inputs; else divergence. Called
    before the roll-back, which takes back the update this fit made, if any."""
    dtype = net.dtype.name
    what = f"the cost became {J}" if not np.isfinite(J) else f"the forward pass overflowed {dtype}"
    if not np.isfinite(X).all():  # this batch's inputs, whether updates were made or not
        start = "training cannot start" if len(run.history) == 0 else \
            f"training stopped at iteration {it}"
        return (f"{start}: {what} because the inputs X hold inf or NaN "
                f"(after the model's preprocessing, if any): values too large for {dtype}?")
    if len(run.history) == 0:
        bad = [k for k, v in net.params.items() if not np.isfinite(v).all()]
        if bad:
            return f"training cannot start: the parameters {bad} hold inf or NaN"
    big = float(np.max(np.abs(X))) if X.size else 0.0
    if len(run.history) == 0 and net.iterations_done == 0:  # no update ever made
        top = float(np.max(np.abs(Y))) if Y is not None and Y.size else 0.0
        if top > np.sqrt(np.finfo(net.dtype).max / Y.shape[1]):  # type: ignore[union-attr]
            return (f"training cannot start: the cost is {J} at iteration {it}, before any "
                    f"update: the targets Y reach |y| = {top:.3g}, whose squared error "
                    f"overflows {dtype}; scale the targets (nndl train and NNRegressor "
                    "standardize them; Network.target_scaling)")
        return (f"training cannot start: the cost is {J} at iteration {it}, before any update: "
                f"the forward pass overflowed {dtype} (the inputs reach |x| = {big:.3g}); "
                "scale the inputs (e.g. standardize them)")
    if big > np.sqrt(np.finfo(net.dtype).max):  # squares of such inputs overflow by themselves
        return (f"training stopped at iteration {it}: {what}; this batch's inputs reach |x| = "
                f"{big:.3g}: scale the inputs (e.g. standardize them); the model keeps its "
                "last finite parameters")
    return (f"training diverged at iteration {it}: {what}; the model keeps its last finite "
            f"parameters. {_smaller_rate(run.plan)}")


def _update_overflow_message(net: "Network", run: _Run, it: int) -> str:
    """An overflow in the gradients or the update of iteration ``it`` (rolled back)."""
    return (f"training diverged at iteration {it}: its gradients or update overflowed "
            f"{net.dtype.name}; the model keeps the parameters from before it. "
            f"{_smaller_rate(run.plan)}")


def _smaller_rate(plan: Plan) -> str:
    """The advice of a divergence, with the learning rate in use."""
    return f"Try a smaller learning rate (now {plan.optimizer.current_learning_rate:g})."


def constant_cost(net: "Network", Y: Array) -> float:
    """The cost of the best constant prediction of the targets Y (each output row's mean: a
    sigmoid unit's share of 1s, a softmax's class frequencies, a linear output's mean): what
    a network that learned nothing costs. A rise of the cost is judged against it too: from
    a cost near 0 (a converged model trained further, a fresh optimizer's first step), 7e-4
    to 0.03 or 1e-30 to 2e-18 is no divergence."""
    mean = np.mean(Y, axis=1, keepdims=True, dtype=np.float64)
    if net.head.is_classifier:
        mean = np.clip(mean, 1e-12, 1.0)  # (a class absent from Y: a finite cost)
    return float(net.head.cost.value(np.broadcast_to(mean, Y.shape), np.asarray(Y, np.float64)))


def _warn_if_rising(history: History, plan: Plan, floor: float = 0.0) -> bool:
    """A :class:`DivergenceWarning` when this fit's last epoch cost is above :data:`RISE`
    times its first and above RISE times ``floor`` (:func:`constant_cost`): finite, but
    diverged; whether it warned."""
    costs = history.epoch_costs
    if len(costs) < 2 or not costs[-1] > RISE * max(costs[0], floor):
        return False
    unit = "iteration" if plan.batch_size is None else "epoch"
    warnings.warn(
        f"the cost rose from {costs[0]:.6g} (first {unit} of this fit) to {costs[-1]:.6g} "
        f"(last {unit}), more than {RISE:g} times: training diverged, and the model it ends "
        f"with is likely useless. {_smaller_rate(plan)}", DivergenceWarning, stacklevel=4)
    return True


def _warn_if_spiked(net: "Network", history: History, plan: Plan, floor: float = 0.0) -> bool:
    """An :class:`UnsettledWarning` when this fit's cost rose above :data:`RISE` times its
    first epoch's, and above RISE times ``floor`` (:func:`constant_cost`), on the way and came
    back (a last cost that did not: :func:`_warn_if_rising`); whether it warned. A step that
    large pushes ReLU units where they never fire again: a linear output on raw targets
    (prices ~1e5, the notes' example) spiked 4e8 times and then learned one constant, the
    mean, without a word."""
    costs = history.epoch_costs
    top = max(costs, default=0.0)
    if len(costs) < 2 or not top > RISE * max(costs[0], floor):
        return False
    at, unit = costs.index(top), "iteration" if plan.batch_size is None else "epoch"
    raw = not net.head.is_classifier and net.target_scaling is None  # a linear output
    warnings.warn(
        f"the cost rose from {costs[0]:.6g} (first {unit} of this fit) to {top:.6g} ({unit} "
        f"{history.epochs[at]}), more than {RISE:g} times, before it came back to "
        f"{costs[-1]:.6g}: steps that large leave units that never fire again, and the model "
        f"may have learned far less than it could. {_smaller_rate(plan)}"
        + (" A linear output learns its targets as they are: standardize them (NNRegressor "
           "does, nndl train too unless --no-standardize; in Python, net.target_scaling = "
           "Standardizer().fit(Y))." if raw else ""), UnsettledWarning, stacklevel=4)
    return True


UNSETTLED = 2.0
"""A fit of at least 2 :data:`TAIL` epochs whose last :data:`TAIL` epoch costs, after its
lowest, reach more than UNSETTLED times that lowest (and by more than 0.01) ends with an
:class:`UnsettledWarning`. Measured on scikit-learn's data sets with ``NNClassifier()``'s
defaults: the raw breast-cancer features (scales 0.001 to 4000) reached 1.9-7.6 times their
lowest, with test accuracies 0.69-0.95 from seed to seed; standardized, and on wine, iris,
digits, moons and diabetes, at most 1.67 times."""
TAIL = 10


def _warn_if_unsettled(history: History, plan: Plan) -> None:
    """An :class:`UnsettledWarning` when the cost of the last :data:`TAIL` epochs swung far
    above the lowest of this fit after reaching it (:data:`UNSETTLED`): steps too large for
    the features' scale bounce, and the model ends wherever the last one landed (a cost still
    falling to its lowest is no swing)."""
    costs = history.epoch_costs
    if len(costs) < 2 * TAIL:
        return
    lowest = costs.index(min(costs))
    low = costs[lowest]
    after = costs[max(lowest + 1, len(costs) - TAIL):]  # above the lowest, later:
    top = max(after, default=low)                        # (still falling is not)
    if not (top > UNSETTLED * low and top - low > 0.01):  # (not a near-perfect fit's 1e-7)
        return
    unit = "iteration" if plan.batch_size is None else "epoch"
    warnings.warn(
        f"training did not settle: the cost of the last {TAIL} {unit}s reached {top:.6g}, "
        f"{top / low:.1f} times this fit's lowest, {low:.6g} ({unit} "
        f"{history.epochs[lowest]}); the model it ends with may be far from its "
        f"best. {_smaller_rate(plan)} Features of very different scales make such steps: "
        "standardize them (nndl.preprocessing.Standardizer; scikit-learn's StandardScaler).",
        UnsettledWarning, stacklevel=4)


def _roll_back(net: "Network", run: _Run) -> None:
    """Undo the last update of this fit call (if any): parameters, optimizer, history."""
    if len(run.history) == 0 or run.last_good is None:
        return
    run.form.use(run.last_good)
    run.last_good = None
    run.plan.optimizer.undo()
    run.history.pop()
    net.history.pop()
    if run.epoch_ended_at == net.iterations_done:  # that update ended an epoch: not any more
        _undo_epoch_end(net, run)
    net.iterations_done -= 1


def _undo_epoch_end(net: "Network", run: _Run) -> None:
    """Take back :func:`_end_epoch`'s counts and records (the callbacks have seen the epoch:
    a checkpoint written then holds the finite parameters after it, from which the next
    step diverged)."""
    net.epochs_done -= 1
    run.plan.optimizer.epoch -= 1
    for h in (run.history, net.history):
        h.epochs.pop()
        h.epoch_costs.pop()
        if run.plan.dev is not None:
            h.dev_costs.pop()
    run.epoch_ended_at = None


def paused(callbacks: list) -> bool:
    """Whether a callback stopped ``fit`` to continue later, not to end training: a
    :class:`~nndl.checkpoint.Checkpointer` that caught a signal (``pauses_training``). Early
    stopping then keeps the last parameters, which a checkpoint written next must hold with
    the counters, the optimizer's state and the RNG state that go with them."""
    return any(getattr(cb, "pauses_training", False) for cb in callbacks)


def _end_epoch(net: "Network", run: _Run) -> None:
    """Record the epoch (:func:`_record_epoch`), call the callbacks' ``on_epoch_end``."""
    epoch = net.epochs_done
    logs = _record_epoch(net, run)
    for cb in run.plan.callbacks:
        cb.on_epoch_end(net, epoch, logs)


def _record_epoch(net: "Network", run: _Run) -> dict:
    """Count the epoch, step the learning-rate schedule, compute the dev cost, record them in
    the histories; returns the epoch's logs (its cost, its dev cost)."""
    epoch = net.epochs_done
    logs = {"cost": run.epoch_cost / run.epoch_m}
    if run.plan.dev is not None:  # first, the slow part: an interrupt in it counts nothing yet
        Xd, Yd = run.plan.dev
        logs["dev_cost"] = net.head.cost.value(
            predict_forward(Xd, net.params, net.activations), Yd)
    run.epoch_cost, run.epoch_m = 0.0, 0
    net.epochs_done += 1
    run.epoch_ended_at = net.iterations_done
    run.plan.optimizer.end_epoch()
    for h in (run.history, net.history):
        h.epochs.append(epoch)
        h.epoch_costs.append(logs["cost"])
        if "dev_cost" in logs:
            h.dev_costs.append(logs["dev_cost"])
    return logs


def fit_plan(iterations: object, batch_size: object, epochs: object
             ) -> tuple[int, "int | None"]:
    """(number of epochs, batch size or None for full batch) from fit's arguments."""
    from .validation import check_positive

    if epochs is not None:
        n_epochs = int(check_positive("epochs", epochs, integer=True))
    elif batch_size is None:
        n_epochs = int(check_positive("iterations", iterations, integer=True))
    else:
        raise NNDLError("with batch_size, give the number of passes over the data: "
                        "fit(..., batch_size=64, epochs=10)")
    if batch_size is None:
        return n_epochs, None
    return n_epochs, int(check_positive("batch_size", batch_size, integer=True))


def print_every(print_cost: object) -> "int | None":
    """``fit``'s ``print_cost``: True -> every 100 iterations, False/None/0 -> never, an
    integer k >= 1 -> every k."""
    from .validation import check_number

    if print_cost is None or print_cost is False or (type(print_cost) is int
                                                      and print_cost == 0):
        return None
    if print_cost is True:
        return 100
    return int(check_number("print_cost", print_cost, integer=True, low=1))

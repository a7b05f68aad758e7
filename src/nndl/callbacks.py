"""Training callbacks and the cost history ``fit`` returns.

A callback sees the model after each iteration; it may set ``net.stop_training = True`` to end
``fit`` early (the parameters are then those after that iteration's update).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from .network import Network


@dataclass
class History:
    """The cost curve of one ``fit`` call.

    ``costs[i]`` is J at global iteration ``iterations[i]`` (the cost of the parameters
    *before* that iteration's update, as the course records it). Iterations continue across
    ``fit`` calls: a second call of 1000 iterations after a first starts at 1000.
    """

    iterations: list[int] = field(default_factory=list)
    costs: list[float] = field(default_factory=list)
    epochs: list[int] = field(default_factory=list)
    """Global index of every finished epoch (one pass over the training set)."""
    epoch_costs: list[float] = field(default_factory=list)
    """Per epoch: the mean of its mini-batch costs weighted by batch size (each taken before
    that batch's update; with full-batch training, the cost of the iteration)."""
    dev_costs: list[float] = field(default_factory=list)
    """Per epoch, when ``fit`` got ``dev=``: the dev-set cost after the epoch (no dropout)."""
    best_epoch: "int | None" = None
    """With early stopping: the epoch whose parameters were restored."""

    def append(self, iteration: int, cost: float) -> None:
        self.iterations.append(iteration)
        self.costs.append(cost)

    def pop(self) -> tuple[int, float]:
        return self.iterations.pop(), self.costs.pop()

    @property
    def history(self) -> dict[str, list[Any]]:
        """Keras-style view, one list per quantity: ``{"cost": [per iteration],
        "epoch_cost": [per epoch], "dev_cost": [per epoch]}``; the per-epoch keys are there
        only when epochs were recorded (``batch_size``/``epochs``) or a dev set was given."""
        out: dict[str, list[Any]] = {"cost": self.costs}
        if self.epoch_costs:
            out["epoch_cost"] = self.epoch_costs
        if self.dev_costs:
            out["dev_cost"] = self.dev_costs
        return out

    def __len__(self) -> int:
        return len(self.costs)


class Callback:
    """Base class: override the hooks you need. ``net.params`` is current in every hook."""

    def on_train_begin(self, net: "Network", total: int) -> None:
        """Called once before the first iteration; ``total`` iterations are planned."""

    def on_iteration_end(self, net: "Network", iteration: int, cost: float) -> None:
        """Called after each update; ``iteration`` is global, ``cost`` is J before the update."""

    def on_epoch_end(self, net: "Network", epoch: int, logs: dict[str, float]) -> None:
        """Called after each epoch; ``logs`` has ``cost`` (and ``dev_cost`` with a dev set)."""

    def on_train_end(self, net: "Network", history: History) -> None:
        """Called once when ``fit`` ends (also after an early stop or an error)."""


class PrintCost(Callback):
    """Print the cost every ``every`` iterations, as the course's loops do."""

    def __init__(self, every: int = 100) -> None:
        from .validation import check_number

        # checked here as fit(print_cost=k) checks k: 0 or "10" failed inside fit after the
        # first update, -1 printed every iteration, 1.5 at odd ones
        self.every = int(check_number("PrintCost every", every, integer=True, low=1))

    def on_iteration_end(self, net: "Network", iteration: int, cost: float) -> None:
        if iteration % self.every == 0:
            print(f"Cost after iteration {iteration}: {cost:.6f}")


class EarlyStopping(Callback):
    """Stop after ``patience`` epochs without a lower dev cost; :meth:`restore` puts back the
    parameters of the best epoch.

    ``fit(..., dev=..., patience=k)`` builds one (and restores at the end). Its state
    (:meth:`state_dict`, with the best parameters kept apart) can be saved in a checkpoint and
    loaded again, so that a resumed run stops where an uninterrupted one would. It needs
    ``fit(..., dev=...)`` (it reads ``logs["dev_cost"]``).
    """

    def __init__(self, patience: int) -> None:
        from .validation import check_positive

        self.patience = int(check_positive("patience", patience, integer=True))
        self.best_cost: "float | None" = None
        self.best_epoch: "int | None" = None
        self.best_params: "dict[str, Any] | None" = None
        self.wait = 0

    @property
    def stopped(self) -> bool:
        """True once ``patience`` epochs passed without improvement (training is over)."""
        return self.wait >= self.patience

    def on_epoch_end(self, net: "Network", epoch: int, logs: dict[str, float]) -> None:
        if "dev_cost" not in logs:
            from .errors import NNDLError

            raise NNDLError("EarlyStopping needs a dev set: fit(..., dev=(X_dev, Y_dev))")
        cost = logs["dev_cost"]
        if self.best_cost is None or cost < self.best_cost:
            self.best_cost, self.best_epoch, self.wait = float(cost), int(epoch), 0
            self.best_params = {k: v.copy() for k, v in net.params.items()}
        else:
            self.wait += 1
        if self.stopped:
            net.stop_training = True

    def restore(self, net: "Network") -> None:
        """Copy the best parameters back into ``net`` (and set ``history.best_epoch``)."""
        if self.best_params is None:
            return
        for k, v in net.params.items():
            v[...] = self.best_params[k]
        net.history.best_epoch = self.best_epoch

    def state_dict(self) -> dict[str, Any]:
        """JSON-able counters (the best parameters are :attr:`best_params`)."""
        return {"patience": self.patience, "best_cost": self.best_cost,
                "best_epoch": self.best_epoch, "wait": self.wait}

    def load_state_dict(self, state: dict[str, Any],
                        best_params: "dict[str, Any] | None") -> None:
        from .errors import NNDLError

        try:
            best_cost, best_epoch, wait = state["best_cost"], state["best_epoch"], state["wait"]
            ok = (type(wait) is int and wait >= 0
                  and (best_cost is None) == (best_epoch is None) == (best_params is None)
                  and (best_epoch is None or (type(best_epoch) is int and best_epoch >= 0))
                  and (best_cost is None or isinstance(best_cost, (int, float))))
        except (KeyError, TypeError):
            ok = False
        if not ok:
            raise NNDLError(f"early-stopping state is not valid: {state!r}")
        self.best_cost = None if best_cost is None else float(best_cost)
        self.best_epoch, self.wait = best_epoch, wait
        self.best_params = None if best_params is None else {
            k: v.copy() for k, v in best_params.items()}

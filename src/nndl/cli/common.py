"""What several commands share: the model-and-data width check and how scores are printed."""

from __future__ import annotations

from typing import Any

from ..errors import NNDLError


def check_width(net: Any, data: Any, what: str) -> None:
    """NNDLError unless the data has the model's n[0] features (rows of ``data.X``)."""
    n0 = net.layer_dims[0]
    if data.X.shape[0] != n0:
        raise NNDLError(f"the model takes {n0} input features but {what} "
                        f"({data.name or 'the data'}) has {data.X.shape[0]}")


def image_size_of(data: Any) -> "list[int] | None":
    """[height, width] of an image data set, else None."""
    images = getattr(data, "images", None)
    return None if images is None else [int(images.shape[1]), int(images.shape[2])]


def format_scores(s: dict) -> str:
    """'accuracy 0.9500' or 'mse 0.0123  rmse 0.111' (one line of a report)."""
    if "accuracy" in s:
        return f"accuracy {s['accuracy']:.4f}"
    return f"mse {s['mse']:.6g}  rmse {s['rmse']:.6g}"

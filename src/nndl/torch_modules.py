"""PyTorch modules for what ``torch.nn`` lacks in an exported nndl model (needs torch).

:func:`nndl.export.to_torch` builds ``torch.nn.Sequential`` models from ``torch.nn``'s own
layers; the pieces it has no module for are nndl's stored input preprocessing and a
regression's target scaling, here.
"""

from __future__ import annotations

import numpy as np
import torch


class Standardize(torch.nn.Module):
    """z = (x - mean) / std per feature, on rows x (batch, n[0]) -- nndl's
    :class:`~nndl.preprocessing.Standardizer` with its arrays (n[0], 1) as buffers (n[0],).

    Computed in float64, as the Standardizer does, then returned in the input's dtype; the
    buffers are not parameters (training does not change them) and stay float64 under
    ``module.to(dtype)``.
    """

    def __init__(self, mean: np.ndarray, std: np.ndarray) -> None:
        super().__init__()
        self.register_buffer("mean", torch.tensor(np.asarray(mean, np.float64).reshape(-1)))
        self.register_buffer("std", torch.tensor(np.asarray(std, np.float64).reshape(-1)))

    def _apply(self, fn, recurse=True):  # type: ignore[no-untyped-def]
        """Moves between devices like any module, but keeps the buffers in float64."""
        super()._apply(fn, recurse)
        self.mean = self.mean.to(torch.float64)
        self.std = self.std.to(torch.float64)
        return self

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return ((x.to(torch.float64) - self.mean) / self.std).to(x.dtype)

    def extra_repr(self) -> str:
        return f"n_features={self.mean.numel()}"


class Unstandardize(Standardize):
    """y = a * std + mean per output, on rows a (batch, n[L]): the inverse of
    :class:`Standardize`, for a regression whose targets nndl standardized
    (``Network.target_scaling``). Computed in float64, returned in the input's dtype."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return (x.to(torch.float64) * self.std + self.mean).to(x.dtype)

    def extra_repr(self) -> str:
        return f"n_outputs={self.mean.numel()}"

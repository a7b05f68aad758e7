"""What the columns of an exported model's input X are (:mod:`nndl.export`).

A runtime (onnxruntime, PyTorch) matches X's columns by position; nndl's ``predict`` matches a
table's columns by name. An export therefore carries the names of X's columns in order (or the
image size of a model trained on images) in its metadata, and ``nndl export`` prints them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .errors import NNDLError, shorten


@dataclass
class Inputs:
    """What the columns of the exported model's X are, for whoever feeds it: the feature
    names in X's column order (a model trained on a table with a header), or the image size
    of a model trained on images (X's row: the pixels flattened as (height, width, channel);
    for RGB images the pixels / 255, as nndl reads 8-bit images; a grey image at the scale of
    its data: the built-in digits' grey levels / 16, in [0, 1]). Stored in the export's metadata
    (:meth:`values`), since a runtime matches columns by position only."""

    feature_names: "list[str] | None" = None
    image_size: "list[int] | None" = None
    channels: int = 0
    """The image's channels, n[0] / (height * width) (set by :meth:`check`)."""

    @classmethod
    def of(cls, net: Any) -> "Inputs":
        """What the file a model was loaded from says its X's columns are (``info``'s
        ``feature_names`` or ``image_size``, which ``nndl train`` and the playground record);
        nothing for a model built in Python. ``to_onnx(nndl.load(path), out)`` wrote no
        names where ``nndl export`` did."""
        info = (getattr(net, "saved", None) or {}).get("info") or {}
        return cls(feature_names=info.get("feature_names"), image_size=info.get("image_size"))

    def check(self, n0: int) -> "Inputs":
        names, size = self.feature_names, self.image_size
        if names is not None and (not isinstance(names, (list, tuple)) or len(names) != n0
                                  or not all(isinstance(n, str) for n in names)):
            raise NNDLError(f"feature_names must be {n0} strings, one per input feature; got "
                            f"{shorten(repr(names), 80)}")
        if size is not None:
            pixels = int(size[0]) * int(size[1]) if len(size) == 2 else 0
            if pixels <= 0 or n0 % pixels or n0 // pixels not in (1, 3):
                raise NNDLError(f"image_size must be [height, width] with height * width * "
                                f"channels = n0 = {n0} (1 or 3 channels); got "
                                f"{shorten(repr(size), 40)}")
            self.channels = n0 // pixels
        return self

    def _image(self) -> str:
        h, w = (int(v) for v in self.image_size)  # type: ignore[union-attr]
        if self.channels == 3:
            return f"{h}x{w} RGB pixels / 255"
        return f"{h}x{w} grey pixels"

    def values(self) -> dict[str, Any]:
        """The entries that describe X (names, or image size, channels and a sentence), none
        when nothing is known."""
        out: dict[str, Any] = {}
        if self.feature_names is not None:
            out["feature_names"] = list(self.feature_names)
        if self.image_size is not None:
            out["image_size"] = [int(v) for v in self.image_size]
            out["channels"] = self.channels
            out["input"] = (f"{self._image()}, each row an image flattened as (height, width, "
                            "channel)")
        return out

    def describe(self, n0: int) -> str:
        """'X (batch, 3: ratio, age, income)' -- what the command line prints."""
        if self.feature_names is not None:
            return f"X (batch, {n0}: {shorten(', '.join(self.feature_names), 120)})"
        if self.image_size is not None:
            return f"X (batch, {n0}: {self._image()})"
        return f"X (batch, {n0})"

"""Real data sets that an installed dependency ships (scikit-learn's bundled files), so that a
fresh machine trains on real data with no download.

| name            | task        | m    | n[0] | classes                          |
|-----------------|-------------|------|------|----------------------------------|
| breast_cancer   | binary      | 569  | 30   | malignant, benign                |
| digits          | multiclass  | 1797 | 64   | 0..9 (8x8 images, kept in images)|
| iris            | multiclass  | 150  | 4    | setosa, versicolor, virginica    |
| wine            | multiclass  | 178  | 13   | class_0, class_1, class_2        |
| diabetes        | regression  | 442  | 10   | (disease progression after 1 yr) |

Features are returned raw (not scaled; the digits' grey levels 0..16 as pixels in [0, 1], as
images are read): standardize them with :class:`nndl.preprocessing.Standardizer` fitted on
the training part.
"""

from __future__ import annotations

import numpy as np

from ..errors import NNDLError
from .base import Dataset, task_for_classes

BUILTIN: list[str] = ["breast_cancer", "digits", "iris", "wine", "diabetes"]
"""Names accepted by :func:`load_builtin` (the first is the default)."""

_LOADERS = {
    "breast_cancer": "load_breast_cancer",
    "digits": "load_digits",
    "iris": "load_iris",
    "wine": "load_wine",
    "diabetes": "load_diabetes",
}


def load_builtin(name: str = "breast_cancer") -> Dataset:
    """The built-in data set ``name`` (one of :data:`BUILTIN`) as a Dataset, samples as
    columns: X (n[0], m) float64, Y (1, m) int64 class indices (float64 for ``diabetes``)."""
    key = name.strip().lower().replace("-", "_") if isinstance(name, str) else None
    if key not in _LOADERS:
        raise NNDLError(f"unknown built-in data set {name!r}; expected one of {BUILTIN}")
    try:
        from sklearn import datasets as skd
    except ImportError as exc:  # pragma: no cover - depends on the environment
        from importlib.util import find_spec

        if find_spec("sklearn") is None:
            raise NNDLError("the built-in data sets come with scikit-learn: pip install "
                            "'nndl[sklearn]'") from None
        raise NNDLError(f"the built-in data sets come with scikit-learn, which is installed "
                        f"but failed to load: {exc}") from None
    bunch = getattr(skd, _LOADERS[key])()
    X = np.asarray(bunch.data, dtype=np.float64).T.copy()
    feature_names = [str(f) for f in getattr(bunch, "feature_names", [])] or None
    if key == "diabetes":
        Y = np.asarray(bunch.target, dtype=np.float64).reshape(1, -1)
        return Dataset(X=X, Y=Y, classes=None, feature_names=feature_names, task="regression",
                       name=key)
    Y = np.asarray(bunch.target, dtype=np.int64).reshape(1, -1)
    classes = [str(c) for c in bunch.target_names]
    images = None
    if key == "digits":  # 8x8 grey levels 0..16 -> (m, 8, 8, 1) uint8 0..255, for plotting
        images = np.round(np.asarray(bunch.images) * (255.0 / 16.0)).astype(np.uint8)[..., None]
        X /= 16.0  # pixels in [0, 1], as images are read (not standardized: X 0..16 trained
        # from a cost of 16.6; an image file given to predict is read in [0, 1] too)
        feature_names = None if feature_names is None or len(feature_names) != X.shape[0] \
            else feature_names
    return Dataset(X=X, Y=Y, classes=classes, feature_names=feature_names,
                   task=task_for_classes(len(classes)), images=images, name=key)

"""Data: the :class:`Dataset` every source returns (samples as columns), loaders for user
files (CSV, NPZ, HDF5, image folders), the course's cat files, built-in real data sets,
2-D generators, and train/dev/test splitting.

    from nndl.datasets import load, load_builtin, load_spec, generate, split
    data = load("train.csv", label="y")            # or load_builtin("breast_cancer")
    data, test = load_spec("moons")                # one string: a name, a file, a folder
    train, dev, test = split(data, dev=0.2, test=0.1, seed=0)
"""

from .base import MAX_AUTO_CLASSES, TASKS, Dataset, encode_labels
from .builtin import BUILTIN, load_builtin
from .course import Split, default_cat_dir, load_cat
from .generators import (
    GENERATORS,
    generate,
    make_blobs,
    make_circles,
    make_flower,
    make_moons,
    make_spiral,
    make_xor,
)
from .images import IMAGE_SUFFIXES, load_image_folder, load_images, read_image, read_pixels
from .loaders import column_names, from_arrays, load, load_csv, load_hdf5, load_npz, \
    table_header
from .matching import check_columns, match_features
from .spec import existing_path, load_spec, resolve_spec, spec_names
from .split import split

__all__ = [
    "BUILTIN",
    "check_columns",
    "column_names",
    "GENERATORS",
    "IMAGE_SUFFIXES",
    "MAX_AUTO_CLASSES",
    "TASKS",
    "Dataset",
    "Split",
    "default_cat_dir",
    "encode_labels",
    "existing_path",
    "from_arrays",
    "generate",
    "load",
    "load_builtin",
    "load_cat",
    "load_csv",
    "load_hdf5",
    "load_image_folder",
    "load_images",
    "load_npz",
    "load_spec",
    "make_blobs",
    "make_circles",
    "make_flower",
    "make_moons",
    "make_spiral",
    "make_xor",
    "match_features",
    "read_image",
    "read_pixels",
    "resolve_spec",
    "spec_names",
    "split",
    "table_header",
]

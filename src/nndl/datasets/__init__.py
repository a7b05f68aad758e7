"""Data: the course's cat images, the planar generators, and loaders for user files."""

from .course import default_cat_dir, load_cat
from .generators import make_flower

__all__ = ["default_cat_dir", "load_cat", "make_flower"]

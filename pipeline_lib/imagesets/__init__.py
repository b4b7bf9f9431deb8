"""Real image sets the pipeline learns from: images, measured attributes, a held-out split."""
from .base import ImageSet, build_image_set, load_image_set, save_image_set
from . import celeba, digits  # noqa: F401  (register the kinds)

__all__ = ["ImageSet", "build_image_set", "load_image_set", "save_image_set"]

"""Real image sets the pipeline learns from: images, measured attributes, a held-out split."""
from pipeline_lib.data.imagesets.base import ImageSet, build_image_set, load_image_set, save_image_set
from pipeline_lib.data.imagesets import celeba, digits  # noqa: F401  (register the kinds)

__all__ = ["ImageSet", "build_image_set", "load_image_set", "save_image_set"]

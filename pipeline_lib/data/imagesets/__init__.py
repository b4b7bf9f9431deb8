"""Real image sets the pipeline learns from: images, measured attributes, a held-out split.

A kind is module ``pipeline_lib/data/imagesets/<kind>.py`` defining ``SETTINGS`` and its builder ``IMAGE_SET``."""
from pipeline_lib.data.imagesets.base import ImageSet, build_image_set, load_image_set, save_image_set

__all__ = ["ImageSet", "build_image_set", "load_image_set", "save_image_set"]

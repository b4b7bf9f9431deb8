"""Generators: the procedural ``shapes`` and any network loaded from a weight file."""
from . import conv_gan, shapes  # noqa: F401  (register the kinds)
from .base import Generator, build_generator, load_generator, save_generator

__all__ = ["Generator", "build_generator", "load_generator", "save_generator"]

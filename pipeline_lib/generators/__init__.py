"""Generators: the procedural ``shapes`` and any network loaded from a weight file."""
from . import shapes  # noqa: F401  (registers the kind)
from .base import Generator, build_generator, load_generator, save_generator

__all__ = ["Generator", "build_generator", "load_generator", "save_generator"]

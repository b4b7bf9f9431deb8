"""Generators: the procedural ``shapes``, the pipeline-trained ``conv_gan``, and networks from users' files."""
from pipeline_lib.data.generators import conv_gan, shapes, stylegan2, torchscript  # noqa: F401  (register the kinds)
from pipeline_lib.data.generators.base import Generator, build_generator, load_generator, save_generator
from pipeline_lib.data.generators.stylegan2 import import_stylegan2
from pipeline_lib.data.generators.torchscript import import_torchscript

IMPORTERS = {"stylegan2": import_stylegan2, "torchscript": import_torchscript}  # kinds read from a user's file

__all__ = ["IMPORTERS", "Generator", "build_generator", "load_generator", "save_generator"]

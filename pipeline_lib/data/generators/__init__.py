"""Generator kinds: module ``pipeline_lib/data/generators/<kind>.py`` defines ``ORIGIN``, ``SETTINGS`` and
``GENERATOR`` (see pipeline_lib/config/definitions.py); it is imported only when asked for."""
from pipeline_lib.data.generators.base import (Generator, build_generator, generator_class, import_generator,
                                               load_generator, save_generator)

__all__ = ["Generator", "build_generator", "generator_class", "import_generator", "load_generator", "save_generator"]

"""Registry: the name used in params.yaml -> the method class."""
from pipeline_lib.methods.base import EditMethod, load_method as _load, save_method
from pipeline_lib.methods.ganspace import GANSpace
from pipeline_lib.methods.gradient import GradientSteps
from pipeline_lib.methods.interfacegan import ConditionalInterFaceGAN, InterFaceGAN
from pipeline_lib.methods.manifold import DisentangledManifold, LinearDiscovery
from pipeline_lib.methods.sgf import SGF

METHODS: dict[str, type[EditMethod]] = {
    m.name: m for m in (InterFaceGAN, ConditionalInterFaceGAN, GANSpace, SGF, GradientSteps, DisentangledManifold, LinearDiscovery)
}


def build_method(name: str, **hyper) -> EditMethod:
    if name not in METHODS:
        raise ValueError(f"unknown method {name!r}; known: {sorted(METHODS)}")
    return METHODS[name](**hyper)


def load_method(path) -> EditMethod:
    return _load(path, METHODS)


__all__ = ["METHODS", "EditMethod", "build_method", "load_method", "save_method"]

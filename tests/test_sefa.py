"""SeFa: the top eigenvectors of A^T A, A the generator's first weight; generators expose A or say they cannot."""
import pytest
import torch

from pipeline_lib.data.generators import Generator, build_generator
from pipeline_lib.data.generators.torchscript import TorchScriptGenerator
from pipeline_lib.methods import build_method, load_method, save_method
from test_naming import AxisPredictor


class WeightOnly(Generator):
    """'Images' are the codes; ``latent_weight`` is whatever the test sets."""

    kind = "weight_only"

    def __init__(self, weight):
        super().__init__()
        self.weight, self.latent_dim = weight, 4

    def latent_weight(self):
        return self.weight

    def forward(self, z):
        return z


def known_weight(seed=0):
    """A (6, 4) with singular values 3, 2, 1, 0.5 and right singular vectors ``v`` (4, 4), columns."""
    g = torch.Generator().manual_seed(seed)
    u, _ = torch.linalg.qr(torch.randn(6, 4, generator=g, dtype=torch.float64))
    v, _ = torch.linalg.qr(torch.randn(4, 4, generator=g, dtype=torch.float64))
    return u @ torch.diag(torch.tensor([3.0, 2.0, 1.0, 0.5], dtype=torch.float64)) @ v.T, v


def codes(n=500):
    return torch.randn(n, 4, generator=torch.Generator().manual_seed(1))


def test_directions_are_the_top_eigenvectors_of_a_t_a():
    a, v = known_weight()
    method = build_method("sefa", n_components=3, probe=32).fit(codes(), None, WeightOnly(a.float()),
                                                               AxisPredictor([0, 1]))
    assert torch.allclose(method.eigenvalues_, torch.tensor([9.0, 4.0, 1.0]), atol=1e-5)
    values, vectors = torch.linalg.eigh(a.T @ a)
    assert torch.allclose(method.eigenvalues_.double(), values.flip(0)[:3], atol=1e-5)
    cosines = (method.components_.double() * vectors.flip(1)[:, :3].T).sum(1)
    assert torch.allclose(cosines.abs(), torch.ones(3, dtype=torch.float64), atol=1e-5)  # the same, up to sign
    assert torch.allclose((method.components_.double() @ v[:, :3]).abs(), torch.eye(3, dtype=torch.float64),
                          atol=1e-5)
    # named one-to-one, signed so each edit raises its attribute
    assert len(set(method.assignment_.tolist())) == 2
    picked = method.components_[method.assignment_] * method.signs_[:, None]
    assert torch.equal(method.directions_, picked)
    assert (method.effects_[method.assignment_, torch.arange(2)] * method.signs_ > 0).all()


def test_normalize_scales_each_row_of_a_first():
    a, _ = known_weight(2)
    a[0] *= 50  # one loud output unit dominates A^T A unless rows are normalised
    rows = a / a.norm(dim=1, keepdim=True)
    values, vectors = torch.linalg.eigh(rows.T @ rows)
    method = build_method("sefa", n_components=2, normalize=True, probe=16).fit(
        codes(), None, WeightOnly(a.float()), AxisPredictor([0, 1]))
    assert torch.allclose(method.eigenvalues_.double(), values.flip(0)[:2], atol=1e-4)
    cosines = (method.components_.double() * vectors.flip(1)[:, :2].T).sum(1)
    assert torch.allclose(cosines.abs(), torch.ones(2, dtype=torch.float64), atol=1e-4)
    raw = build_method("sefa", n_components=2, probe=16).fit(codes(), None, WeightOnly(a.float()), AxisPredictor([0]))
    assert (raw.components_[0].double() @ a[0] / a[0].norm()).abs() > 0.99  # without: the loud row's direction


def test_a_generator_without_a_latent_weight_fails_naming_why():
    scripted = TorchScriptGenerator(torch.jit.script(torch.nn.Identity()), torch.zeros(1, dtype=torch.uint8),
                                    latent_dim=4, latent_space="z", resolution=4, output_range=(0.0, 1.0),
                                    precision="fp32", batch_size=4, output_resolution=None)
    assert scripted.latent_weight() is None
    with pytest.raises(ValueError, match="sefa: the torchscript generator exposes no latent weight.*"
                                         "leave sefa out of benchmark.methods"):
        build_method("sefa").fit(codes(), None, scripted, AxisPredictor([0]))
    with pytest.raises(ValueError, match=r"latent weight has shape \(6, 3\), expected \(out_features, 4\)"):
        build_method("sefa").fit(codes(), None, WeightOnly(torch.ones(6, 3)), AxisPredictor([0]))
    with pytest.raises(ValueError, match="sefa: 2 attributes need 2 distinct directions .* raise n_components"):
        build_method("sefa", n_components=1).fit(codes(), None, WeightOnly(known_weight()[0].float()),
                                                 AxisPredictor([0, 1]))


def test_fitted_sefa_round_trips(tmp_path):
    method = build_method("sefa", n_components=3, probe=16).fit(codes(), None, WeightOnly(known_weight()[0].float()),
                                                               AxisPredictor([0, 1]))
    save_method(method, tmp_path / "m.pt")
    again = load_method(tmp_path / "m.pt")
    assert torch.equal(again.directions_, method.directions_) and again.summary() == method.summary()
    assert set(method.summary()) == {"component_effects", "assigned_component", "assigned_sign", "eigenvalues"}


def test_shapes_weight_is_the_factor_map_at_the_prior_mean():
    gen = build_generator("shapes", latent_dim=12, curvature=0.7, seed=3)
    jac = torch.autograd.functional.jacobian(lambda z: torch.cat(gen.factor_scores(z[None]), 1)[0], torch.zeros(12))
    assert gen.latent_weight().shape == (8, 12)
    assert torch.allclose(gen.latent_weight(), jac, atol=1e-6)


def test_conv_gan_weight_is_its_stem():
    gen = build_generator("conv_gan", latent_dim=5, resolution=8, channels=1, width=4)
    assert gen.latent_weight() is gen.stem.weight and gen.latent_weight().shape == (64 * 4, 5)


@pytest.mark.parametrize("space", ["w", "z"])
def test_stylegan2_weight_is_the_first_linear_map_of_the_code(space):
    torch.manual_seed(0)
    gen = build_generator("stylegan2", resolution=8, style_dim=6, n_mlp=2, channel_max=4, latent_space=space)
    weight = gen.latent_weight()
    if space == "z":
        first = gen.style[1]  # after PixelNorm, which only rescales z
        assert torch.equal(weight, first.weight * first.scale) and weight.shape == (6, 6)
        return
    layers = [gen.conv1, *gen.convs]  # the StyledConvs' modulations, affine in w; ToRGBs left out
    styles = lambda w: torch.cat([layer.conv.modulation(w[None])[0] for layer in layers])  # noqa: E731
    assert weight.shape == (4 * len(layers), 6)
    assert torch.allclose(weight, torch.autograd.functional.jacobian(styles, torch.randn(6)), atol=1e-6)

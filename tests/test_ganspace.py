"""GANSpace as published: PCA of an intermediate activation, regressed back to the latent; each generator's layer."""
import pytest
import torch

from pipeline_lib.data.generators import Generator, build_generator
from pipeline_lib.methods import build_method
from test_naming import AxisPredictor
from toys import opaque_generator


class Bent(Generator):
    """'Images' are the codes; the hidden layer ``(5 tanh(z_2), z_0, z_1, z_3)`` is dominated by axis 2."""

    kind = "bent"
    latent_dim = 4

    def features(self, z, layer):
        if layer == "hidden":
            return torch.stack([5 * torch.tanh(z[:, 2]), z[:, 0], z[:, 1], z[:, 3]], 1)
        return super().features(z, layer)

    def forward(self, z):
        return z


def test_hidden_layer_pca_is_regressed_back_to_the_latent():
    z = torch.randn(3000, 4, generator=torch.Generator().manual_seed(0))
    method = build_method("ganspace", n_components=3, probe=64).fit(z, None, Bent(), AxisPredictor([2, 0]))
    assert abs(method.components_[0, 2]) > 0.99  # the top PC of the activation is latent axis 2
    assert method.explained_[0] > 0.7 and method.explained_.sum() <= 1 + 1e-6
    assert method.assignment_[0] == 0 and torch.allclose(method.directions_[0].abs(), torch.eye(4)[2], atol=0.05)
    assert set(method.summary()) == {"component_effects", "assigned_component", "assigned_sign", "explained_variance"}


def test_shapes_hidden_layer_is_its_factor_map_and_caps_the_components():
    gen = build_generator("shapes", latent_dim=12, seed=0)
    z = gen.sample(300, 1)
    assert torch.equal(gen.features(z, "hidden"), torch.cat(gen.factor_scores(z), 1))
    assert torch.equal(gen.features(z, "output"), gen(z).flatten(1))
    pixels = torch.nn.Sequential(torch.nn.Flatten(), AxisPredictor([0, 1, 2]))  # 'attributes': three pixels
    method = build_method("ganspace", n_components=12, probe=16).fit(z, None, gen, pixels)
    assert method.components_.shape == (8, 12)  # 6 factor scores and 2 nuisance coordinates


def test_conv_gan_hidden_layer_is_the_first_block():
    gen = build_generator("conv_gan", latent_dim=5, resolution=16, channels=1, width=4).eval()
    z = torch.randn(3, 5)
    hidden = gen.features(z, "hidden")
    assert hidden.shape == (3, 8 * 8 * 8)  # 4w / 2 channels at 8x8
    block = gen.body[5]
    assert isinstance(block, torch.nn.LeakyReLU) and isinstance(gen.body[6], torch.nn.Upsample)


@pytest.mark.parametrize("space", ["z", "w"])
def test_stylegan2_hidden_layer(space):
    torch.manual_seed(0)
    gen = build_generator("stylegan2", resolution=8, style_dim=6, n_mlp=2, channel_max=4, latent_space=space).eval()
    codes = torch.randn(2, 6)
    hidden = gen.features(codes, "hidden")
    if space == "z":
        assert torch.equal(hidden, gen.mapping(codes))
    else:
        assert hidden.shape == (2, 4 * 4 * 4)


def test_an_opaque_generator_has_no_hidden_layer_and_ganspace_says_so():
    scripted = opaque_generator()
    with pytest.raises(ValueError, match="torchscript generator exposes no 'hidden' activations.*layer: output"):
        build_method("ganspace").fit(torch.randn(20, 4), None, scripted, AxisPredictor([0]))

import pytest
import torch

from pipeline_lib.attributes.predictor import AttributePredictor
from pipeline_lib.attributes.tasks import Task
from pipeline_lib.data.generators import build_generator
from pipeline_lib.methods import build_method, load_method, save_method
from pipeline_lib.methods.warped import RBFWarps

FAST = dict(n_directions=6, iterations=3, batch_size=8, probe=16)


def warp_value(warps: RBFWarps, z: torch.Tensor, k: int) -> torch.Tensor:
    """``f_k(z) = sum_i alpha_ki exp(-gamma_k |z - v_ki|^2)`` (n,), written out from the paper."""
    gamma = warps.log_gamma[k].exp()
    return (warps.alpha[k] * torch.exp(-gamma * (z[:, None] - warps.support[k]).square().sum(2))).sum(1)


def _size_task() -> Task:
    return Task("size", "continuous", ("size",), (1,), torch.tensor([[0.2]]), torch.tensor([[0.6]]))


def test_unit_field_is_the_normalised_gradient_of_each_warping_function():
    torch.manual_seed(0)
    warps = RBFWarps(5, 3, 2, gamma=0.3, radius=2.0)
    z = torch.randn(4, 5, requires_grad=True)
    for k in range(3):
        (grad,) = torch.autograd.grad(warp_value(warps, z, k).sum(), z)
        onehot = torch.nn.functional.one_hot(torch.full((4,), k), 3).float()
        assert torch.allclose(warps.unit(z, onehot), grad / grad.norm(dim=1, keepdim=True), atol=1e-5)


@pytest.mark.parametrize("alpha", [1.0, -1.0])
def test_path_on_a_single_rbf_moves_straight_along_its_gradient(alpha):
    """One RBF: ``grad f = -2 gamma alpha exp(.) (z - v)``, so the path runs along ``alpha (v - z0)``,
    straight, at unit speed: ``z(s) = z0 + s alpha (v - z0) / |v - z0|`` (until it reaches ``v``)."""
    method = build_method("warped", n_directions=2, n_dipoles=1, step_size=0.05)
    warps = RBFWarps(3, 2, 1, gamma=0.5, radius=1.0)
    v = torch.tensor([3.0, 1.0, -2.0])
    with torch.no_grad():
        warps.support[0] = torch.stack([v, torch.zeros(3)])
        warps.alpha[0] = torch.tensor([alpha, 0.0])  # the dipole's partner switched off
    method.shifter_, method.assignment_, method.signs_ = warps, torch.tensor([0, 0, 0, 0, 0, 0]), torch.ones(6)
    z0 = torch.tensor([[0.5, 0.0, 0.0]])
    strengths = torch.linspace(0, 2, 9)  # |v - z0| = 3.77: never reached
    codes = method.path(z0, _size_task(), strengths)[0]
    toward = (v - z0[0]) / (v - z0[0]).norm()
    assert torch.allclose(codes, z0 + alpha * strengths[:, None] * toward, atol=1e-5)


@pytest.fixture(scope="module")
def gen():
    return build_generator("shapes", latent_dim=12, seed=0)


@pytest.fixture(scope="module")
def fitted(gen):
    torch.manual_seed(0)
    pred = AttributePredictor(gen.schema, 32, width=4).eval()
    return build_method("warped", **FAST, seed=3).fit(gen.sample(64, 1), None, gen, pred), pred


def test_fit_names_distinct_paths_round_trips_and_is_deterministic(gen, fitted, tmp_path):
    method, pred = fitted
    summary = method.summary()
    assert len(summary["direction_effects"]) == FAST["n_directions"]
    assert len(set(summary["assigned_direction"])) == len(gen.schema.names)  # one-to-one
    assert set(summary["final_losses"]) == {"direction", "shift", "total"}
    save_method(method, tmp_path / "w.pt")
    again = load_method(tmp_path / "w.pt", kind="warped")
    z = torch.randn(2, 12, generator=torch.Generator().manual_seed(3))
    strengths = torch.linspace(0, 2, 4)
    assert torch.equal(again.path(z, _size_task(), strengths), method.path(z, _size_task(), strengths))
    assert again.summary() == summary
    refit = build_method("warped", **FAST, seed=3).fit(gen.sample(64, 1), None, gen, pred)
    assert torch.equal(refit.history_["total"], method.history_["total"])


def test_paths_start_at_z_and_travel_their_strength(fitted):
    method, _ = fitted
    z = torch.randn(3, 12, generator=torch.Generator().manual_seed(4))
    codes = method.path(z, _size_task(), torch.linspace(0, 2, 5))
    assert torch.equal(codes[:, 0], z)
    hops = codes.diff(dim=1).norm(dim=2)  # chords of arcs of length 0.5
    assert (hops <= 0.5 + 1e-5).all() and (hops > 0.4).all()

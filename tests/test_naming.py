"""One-to-one naming of unsupervised directions (pipeline_lib/methods/naming.py)."""
from itertools import permutations

import pytest
import torch

from pipeline_lib.methods import build_method
from pipeline_lib.methods.naming import one_to_one, probe_effects
from toys import IdentityGenerator


class AxisPredictor(torch.nn.Module):
    """'Images' are codes; attribute i reads code axis ``axes[i]``."""

    def __init__(self, axes):
        super().__init__()
        self.axes = list(axes)
        self.register_buffer("dummy", torch.zeros(1))

    def forward(self, x):
        return x[:, self.axes]


def test_effects_are_the_mean_change_of_a_plus_minus_shift():
    directions = torch.tensor([[1.0, 0.0, 0.0], [0.0, -1.0, 0.0], [0.6, 0.8, 0.0]])
    effects = probe_effects(directions, torch.zeros(5, 3), IdentityGenerator(), AxisPredictor([0, 1, 2]))
    assert torch.allclose(effects, directions)
    per_code = torch.stack([directions] * 5, 1)  # (K, P, d): the same shift for every code
    assert torch.equal(probe_effects(per_code, torch.zeros(5, 3), IdentityGenerator(), AxisPredictor([0, 1, 2])),
                       effects)


def test_matching_never_names_one_direction_twice():
    # argmax puts both attributes on direction 0; the best one-to-one gives attribute 1 direction 2
    effects = torch.tensor([[0.9, -0.8],
                            [0.1, 0.1],
                            [0.5, -0.7],
                            [0.0, 0.0]])
    assert effects.abs().argmax(0).tolist() == [0, 0]
    assignment, signs = one_to_one(effects, "ganspace", "n_components")
    assert assignment.tolist() == [0, 2] and signs.tolist() == [1.0, -1.0]
    # where the larger effect is worth giving up: the total |effect| decides, not the first column
    assignment, _ = one_to_one(torch.tensor([[0.9, 0.85], [0.8, 0.1]]), "ganspace", "n_components")
    assert assignment.tolist() == [1, 0]


def test_a_random_matrix_gets_distinct_directions_of_maximal_total_effect():
    effects = torch.randn(9, 6, generator=torch.Generator().manual_seed(0))
    assignment, signs = one_to_one(effects, "sefa", "n_components")
    assert len(set(assignment.tolist())) == 6
    chosen = effects[assignment, torch.arange(6)]
    assert torch.equal(signs, torch.sign(chosen))
    size = effects.abs().tolist()
    best = max(sum(size[k][j] for j, k in enumerate(rows)) for rows in permutations(range(9), 6))
    assert chosen.abs().sum().item() == pytest.approx(best)


def test_a_zero_effect_still_gets_a_direction_and_too_few_directions_are_refused():
    assignment, signs = one_to_one(torch.zeros(3, 2), "manifold", "n_directions")
    assert len(set(assignment.tolist())) == 2 and signs.tolist() == [1.0, 1.0]
    with pytest.raises(ValueError, match="manifold: 3 attributes need 3 distinct directions .* raise n_directions"):
        one_to_one(torch.ones(2, 3), "manifold", "n_directions")


def test_ganspace_names_colliding_components_one_to_one():
    """Codes spread most along axes 0 and 1; attributes read axes 0 and 0+1: argmax would pick component 0 twice."""
    g = torch.Generator().manual_seed(1)
    z = torch.randn(2000, 4, generator=g) * torch.tensor([3.0, 2.0, 0.5, 0.3])

    class Reader(AxisPredictor):
        def forward(self, x):
            return torch.stack([x[:, 0], x[:, 0] + 0.5 * x[:, 1]], 1)

    method = build_method("ganspace", layer="latent", n_components=3, probe=64, seed=0)
    method.fit(z, None, IdentityGenerator(), Reader([]))
    assert method.effects_.abs().argmax(0).tolist() == [0, 0]
    assert method.assignment_.tolist() == [0, 1]
    assert torch.allclose(method.directions_.abs(), torch.eye(4)[:2], atol=0.05)
    summary = method.summary()
    assert summary["assigned_component"] == [0, 1] and len(summary["component_effects"]) == 3

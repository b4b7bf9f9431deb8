"""Equal path-length budgets (arc-length resampling) and vector rays aimed at the target point."""
import torch

from pipeline_lib.attributes.tasks import Task
from pipeline_lib.methods.base import LinearDirections
from pipeline_lib.methods.editing import arc_length, resample_by_length, strength_schedule


def ray(speed: float, d: int = 5, n: int = 3, q: int = 33, s_max: float = 4.0) -> torch.Tensor:
    """(n, q, d) straight paths from random codes at ``speed`` latent units per unit of strength."""
    gen = torch.Generator().manual_seed(0)
    z, v = torch.randn(n, d, generator=gen), torch.randn(n, d, generator=gen)
    v = v / v.norm(dim=1, keepdim=True)
    return z[:, None] + speed * strength_schedule(s_max, q - 1)[None, :, None] * v[:, None]


def test_a_unit_speed_path_is_returned_as_traced():
    traced, budget = ray(1.0), strength_schedule(4.0, 8)
    codes, travelled = resample_by_length(traced, budget)
    assert torch.allclose(codes, traced[:, ::4], atol=1e-5)
    assert torch.allclose(travelled, budget.expand(3, -1), atol=1e-5)


def test_a_fast_path_is_cut_at_the_budget_and_a_short_one_holds_its_end():
    budget = strength_schedule(4.0, 8)
    fast, _ = resample_by_length(ray(3.0), budget)  # 12 units long: only its first third is kept
    assert torch.allclose((fast - fast[:, :1]).norm(dim=-1), budget.expand(3, -1), atol=1e-4)
    assert torch.allclose(fast, ray(1.0)[:, ::4], atol=1e-4)
    slow, travelled = resample_by_length(ray(0.5), budget)  # 2 units long
    assert torch.allclose(travelled, budget.clamp(max=2.0).expand(3, -1), atol=1e-5)
    assert torch.allclose(slow[:, 4:], ray(0.5)[:, -1:].expand(-1, 5, -1), atol=1e-5)


def test_a_wiggly_path_spends_exactly_the_budget():
    gen = torch.Generator().manual_seed(1)
    traced = torch.cat([torch.zeros(2, 1, 6), torch.randn(2, 64, 6, generator=gen).cumsum(1)], 1)  # random walks
    budget = strength_schedule(4.0, 16)
    codes, travelled = resample_by_length(traced, budget)
    assert torch.equal(codes[:, 0], traced[:, 0])
    assert torch.allclose(travelled, budget.expand(2, -1))
    assert (arc_length(codes)[:, -1] <= 4.0 + 1e-4).all()  # chords are no longer than the arcs they cut


class Fixed(LinearDirections):
    kind = "fixed"

    def __init__(self, directions):
        super().__init__()
        self.directions_ = directions


def test_vector_rays_are_aimed_at_the_target_point():
    """c = M z on the first two axes, the members' gains unequal and coupled: a ray weighted in attribute
    units misses the target point; the aimed ray passes through it."""
    mix = torch.tensor([[2.0, 0.5], [0.0, 0.5]])
    predictor = lambda x: x[:, :2] @ mix.T  # noqa: E731
    z = torch.randn(4, 3, generator=torch.Generator().manual_seed(2))
    start = predictor(z)
    target = start + torch.tensor([[0.3, 0.4], [-0.5, 0.1], [0.2, -0.2], [0.0, 0.6]])
    task = Task("position", "vector", ("x", "y"), (0, 1), start, target)
    method = Fixed(torch.eye(3)[:2])
    strengths = strength_schedule(4.0, 400)
    for aimed, hits in [(False, False), (True, True)]:
        path = method.path(z, task, strengths, lambda x: x, predictor) if aimed else method.path(z, task, strengths)
        miss = (predictor(path.reshape(-1, 3)).view(4, -1, 2) - target[:, None]).norm(dim=-1).min(1).values
        assert bool((miss < 0.01).all()) == hits

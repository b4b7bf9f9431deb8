import pytest
import torch

from pipeline_lib.config.catalog import SHAPES_SCHEMA as SCHEMA
from pipeline_lib.attributes.tasks import VECTOR_TARGET_RANGE, make_task


def _values():
    # columns: shape, size, pos_x, pos_y, hue, background
    return torch.tensor([[0.9, 0.2, 0.3, 0.6, 0.5, 0.1],
                         [0.1, 0.8, 0.7, 0.2, 0.4, 0.9]])


def test_binary_task_flips_the_label():
    task = make_task(SCHEMA, "shape", _values(), delta=0.3, seed=0)
    assert task.target[:, 0].tolist() == [0.0, 1.0]
    assert task.direction[:, 0].tolist() == [-1.0, 1.0]


def test_continuous_task_moves_toward_the_far_end():
    task = make_task(SCHEMA, "size", _values(), delta=0.3, seed=0)
    assert torch.allclose(task.target[:, 0], torch.tensor([0.5, 0.5]))
    assert task.direction[:, 0].tolist() == [1.0, -1.0]


def test_vector_task_draws_seeded_targets_in_range():
    a = make_task(SCHEMA, "position", _values(), delta=0.3, seed=7)
    b = make_task(SCHEMA, "position", _values(), delta=0.3, seed=7)
    assert a.members == ("pos_x", "pos_y") and a.target.shape == (2, 2)
    assert torch.equal(a.target, b.target)
    lo, hi = VECTOR_TARGET_RANGE
    assert (a.target >= lo).all() and (a.target <= hi).all()


def test_vector_targets_within_tolerance_of_the_start_are_redrawn():
    first = make_task(SCHEMA, "position", _values(), delta=0.3, seed=7)  # tol 0: nothing redrawn
    assert not first.redrawn.any()
    values = _values().clone()
    values[0, 2:4] = first.target[0] + 0.02  # code 0 now starts 0.028 from its first target
    task = make_task(SCHEMA, "position", values, delta=0.3, seed=7, tol=0.1)
    assert task.redrawn.tolist() == [True, False]
    assert (task.target - values[:, 2:4]).norm(dim=1).min() > 0.1
    assert torch.equal(task.target[1], first.target[1])  # the other code keeps its draw
    lo, hi = VECTOR_TARGET_RANGE
    assert (task.target >= lo).all() and (task.target <= hi).all()


def test_no_far_target_or_a_delta_inside_the_tolerance_fails_naming_it():
    with pytest.raises(ValueError, match="farther than the tolerance 2.0"):
        make_task(SCHEMA, "position", _values(), delta=0.3, seed=7, tol=2.0)
    with pytest.raises(ValueError, match="metric.delta=0.1 must exceed the tolerance 0.1 of 'size'"):
        make_task(SCHEMA, "size", _values(), delta=0.1, seed=0, tol=0.1)

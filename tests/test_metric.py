import numpy as np
import pytest

from pipeline_lib.scoring.metric import bootstrap_interval, envelope_area, kept, success


def test_worked_example_from_metric_md():
    acc = np.array([0.0, 0.5, 1.0])
    dis = np.array([1.0, 0.8, 0.4])
    assert envelope_area(acc, dis) == pytest.approx(0.6)


def test_never_succeeding_path_scores_zero():
    assert envelope_area(np.zeros(5), np.ones(5)) == 0.0


def test_immediate_clean_success_scores_one():
    assert envelope_area(np.array([0.0, 1.0, 1.0]), np.array([1.0, 1.0, 0.2])) == pytest.approx(1.0)


def test_score_ignores_order_and_repeated_points():
    acc, dis = np.array([0.0, 0.3, 0.7, 0.9]), np.array([1.0, 0.9, 0.5, 0.1])
    base = envelope_area(acc, dis)
    perm = np.array([2, 0, 3, 1])
    assert envelope_area(acc[perm], dis[perm]) == pytest.approx(base)
    assert envelope_area(np.repeat(acc, 3), np.repeat(dis, 3)) == pytest.approx(base)


def test_dominated_points_do_not_count():
    # (0.5, 0.2) lies below the envelope set by (0.9, 0.6): it must not change the score
    acc, dis = np.array([0.0, 0.9]), np.array([1.0, 0.6])
    assert envelope_area(np.append(acc, 0.5), np.append(dis, 0.2)) == pytest.approx(envelope_area(acc, dis))
    assert envelope_area(acc, dis) == pytest.approx(0.9 * 0.6)


def test_batched_scores_match_single():
    rng = np.random.default_rng(0)
    acc, dis = rng.random((4, 7)), rng.random((4, 7))
    assert np.allclose(envelope_area(acc, dis), [envelope_area(a, d) for a, d in zip(acc, dis)])


def test_success_rules():
    values = np.array([[[0.2], [0.45], [0.7]]])  # one code, three strengths
    target, up = np.array([[0.5]]), np.array([[1.0]])
    assert success("continuous", values, target, up, tol=0.1).tolist() == [[False, True, True]]
    assert success("binary", values, np.array([[1.0]]), up, tol=0.1).tolist() == [[False, False, True]]
    points = np.array([[[0.2, 0.2], [0.55, 0.5], [0.8, 0.8]]])
    assert success("vector", points, np.array([[0.5, 0.5]]), up, tol=0.1).tolist() == [[False, True, False]]


def test_kept_compares_with_the_start():
    values = np.array([[[0.2, 0.4], [0.6, 0.45], [0.3, 0.8]]])  # (1 code, 3 strengths, 2 attributes)
    out = kept(values, binary=np.array([True, False]), tols=np.array([0.1, 0.1]))
    assert out.tolist() == [[[True, True], [False, True], [True, False]]]


def test_bootstrap_interval_brackets_the_estimate():
    rng = np.random.default_rng(1)
    hit = (rng.random((200, 6)) < np.linspace(0, 1, 6)).astype(float)
    keep = np.clip(1 - np.linspace(0, 0.6, 6) + rng.normal(0, 0.05, (200, 6)), 0, 1)
    lo, hi = bootstrap_interval(hit, keep, n_boot=300, seed=0)
    est = envelope_area(hit.mean(0), keep.mean(0))
    assert lo <= est <= hi and hi - lo < 0.2
    assert bootstrap_interval(hit, keep, 300, 0) == (lo, hi)

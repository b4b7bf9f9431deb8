import numpy as np
import pytest

from pipeline_lib.scoring.metric import (arrival_score, bootstrap_arrival, bootstrap_interval, envelope_area, kept,
                                         passed, success)


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
    points = np.array([[[0.2, 0.2], [0.55, 0.5], [0.8, 0.8]]])  # the last one passed the target
    assert success("vector", points, np.array([[0.5, 0.5]]), up, tol=0.1).tolist() == [[False, True, True]]


def test_vector_passed_rule():
    # start (0, 0), target (0.5, 0): along the line 0.5 is needed, and at most tol = 0.1 off it
    points = np.array([[[0.0, 0.0], [0.45, 0.05], [0.6, 0.05], [0.9, -0.09], [0.7, 0.15], [0.5, 0.2]]])
    target = np.array([[0.5, 0.0]])
    assert passed(points, target, tol=0.1).tolist() == [[False, False, True, True, False, False]]
    # within tol of the point counts before passing it; far off the line past it does not
    assert success("vector", points, target, None, tol=0.1).tolist() == [[False, True, True, True, False, False]]
    # the rule is the same in any direction and at any distance: rotate and scale the picture
    turn = np.array([[0.6, 0.8], [-0.8, 0.6]])
    moved = 0.3 + 0.5 * points @ turn.T
    assert passed(moved, 0.3 + 0.5 * target @ turn.T, tol=0.05).tolist() == passed(points, target, 0.1).tolist()


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


# The worked example of docs/metric.md, "Arrival score": 4 codes, strengths s_0..s_3.
HIT = np.array([[0, 1, 1, 1], [0, 0, 1, 1], [0, 0, 0, 1], [0, 0, 0, 0]], dtype=bool)
KEEP = np.array([[1.0, 0.8, 0.6, 0.4], [1.0, 1.0, 0.9, 0.5], [1.0, 0.9, 0.7, 0.5], [1.0, 1.0, 1.0, 1.0]])


def test_arrival_worked_example_from_metric_md():
    out = arrival_score(HIT, KEEP)
    assert out["arrival"] == pytest.approx((0.8 + 0.9 + 0.5 + 0.0) / 4)  # 0.55
    assert out["reached"] == pytest.approx(0.75)
    assert out["kept_at_arrival"] == pytest.approx(2.2 / 3)
    assert out["arrival"] == pytest.approx(out["reached"] * out["kept_at_arrival"])
    assert envelope_area(HIT.mean(0), KEEP.mean(0)) == pytest.approx(0.25 * (0.925 + 0.8 + 0.6))  # MDS 0.58125
    hit, keep = retime(HIT, 1, [0, 2, 2, 2]), retime(KEEP, 1, [0, 2, 2, 2])  # code 2 arrives at s_1 and stays
    assert arrival_score(hit, keep)["arrival"] == pytest.approx(0.55)
    assert envelope_area(hit.mean(0), keep.mean(0)) == pytest.approx(0.625)


def retime(rows: np.ndarray, code: int, order: list[int]) -> np.ndarray:
    """The table with one code's path re-timed: its states taken in ``order`` (repeats and skips)."""
    out = rows.copy()
    out[code] = rows[code, order]
    return out


@pytest.mark.parametrize("code, order", [
    (0, [0, 0, 1, 2]),  # code 0 waits one strength at its start: it arrives at s_2 instead of s_1
    (2, [0, 3, 3, 3]),  # code 2 skips its two intermediate states: it arrives at s_1 instead of s_3
    (1, [0, 2, 2, 2]),  # code 1 arrives at s_1 and stays there
])
def test_retiming_a_path_leaves_the_arrival_score_and_changes_the_mds(code, order):
    hit, keep = retime(HIT, code, order), retime(KEEP, code, order)
    assert arrival_score(hit, keep) == pytest.approx(arrival_score(HIT, KEEP))
    assert envelope_area(hit.mean(0), keep.mean(0)) != pytest.approx(envelope_area(HIT.mean(0), KEEP.mean(0)))


def test_arrival_extremes_and_no_arrival():
    assert arrival_score(np.zeros((3, 4), bool), np.ones((3, 4)))["arrival"] == 0.0
    assert np.isnan(arrival_score(np.zeros((3, 4), bool), np.ones((3, 4)))["kept_at_arrival"])
    assert arrival_score(np.ones((3, 4), bool), np.ones((3, 4)))["arrival"] == 1.0


def test_bootstrap_arrival_brackets_the_estimate():
    rng = np.random.default_rng(2)
    hit = rng.random((300, 8)) < np.linspace(0, 0.9, 8)
    keep = np.clip(1 - np.linspace(0, 0.5, 8) + rng.normal(0, 0.05, (300, 8)), 0, 1)
    lo, hi = bootstrap_arrival(hit, keep, n_boot=300, seed=0)
    assert lo <= arrival_score(hit, keep)["arrival"] <= hi and hi - lo < 0.15
    assert bootstrap_arrival(hit, keep, 300, 0) == (lo, hi)

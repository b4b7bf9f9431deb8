"""Figures for people: MDC legends beside the curves, edit grids of small images scaled up."""
import numpy as np
import pandas as pd
import torch

from pipeline_lib.report.plots import edit_grid_figure, fit_figure, mdc_figure
from pipeline_lib.util.images import to_grid, upscale

from toys import toy_scores


def test_mdc_legends_cover_no_panel_and_stay_in_the_figure():
    scores = toy_scores({"shapes": ["hue", "size", "position_x", "position_y"]})
    accuracy = np.linspace(0, 1, 11)
    curves = pd.concat([pd.DataFrame({**row, "accuracy": accuracy, "disentanglement": 1 - accuracy ** 2})
                        for row in scores[["method", "attribute", "source"]].to_dict("records")])
    fig = mdc_figure(curves, scores)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    panels = [ax for ax in fig.axes if ax.get_legend()]
    assert len(panels) == 4
    for ax in panels:
        legend = ax.get_legend().get_window_extent(renderer)
        assert not any(legend.overlaps(other.get_window_extent(renderer)) for other in fig.axes if other.axison)
        inside = fig.bbox.x0 <= legend.x0 and legend.x1 <= fig.bbox.x1 and fig.bbox.y0 <= legend.y0 <= legend.y1
        assert inside and legend.y1 <= fig.bbox.y1


def test_small_images_are_scaled_up_by_whole_pixels_before_the_grid():
    image = torch.tensor([[0.0, 1.0], [1.0, 0.5]]).expand(3, 2, 2)  # (3, 2, 2): one 2x2 image
    big = upscale(image, min_side=5)  # k = 3
    assert big.shape == (3, 6, 6)
    assert torch.equal(big, image.repeat_interleave(3, -2).repeat_interleave(3, -1))
    assert torch.equal(big[:, 3:, :3], torch.ones(3, 3, 3))  # the lower left pixel: a 3x3 block
    assert upscale(torch.zeros(3, 64, 80)).shape == (3, 64, 80)  # large enough: as it is

    digits = torch.rand(2, 5, 3, 16, 16)  # (rows, cols, 3, H, W)
    assert to_grid(digits).shape == (2 * 65, 5 * 65, 3)  # 4 x 16 pixels and one of padding per cell
    ticks = edit_grid_figure(digits, np.linspace(0, 1, 5), "sgf -> thickness").axes[0].get_xticks()
    assert np.allclose(ticks, (np.arange(5) + 0.5) * 65)  # each strength under the middle of its column


def test_fit_figure_boxes_the_direction_each_attribute_is_named():
    summary = {"method": "sefa", "attributes": ["a", "b"], "component_effects": [[0.9, -0.8], [0.1, 0.1], [0.5, -0.7]],
               "assigned_component": [0, 2]}
    fig = fit_figure(summary)
    boxes = [c for c in fig.axes[0].collections if len(c.get_offsets())]
    assert len(boxes) == 1 and boxes[0].get_offsets().tolist() == [[0, 0], [1, 2]]


def test_sgf_fit_figure_shows_the_response_and_the_neumann_terms():
    summary = {"method": "sgf", "attributes": ["hue", "size"], "loss_history": {"train": [1.0, 0.5], "val": [1.1, 0.6]},
               "response_diagonal": [0.4, 0.02], "response_off_diagonal": [0.1, 0.3],
               "response_eigenvalues": [0.0, 0.4], "response_median_eigenvalue": 0.2, "min_response": 0.05,
               "neumann_term_norms": [0.9, 1.3, 2.6],
               "Jz_spectral_radius": {"max": 1.4, "median": 1.1}}
    fig = fit_figure(summary)
    titles = [ax.get_title() for ax in fig.axes]
    assert titles[0] == "training curve" and titles[1].startswith("response to a requested change")
    assert "spectral radius: median 1.10, max 1.40" in titles[2]
    bars = [p.get_height() for p in fig.axes[1].patches]
    assert np.allclose(bars, [0.4, 0.02, 0.1, 0.3])

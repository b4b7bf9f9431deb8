"""Figures for people: MDC legends beside the curves, edit grids of small images scaled up."""
import numpy as np
import pandas as pd

from pipeline_lib.report.plots import mdc_figure

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

"""The HTML report: what it holds, and that it renders in headless Chromium without script errors."""
import re
import shutil
import sys

import matplotlib.image
import pytest
import yaml

from pipeline_lib.config.params import curvature_datasets, edited_methods, load_params, with_sweep_datasets
from pipeline_lib.report.browser import inspect_report

from conftest import edit_grids, run

pytestmark = pytest.mark.workflow  # reports of the tiny run

CLI = [sys.executable, "-m", "pipeline_lib.workflow.cli"]
CATEGORIES = {"MDS table", "MDC curves", "Edit grids", "Method fits", "Guide and judge", "Params", "Generator training",
              "Across datasets"}


def test_report_of_a_run_without_sweep_holds_every_result_but_the_sweep(tiny_run, tmp_path):
    report = tmp_path / "report.html"
    run(CLI + ["report", "--out", str(report)], tiny_run)
    html = report.read_text()
    for name in ("mdc.png", "mds.html", "readers.png", "params.html", "Manipulation Disentanglement Curves"):
        assert name in html, name
    assert "curvature.png" not in html


def _with_a_sweep(tiny_run, ws):
    """A copy of the tiny run whose curvature sweep ran. Its second curvature reuses the base dataset's
    outputs (copied, so nothing is retrained): the report's layout is under test, not the sweep."""
    shutil.copytree(tiny_run, ws, symlinks=True)
    params = yaml.safe_load((ws / "params.yaml").read_text())
    params["sweeps"]["curvature"]["values"] = [0.5, 1.0]
    (ws / "params.yaml").write_text(yaml.safe_dump(params))
    for folder in ("data", "reports"):
        shutil.copytree(ws / folder / "shapes", ws / folder / "shapes_curvature_1")
    run(CLI + ["run", "--cores", "1", "--", "sweep"], ws)
    return ws


@pytest.mark.slow  # runs the sweep's stages
def test_report_renders_in_chromium_with_the_mds_table_figures_params_and_sweep(tiny_run, tmp_path):
    ws = _with_a_sweep(tiny_run, tmp_path / "ws")
    shots = tmp_path / "shots"
    out = run(CLI + ["report", "--out", "report.html", "--screenshots", str(shots)], ws).stdout
    params = load_params(ws / "params.yaml")
    datasets, methods = params["benchmark"]["datasets"], params["benchmark"]["methods"]
    assert f"MDS table: {len(datasets)} result(s)" in out  # one per dataset
    assert matplotlib.image.imread(shots / "mds-table.png").shape[:2] == (900, 1400)

    view = inspect_report(ws / "report.html")
    assert view.errors == []
    assert set(view.results) == CATEGORIES | {"Curvature sweep"}
    assert "latentbench" in view.description and "shapes" in view.description
    table = view.shown["MDS table"]
    assert all(re.search(rf"^{m}\t\d\.\d{{3}} \[\d\.\d\d, \d\.\d\d\]", table, re.M) for m in methods), table
    assert "judge held-out error" in table and "guide held-out error" in table
    assert "curvature: 0.5" in view.shown["Params"] and "sgf:" in view.shown["Params"]
    for category in ("MDC curves", "Edit grids", "Method fits", "Guide and judge", "Curvature sweep"):
        width, height = map(int, re.fullmatch(r"image (\d+)x(\d+)", view.shown[category]).groups())
        assert width > 300 and height > 300, category
    assert view.results["Edit grids"] == len(edit_grids(params))
    swept = set(curvature_datasets(params)) - set(datasets)
    fitted = sum(len(edited_methods(with_sweep_datasets(params), d)) for d in (*datasets, *swept))  # bounds too
    assert swept and view.results["Method fits"] == fitted

    page = (ws / "report.html").read_text()
    end = page.rindex("</body>")  # the page's own end: its inlined scripts hold the string too
    broken = ws / "broken.html"  # the same page with a failing script: the check must see it
    broken.write_text(page[:end] + "<script>null.boom()</script>" + page[end:])
    assert any("boom" in error for error in inspect_report(broken).errors)

"""`latentbench show` on small hand-made MDS tables: one table per dataset, in every format."""
import json

import pandas as pd
from click.testing import CliRunner

from pipeline_lib.workflow.cli import main

TARGETS = {"shapes": ["hue", "size"], "digits": ["class", "slant", "thickness"]}


def _reports(folder) -> None:
    """reports/<dataset>/mds.parquet with two methods, both sources, each dataset its own targets."""
    for dataset, targets in TARGETS.items():
        rows = [{"dataset": dataset, "method": method, "attribute": target, "source": source,
                 "mds": 0.1 * (i + 1) + (0.5 if source == "oracle" else 0.0)}
                for method in ("sgf", "ganspace") for i, target in enumerate(targets) for source in ("pred", "oracle")]
        (folder / "reports" / dataset).mkdir(parents=True)
        pd.DataFrame(rows).to_parquet(folder / "reports" / dataset / "mds.parquet")


def _show(folder, monkeypatch, fmt: str) -> str:
    monkeypatch.chdir(folder)
    result = CliRunner().invoke(main, ["show", "--format", fmt])
    assert result.exit_code == 0, result.output
    return result.output


def test_markdown_prints_a_heading_and_a_methods_by_targets_table_per_dataset(tmp_path, monkeypatch):
    _reports(tmp_path)
    out = _show(tmp_path, monkeypatch, "markdown")
    assert "nan" not in out and "('" not in out
    blocks = out.strip().split("\n\n")
    assert [b for b in blocks if b.startswith("#")] == ["## digits", "## shapes"]
    for dataset, table in zip(["digits", "shapes"], blocks[1::2]):
        lines = table.splitlines()
        assert [c.strip() for c in lines[0].strip("|").split("|")] == ["method", *sorted(TARGETS[dataset]), "mean"]
        assert [line.split("|")[1].strip() for line in lines[2:]] == ["ganspace", "sgf"]
        mean = sum(0.1 * (i + 1) for i in range(len(TARGETS[dataset]))) / len(TARGETS[dataset])
        assert all(line.rstrip("| ").endswith(f"{mean:.3g}") for line in lines[2:])


def test_text_and_json_show_the_same_scores(tmp_path, monkeypatch):
    _reports(tmp_path)
    text = _show(tmp_path, monkeypatch, "text")
    assert "NaN" not in text and text.splitlines()[0] == "digits" and "\nshapes\n" in text
    rows = json.loads(_show(tmp_path, monkeypatch, "json"))
    assert {(r["dataset"], r["method"]) for r in rows} == {(d, m) for d in TARGETS for m in ("sgf", "ganspace")}
    assert all(r["size"] == 0.2 if r["dataset"] == "shapes" else r["size"] is None for r in rows)

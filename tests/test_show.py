"""`latentbench show` on small hand-made MDS tables: one table per dataset, in every format."""
import json

from click.testing import CliRunner

from pipeline_lib.workflow.cli import main

from toys import METHODS, TARGETS, toy_scores


def _show(folder, monkeypatch, fmt: str) -> str:
    """`latentbench show --format fmt` in ``folder`` holding reports/<dataset>/mds.parquet of TARGETS."""
    for dataset, rows in toy_scores().groupby("dataset"):
        (folder / "reports" / dataset).mkdir(parents=True, exist_ok=True)
        rows.to_parquet(folder / "reports" / dataset / "mds.parquet")
    monkeypatch.chdir(folder)
    result = CliRunner().invoke(main, ["show", "--format", fmt])
    assert result.exit_code == 0, result.output
    return result.output


def test_markdown_prints_a_heading_and_a_methods_by_targets_table_per_dataset(tmp_path, monkeypatch):
    out = _show(tmp_path, monkeypatch, "markdown")
    assert "nan" not in out and "('" not in out
    blocks = out.strip().split("\n\n")
    assert [b for b in blocks if b.startswith("#")] == ["## digits", "## shapes"]
    for dataset, table in zip(["digits", "shapes"], blocks[1::2]):
        lines = table.splitlines()
        assert [c.strip() for c in lines[0].strip("|").split("|")] == ["method", *sorted(TARGETS[dataset]), "mean"]
        assert [line.split("|")[1].strip() for line in lines[2:]] == sorted(METHODS)
        mean = sum(0.1 * (i + 1) for i in range(len(TARGETS[dataset]))) / len(TARGETS[dataset])
        assert all(line.rstrip("| ").endswith(f"{mean:.3g}") for line in lines[2:])


def test_text_and_json_show_the_same_scores(tmp_path, monkeypatch):
    text = _show(tmp_path, monkeypatch, "text")
    assert "NaN" not in text and text.splitlines()[0] == "digits" and "\nshapes\n" in text
    rows = json.loads(_show(tmp_path, monkeypatch, "json"))
    assert {(r["dataset"], r["method"]) for r in rows} == {(d, m) for d in TARGETS for m in METHODS}
    assert all(r["size"] == 0.2 if r["dataset"] == "shapes" else r["size"] is None for r in rows)

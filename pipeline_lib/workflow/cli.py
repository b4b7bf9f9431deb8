"""``latentbench``: the command line in front of the pipeline."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import click
import pandas as pd

from pipeline_lib.config.params import ParamsError, load_params, validate_params
from pipeline_lib.scoring.rows import is_summary, task_rows
from pipeline_lib.workflow.workspace import tool_env


def _clear_stale_lock() -> None:
    """Unlock this folder when a killed run left Snakemake's lock behind and no Snakemake runs here."""
    import psutil

    if not any(Path(".snakemake/locks").glob("*")):
        return
    here = Path.cwd().resolve()
    for proc in psutil.process_iter(["cmdline", "cwd"]):
        if proc.pid != os.getpid() and proc.info["cwd"] and Path(proc.info["cwd"]).resolve() == here \
                and any("snakemake" in part for part in proc.info["cmdline"] or []):
            return
    click.echo("removing the lock a killed run left behind", err=True)
    subprocess.run([sys.executable, "-m", "snakemake", "--unlock", "--cores", "1"], env=tool_env(),
                   capture_output=True, check=True)


def _checked_params(path: str) -> None:
    try:
        load_params(path)
    except ParamsError as exc:
        raise click.ClickException(str(exc)) from None


@click.group()
def main():
    """Benchmark latent-space manipulation methods of pretrained GANs with the MDC/MDS metric.

    `latentbench COMMAND --help` explains each command, with an example.

    \b
    Example:
      latentbench run --cores 2 && latentbench show && latentbench report
    """


def selection_options(command):
    """--configfile, --dataset, --method, --attribute: the params and the part of the benchmark meant."""
    for option in reversed([
        click.option("--configfile", type=click.Path(exists=True, dir_okay=False),
                     help="Params file instead of params.yaml."),
        click.option("--dataset", "datasets", multiple=True, help="Only these datasets (repeatable)."),
        click.option("--method", "methods", multiple=True, help="Only these methods (repeatable)."),
        click.option("--attribute", "attributes", multiple=True,
                     help="Only these target attributes or groups (repeatable)."),
    ]):
        command = option(command)
    return command


def _selection_args(configfile, datasets, methods, attributes) -> list[str]:
    """Snakemake's arguments for a params file and a subset of the benchmark, both validated first."""
    params_path = configfile or "params.yaml"
    _checked_params(params_path)
    args = ["--configfile", configfile] if configfile else []
    if datasets or methods or attributes:
        bench = dict(load_params(params_path)["benchmark"])
        bench.update({k: list(v) for k, v in
                      (("datasets", datasets), ("methods", methods), ("attributes", attributes)) if v})
        try:
            validate_params(load_params(params_path) | {"benchmark": bench})
        except ParamsError as exc:
            raise click.ClickException(str(exc)) from None
        args += ["--config", f"benchmark={json.dumps(bench)}"]
    return args


@main.command(context_settings={"ignore_unknown_options": True})
@click.option("--cores", default="all", show_default=True, help="Cores Snakemake may use.")
@selection_options
@click.option("--profile", type=click.Path(exists=True, file_okay=False), help="A Snakemake profile folder.")
@click.argument("snakemake_args", nargs=-1, type=click.UNPROCESSED)
def run(cores, configfile, datasets, methods, attributes, profile, snakemake_args):
    """Run the benchmark DAG with Snakemake (arguments after -- pass through to it).

    \b
    Examples:
      latentbench run --cores 2 --method sgf --method interfacegan --attribute size -- --dry-run
      latentbench run -- sweep      # the curvature sweep (reports/sweeps/curvature.png)
    """
    selection = _selection_args(configfile, datasets, methods, attributes)
    # outputs are written atomically, so a job a crash or SIGKILL interrupted is simply run again
    _clear_stale_lock()
    cmd = [sys.executable, "-m", "snakemake", "--cores", str(cores), "--rerun-incomplete", *selection]
    if profile:
        cmd += ["--profile", profile]
    if load_params(configfile or "params.yaml").get("device") == "cuda":
        cmd += ["--resources", "gpu=1"]  # the Snakefile's torch rules take one unit each: one job on the card at a time
    code = subprocess.run(cmd + list(snakemake_args), env=tool_env()).returncode
    if code == 0 and Path(".dvc").is_dir() and not configfile and "--dry-run" not in snakemake_args \
            and "-n" not in snakemake_args:
        from pipeline_lib.workflow.dag import commit_finished

        click.echo(f"recorded {len(commit_finished(Path.cwd()))} finished stages in DVC (dvc.lock)", err=True)
    sys.exit(code)


SWEEP_FIGURE = Path("reports/sweeps/curvature.png")


@main.command()
@click.option("--out", default="reports/report.html", show_default=True, type=click.Path(dir_okay=False),
              help="The report file: one self-contained HTML page.")
@selection_options
@click.option("--screenshots", type=click.Path(file_okay=False),
              help="Also open the report in headless Chromium, save one PNG per result category in this "
                   "folder, and fail on script errors or an empty category.")
def report(out, configfile, datasets, methods, attributes, screenshots):
    """Build the HTML report of the finished run (Snakemake's --report), one self-contained file.

    It holds the MDS table (judge, oracle and guide) with intervals and the readers' held-out errors, the
    MDC curves, the edit grids, the method fits and the guide's and judge's training curves, the params of the run, and the
    curvature sweep's figure when `latentbench run -- sweep` made one. Give the same --configfile
    and selection as the run.

    \b
    Examples:
      latentbench report --out reports/report.html
      latentbench report --configfile tests/tiny_params.yaml --screenshots reports/screenshots
    """
    targets = ["all", "sweep"] if SWEEP_FIGURE.exists() else ["all"]
    cmd = [sys.executable, "-m", "snakemake", "--report", out,
           *_selection_args(configfile, datasets, methods, attributes), *targets]
    if code := subprocess.run(cmd, env=tool_env()).returncode:
        sys.exit(code)
    if screenshots:
        _check_in_browser(Path(out), Path(screenshots))


def _check_in_browser(report_path: Path, shots: Path) -> None:
    try:
        from pipeline_lib.report.browser import ReportViewError, inspect_report
    except ImportError:
        raise click.ClickException("--screenshots needs playwright: bash scripts/setup.sh") from None
    try:
        view = inspect_report(report_path, shots)
    except ReportViewError as exc:
        raise click.ClickException(str(exc)) from None
    for category, count in view.results.items():
        first = (view.shown[category].splitlines() or ["an empty page"])[0]
        click.echo(f"{category}: {count} result(s); first shows {first}")
    click.echo(f"screenshots in {shots}/")
    if view.errors or not view.results:
        raise click.ClickException("the report did not render cleanly:\n" + "\n".join(view.errors or ["no results"]))


@main.command("dvc-sync")
@click.option("--check", is_flag=True, help="Exit 1 if dvc.yaml differs from what the Snakefile gives.")
def dvc_sync(check):
    """Regenerate dvc.yaml from the Snakefile and params.yaml.

    Example: latentbench dvc-sync --check
    """
    from pipeline_lib.workflow.dag import render_dvc_yaml

    _checked_params("params.yaml")
    text = render_dvc_yaml(Path.cwd())
    current = Path("dvc.yaml").read_text() if Path("dvc.yaml").exists() else ""
    if check:
        if text != current:
            raise click.ClickException("dvc.yaml is out of date with the Snakefile: run `latentbench dvc-sync`")
        click.echo("dvc.yaml matches the Snakefile")
        return
    Path("dvc.yaml").write_text(text)
    click.echo(f"wrote dvc.yaml ({text.count('cmd:')} stages)")


@main.command()
def repro():
    """Regenerate dvc.yaml, then `dvc repro` the whole pipeline.

    Example: latentbench repro
    """
    from pipeline_lib.workflow.dag import render_dvc_yaml

    _checked_params("params.yaml")
    Path("dvc.yaml").write_text(render_dvc_yaml(Path.cwd()))
    sys.exit(subprocess.run([sys.executable, "-m", "dvc", "repro"], env=tool_env()).returncode)


@main.command()
@click.argument("family", type=click.Choice(["methods", "generators", "image-sets"]))
@click.argument("kinds", nargs=-1)
def settings(family, kinds):
    """List the kinds of FAMILY and their settings: role, default (... = required), what it does.

    Methods: a params entry methods.<name> runs kind <name> or the one its `kind:` names, and sets only what
    differs from these defaults; fit settings rerun the method's fit, edit settings only its edits.
    Generators (datasets.<d>.generator) and image sets (datasets.<d>.images) name their kind with `kind:`.

    \b
    Examples:
      latentbench settings methods
      latentbench settings methods sgf
      latentbench settings generators shapes
    """
    from pipeline_lib.config.definitions import GENERATORS, IMAGE_SETS, METHODS, kinds as kinds_of

    chosen = {"methods": METHODS, "generators": GENERATORS, "image-sets": IMAGE_SETS}[family]
    known = kinds_of(chosen)
    unknown = sorted(set(kinds) - set(known))
    if unknown:
        raise click.ClickException(f"unknown {chosen.name} kinds {unknown}; known: {sorted(known)}")
    for kind in kinds or sorted(known):
        click.echo(f"{kind}  ({chosen.directory.relative_to(chosen.directory.parents[1]).as_posix()}/{kind}.py)")
        for name, s in known[kind].items():
            default = "..." if s.required else json.dumps(s.default)
            click.echo(f"  {name:<18} {s.role:<5} {default:<12} {s.doc}")
        click.echo("")


@main.command()
@click.option("--dataset", default=None, help="Only this dataset.")
@click.option("--source", type=click.Choice(["judge", "oracle", "guide"]), default="judge", show_default=True,
              help="Scores read by the judge (the headline), by the generator's true attributes, or by the guide "
                   "the methods saw (a diagnostic).")
@click.option("--format", "fmt", type=click.Choice(["text", "markdown", "json"]), default="text", show_default=True,
              help="Output format.")
def show(dataset, source, fmt):
    """Print the MDS table of each dataset (methods x targets, the mean over targets last) from reports/.

    Example: latentbench show --format markdown
    """
    files = sorted(Path("reports").glob(f"{dataset or '*'}/mds.parquet"))
    if not files:
        raise click.ClickException("no reports/*/mds.parquet yet: run `latentbench run` first")
    scores = pd.concat([pd.read_parquet(f) for f in files])
    scores = scores[scores["source"] == source]
    tables = {name: _mds_by_method(rows) for name, rows in scores.groupby("dataset", sort=True)}
    if fmt == "json":
        click.echo(pd.concat(tables, names=["dataset"]).reset_index().to_json(orient="records", indent=2))
        return
    click.echo("\n\n".join(f"## {name}\n\n{table.round(3).to_markdown()}" if fmt == "markdown"
                           else f"{name}\n{table.round(3).to_string()}" for name, table in tables.items()))


def _mds_by_method(scores: pd.DataFrame) -> pd.DataFrame:
    """One dataset's MDS rows -> a (methods, targets + mean) table: the mean over its targets, then the means
    over single attributes and over group tasks (its summary rows, where it has them); the bounds after the
    methods, marked."""
    from pipeline_lib.scoring.bounds import bound_methods, label

    bounds = bound_methods(scores)
    table = task_rows(scores).pivot_table(index="method", columns="attribute", values="mds").rename_axis(columns=None)
    table = table.assign(mean=table.mean(axis=1))
    summaries = scores[is_summary(scores)]
    if len(summaries):
        table = table.join(summaries.pivot_table(index="method", columns="attribute", values="mds"))
    return table.loc[sorted(table.index, key=lambda m: (m in bounds, m))].rename(index=lambda m: label(m, bounds))


@main.command()
@click.option("--baseline", default="mds-baseline.json", show_default=True, type=click.Path(dir_okay=False),
              help="Committed baseline: tolerances and expected metrics.")
@click.option("--metrics", "pattern", default=None,
              help="Glob of the metrics.json files to gate; default: those of params.yaml's benchmark.datasets "
                   "(reports/<dataset>/metrics.json; not the replicates' or the sweep's).")
@click.option("--update", is_flag=True, help="Rewrite the baseline's metrics from the current run (keeps tolerances).")
def check(baseline, pattern, update):
    """Fail (exit 1) when an MDS metric dropped below the baseline by more than its tolerance.

    Exit 2 on a missing or malformed baseline or metrics file.

    Example: latentbench check --baseline mds-baseline.json
    """
    from pipeline_lib.scoring import gate

    path = Path(baseline)
    try:
        if pattern:
            current = gate.load_metrics(pattern)
        else:
            current = {k: v for d in load_params("params.yaml")["benchmark"]["datasets"]
                       for k, v in gate.load_metrics(f"reports/{d}/metrics.json").items()}
        if update:
            tolerance = gate.load_baseline(path)["tolerance"] if path.exists() else gate.DEFAULT_TOLERANCE
            gate.write_baseline(path, tolerance, current)
            click.echo(f"wrote {path} ({len(current)} metrics)")
            return
        rows = gate.compare(gate.load_baseline(path), current)
    except (gate.GateError, ParamsError) as exc:
        click.echo(f"Error: {exc}", err=True)
        sys.exit(2)
    click.echo(gate.format_table(rows))
    if failed := gate.failures(rows):
        click.echo(f"{len(failed)} metric(s) fell below the baseline tolerance or are missing:", err=True)
        click.echo("\n".join(f"  {m}" for m in failed), err=True)
        sys.exit(1)
    click.echo(f"all {len(rows)} metrics pass against {path}")


@main.command()
@click.option("--baseline", default="mds-baseline.json", show_default=True, type=click.Path(dir_okay=False),
              help="Baseline whose tolerances are rewritten; its metrics are the reference.")
@click.option("--run", "patterns", multiple=True, required=True,
              help="Metrics files (a glob) of a rerun that must pass: the replicates (reports/*_rep*/metrics.json), "
                   "a run on another CPU kernel path. Repeatable.")
@click.option("--k", default=3.0, show_default=True, help="Multiple of the standard deviation over reference and runs.")
@click.option("--floor", default=0.02, show_default=True, help="Smallest tolerance.")
@click.option("--margin", default=1.5, show_default=True, help="Multiple of the largest drop of a run.")
def tolerances(baseline, patterns, k, floor, margin):
    """Set each metric's tolerance in the baseline from measured spread: reruns that are no regression.

    A metric's abs tolerance becomes max(floor, k * sd, margin * largest drop) over the baseline's value
    and the runs' values (a replicate's dataset, e.g. shapes_rep1, counts as its base, shapes); metrics no
    run measured keep the default. Prints each derived tolerance.

    Example: latentbench tolerances --run 'reports/*_rep*/metrics.json' --run 'other-cpu/reports/*/metrics.json'
    """
    from pipeline_lib.scoring import gate

    path = Path(baseline)
    try:
        base = gate.load_baseline(path)
        runs = gate.run_metrics(list(patterns))
    except gate.GateError as exc:
        click.echo(f"Error: {exc}", err=True)
        sys.exit(2)
    derived = gate.derived_tolerances(base["metrics"], runs, k=k, floor=floor, margin=margin)
    kept = {key: v for key, v in base["tolerance"].items() if key.count("/") != 2}  # default, method, method.metric
    gate.write_baseline(path, {**kept, **derived}, base["metrics"])
    for key, entry in derived.items():
        click.echo(f"{key:<48} {entry['abs']:.3f}")
    click.echo(f"wrote {path}: {len(derived)} tolerances from {len(runs)} metrics files (k={k}, floor={floor}, "
               f"margin={margin})")


def _scores_of(spec: str, scratch: Path) -> pd.DataFrame:
    """The MDS tables of a result folder, or of ``REV`` / ``REV:FOLDER`` in git history copied to ``scratch``."""
    from pipeline_lib.scoring.compare import load_scores
    from pipeline_lib.workflow.revisions import RevisionError, export_scores, is_revision

    try:
        if Path(spec).is_dir():
            return load_scores(spec)
        if is_revision(spec):
            return load_scores(export_scores(spec, scratch))
    except (FileNotFoundError, RevisionError) as exc:
        raise click.ClickException(str(exc)) from None
    raise click.ClickException(f"{spec!r} is neither a result folder nor a git revision (REV or REV:FOLDER)")


@main.command()
@click.argument("old")
@click.argument("new")
@click.option("--source", type=click.Choice(["judge", "oracle", "guide", "all"]), default="judge", show_default=True,
              help="Scores read by the judge, the generator's true attributes, the guide, or all of them.")
@click.option("--format", "fmt", type=click.Choice(["text", "markdown", "json"]), default="text", show_default=True,
              help="Output format; json adds both intervals.")
def compare(old, new, source, fmt):
    """Compare the MDS of two runs; '*' marks differences beyond both bootstrap intervals.

    OLD and NEW are result folders (holding <dataset>/mds.parquet) or git revisions: REV reads
    REV's reports/ folder, REV:FOLDER another one. A folder wins over a revision of the same name.
    At a revision the tables come from DVC (the local cache, else the default remote).

    \b
    Examples:
      latentbench compare ../baseline-run/reports reports
      latentbench compare HEAD~1 HEAD
      latentbench compare main reports          # main's committed results against this workspace
    """
    import tempfile

    from pipeline_lib.scoring.compare import compare_scores

    with tempfile.TemporaryDirectory(prefix="latentbench-compare-") as scratch:
        table = compare_scores(_scores_of(old, Path(scratch, "old")), _scores_of(new, Path(scratch, "new")))
    if source != "all":
        table = table[table["source"] == source]
    if fmt == "json":
        click.echo(table.to_json(orient="records", indent=2))
        return
    shown = table[["dataset", "method", "attribute", "source", "mds_old", "mds_new", "diff"]].round(3)
    shown["flag"] = table["significant"].map({True: "*", False: ""})
    click.echo(shown.to_markdown(index=False) if fmt == "markdown" else shown.to_string(index=False))


@main.command()
def pull():
    """`dvc pull` the outputs, then `snakemake --touch` so DVC's file times cause no reruns.

    Example: latentbench pull
    """
    env = tool_env()
    for cmd in ([sys.executable, "-m", "dvc", "pull"], [sys.executable, "-m", "snakemake", "--touch", "--cores", "1"]):
        if code := subprocess.run(cmd, env=env).returncode:
            sys.exit(code)


if __name__ == "__main__":
    main()

"""``latentbench``: the command line in front of the pipeline."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import click
import pandas as pd

from .params import ParamsError, load_params, validate_params


def _env() -> dict:
    """The environment for Snakemake and DVC: this interpreter's bin folder first on PATH."""
    env = dict(os.environ)
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    return env


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
    subprocess.run([sys.executable, "-m", "snakemake", "--unlock", "--cores", "1"], env=_env(),
                   capture_output=True, check=True)


def _checked_params(path: str) -> None:
    try:
        load_params(path)
    except ParamsError as exc:
        raise click.ClickException(str(exc)) from None


@click.group()
def main():
    """Benchmark latent-space manipulation methods of pretrained GANs with the MDC/MDS metric."""


@main.command(context_settings={"ignore_unknown_options": True})
@click.option("--cores", default="all", show_default=True, help="Cores Snakemake may use.")
@click.option("--configfile", type=click.Path(exists=True, dir_okay=False), help="Params file instead of params.yaml.")
@click.option("--dataset", "datasets", multiple=True, help="Only these datasets (repeatable).")
@click.option("--method", "methods", multiple=True, help="Only these methods (repeatable).")
@click.option("--attribute", "attributes", multiple=True, help="Only these target attributes or groups (repeatable).")
@click.option("--profile", type=click.Path(exists=True, file_okay=False), help="A Snakemake profile folder.")
@click.argument("snakemake_args", nargs=-1, type=click.UNPROCESSED)
def run(cores, configfile, datasets, methods, attributes, profile, snakemake_args):
    """Run the benchmark DAG with Snakemake (arguments after -- pass through to it).

    Example: latentbench run --cores 2 --method sgf --method interfacegan --attribute size -- --dry-run
    """
    params_path = configfile or "params.yaml"
    _checked_params(params_path)
    # outputs are written atomically, so a job a crash or SIGKILL interrupted is simply run again
    _clear_stale_lock()
    cmd = [sys.executable, "-m", "snakemake", "--cores", str(cores), "--rerun-incomplete"]
    if configfile:
        cmd += ["--configfile", configfile]
    if profile:
        cmd += ["--profile", profile]
    if load_params(params_path).get("device") == "cuda":
        cmd += ["--resources", "gpu=1"]  # the Snakefile's torch rules take one unit each: one job on the card at a time
    if datasets or methods or attributes:
        bench = dict(load_params(params_path)["benchmark"])
        bench.update({k: list(v) for k, v in
                      (("datasets", datasets), ("methods", methods), ("attributes", attributes)) if v})
        params = load_params(params_path) | {"benchmark": bench}
        try:
            validate_params(params)
        except ParamsError as exc:
            raise click.ClickException(str(exc)) from None
        cmd += ["--config", f"benchmark={json.dumps(bench)}"]
    sys.exit(subprocess.run(cmd + list(snakemake_args), env=_env()).returncode)


@main.command()
@click.option("--out", default="reports/report.html", show_default=True, type=click.Path(dir_okay=False))
def report(out):
    """Build the HTML report (Snakemake's --report) from the finished run.

    Example: latentbench report --out reports/report.html
    """
    _checked_params("params.yaml")
    sys.exit(subprocess.run([sys.executable, "-m", "snakemake", "--report", out], env=_env()).returncode)


@main.command("dvc-sync")
@click.option("--check", is_flag=True, help="Exit 1 if dvc.yaml differs from what the Snakefile gives.")
def dvc_sync(check):
    """Regenerate dvc.yaml from the Snakefile and params.yaml.

    Example: latentbench dvc-sync --check
    """
    from .dag import render_dvc_yaml

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
    from .dag import render_dvc_yaml

    _checked_params("params.yaml")
    Path("dvc.yaml").write_text(render_dvc_yaml(Path.cwd()))
    sys.exit(subprocess.run([sys.executable, "-m", "dvc", "repro"], env=_env()).returncode)


@main.command()
@click.option("--dataset", default=None, help="Only this dataset.")
@click.option("--source", type=click.Choice(["pred", "oracle"]), default="pred", show_default=True)
@click.option("--format", "fmt", type=click.Choice(["text", "markdown", "json"]), default="text", show_default=True)
def show(dataset, source, fmt):
    """Print the MDS table (mean over attributes last) from reports/.

    Example: latentbench show --format markdown
    """
    files = sorted(Path("reports").glob(f"{dataset or '*'}/mds.parquet"))
    if not files:
        raise click.ClickException("no reports/*/mds.parquet yet: run `latentbench run` first")
    scores = pd.concat([pd.read_parquet(f) for f in files])
    scores = scores[scores["source"] == source]
    table = scores.pivot_table(index=["dataset", "method"], columns="attribute", values="mds")
    table["mean"] = table.mean(axis=1)
    if fmt == "json":
        click.echo(table.reset_index().to_json(orient="records", indent=2))
    elif fmt == "markdown":
        click.echo(table.round(3).to_markdown())
    else:
        click.echo(table.round(3).to_string())


@main.command()
@click.option("--baseline", default="mds-baseline.json", show_default=True, type=click.Path(dir_okay=False),
              help="Committed baseline: tolerances and expected metrics.")
@click.option("--metrics", "pattern", default="reports/*/metrics.json", show_default=True,
              help="Glob of the metrics.json files written by the score stage.")
@click.option("--update", is_flag=True, help="Rewrite the baseline's metrics from the current run (keeps tolerances).")
def check(baseline, pattern, update):
    """Fail (exit 1) when an MDS metric dropped below the baseline by more than its tolerance.

    Exit 2 on a missing or malformed baseline or metrics file.
    Example: latentbench check --baseline mds-baseline.json
    """
    from . import gate

    path = Path(baseline)
    try:
        current = gate.load_metrics(pattern)
        if update:
            tolerance = gate.load_baseline(path)["tolerance"] if path.exists() else gate.DEFAULT_TOLERANCE
            gate.write_baseline(path, tolerance, current)
            click.echo(f"wrote {path} ({len(current)} metrics)")
            return
        rows = gate.compare(gate.load_baseline(path), current)
    except gate.GateError as exc:
        click.echo(f"Error: {exc}", err=True)
        sys.exit(2)
    click.echo(gate.format_table(rows))
    if failed := gate.failures(rows):
        click.echo(f"{len(failed)} metric(s) fell below the baseline tolerance or are missing:", err=True)
        click.echo("\n".join(f"  {m}" for m in failed), err=True)
        sys.exit(1)
    click.echo(f"all {len(rows)} metrics pass against {path}")


@main.command()
@click.argument("old", type=click.Path(exists=True, file_okay=False))
@click.argument("new", type=click.Path(exists=True, file_okay=False))
@click.option("--source", type=click.Choice(["pred", "oracle", "all"]), default="pred", show_default=True)
@click.option("--format", "fmt", type=click.Choice(["text", "markdown", "json"]), default="text", show_default=True)
def compare(old, new, source, fmt):
    """Compare the MDS of two result folders; '*' marks differences beyond both bootstrap intervals.

    Example: latentbench compare ../baseline-run/reports reports
    """
    from .compare import compare_scores, load_scores

    try:
        table = compare_scores(load_scores(old), load_scores(new))
    except FileNotFoundError as exc:
        raise click.ClickException(str(exc)) from None
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
    env = _env()
    for cmd in ([sys.executable, "-m", "dvc", "pull"], [sys.executable, "-m", "snakemake", "--touch", "--cores", "1"]):
        if code := subprocess.run(cmd, env=env).returncode:
            sys.exit(code)


if __name__ == "__main__":
    main()

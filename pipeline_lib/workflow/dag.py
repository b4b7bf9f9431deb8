"""The DAG written once: the Snakefile's jobs, and dvc.yaml generated from them.

Each rule hands its stage a JSON slice of params.yaml built by :func:`stage_cfg`; the slice
names the keys it came from under ``_params``, so the DVC stage generated for the job
declares exactly those params. A DVC stage runs its job through Snakemake
(``--force --allowed-rules``), so both tools execute the same command from the same params.
Rules are named after their stage script: rule ``edit`` runs ``stages/edit.py``.
"""
from __future__ import annotations

import json
import logging
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import yaml

from pipeline_lib.config.definitions import TYPES, given_keys, method_kinds, resolve
from pipeline_lib.config.params import RESEED_STEP
from pipeline_lib.workflow.code import job_code

RUNTIME_KEYS = ("device", "threads")
DVC_TARGETS = ("all", "text")  # the default benchmark and the text-editing target


def lookup(config: dict, dotted: str):
    node = config
    for part in dotted.split("."):
        node = node[part]
    return node


def alternatives(names: list[str]) -> str:
    """A wildcard pattern matching exactly ``names`` (nothing when the list is empty)."""
    return "|".join(re.escape(n) for n in names) or "(?!)"


@dataclass(frozen=True)
class MethodSettings:
    """The ``role`` (fit or edit) settings of the method entry at dotted ``path``, defaults filled; for an entry
    ``methods.<method>``, a job's ``datasets.<dataset>.methods.<method>`` settings override the entry's.
    A fit job on a reseeded dataset (a replicate's or a sweep seed's: ``datasets.<d>.reseed: r``) gets its seeds
    moved by ``r * RESEED_STEP``, so every replicate refits from another draw."""
    path: str
    role: str


ABSENT = object()  # an optional section that params lack: left out of the stage's JSON


def _section(config: dict, spec: str | MethodSettings, wildcards: dict) -> tuple[object, list[str]]:
    """A section's value and the params keys it came from; a path ending in ``?`` may be absent (ABSENT, no keys)."""
    if isinstance(spec, str):
        path = spec.format(**wildcards).rstrip("?")
        try:
            return lookup(config, path), [path]
        except KeyError:
            if spec.endswith("?"):
                return ABSENT, []
            raise
    path = spec.path.format(**wildcards)
    name, entry = path.rsplit(".", 1)[-1], lookup(config, path)
    dataset = config["datasets"].get(wildcards.get("dataset"), {}) if path.startswith("methods.") else {}
    override = dataset.get("methods", {}).get(name, {})
    merged = {**entry, **override}
    where = {key: f"datasets.{wildcards.get('dataset')}.methods.{name}" if key in override else path for key in merged}
    settings = resolve(name, merged, spec.role)
    keys = [f"{where[key]}.{key}" for key in given_keys(name, merged, spec.role)]
    reseed = config["datasets"].get(wildcards.get("dataset"), {}).get("reseed", 0)
    if spec.role == "fit" and reseed:
        seeds = [n for n, s in method_kinds()[settings["kind"]].items() if s.role == "fit" and s.schema == TYPES["seed"]]
        settings.update({n: settings[n] + reseed * RESEED_STEP for n in seeds})
        keys.append(f"datasets.{wildcards['dataset']}.reseed")
    return settings, keys


def stage_cfg(config: dict, **sections: str | MethodSettings):
    """``name=dotted.key.path`` or ``MethodSettings`` (may hold ``{wildcards}``) -> function of wildcards
    giving the JSON."""
    def render(wildcards) -> str:
        values = {name: _section(config, spec, dict(wildcards.items())) for name, spec in sections.items()}
        payload = {name: value for name, (value, _) in values.items() if value is not ABSENT}
        payload["runtime"] = {k: config[k] for k in RUNTIME_KEYS if k in config}
        payload["_params"] = sorted({*(k for _, keys in values.values() for k in keys), *payload["runtime"]})
        return json.dumps(payload, sort_keys=True, separators=(",", ":"))
    return render


def whole_cfg(config: dict):
    """:func:`stage_cfg` of every top-level section: for a stage that records all the params of a run."""
    return stage_cfg(config, **{key: key for key in config if key not in RUNTIME_KEYS})


def snakemake_jobs(workdir: Path, forced: bool = True) -> list[dict]:
    """Every job of ``DVC_TARGETS`` from a forced dry run (``forced=False``: only those Snakemake would run):
    rule, inputs, outputs, params keys, code files."""
    force = ["--forceall"] if forced else []
    out = subprocess.run([sys.executable, "-m", "snakemake", "--dry-run", "--printshellcmds", *force, "--cores", "1",
                          *DVC_TARGETS], cwd=workdir, capture_output=True, text=True, check=True).stdout
    jobs = []
    config = yaml.safe_load((workdir / "params.yaml").read_text())
    for block in re.split(r"\n(?=(?:local)?rule \w+:)", out)[1:]:
        rule = re.match(r"(?:local)?rule (\w+):", block).group(1)
        field = lambda name: re.search(rf"^    {name}: (.*)$", block, re.M)  # noqa: E731
        shell = re.search(r"^Shell command: (.*)$", block, re.M)
        if shell is None or field("output") is None:  # target rules (`all`, `text`) run nothing
            continue
        cfg = re.search(r"--cfg '(\{.*?\})'", shell.group(1))
        wildcards = dict(w.split("=", 1) for w in field("wildcards").group(1).split(", ")) if field("wildcards") else {}
        jobs.append({
            "rule": rule,
            "inputs": field("input").group(1).split(", ") if field("input") else [],
            "outputs": sorted(field("output").group(1).split(", ")),
            "params": json.loads(cfg.group(1))["_params"] if cfg else [],
            "code": job_code(workdir, config, rule, wildcards),
        })
    return sorted(jobs, key=lambda j: (j["rule"], j["outputs"]))


def stage_name(job: dict) -> str:
    stem = Path(job["outputs"][0]).with_suffix("").parts[1:]
    return "-".join([job["rule"], *stem])


def dvc_document(jobs: list[dict]) -> dict:
    """dvc.yaml content: one stage per job; metrics and figures declared at the top."""
    stages = {}
    for job in jobs:
        stage = {
            "cmd": f"snakemake --cores 1 --force --allowed-rules {job['rule']} --quiet rules -- "
                   + " ".join(job["outputs"]),
            "deps": sorted({*job["inputs"], *job["code"]}),
        }
        if job["params"]:
            stage["params"] = job["params"]
        stage["outs"] = [{o: {"cache": False}} if o.endswith("metrics.json") else o for o in job["outputs"]]
        stages[stage_name(job)] = stage
    outputs = [o for j in jobs for o in j["outputs"]]
    return {
        "stages": stages,
        "metrics": sorted(o for o in outputs if o.endswith("metrics.json")),
        "plots": sorted(o for o in outputs if o.endswith((".png", "/grids"))),
    }


HEADER = "# Generated from the Snakefile by `latentbench dvc-sync`; do not edit by hand.\n"


def render_dvc_yaml(workdir: Path) -> str:
    return HEADER + yaml.safe_dump(dvc_document(snakemake_jobs(workdir)), sort_keys=False, width=120)


def _files_under(paths: list[Path]) -> list[Path]:
    """``paths`` and, for folders, everything inside them."""
    return [f for p in paths if p.exists() for f in ([p, *p.rglob("*")] if p.is_dir() else [p])]


def dvc_commit(workdir: Path, names: list[str]) -> None:
    """``dvc commit --force`` of the named stages of dvc.yaml, with dvc.lock written once. (The command line
    rereads and rewrites both files per named stage: 12 minutes for the default run's 119 stages.)"""
    from dvc.repo import Repo

    wanted = set(names)
    logging.getLogger("dvc").setLevel(logging.ERROR)  # as `dvc --quiet`: no warning per empty __init__.py dependency
    with Repo(str(workdir)) as repo, repo.lock:
        chosen = [stage for stage in repo.index.stages if getattr(stage, "name", None) in wanted]
        for stage in chosen:
            stage.save()
            stage.commit()
        if chosen:
            chosen[0].dvcfile.dump_stages(chosen, update_pipeline=False)


def commit_finished(workdir: Path) -> list[str]:
    """Record in DVC (cache and dvc.lock) every stage whose outputs exist and that Snakemake would not rerun,
    so ``dvc status`` agrees with Snakemake after a run; returns their names.

    dvc.yaml is (re)generated first when it is missing or the params changed it. ``dvc commit`` may
    rewrite the files it caches; their modification times are put back, so Snakemake still sees them
    as up to date.
    """
    text, path = render_dvc_yaml(workdir), workdir / "dvc.yaml"
    if not path.exists() or path.read_text() != text:
        path.write_text(text)
    stages = yaml.safe_load(text)["stages"]
    pending = {o for job in snakemake_jobs(workdir, forced=False) for o in job["outputs"]}
    outs = {name: [o if isinstance(o, str) else next(iter(o)) for o in stage["outs"]] for name, stage in stages.items()}
    done = [name for name, paths in outs.items() if all((workdir / o).exists() and o not in pending for o in paths)]
    files = _files_under([workdir / o for name in done for o in outs[name]])
    times = {f: f.stat().st_mtime_ns for f in files}
    if done:
        dvc_commit(workdir, done)
    for f, mtime in times.items():
        if f.exists():
            os.utime(f, ns=(mtime, mtime))
    return done

"""The DAG written once: the Snakefile's jobs, and dvc.yaml generated from them.

Each rule hands its stage a JSON slice of params.yaml built by :func:`stage_cfg`; the slice
names the keys it came from under ``_params``, so the DVC stage generated for the job
declares exactly those params. A DVC stage runs its job through Snakemake
(``--force --allowed-rules``), so both tools execute the same command from the same params.
Rules are named after their stage script: rule ``edit`` runs ``stages/edit.py``.
"""
from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import yaml

RUNTIME_KEYS = ("device", "threads")
CODE_DEPS = ("pipeline_lib", "stages/common.py")
DVC_TARGETS = ("all", "text")  # the default benchmark and the text-editing target


def lookup(config: dict, dotted: str):
    node = config
    for part in dotted.split("."):
        node = node[part]
    return node


def alternatives(names: list[str]) -> str:
    """A wildcard pattern matching exactly ``names`` (nothing when the list is empty)."""
    return "|".join(re.escape(n) for n in names) or "(?!)"


def stage_cfg(config: dict, **sections: str):
    """``name=dotted.key.path`` (may hold ``{wildcards}``) -> function of wildcards giving the JSON."""
    def render(wildcards) -> str:
        paths = {name: path.format(**dict(wildcards.items())) for name, path in sections.items()}
        payload = {name: lookup(config, path) for name, path in paths.items()}
        payload["runtime"] = {k: config[k] for k in RUNTIME_KEYS if k in config}
        payload["_params"] = sorted({*paths.values(), *payload["runtime"]})
        return json.dumps(payload, sort_keys=True, separators=(",", ":"))
    return render


def whole_cfg(config: dict):
    """:func:`stage_cfg` of every top-level section: for a stage that records all the params of a run."""
    return stage_cfg(config, **{key: key for key in config if key not in RUNTIME_KEYS})


def snakemake_jobs(workdir: Path) -> list[dict]:
    """Every job of ``DVC_TARGETS``, from a forced dry run: rule, inputs, outputs, params keys."""
    out = subprocess.run([sys.executable, "-m", "snakemake", "--dry-run", "--printshellcmds", "--forceall",
                          "--cores", "1", *DVC_TARGETS], cwd=workdir, capture_output=True, text=True, check=True).stdout
    jobs = []
    for block in re.split(r"\n(?=(?:local)?rule \w+:)", out)[1:]:
        rule = re.match(r"(?:local)?rule (\w+):", block).group(1)
        field = lambda name: re.search(rf"^    {name}: (.*)$", block, re.M)  # noqa: E731
        shell = re.search(r"^Shell command: (.*)$", block, re.M)
        if shell is None or field("output") is None:  # target rules (`all`, `text`) run nothing
            continue
        cfg = re.search(r"--cfg '(\{.*?\})'", shell.group(1))
        jobs.append({
            "rule": rule,
            "inputs": field("input").group(1).split(", ") if field("input") else [],
            "outputs": sorted(field("output").group(1).split(", ")),
            "params": json.loads(cfg.group(1))["_params"] if cfg else [],
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
            "deps": sorted({*job["inputs"], f"stages/{job['rule']}.py", *CODE_DEPS}),
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

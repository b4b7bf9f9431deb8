"""latentbench: the benchmark DAG. One rule per stage, in rules/<phase>.smk; wildcards {dataset} {method} {target}.

Each rule hands its stage only the slice of params.yaml it reads (as JSON in `params.cfg`),
so changing one method's setting reruns only that method's jobs and what depends on them.
dvc.yaml is generated from these rules (`latentbench dvc-sync`, see pipeline_lib/workflow/dag.py);
a test fails if they drift.
"""

import functools
import json
from pathlib import Path

from pipeline_lib.workflow.code import code_digest, job_code
from pipeline_lib.workflow.dag import MethodSettings, alternatives, stage_cfg, whole_cfg
from pipeline_lib.config.params import (
    benchmark_targets,
    bounds_of,
    curvature_datasets,
    datasets_of,
    datasets_with_reader,
    edited_methods,
    validate_params,
    replicate_datasets,
    sweep_methods,
    with_replicate_datasets,
    with_sweep_datasets,
)


configfile: "params.yaml"
report: "reports/captions/workflow.rst"


validate_params(config)
PARAMS = config  # as given; the sweep's datasets are added below
SWEEP = curvature_datasets(config)
PARAMS_SWEPT = with_sweep_datasets(config)
config = with_replicate_datasets(PARAMS_SWEPT)

wildcard_constraints:
    dataset=alternatives(sorted(config["datasets"])),  # never `benchmark` (reports/benchmark/ is the summary)
    method="[A-Za-z0-9_]+",
    target="[A-Za-z0-9_]+",


include: "rules/common.smk"
include: "rules/data.smk"
include: "rules/attributes.smk"
include: "rules/methods.smk"
include: "rules/scoring.smk"
include: "rules/report.smk"
include: "rules/sweep.smk"
include: "rules/replicates.smk"
include: "rules/text.smk"


rule all:
    input:
        expand("reports/{dataset}/{name}", dataset=DATASETS, name=["mdc.png", "mds.md", "mds.html", "readers.png"]),
        expand("reports/{dataset}/generator.png", dataset=sorted(set(DATASETS) & set(datasets_of(config, "conv_gan")))),
        "reports/params.html",
        "reports/benchmark/mds.md",
    default_target: True


if "faces_full" in config["datasets"]:

    rule faces_full:  # `latentbench run -- faces_full`: the faces benchmark at full size (datasets.faces_full)
        input:
            expand("reports/faces_full/{name}", name=["mdc.png", "mds.md", "mds.html", "readers.png"]),

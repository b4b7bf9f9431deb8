"""latentbench: the benchmark DAG. One rule per stage; wildcards {dataset} {method} {target}.

Each rule hands its stage only the slice of params.yaml it reads (as JSON in `params.cfg`),
so changing one method's setting reruns only that method's jobs and what depends on them.
dvc.yaml is generated from this file (`latentbench dvc-sync`, see pipeline_lib/dag.py);
a test fails if they drift.
"""

import json

from pipeline_lib.dag import alternatives, stage_cfg, whole_cfg
from pipeline_lib.params import (
    benchmark_targets,
    curvature_datasets,
    datasets_of,
    datasets_with_predictor,
    validate_params,
    with_sweep_datasets,
)


configfile: "params.yaml"
report: "reports/captions/workflow.rst"


validate_params(config)
PARAMS = config  # as given; the sweep's datasets are added below
SWEEP = curvature_datasets(config)
config = with_sweep_datasets(config)

DATASETS = config["benchmark"]["datasets"]
ENV = "envs/latentbench.yaml"
TORCH_THREADS = config.get("threads", 1)  # declared by every torch rule, so jobs never oversubscribe cores
# device: cuda -> the torch rules take one unit of resource `gpu`; `latentbench run` offers --resources gpu=1,
# so they share the card one at a time (raise it with `-- --resources gpu=N`). Nothing changes on the CPU.
GPU = 1 if config.get("device") == "cuda" else 0
METHODS = config["benchmark"]["methods"]


wildcard_constraints:
    dataset=alternatives(sorted(config["datasets"])),  # never `benchmark` (reports/benchmark/ is the summary)
    method="[A-Za-z0-9_]+",
    target="[A-Za-z0-9_]+",


def edits_of(dataset):
    """One folder per method: data/{dataset}/edits/{method}/{target}.parquet for every target."""
    return expand("data/{dataset}/edits/{method}", dataset=dataset, method=METHODS)


def has_images(dataset):
    return "images" in config["datasets"][dataset]


def user_file(section):
    """The user's file a dataset's generator or predictor comes from: an input, so a changed file reruns."""
    return lambda wc: config["datasets"][wc.dataset][section]["path"]


def image_sources(wc):
    """A labeled folder's files (celeba); built-in image sets have none."""
    images = config["datasets"][wc.dataset]["images"]
    return [images["attributes_file"], images["folder"]] if images["kind"] == "celeba" else []


rule all:
    input:
        expand("reports/{dataset}/{name}", dataset=DATASETS, name=["mdc.png", "mds.md", "mds.html", "predictor.png"]),
        "reports/params.html",
        "reports/benchmark/mds.md",
    default_target: True


rule record_params:
    output:
        report("reports/params.html", caption="reports/captions/params.rst", category="Params"),
    params:
        cfg=whole_cfg(PARAMS),
    log:
        "logs/record_params.log",
    conda:
        ENV
    shell:
        "python -m stages.record_params --cfg '{params.cfg}' --out {output} --log {log}"


rule build_generator:
    output:
        "data/{dataset}/generator.pt",
    wildcard_constraints:
        dataset=alternatives(datasets_of(config, "procedural")),
    params:
        cfg=stage_cfg(config, generator="datasets.{dataset}.generator"),
    log:
        "logs/{dataset}/build_generator.log",
    conda:
        ENV
    shell:
        "python -m stages.build_generator --cfg '{params.cfg}' --out {output} --log {log}"


rule import_generator:
    input:
        source=user_file("generator"),
    output:
        "data/{dataset}/generator.pt",
    wildcard_constraints:
        dataset=alternatives(datasets_of(config, "imported")),
    params:
        cfg=stage_cfg(config, generator="datasets.{dataset}.generator"),
    threads: TORCH_THREADS
    resources:
        gpu=GPU,
    log:
        "logs/{dataset}/import_generator.log",
    conda:
        ENV
    shell:
        "python -m stages.import_generator --cfg '{params.cfg}' --source {input.source} --out {output} --log {log}"


rule import_predictor:
    input:
        source=user_file("predictor"),
    output:
        weights="data/{dataset}/predictor.pt",
        evaluation="data/{dataset}/predictor_eval.json",
    wildcard_constraints:
        dataset=alternatives(datasets_with_predictor(config, "torchscript")),
    params:
        cfg=stage_cfg(config, predictor="datasets.{dataset}.predictor"),
    resources:
        gpu=GPU,
    log:
        "logs/{dataset}/import_predictor.log",
    conda:
        ENV
    shell:
        "python -m stages.import_predictor --cfg '{params.cfg}' --source {input.source} --out {output.weights}"
        " --out-eval {output.evaluation} --log {log}"


rule prepare_images:
    input:
        image_sources,
    output:
        "data/{dataset}/images.pt",
    params:
        cfg=stage_cfg(config, images="datasets.{dataset}.images"),
    log:
        "logs/{dataset}/prepare_images.log",
    conda:
        ENV
    shell:
        "python -m stages.prepare_images --cfg '{params.cfg}' --out {output} --log {log}"


rule train_generator:
    input:
        images="data/{dataset}/images.pt",
    output:
        weights="data/{dataset}/generator.pt",
        evaluation="data/{dataset}/generator_eval.json",
        figure=report(
            "reports/{dataset}/generator.png",
            caption="reports/captions/generator.rst",
            category="Generator training",
            labels={"dataset": "{dataset}"},
        ),
    wildcard_constraints:
        dataset=alternatives(datasets_of(config, "conv_gan")),
    params:
        cfg=stage_cfg(config, generator="datasets.{dataset}.generator"),
    threads: TORCH_THREADS
    resources:
        gpu=GPU,
    log:
        "logs/{dataset}/train_generator.log",
    conda:
        ENV
    shell:
        "python -m stages.train_generator --cfg '{params.cfg}' --images {input.images} --out {output.weights}"
        " --out-eval {output.evaluation} --out-figure {output.figure} --log {log}"


rule train_predictor:
    input:
        # real images where the dataset has them, else the procedural generator's renders
        source=lambda wc: f"data/{wc.dataset}/{'images' if has_images(wc.dataset) else 'generator'}.pt",
    output:
        weights="data/{dataset}/predictor.pt",
        evaluation="data/{dataset}/predictor_eval.json",
    wildcard_constraints:
        dataset=alternatives(datasets_with_predictor(config, "cnn")),
    params:
        cfg=stage_cfg(config, predictor="datasets.{dataset}.predictor"),
        source=lambda wc: "--images" if has_images(wc.dataset) else "--generator",
    threads: TORCH_THREADS
    resources:
        gpu=GPU,
    log:
        "logs/{dataset}/train_predictor.log",
    conda:
        ENV
    shell:
        "python -m stages.train_predictor --cfg '{params.cfg}' {params.source} {input.source}"
        " --out {output.weights} --out-eval {output.evaluation} --log {log}"


rule sample_latents:
    input:
        generator="data/{dataset}/generator.pt",
    output:
        "data/{dataset}/latents.parquet",
    params:
        cfg=stage_cfg(config, sampling="datasets.{dataset}.sampling"),
    resources:
        gpu=GPU,
    log:
        "logs/{dataset}/sample_latents.log",
    conda:
        ENV
    shell:
        "python -m stages.sample_latents --cfg '{params.cfg}' --generator {input.generator}"
        " --out {output} --log {log}"


rule label_latents:
    input:
        generator="data/{dataset}/generator.pt",
        predictor="data/{dataset}/predictor.pt",
        latents="data/{dataset}/latents.parquet",
    output:
        "data/{dataset}/labels.parquet",
    params:
        cfg=stage_cfg(config, batch_size="edit.batch_size"),
    threads: TORCH_THREADS
    resources:
        gpu=GPU,
    log:
        "logs/{dataset}/label_latents.log",
    conda:
        ENV
    shell:
        "python -m stages.label_latents --cfg '{params.cfg}' --generator {input.generator}"
        " --predictor {input.predictor} --latents {input.latents} --out {output} --log {log}"


rule fit_method:
    input:
        generator="data/{dataset}/generator.pt",
        predictor="data/{dataset}/predictor.pt",
        latents="data/{dataset}/latents.parquet",
        labels="data/{dataset}/labels.parquet",
    output:
        weights="data/{dataset}/methods/{method}.pt",
        summary="reports/{dataset}/methods/{method}.json",
        figure=report(
            "reports/{dataset}/methods/{method}.png",
            caption="reports/captions/fit.rst",
            category="Method fits",
            labels={"dataset": "{dataset}", "method": "{method}"},
        ),
    params:
        cfg=stage_cfg(config, method="methods.{method}"),
    threads: TORCH_THREADS
    resources:
        gpu=GPU,
    log:
        "logs/{dataset}/fit_method/{method}.log",
    conda:
        ENV
    shell:
        "python -m stages.fit_method --cfg '{params.cfg}' --method {wildcards.method}"
        " --generator {input.generator} --predictor {input.predictor} --latents {input.latents}"
        " --labels {input.labels} --out {output.weights} --out-summary {output.summary}"
        " --out-figure {output.figure} --log {log}"


rule edit:
    input:
        method="data/{dataset}/methods/{method}.pt",
        generator="data/{dataset}/generator.pt",
        predictor="data/{dataset}/predictor.pt",
        latents="data/{dataset}/latents.parquet",
        labels="data/{dataset}/labels.parquet",
    output:
        directory("data/{dataset}/edits/{method}"),  # one job per method: the networks load once for all targets
    params:
        cfg=stage_cfg(config, edit="edit", delta="metric.delta", seed="metric.seed", attributes="benchmark.attributes"),
        targets=lambda wc: ",".join(benchmark_targets(config, wc.dataset)),
    threads: TORCH_THREADS
    resources:
        gpu=GPU,
    log:
        "logs/{dataset}/edit/{method}.log",
    conda:
        ENV
    shell:
        "python -m stages.edit --cfg '{params.cfg}' --targets {params.targets} --method {input.method}"
        " --generator {input.generator} --predictor {input.predictor} --latents {input.latents}"
        " --labels {input.labels} --out-dir {output} --log {log}"


rule score:
    input:
        predictor="data/{dataset}/predictor.pt",
        evaluation="data/{dataset}/predictor_eval.json",
        edits=lambda wc: edits_of(wc.dataset),
    output:
        mds="reports/{dataset}/mds.parquet",
        mdc="reports/{dataset}/mdc.parquet",
        metrics="reports/{dataset}/metrics.json",
    params:
        cfg=stage_cfg(config, metric="metric"),
    threads: TORCH_THREADS
    log:
        "logs/{dataset}/score.log",
    conda:
        ENV
    shell:
        "python -m stages.score --cfg '{params.cfg}' --dataset {wildcards.dataset}"
        " --predictor {input.predictor} --predictor-eval {input.evaluation} --out-mds {output.mds}"
        " --out-mdc {output.mdc} --out-metrics {output.metrics} --log {log} {input.edits}"


rule plot:
    input:
        mdc="reports/{dataset}/mdc.parquet",
        mds="reports/{dataset}/mds.parquet",
        evaluation="data/{dataset}/predictor_eval.json",
        generator="data/{dataset}/generator.pt",
        edits=lambda wc: edits_of(wc.dataset),
    output:
        figure=report(
            "reports/{dataset}/mdc.png",
            caption="reports/captions/mdc.rst",
            category="MDC curves",
            labels={"dataset": "{dataset}"},
        ),
        table="reports/{dataset}/mds.md",
        table_html=report(
            "reports/{dataset}/mds.html",
            caption="reports/captions/mds.rst",
            category="MDS table",
            labels={"dataset": "{dataset}"},
        ),
        predictor=report(
            "reports/{dataset}/predictor.png",
            caption="reports/captions/predictor.rst",
            category="Predictor",
            labels={"dataset": "{dataset}"},
        ),
        grids=report(
            directory("reports/{dataset}/grids"),
            patterns=["{method}/{target}.png"],
            caption="reports/captions/grid.rst",
            category="Edit grids",
            labels={"dataset": "{dataset}", "method": "{method}", "target": "{target}"},
        ),
    params:
        cfg=stage_cfg(config, plot="plot"),
    threads: TORCH_THREADS
    resources:
        gpu=GPU,
    log:
        "logs/{dataset}/plot.log",
    conda:
        ENV
    shell:
        "python -m stages.plot --cfg '{params.cfg}' --mdc {input.mdc} --mds {input.mds}"
        " --predictor-eval {input.evaluation} --generator {input.generator} --out-figure {output.figure}"
        " --out-table {output.table} --out-table-html {output.table_html} --out-predictor {output.predictor}"
        " --grid-dir {output.grids} --log {log} {input.edits}"


rule summarize:
    input:
        expand("reports/{dataset}/mds.parquet", dataset=DATASETS),
    output:
        table="reports/benchmark/mds.md",
        html=report(
            "reports/benchmark/mds.html",
            caption="reports/captions/benchmark.rst",
            category="Across datasets",
        ),
        figure=report(
            "reports/benchmark/mds.png",
            caption="reports/captions/benchmark.rst",
            category="Across datasets",
        ),
    params:
        cfg=stage_cfg(config),
    log:
        "logs/benchmark/summarize.log",
    conda:
        ENV
    shell:
        "python -m stages.summarize --cfg '{params.cfg}' --out-table {output.table} --out-html {output.html}"
        " --out-figure {output.figure} --log {log} {input}"


rule sweep:
    input:
        "reports/sweeps/curvature.png",


rule sweep_curvature:
    input:
        expand("reports/{dataset}/mds.parquet", dataset=SWEEP),
    output:
        table="reports/sweeps/curvature.parquet",
        figure=report(
            "reports/sweeps/curvature.png",
            caption="reports/captions/sweep.rst",
            category="Curvature sweep",
        ),
    params:
        cfg=lambda wc: json.dumps({"knob": "curvature", "values": list(SWEEP.values())}),
    log:
        "logs/sweeps/curvature.log",
    conda:
        ENV
    shell:
        "python -m stages.sweep --cfg '{params.cfg}' --out-table {output.table}"
        " --out-figure {output.figure} --log {log} {input}"


TEXT_METHODS = ["sgf", "gradient"]


def text_edits(dataset):
    return expand("data/{dataset}/text/edits/{method}.parquet", dataset=dataset, method=TEXT_METHODS)


rule text:
    input:
        # params without a text: section (e.g. a config for a GAN of faces) have no text edits
        expand("reports/{dataset}/text/{out}", dataset=config["text"]["dataset"], out=["mds.parquet", "edits.png"])
        if "text" in config
        else [],


rule caption_embeddings:
    output:
        "data/text/captions.parquet",
    params:
        cfg=stage_cfg(config, captions="text.captions"),
    threads: TORCH_THREADS
    log:
        "logs/text/caption_embeddings.log",
    conda:
        ENV
    shell:
        "python -m stages.caption_embeddings --cfg '{params.cfg}' --out {output} --log {log}"


rule train_caption_predictor:
    input:
        generator="data/{dataset}/generator.pt",
        captions="data/text/captions.parquet",
    output:
        weights="data/{dataset}/text/caption_predictor.pt",
        evaluation="data/{dataset}/text/caption_predictor_eval.json",
    params:
        cfg=stage_cfg(config, predictor="text.predictor"),
    threads: TORCH_THREADS
    log:
        "logs/{dataset}/text/train_caption_predictor.log",
    conda:
        ENV
    shell:
        "python -m stages.train_caption_predictor --cfg '{params.cfg}' --generator {input.generator}"
        " --captions {input.captions} --out {output.weights} --out-eval {output.evaluation} --log {log}"


rule fit_text_sgf:
    input:
        generator="data/{dataset}/generator.pt",
        predictor="data/{dataset}/text/caption_predictor.pt",
        latents="data/{dataset}/latents.parquet",
    output:
        weights="data/{dataset}/text/sgf.pt",
        summary="reports/{dataset}/text/sgf.json",
    params:
        cfg=stage_cfg(config, sgf="text.sgf"),
    threads: TORCH_THREADS
    log:
        "logs/{dataset}/text/fit_text_sgf.log",
    conda:
        ENV
    shell:
        "python -m stages.fit_text_sgf --cfg '{params.cfg}' --generator {input.generator}"
        " --caption-predictor {input.predictor} --latents {input.latents} --out {output.weights}"
        " --out-summary {output.summary} --log {log}"


rule text_edit:
    input:
        fitted=lambda wc: [f"data/{wc.dataset}/text/sgf.pt"] if wc.method == "sgf" else [],
        generator="data/{dataset}/generator.pt",
        predictor="data/{dataset}/text/caption_predictor.pt",
        latents="data/{dataset}/latents.parquet",
        captions="data/text/captions.parquet",
    output:
        "data/{dataset}/text/edits/{method}.parquet",
    params:
        cfg=stage_cfg(config, edit="text.edit"),
        fitted=lambda wc, input: f"--fitted {input.fitted}" if input.fitted else "",
    threads: TORCH_THREADS
    log:
        "logs/{dataset}/text/text_edit/{method}.log",
    conda:
        ENV
    shell:
        "python -m stages.text_edit --cfg '{params.cfg}' --method {wildcards.method} {params.fitted}"
        " --generator {input.generator} --caption-predictor {input.predictor} --latents {input.latents}"
        " --captions {input.captions} --out {output} --log {log}"


rule text_score:
    input:
        edits=lambda wc: text_edits(wc.dataset),
    output:
        mds="reports/{dataset}/text/mds.parquet",
        mdc="reports/{dataset}/text/mdc.parquet",
    params:
        cfg=stage_cfg(config, metric="metric"),
    log:
        "logs/{dataset}/text/text_score.log",
    conda:
        ENV
    shell:
        "python -m stages.text_score --cfg '{params.cfg}' --out-mds {output.mds} --out-mdc {output.mdc}"
        " --log {log} {input.edits}"


rule text_plot:
    input:
        generator="data/{dataset}/generator.pt",
        edits=lambda wc: text_edits(wc.dataset),
    output:
        figure=report(
            "reports/{dataset}/text/edits.png",
            caption="reports/captions/text.rst",
            category="Text-guided editing",
            labels={"dataset": "{dataset}"},
        ),
    params:
        cfg=stage_cfg(config, plot="text.plot"),
    threads: TORCH_THREADS
    log:
        "logs/{dataset}/text/text_plot.log",
    conda:
        ENV
    shell:
        "python -m stages.text_plot --cfg '{params.cfg}' --generator {input.generator}"
        " --out-figure {output.figure} --log {log} {input.edits}"

"""Editing methods: fit each method on the labeled codes; edit the held-out codes along its paths."""


rule fit_method:
    input:
        generator="data/{dataset}/generator.pt",
        guide="data/{dataset}/guide.pt",  # never the judge: tests/test_judge.py
        latents="data/{dataset}/latents.parquet",
        labels="data/{dataset}/labels.parquet",
    output:
        weights="data/{dataset}/methods/{method}.pt",
        summary="reports/{dataset}/methods/{method}.json",
        figure=report(
            "reports/{dataset}/methods/{method}.png",
            caption="../reports/captions/fit.rst",
            category="Method fits",
            labels={"dataset": "{dataset}", "method": "{method}"},
        ),
    params:
        code=code("fit_method"),
        cfg=stage_cfg(config, method=MethodSettings("methods.{method}", "fit")),
    threads: TORCH_THREADS
    resources:
        gpu=GPU,
    log:
        "logs/{dataset}/fit_method/{method}.log",
    conda:
        ENV
    shell:
        "python -m stages.fit_method --cfg '{params.cfg}' --method {wildcards.method}"
        " --generator {input.generator} --guide {input.guide} --latents {input.latents}"
        " --labels {input.labels} --out {output.weights} --out-summary {output.summary}"
        " --out-figure {output.figure} --log {log}"


rule edit:
    input:
        method="data/{dataset}/methods/{method}.pt",
        generator="data/{dataset}/generator.pt",
        guide="data/{dataset}/guide.pt",  # never the judge: tests/test_judge.py
        latents="data/{dataset}/latents.parquet",
        labels="data/{dataset}/labels.parquet",
    output:
        directory("data/{dataset}/edits/{method}"),  # one job per method: the networks load once for all targets
    params:
        code=code("edit"),
        cfg=stage_cfg(
            config,
            method=MethodSettings("methods.{method}", "edit"),
            edit="edit",
            delta="metric.delta",
            tolerance="metric.tolerance",
            tolerances="metric.tolerances",
            seed="metric.seed",
            attributes="benchmark.attributes",
            targets="datasets.{dataset}.targets?",
        ),
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
        " --generator {input.generator} --guide {input.guide} --latents {input.latents}"
        " --labels {input.labels} --out-dir {output} --log {log}"

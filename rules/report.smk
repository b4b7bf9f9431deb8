"""Figures and pages for people: the params page, a dataset's plots and tables, the cross-dataset summary."""


rule record_params:
    output:
        report("reports/params.html", caption="../reports/captions/params.rst", category="Params"),
    params:
        code=code("record_params"),
        cfg=whole_cfg(PARAMS),
    log:
        "logs/record_params.log",
    conda:
        ENV
    shell:
        "python -m stages.record_params --cfg '{params.cfg}' --out {output} --log {log}"


rule plot_generator:
    input:
        generator="data/{dataset}/generator.pt",
        evaluation="data/{dataset}/generator_eval.json",
    output:
        report(
            "reports/{dataset}/generator.png",
            caption="../reports/captions/generator.rst",
            category="Generator training",
            labels={"dataset": "{dataset}"},
        ),
    wildcard_constraints:
        dataset=alternatives(datasets_of(config, "conv_gan")),
    params:
        code=code("plot_generator"),
        cfg=stage_cfg(config, seed="datasets.{dataset}.generator.seed"),
    resources:
        gpu=GPU,
    log:
        "logs/{dataset}/plot_generator.log",
    conda:
        ENV
    shell:
        "python -m stages.plot_generator --cfg '{params.cfg}' --generator {input.generator}"
        " --evaluation {input.evaluation} --out {output} --log {log}"


rule plot:
    input:
        mdc="reports/{dataset}/mdc.parquet",
        mds="reports/{dataset}/mds.parquet",
        guide_eval="data/{dataset}/guide_eval.json",
        judge_eval="data/{dataset}/judge_eval.json",
        generator="data/{dataset}/generator.pt",
        edits=lambda wc: edits_of(wc.dataset),
    output:
        figure=report(
            "reports/{dataset}/mdc.png",
            caption="../reports/captions/mdc.rst",
            category="MDC curves",
            labels={"dataset": "{dataset}"},
        ),
        table="reports/{dataset}/mds.md",
        table_html=report(
            "reports/{dataset}/mds.html",
            caption="../reports/captions/mds.rst",
            category="MDS table",
            labels={"dataset": "{dataset}"},
        ),
        readers=report(
            "reports/{dataset}/readers.png",
            caption="../reports/captions/readers.rst",
            category="Guide and judge",
            labels={"dataset": "{dataset}"},
        ),
        grids=report(
            directory("reports/{dataset}/grids"),
            patterns=["{method}/{target}.png"],
            caption="../reports/captions/grid.rst",
            category="Edit grids",
            labels={"dataset": "{dataset}", "method": "{method}", "target": "{target}"},
        ),
    params:
        code=code("plot"),
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
        " --guide-eval {input.guide_eval} --judge-eval {input.judge_eval} --generator {input.generator} --out-figure {output.figure}"
        " --out-table {output.table} --out-table-html {output.table_html} --out-readers {output.readers}"
        " --grid-dir {output.grids} --log {log} {input.edits}"


rule summarize:
    input:
        expand("reports/{dataset}/mds.parquet", dataset=DATASETS),
    output:
        table="reports/benchmark/mds.md",
        html=report(
            "reports/benchmark/mds.html",
            caption="../reports/captions/benchmark.rst",
            category="Across datasets",
        ),
        figure=report(
            "reports/benchmark/mds.png",
            caption="../reports/captions/benchmark.rst",
            category="Across datasets",
        ),
    params:
        code=code("summarize"),
        cfg=stage_cfg(config),
    log:
        "logs/benchmark/summarize.log",
    conda:
        ENV
    shell:
        "python -m stages.summarize --cfg '{params.cfg}' --out-table {output.table} --out-html {output.html}"
        " --out-figure {output.figure} --log {log} {input}"

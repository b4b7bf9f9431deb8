"""Scoring: MDC points and MDS with bootstrap intervals from every edit table of a dataset."""


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
        code=code("score"),
        cfg=stage_cfg(config, metric="metric"),
        bounds=lambda wc: ",".join(bounds_of(config, wc.dataset)),  # their rows get bound = True
    threads: TORCH_THREADS
    log:
        "logs/{dataset}/score.log",
    conda:
        ENV
    shell:
        "python -m stages.score --cfg '{params.cfg}' --dataset {wildcards.dataset}"
        " --predictor {input.predictor} --predictor-eval {input.evaluation} --bounds '{params.bounds}' --out-mds {output.mds}"
        " --out-mdc {output.mdc} --out-metrics {output.metrics} --log {log} {input.edits}"

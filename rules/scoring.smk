"""Scoring: the judge reads every edit table after its edit job; MDC points and MDS with bootstrap intervals."""


rule judge_edits:
    input:
        edits="data/{dataset}/edits/{method}",
        generator="data/{dataset}/generator.pt",
        judge="data/{dataset}/judge.pt",
    output:
        directory("data/{dataset}/judged/{method}"),
    params:
        code=code("judge_edits"),
        cfg=stage_cfg(config, batch_size="edit.batch_size"),
    threads: TORCH_THREADS
    resources:
        gpu=GPU,
    log:
        "logs/{dataset}/judge_edits/{method}.log",
    conda:
        ENV
    shell:
        "python -m stages.judge_edits --cfg '{params.cfg}' --generator {input.generator} --judge {input.judge}"
        " --edits {input.edits} --out-dir {output} --log {log}"


rule score:
    input:
        guide_eval="data/{dataset}/guide_eval.json",
        judge="data/{dataset}/judge.pt",
        judge_eval="data/{dataset}/judge_eval.json",
        judged=lambda wc: judged_of(wc.dataset),
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
        "python -m stages.score --cfg '{params.cfg}' --dataset {wildcards.dataset} --judge {input.judge}"
        " --judge-eval {input.judge_eval} --guide-eval {input.guide_eval} --bounds '{params.bounds}' --out-mds {output.mds}"
        " --out-mdc {output.mdc} --out-metrics {output.metrics} --log {log} {input.judged}"

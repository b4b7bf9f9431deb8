"""Replicates (`latentbench run -- replicates`): the benchmark again with every trained model reseeded."""


rule replicates:
    input:
        expand("reports/replicates/{dataset}.md", dataset=config.get("replicates", {}).get("datasets", [])),
        # each replicate's own scores: what `latentbench tolerances --run 'reports/*_rep*/metrics.json'` reads
        expand("reports/{dataset}/metrics.json", dataset=replicate_datasets(PARAMS_SWEPT)),


rule replicate_spread:
    input:
        judge="data/{dataset}/judge.pt",
        judged=lambda wc: [d for name in [wc.dataset, *replicates_of(wc.dataset)] for d in judged_of(name)],
    output:
        table="reports/replicates/{dataset}.parquet",
        summary="reports/replicates/{dataset}.md",
    params:
        code=code("replicate_spread"),
        cfg=stage_cfg(config, metric="metric"),
        bounds=lambda wc: ",".join(bounds_of(config, wc.dataset)),
    threads: TORCH_THREADS
    log:
        "logs/replicates/{dataset}.log",
    conda:
        ENV
    shell:
        "python -m stages.replicate_spread --cfg '{params.cfg}' --judge {input.judge} --bounds '{params.bounds}'"
        " --out-table {output.table} --out-summary {output.summary} --log {log} {input.judged}"

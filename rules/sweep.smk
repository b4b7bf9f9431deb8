"""The curvature sweep (`latentbench run -- sweep`): the benchmark on shapes at every curvature."""


rule sweep:
    input:
        "reports/sweeps/curvature.png",
        "reports/sweeps/curvature.md",


rule sweep_curvature:
    input:
        expand("reports/{dataset}/mds.parquet", dataset=SWEEP),
    output:
        table="reports/sweeps/curvature.parquet",
        summary="reports/sweeps/curvature.md",
        figure=report(
            "reports/sweeps/curvature.png",
            caption="../reports/captions/sweep.rst",
            category="Curvature sweep",
        ),
    params:
        code=code("sweep_curvature"),
        cfg=lambda wc: sweep_cfg(),
    log:
        "logs/sweeps/curvature.log",
    conda:
        ENV
    shell:
        "python -m stages.sweep_curvature --cfg '{params.cfg}' --out-table {output.table}"
        " --out-summary {output.summary} --out-figure {output.figure} --log {log} {input}"

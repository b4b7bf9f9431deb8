"""The attribute readers: the guide (methods read it) and the judge (only scoring reads it), each trained on
its own samples or imported (faces: the judge calibrated, the guide trained on its labels); the codes labeled by the guide."""


rule import_guide:
    input:
        source=user_file("guide"),
    output:
        weights="data/{dataset}/guide.pt",
        evaluation="data/{dataset}/guide_eval.json",
    wildcard_constraints:
        dataset=alternatives(datasets_with_reader(config, "guide", "torchscript")),
    params:
        code=code("import_guide"),
        cfg=stage_cfg(config, reader="datasets.{dataset}.guide"),
    resources:
        gpu=GPU,
    log:
        "logs/{dataset}/import_guide.log",
    conda:
        ENV
    shell:
        "python -m stages.import_guide --cfg '{params.cfg}' --source {input.source} --out {output.weights}"
        " --out-eval {output.evaluation} --log {log}"


rule train_guide:
    input:
        source=reader_source,
        judge=labeling_judge,
    output:
        weights="data/{dataset}/guide.pt",
        evaluation="data/{dataset}/guide_eval.json",
    wildcard_constraints:
        dataset=alternatives(datasets_with_reader(config, "guide", "cnn")),
    params:
        code=code("train_guide"),
        cfg=train_reader_cfg("guide"),
        source=lambda wc: "--images" if has_images(wc.dataset) else "--generator",
        judge=lambda wc, input: f"--judge {input.judge}" if input.judge else "",
    threads: TORCH_THREADS
    resources:
        gpu=GPU,
    log:
        "logs/{dataset}/train_guide.log",
    conda:
        ENV
    shell:
        "python -m stages.train_guide --cfg '{params.cfg}' {params.source} {input.source} {params.judge}"
        " --out {output.weights} --out-eval {output.evaluation} --log {log}"


rule import_judge:
    input:
        source=user_file("judge"),
    output:
        weights="data/{dataset}/judge.pt",
        evaluation="data/{dataset}/judge_eval.json",
    wildcard_constraints:
        dataset=alternatives(datasets_with_reader(config, "judge", "torchscript")),
    params:
        code=code("import_judge"),
        cfg=stage_cfg(config, reader="datasets.{dataset}.judge"),
    resources:
        gpu=GPU,
    log:
        "logs/{dataset}/import_judge.log",
    conda:
        ENV
    shell:
        "python -m stages.import_judge --cfg '{params.cfg}' --source {input.source} --out {output.weights}"
        " --out-eval {output.evaluation} --log {log}"


rule train_judge:
    input:
        source=reader_source,
    output:
        weights="data/{dataset}/judge.pt",
        evaluation="data/{dataset}/judge_eval.json",
    wildcard_constraints:
        dataset=alternatives(datasets_with_reader(config, "judge", "cnn")),
    params:
        code=code("train_judge"),
        cfg=train_reader_cfg("judge"),
        source=lambda wc: "--images" if has_images(wc.dataset) else "--generator",
    threads: TORCH_THREADS
    resources:
        gpu=GPU,
    log:
        "logs/{dataset}/train_judge.log",
    conda:
        ENV
    shell:
        "python -m stages.train_judge --cfg '{params.cfg}' {params.source} {input.source}"
        " --out {output.weights} --out-eval {output.evaluation} --log {log}"


rule calibrate_judge:  # the faces judge: MTCNN's packaged networks and each measure's CDF on generated samples
    input:
        generator="data/{dataset}/generator.pt",
    output:
        weights="data/{dataset}/judge.pt",
        evaluation="data/{dataset}/judge_eval.json",
    wildcard_constraints:
        dataset=alternatives(datasets_with_reader(config, "judge", "mtcnn")),
    params:
        code=code("calibrate_judge"),
        cfg=stage_cfg(config, judge="datasets.{dataset}.judge"),
    threads: TORCH_THREADS
    resources:
        gpu=GPU,
    log:
        "logs/{dataset}/calibrate_judge.log",
    conda:
        ENV
    shell:
        "python -m stages.calibrate_judge --cfg '{params.cfg}' --generator {input.generator}"
        " --out {output.weights} --out-eval {output.evaluation} --log {log}"


rule label_latents:
    input:
        generator="data/{dataset}/generator.pt",
        guide="data/{dataset}/guide.pt",
        latents="data/{dataset}/latents.parquet",
    output:
        "data/{dataset}/labels.parquet",
    params:
        code=code("label_latents"),
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
        " --guide {input.guide} --latents {input.latents} --out {output} --log {log}"

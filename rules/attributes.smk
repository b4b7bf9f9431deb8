"""The attribute predictor: train or import it; label the sampled codes with it."""


rule import_predictor:
    input:
        source=user_file("predictor"),
    output:
        weights="data/{dataset}/predictor.pt",
        evaluation="data/{dataset}/predictor_eval.json",
    wildcard_constraints:
        dataset=alternatives(datasets_with_predictor(config, "torchscript")),
    params:
        code=code("import_predictor"),
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
        code=code("train_predictor"),
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


rule label_latents:
    input:
        generator="data/{dataset}/generator.pt",
        predictor="data/{dataset}/predictor.pt",
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
        " --predictor {input.predictor} --latents {input.latents} --out {output} --log {log}"

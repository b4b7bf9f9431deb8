"""Generators and images: build, import, unpack or train the generator; prepare real images; sample latent codes."""


rule build_generator:
    output:
        "data/{dataset}/generator.pt",
    wildcard_constraints:
        dataset=alternatives(datasets_of(config, "procedural")),
    params:
        code=code("build_generator"),
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
        code=code("import_generator"),
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


rule package_generator:
    output:
        "data/{dataset}/generator.pt",
    wildcard_constraints:
        dataset=alternatives(datasets_of(config, "packaged")),
    params:
        code=code("package_generator"),
        cfg=stage_cfg(config, generator="datasets.{dataset}.generator"),
    log:
        "logs/{dataset}/package_generator.log",
    conda:
        ENV
    shell:
        "python -m stages.package_generator --cfg '{params.cfg}' --out {output} --log {log}"


rule prepare_images:
    input:
        image_sources,
    output:
        "data/{dataset}/images.pt",
    params:
        code=code("prepare_images"),
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
    wildcard_constraints:
        dataset=alternatives(datasets_of(config, "conv_gan")),
    params:
        code=code("train_generator"),
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
        " --out-eval {output.evaluation} --log {log}"


rule sample_latents:
    input:
        generator="data/{dataset}/generator.pt",
    output:
        "data/{dataset}/latents.parquet",
    params:
        code=code("sample_latents"),
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

"""The attribute readers: the guide (methods read it) and the judge (only scoring reads it), each trained on
its own samples or imported; the codes labeled by the guide."""


def reader_source(wc):
    """Real images where the dataset has them, else the procedural generator's renders."""
    return f"data/{wc.dataset}/{'images' if has_images(wc.dataset) else 'generator'}.pt"


def train_reader_cfg(role):
    """The reader's section; on an image set also which training images it gets (the judge's share of them,
    split by the image set's seed)."""
    split = {"share": "datasets.{dataset}.judge.share", "split_seed": "datasets.{dataset}.images.seed"}
    return lambda wc: stage_cfg(config, reader=f"datasets.{{dataset}}.{role}",
                                **(split if has_images(wc.dataset) else {}))(wc)


for _role in ("guide", "judge"):

    rule:
        name: f"import_{_role}"
        input:
            source=user_file(_role),
        output:
            weights=f"data/{{dataset}}/{_role}.pt",
            evaluation=f"data/{{dataset}}/{_role}_eval.json",
        wildcard_constraints:
            dataset=alternatives(datasets_with_reader(config, _role, "torchscript")),
        params:
            code=code(f"import_{_role}"),
            cfg=stage_cfg(config, reader=f"datasets.{{dataset}}.{_role}"),
        resources:
            gpu=GPU,
        log:
            f"logs/{{dataset}}/import_{_role}.log",
        conda:
            ENV
        shell:
            f"python -m stages.import_{_role} --cfg '{{params.cfg}}' --source {{input.source}} --out {{output.weights}}"
            " --out-eval {output.evaluation} --log {log}"

    rule:
        name: f"train_{_role}"
        input:
            source=reader_source,
        output:
            weights=f"data/{{dataset}}/{_role}.pt",
            evaluation=f"data/{{dataset}}/{_role}_eval.json",
        wildcard_constraints:
            dataset=alternatives(datasets_with_reader(config, _role, "cnn")),
        params:
            code=code(f"train_{_role}"),
            cfg=train_reader_cfg(_role),
            source=lambda wc: "--images" if has_images(wc.dataset) else "--generator",
        threads: TORCH_THREADS
        resources:
            gpu=GPU,
        log:
            f"logs/{{dataset}}/train_{_role}.log",
        conda:
            ENV
        shell:
            f"python -m stages.train_{_role} --cfg '{{params.cfg}}' {{params.source}} {{input.source}}"
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

"""Text-guided editing (`latentbench run -- text`): captions, the caption predictor, SGF on text, scores."""


rule text:
    input:
        # params without a text: section (e.g. a config for a GAN of faces) have no text edits
        expand("reports/{dataset}/text/{out}", dataset=config["text"]["dataset"], out=["mds.parquet", "edits.png"])
        if "text" in config
        else [],


rule caption_embeddings:
    output:
        "data/text/captions.parquet",
    params:
        code=code("caption_embeddings"),
        cfg=stage_cfg(config, captions="text.captions"),
    threads: TORCH_THREADS
    log:
        "logs/text/caption_embeddings.log",
    conda:
        ENV
    shell:
        "python -m stages.caption_embeddings --cfg '{params.cfg}' --out {output} --log {log}"


rule train_caption_predictor:
    input:
        generator="data/{dataset}/generator.pt",
        captions="data/text/captions.parquet",
    output:
        weights="data/{dataset}/text/caption_predictor.pt",
        evaluation="data/{dataset}/text/caption_predictor_eval.json",
    params:
        code=code("train_caption_predictor"),
        cfg=stage_cfg(config, predictor="text.predictor"),
    threads: TORCH_THREADS
    log:
        "logs/{dataset}/text/train_caption_predictor.log",
    conda:
        ENV
    shell:
        "python -m stages.train_caption_predictor --cfg '{params.cfg}' --generator {input.generator}"
        " --captions {input.captions} --out {output.weights} --out-eval {output.evaluation} --log {log}"


rule fit_text_sgf:
    input:
        generator="data/{dataset}/generator.pt",
        predictor="data/{dataset}/text/caption_predictor.pt",
        latents="data/{dataset}/latents.parquet",
    output:
        weights="data/{dataset}/text/sgf.pt",
        summary="reports/{dataset}/text/sgf.json",
    params:
        code=code("fit_text_sgf"),
        cfg=stage_cfg(config, sgf=MethodSettings("text.sgf", "fit")),
    threads: TORCH_THREADS
    log:
        "logs/{dataset}/text/fit_text_sgf.log",
    conda:
        ENV
    shell:
        "python -m stages.fit_text_sgf --cfg '{params.cfg}' --generator {input.generator}"
        " --caption-predictor {input.predictor} --latents {input.latents} --out {output.weights}"
        " --out-summary {output.summary} --log {log}"


rule text_edit:
    input:
        fitted=lambda wc: [f"data/{wc.dataset}/text/sgf.pt"] if wc.method == "sgf" else [],
        generator="data/{dataset}/generator.pt",
        predictor="data/{dataset}/text/caption_predictor.pt",
        latents="data/{dataset}/latents.parquet",
        captions="data/text/captions.parquet",
    output:
        "data/{dataset}/text/edits/{method}.parquet",
    params:
        code=code("text_edit"),
        cfg=stage_cfg(config, edit="text.edit", sgf=MethodSettings("text.sgf", "edit")),
        fitted=lambda wc, input: f"--fitted {input.fitted}" if input.fitted else "",
    threads: TORCH_THREADS
    log:
        "logs/{dataset}/text/text_edit/{method}.log",
    conda:
        ENV
    shell:
        "python -m stages.text_edit --cfg '{params.cfg}' --method {wildcards.method} {params.fitted}"
        " --generator {input.generator} --caption-predictor {input.predictor} --latents {input.latents}"
        " --captions {input.captions} --out {output} --log {log}"


rule text_score:
    input:
        edits=lambda wc: text_edits(wc.dataset),
    output:
        mds="reports/{dataset}/text/mds.parquet",
        mdc="reports/{dataset}/text/mdc.parquet",
    params:
        code=code("text_score"),
        cfg=stage_cfg(config, metric="metric"),
    log:
        "logs/{dataset}/text/text_score.log",
    conda:
        ENV
    shell:
        "python -m stages.text_score --cfg '{params.cfg}' --out-mds {output.mds} --out-mdc {output.mdc}"
        " --log {log} {input.edits}"


rule text_plot:
    input:
        generator="data/{dataset}/generator.pt",
        edits=lambda wc: text_edits(wc.dataset),
    output:
        figure=report(
            "reports/{dataset}/text/edits.png",
            caption="../reports/captions/text.rst",
            category="Text-guided editing",
            labels={"dataset": "{dataset}"},
        ),
    params:
        code=code("text_plot"),
        cfg=stage_cfg(config, plot="text.plot"),
    threads: TORCH_THREADS
    log:
        "logs/{dataset}/text/text_plot.log",
    conda:
        ENV
    shell:
        "python -m stages.text_plot --cfg '{params.cfg}' --generator {input.generator}"
        " --out-figure {output.figure} --log {log} {input.edits}"

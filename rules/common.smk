"""Globals and input helpers shared by the rule files (datasets, methods, threads, the GPU resource)."""

DATASETS = config["benchmark"]["datasets"]
ENV = "../envs/latentbench.yaml"  # relative to this folder, like every rule file's paths to files of the workflow
TORCH_THREADS = config.get("threads", 1)  # declared by every torch rule, so jobs never oversubscribe cores
# device: cuda -> the torch rules take one unit of resource `gpu`; `latentbench run` offers --resources gpu=1,
# so they share the card one at a time (raise it with `-- --resources gpu=N`). Nothing changes on the CPU.
GPU = 1 if config.get("device") == "cuda" else 0
ROOT = Path(workflow.basedir)


def code(rule):
    """Digest of the code run by jobs of the named rule (pipeline_lib/workflow/code.py); a change reruns them."""
    return lambda wc: _digest(job_code(ROOT, config, rule, dict(wc.items())))


@functools.cache
def _digest(files):
    """Once per file set and Snakemake start: every job of a rule and method kind runs the same files."""
    return code_digest(ROOT, files)


def edits_of(dataset):
    """One folder per method, and per bound where the dataset has an oracle (benchmark.bounds):
    data/{dataset}/edits/{method}/{target}.parquet for every target."""
    return expand("data/{dataset}/edits/{method}", dataset=dataset, method=edited_methods(config, dataset))


def judged_of(dataset):
    """One folder per edited method (bounds included): the edit tables with the judge's columns,
    data/{dataset}/judged/{method}/."""
    return expand("data/{dataset}/judged/{method}", dataset=dataset, method=edited_methods(config, dataset))


def has_images(dataset):
    return "images" in config["datasets"][dataset]


def labeling_judge(wc):
    """The judge whose labels of generated samples the guide trains on (faces), as a list: empty elsewhere."""
    return [f"data/{wc.dataset}/judge.pt"] if wc.dataset in datasets_with_reader(config, "judge", "mtcnn") else []


def user_file(section):
    """The user's file a dataset's generator, guide or judge comes from: an input, so a changed file reruns."""
    return lambda wc: config["datasets"][wc.dataset][section]["path"]


def image_sources(wc):
    """A labeled folder's files (celeba); built-in image sets have none."""
    images = config["datasets"][wc.dataset]["images"]
    return [images["attributes_file"], images["folder"]] if images["kind"] == "celeba" else []


TEXT_METHODS = ["sgf", "gradient"]


def text_edits(dataset):
    return expand("data/{dataset}/text/edits/{method}.parquet", dataset=dataset, method=TEXT_METHODS)


def reader_source(wc):
    """Real images where the dataset has them, else the procedural generator's renders."""
    return f"data/{wc.dataset}/{'images' if has_images(wc.dataset) else 'generator'}.pt"


def train_reader_cfg(role):
    """The reader's section; on an image set also which training images it gets (the judge's share of them,
    split by the image set's seed)."""
    split = {"share": "datasets.{dataset}.judge.share", "split_seed": "datasets.{dataset}.images.seed"}
    return lambda wc: stage_cfg(config, reader=f"datasets.{{dataset}}.{role}",
                                **(split if has_images(wc.dataset) else {}))(wc)


def replicates_of(dataset):
    """The replicate datasets of ``dataset`` (params' replicates: count), replicate 0 being itself."""
    return [name for name, (base, _) in replicate_datasets(PARAMS_SWEPT).items() if base == dataset]


def sweep_cfg():
    """The sweep stage's settings: its points ([curvature, seed] per dataset, in SWEEP's order), the methods it
    reports (the sweep's, then the bounds) and its verdict (the first method against none by default)."""
    methods, verdict = sweep_methods(PARAMS)
    methods += PARAMS["benchmark"].get("bounds", [])
    return json.dumps({"knob": "curvature", "points": list(SWEEP.values()), "methods": methods, "verdict": verdict})

"""Caption every fact tuple in every template and cache the sentence embeddings of the captions."""
import click
import pandas as pd

from pipeline_lib.data.tables import write_parquet
from pipeline_lib.text.captions import caption_table
from pipeline_lib.text.embedder import embed, embedding_frame, load_sentence_model
from stages.common import cfg_option, log_option, output_file, stage


@click.command()
@log_option
@cfg_option
@output_file("--out")
def main(cfg, out, log_path):
    c = cfg["captions"]
    with stage("caption_embeddings", cfg, c["seed"], log=log_path, out=out) as device:
        table = caption_table(c["seed"])
        vectors = embed(load_sentence_model(device), table["caption"].tolist(), c["batch_size"])
        write_parquet(pd.concat([table, embedding_frame(vectors)], axis=1), out)


if __name__ == "__main__":
    main()

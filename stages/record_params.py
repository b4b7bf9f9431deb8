"""Record the params a run used as an HTML page for the report."""
import click

from pipeline_lib.util.atomic import write_text
from pipeline_lib.report.pages import params_html
from stages.common import cfg_option, log_option, stage


@click.command()
@log_option
@cfg_option
@click.option("--out", required=True, type=click.Path(dir_okay=False))
def main(cfg, out, log_path):
    """CFG holds every section of the params (pipeline_lib.workflow.dag.whole_cfg)."""
    with stage("record_params", cfg, 0, log=log_path, out=out):
        params = {key: value for key, value in cfg.items() if key not in ("_params", "runtime")}
        write_text(out, params_html(params | cfg["runtime"]))


if __name__ == "__main__":
    main()

import click
from click.testing import CliRunner

from pipeline_lib.workflow.cli import main


def test_every_command_says_what_it_does_with_an_example_and_documents_its_options():
    for name in [None, *main.commands]:
        result = CliRunner().invoke(main, [name, "--help"] if name else ["--help"])
        assert result.exit_code == 0, name
        assert "Example" in result.output, name
        command = main.commands[name] if name else main
        undocumented = [p.name for p in command.params if isinstance(p, click.Option) and not p.help]
        assert undocumented == [], (name, undocumented)

"""Every command's --help reads right: no flag shows a value placeholder, `--llm` says what
the model does for that command, and nothing is a raw type name."""

from __future__ import annotations

import re

import click
import pytest
import typer
from typer.testing import CliRunner

from agent.cli import app

runner = CliRunner()
COMMAND = typer.main.get_command(app)
NAMES = sorted(COMMAND.commands)  # type: ignore[attr-defined]


def _help(*args: str) -> str:
    result = runner.invoke(app, [*args, "--help"], env={"COLUMNS": "100"})
    assert result.exit_code == 0, result.output
    return result.stdout


def _option_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if re.match(r"^\s+-", line)]


@pytest.mark.parametrize("name", ["", *NAMES])
def test_no_flag_shows_a_placeholder(name: str) -> None:
    command = COMMAND if not name else COMMAND.commands[name]  # type: ignore[attr-defined]
    text = _help(*([name] if name else []))
    flags = [p for p in command.params if isinstance(p, click.Option) and p.is_flag]
    flags.append(command.get_help_option(click.Context(command)))
    lines = _option_lines(text)
    for flag in flags:
        if flag is None or flag.hidden:
            continue
        shown = [ln for ln in lines if re.search(rf"(^|[\s,]){re.escape(flag.opts[-1])}\b", ln)]
        assert shown, (name, flag.opts)
        after = shown[0].split(flag.opts[-1], 1)[1]
        assert not re.match(r"\s?<|\s?\[?[A-Z_]{2,}\b|\s?BOOLEAN", after), (name, shown[0])
    assert "<bool>" not in text and "BOOLEAN" not in text


def test_llm_says_what_the_model_does_for_each_command() -> None:
    assert "writes the answer" in _help("ask")
    assert "proposes claims" in _help("process")
    assert "Read-only commands call no model" in _help("beliefs")


def test_version_is_a_flag() -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0 and result.stdout.startswith("tracker ")

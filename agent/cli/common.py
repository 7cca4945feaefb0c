"""What every `tracker` command shares: the typer app, the common options, the error boundary.

Command modules (`agent.cli.process`, `agent.cli.audit`, ...) register on the one `app`
defined here, so each family of commands can live in its own small module. This module imports
only typer and our light configuration code: every command starts fast.
"""

from __future__ import annotations

import functools
import json
import os
from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

from agent import __version__
from agent.config import Settings, debug_enabled, resolve_settings
from agent.errors import TrackerError
from agent.llm.secrets import redact
from agent.text.clean import one_line, printable, valid_unicode

if TYPE_CHECKING:
    from agent.workspace import Workspace

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    # Click's own help layout: typer's rich panels print a type placeholder after every flag
    # (`--json <bool>`, even `--help <bool>`), as if a flag took a value.
    rich_markup_mode=None,
    help="Evidence-weighted belief tracker: archive -> claims -> credences, with an audit trail.",
)

HomeOpt = Annotated[
    str | None,
    typer.Option(
        "--home", metavar="DIR", help="Workspace folder (default $TRACKER_HOME or ./.tracker)."
    ),
]
BeliefsOpt = Annotated[
    str | None,
    typer.Option(
        "--beliefs",
        metavar="FILE",
        help="Belief register YAML (default $TRACKER_BELIEFS or the "
        "workspace copy of the packaged register).",
    ),
]
LlmOpt = Annotated[
    str | None,
    typer.Option(
        "--llm",
        metavar="SPEC",
        help="Model spec: offline, openai:MODEL, anthropic:MODEL, ollama:MODEL or replay:FILE "
        "(default $TRACKER_LLM or offline). Read-only commands call no model.",
    ),
]
ExtractLlmOpt = Annotated[
    str | None,
    typer.Option(
        "--llm",
        metavar="SPEC",
        help="Model that proposes claims: offline, openai:MODEL, anthropic:MODEL, "
        "ollama:MODEL or replay:FILE (default $TRACKER_LLM or offline).",
    ),
]
AnswerLlmOpt = Annotated[
    str | None,
    typer.Option(
        "--llm",
        metavar="SPEC",
        help="Model that writes the answer from the retrieved passages (default $TRACKER_LLM "
        "or offline: an extractive answer, no model).",
    ),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON document for scripts.")]

F = TypeVar("F", bound=Callable[..., Any])


def echo_line(text: str, err: bool = False) -> None:
    """Print one line holding text from sources or models: controls and newlines shown escaped.

    A title with `ESC[2J` must not clear the terminal, and a file name with a newline must not
    forge a line of output; every command prints such text through here or `echo_text`.
    """
    typer.echo(one_line(text), err=err)


def echo_text(text: str, nl: bool = True) -> None:
    """Print text of several lines (markdown, wrapped prose): controls escaped, newlines kept."""
    typer.echo(printable(text), nl=nl)


def fail(message: str, code: int) -> None:
    """One error line on stderr (controls escaped, anything shaped like a key redacted), exit."""
    echo_line(f"tracker: error: {redact(message)}", err=True)
    raise typer.Exit(code)


def error_boundary(func: F) -> F:
    """Turn our errors into one line and an exit status; never show a traceback."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except typer.Exit:
            raise
        except TrackerError as exc:
            fail(str(exc), exc.exit_code)
        except BrokenPipeError:
            # `tracker ... | head`: the reader left; say nothing more, like any Unix tool.
            os.dup2(os.open(os.devnull, os.O_WRONLY), 1)
            raise typer.Exit(0) from None
        except KeyboardInterrupt:
            fail("interrupted; work already committed is kept, the next run finishes the rest", 1)
        except Exception as exc:
            if debug_enabled():
                raise
            fail(f"unexpected {type(exc).__name__}: {exc} (set TRACKER_DEBUG=1 for a traceback)", 1)
        return None

    return wrapper  # type: ignore[return-value]


def settings_for(home: str | None, beliefs: str | None, llm: str | None) -> Settings:
    return resolve_settings(home=home, beliefs=beliefs, llm=llm)


def print_json(data: Any) -> None:
    """One JSON document; JSON escapes every control character, and no lone surrogate (from a
    file name that is not UTF-8) can make stdout fail."""
    typer.echo(valid_unicode(json.dumps(data, indent=2, ensure_ascii=False)))


def _version_callback(value: bool) -> None:
    if value:
        typer.echo(f"tracker {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version_callback, is_eager=True, help="Show the version."
        ),
    ] = False,
) -> None:
    """Evidence-weighted belief tracker."""


def open_ws(home: str | None, beliefs: str | None) -> Workspace:
    """The existing workspace of a read command; a missing one is exit 2 and creates nothing."""
    from agent.workspace import open_existing_workspace

    return open_existing_workspace(settings_for(home, beliefs, None))

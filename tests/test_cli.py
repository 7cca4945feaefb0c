"""The command line through typer's CliRunner, on a temp workspace."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from agent.cli import app

runner = CliRunner()


def invoke(*args: str):
    return runner.invoke(app, list(args), catch_exceptions=False)


def test_every_command_has_help() -> None:
    for command in app.registered_commands:
        name = command.name or command.callback.__name__
        result = invoke(name, "--help")
        assert result.exit_code == 0, name
        assert "Usage" in result.output
        assert (command.callback.__doc__ or "").strip(), f"{name} has no help text"


def test_version() -> None:
    result = invoke("--version")
    assert result.exit_code == 0 and result.output.startswith("tracker ")


def test_process_json_then_read_commands(fake_embedder, sample_archive: Path) -> None:
    result = invoke("process", str(sample_archive), "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["sources_seen"] == report["processed"] + report["skipped"] + len(report["failed"])
    assert report["claims_proposed"] == report["claims_accepted"] + report["claims_rejected"]

    beliefs = json.loads(invoke("beliefs", "--json").stdout)
    assert [b["id"] for b in beliefs] == ["B1", "B2", "B3", "B4", "B5"]
    for b in beliefs:
        assert {"id", "statement", "credence", "interval", "evidence", "disconfirming"} <= set(b)
        assert {"level", "register_level"} <= set(b)  # added: level by credence and as written
        assert 0 < b["credence"] < 1 and b["interval"][0] <= b["credence"] <= b["interval"][1]

    touched = [b for b in beliefs if b["evidence"]]
    assert touched, "the sample archive should move at least one belief"
    history = json.loads(invoke("history", touched[0]["id"], "--json").stdout)
    live = [h for h in history if not h["superseded"]]
    # history lists related events too (weight 0); `evidence` counts the moving ones
    assert len(live) == touched[0]["evidence"] + touched[0]["related"]
    assert len([h for h in live if h["stance"] != "related"]) == touched[0]["evidence"]
    for h in history:
        assert {
            "at",
            "source",
            "claim",
            "stance",
            "weight",
            "credence_before",
            "credence_after",
            "note",
        } <= set(h)
        # a challenge or complication carries its disconfirmation note; support and related none
        assert (h["note"] is None) == (h["stance"] in ("supports", "related"))

    claims = json.loads(invoke("claims", "--json").stdout)
    assert len(claims) == report["claims_accepted"]
    assert set(claims[0]) == {"id", "title", "confidence", "source", "beliefs", "evidence"}
    one = claims[0]["source"]
    assert all(
        c["source"] == one for c in json.loads(invoke("claims", "--source", one, "--json").stdout)
    )

    audit = json.loads(invoke("audit", "--json").stdout)
    assert len(audit) == report["claims_rejected"]
    for row in audit:
        assert set(row) >= {"at", "source", "claim", "reasons", "model"}
    text = invoke("audit", "--csv").stdout
    assert len(list(csv.reader(io.StringIO(text)))) == len(audit) + 1

    assert invoke("replay", "--check").exit_code == 0
    explain = invoke("beliefs", "--explain").stdout
    assert "0.1" in explain


def test_process_human_output_and_failure_exit(fake_embedder, sample_archive: Path) -> None:
    (sample_archive / "empty.md").write_text("")
    result = invoke("process", str(sample_archive))
    assert result.exit_code == 1
    assert "empty.md" in result.stderr
    assert "5 sources seen: 4 processed" in result.stdout


def test_bad_register_is_exit_2(tmp_path: Path, empty_workspace: Path) -> None:
    register = tmp_path / "beliefs.yaml"
    register.write_text(
        "agent: x\nbeliefs:\n  - id: B1\n    statement: s\n    prior: 1.5\n"
        "    level: belief\n    disconfirmation: d\n"
    )
    result = invoke("beliefs", "--beliefs", str(register))
    assert result.exit_code == 2
    assert str(register) in result.stderr and "B1" in result.stderr
    assert "Traceback" not in result.stderr


def test_unknown_belief_and_reason_are_usage_errors(empty_workspace: Path) -> None:
    history = invoke("history", "B42")
    assert history.exit_code == 2 and "B42" in history.stderr
    audit = invoke("audit", "--reason", "NOPE")
    assert audit.exit_code == 2 and "NOPE" in audit.stderr


def test_unknown_model_is_config_error(sample_archive: Path) -> None:
    result = invoke("process", str(sample_archive), "--llm", "mystery")
    assert result.exit_code == 2 and "mystery" in result.stderr


def test_read_commands_do_not_import_heavy_modules(empty_workspace: Path) -> None:
    code = (
        "import sys\n"
        "from typer.testing import CliRunner\n"
        "from agent.cli import app\n"
        "for args in (['beliefs'], ['history', 'B1'], ['audit'], ['claims']):\n"
        "    assert CliRunner().invoke(app, args).exit_code == 0, args\n"
        "heavy = [m for m in ('torch', 'chromadb', 'langchain_core', 'sentence_transformers')"
        " if m in sys.modules]\n"
        "print(heavy)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize("command", ["beliefs", "claims", "audit"])
def test_json_output_is_only_json(command: str, empty_workspace: Path) -> None:
    json.loads(invoke(command, "--json").stdout)

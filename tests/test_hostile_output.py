"""What tracker prints and writes is safe to look at: no raw terminal controls, no spreadsheet
formulas, no secrets, no markup injection, no server answering a foreign Host, no workspace
invented by a typo, and no output written through a link."""

from __future__ import annotations

import csv
import http.client
import io
import json
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from langchain_core.language_models.fake_chat_models import FakeListChatModel
from typer.testing import CliRunner

import agent.extract.pipeline
from agent.cli import app
from agent.config import resolve_settings
from agent.llm.prompt_blocks import BeliefView, beliefs_block, read_blocks, source_block
from agent.llm.secrets import redact
from agent.reports.loopback_guard import host_allowed
from agent.text.clean import markdown_inline, one_line, printable, spreadsheet_safe

runner = CliRunner()
ESC = "\x1b[2J\x1b]0;owned\x07"
FORMULA = "=cmd|' /C calc'!A0"
QUOTE = "Longer machine-written changes take more time to check than to write."
SOURCE = """---
type: source
title: "Review {esc} notes"
url: https://example.org/r
date: 2026-03-01
domain: ai-alignment
format: paper
status: unprocessed
---

Reviewers caught half of the defects in short changes but only a fifth in long ones.
{quote}
"""


def claim(title: str, belief: str = "B4", stance: str = "challenges") -> dict:
    return {
        "title": title,
        "description": "A field observation of review outcomes on long changes.",
        "confidence": "likely",
        "domain": "ai-alignment",
        "evidence": [{"quote": QUOTE}],
        "beliefs": [{"id": belief, "stance": stance, "rationale": f"rationale {ESC}"}],
    }


@pytest.fixture
def hostile(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fake_embedder) -> Path:
    """A workspace whose claim titles, rejections and source title carry controls and formulas."""
    archive = tmp_path / "archive"
    archive.mkdir()
    (archive / "review.md").write_text(SOURCE.format(esc="\\e[31m\\a", quote=QUOTE))
    reply = {
        "claims": [
            claim(f"Reviewers of long changes {ESC}catch only a fifth of the defects"),
            claim(f"{FORMULA} shows that reviewers catch few defects", belief="B99"),
            claim("@SUM(1+1) reviewers <script>alert(1)</script> catch few", belief="B77"),
        ]
    }
    model = FakeListChatModel(responses=[json.dumps(reply)])
    monkeypatch.setattr(agent.extract.pipeline, "make_chat_model", lambda s, e, p=None: model)
    result = runner.invoke(app, ["process", str(archive), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["claims_accepted"] == 1
    return tmp_path


def raw_controls(text: str) -> set[str]:
    return {c for c in text if (ord(c) < 32 and c not in "\n") or 0x7F <= ord(c) <= 0x9F}


# -- terminal output ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ["claims"],
        ["audit"],
        ["history", "B4"],
        ["digest", "--since", "2000-01-01"],
        ["beliefs"],
        ["audit", "--summary"],
        ["revalidate"],
    ],
)
def test_human_output_holds_no_raw_control_characters(hostile: Path, args: list[str]) -> None:
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert raw_controls(result.stdout) == set()


def test_claims_shows_the_escapes_visibly(hostile: Path) -> None:
    out = runner.invoke(app, ["claims"]).stdout
    assert "\\x1b[2J\\x1b]0;owned\\x07catch only a fifth" in out


def test_json_output_keeps_the_text_exactly(hostile: Path) -> None:
    rows = json.loads(runner.invoke(app, ["claims", "--json"]).stdout)
    assert rows[0]["title"].startswith(f"Reviewers of long changes {ESC}")


def test_process_failure_lines_stay_one_line(fake_embedder, tmp_path: Path) -> None:
    archive = tmp_path / "archive"
    archive.mkdir()
    (archive / f"bad\n{ESC}name.md").write_bytes(b"")
    result = runner.invoke(app, ["process", str(archive)])
    assert result.exit_code == 1
    failed = [line for line in result.stderr.splitlines() if line.startswith("tracker: failed:")]
    assert len(failed) == 1 and "bad\\n\\x1b[2J" in failed[0]
    assert raw_controls(result.stderr) == set()


def test_helpers() -> None:
    assert one_line("a\nb\x1b[0m\u202e") == "a\\nb\\x1b[0m\\u202e"
    assert printable("a\nb\tc\x07") == "a\nb\tc\\x07"
    assert one_line("\ud800") == "\ufffd"
    assert markdown_inline("a\n# b <i>x\\<") == "a # b \\<i>x\\\\\\<"


# -- CSV ------------------------------------------------------------------------------------------


def test_audit_csv_cells_cannot_be_formulas(hostile: Path) -> None:
    text = runner.invoke(app, ["audit", "--csv"]).stdout
    rows = list(csv.reader(io.StringIO(text)))
    cells = [cell for row in rows[1:] for cell in row]
    assert any(cell.startswith(f"'{FORMULA}") for cell in cells)
    assert any(cell.startswith("'@SUM") for cell in cells)
    assert not [cell for cell in cells if cell[:1] in ("=", "+", "-", "@", "\t", "\r")]
    assert raw_controls(text.replace("\r\n", "\n")) == set()


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_spreadsheet_safe(start: str) -> None:
    assert spreadsheet_safe(f"{start}1+1") == f"'{start}1+1"
    assert spreadsheet_safe("2026-01-01") == "2026-01-01" and spreadsheet_safe(None) == ""


# -- markup ---------------------------------------------------------------------------------------


def test_exported_notes_and_digest_hold_no_html_or_forged_lines(hostile: Path) -> None:
    out = hostile / "export"
    assert runner.invoke(app, ["export", str(out)]).exit_code == 0
    for note in [*(out / "claims").glob("*.md"), out / "beliefs.md"]:
        text = note.read_text()
        assert re.search(r"(?<!\\)<", text) is None and raw_controls(text) == set()
    digest = runner.invoke(app, ["digest", "--since", "2000-01-01"]).stdout
    assert "\\<script>" in digest and re.search(r"(?<!\\)<", digest) is None


@settings(max_examples=200, deadline=None)
@given(
    title=st.text(st.characters(codec="utf-8")),
    text=st.text(st.characters(codec="utf-8")),
)
def test_source_blocks_round_trip(title: str, text: str) -> None:
    beliefs = beliefs_block([BeliefView("B1", "A statement.", "A target.")])
    prompt = f"intro\n{beliefs}\n\nThe source:\n{source_block(title, text)}\n\ntail"
    blocks = read_blocks(prompt)
    assert (blocks.title, blocks.text) == (title, text)
    assert [b.id for b in blocks.beliefs] == ["B1"]


def test_plain_titles_render_as_before() -> None:
    assert source_block("T", "body").startswith('<source title="T">\n')
    assert source_block('say "hello"', "body").startswith('<source title="say \\"hello\\"">\n')


# -- secrets --------------------------------------------------------------------------------------


def test_config_redacts_url_userinfo(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", "http://alice:s3cretpw@127.0.0.1:8080/v1")
    monkeypatch.setenv("OLLAMA_HOST", "http://tok3nvalue@127.0.0.1:11434")
    monkeypatch.setenv("TRACKER_CHROMA_URL", "http://bob:chr0mapw@127.0.0.1:8000")
    for args in (["config"], ["config", "--json"]):
        result = runner.invoke(app, args)
        assert result.exit_code == 0
        for secret in ("s3cretpw", "tok3nvalue", "chr0mapw", "alice", "bob"):
            assert secret not in result.output
        assert "127.0.0.1:8080" in result.output
    settings = resolve_settings()
    assert {"s3cretpw", "tok3nvalue", "chr0mapw"} <= set(settings.secret_values)


@pytest.mark.parametrize(
    ("text", "leaked"),
    [
        ("connect to http://u:pw1234@10.0.0.1/v1 failed", "pw1234"),
        ("GET https://h/x?api_key=abcd1234efgh&q=1", "abcd1234efgh"),
        ("Authorization: Bearer abcdefghijklmnop", "abcdefghijklmnop"),
        ("key sk-abcdefghijklmnopqrst rejected", "sk-abcdefghijklmnopqrst"),
    ],
)
def test_redact_shapes(text: str, leaked: str) -> None:
    assert leaked not in redact(text) and "[redacted]" in redact(text)


def test_an_error_line_is_redacted(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRACKER_CHROMA_URL", "ftp://carol:hunter2pw@host")
    result = runner.invoke(app, ["beliefs"])
    assert result.exit_code == 2 and "hunter2pw" not in result.stderr


# -- read commands never invent a workspace -------------------------------------------------------

READ_COMMANDS = [
    ["beliefs"],
    ["history", "B1"],
    ["audit"],
    ["claims"],
    ["replay", "--check"],
    ["digest", "--since", "2026-01-01"],
    ["plot", "B1", "-o", "{out}/plot.png"],
    ["export", "{out}/export"],
    ["export-replies", "{out}/replies.jsonl"],
    ["revalidate"],
    ["serve", "--port", "1"],
]


@pytest.mark.parametrize("args", READ_COMMANDS, ids=lambda a: a[0])
def test_read_commands_refuse_a_missing_workspace(tmp_path: Path, args: list[str]) -> None:
    typo = tmp_path / "trackr"
    out = tmp_path / "out"
    out.mkdir()
    argv = [a.format(out=out) for a in args]
    result = runner.invoke(app, [*argv, "--home", str(typo)])
    assert result.exit_code == 2, result.output
    assert str(typo) in result.stderr and "Traceback" not in result.stderr
    assert not typo.exists() and os.listdir(out) == []
    assert result.stdout == ""


def test_config_works_without_a_workspace(tmp_path: Path) -> None:
    result = runner.invoke(app, ["config", "--home", str(tmp_path / "none")])
    assert result.exit_code == 0 and not (tmp_path / "none").exists()


def test_a_home_without_a_database_is_no_workspace(tmp_path: Path) -> None:
    result = runner.invoke(app, ["beliefs", "--home", str(tmp_path)])
    assert result.exit_code == 2 and "holds no tracker.db" in result.stderr
    assert os.listdir(tmp_path) == []


# -- outputs are written only where named ---------------------------------------------------------


def test_outputs_are_never_written_through_a_link(hostile: Path) -> None:
    victim = hostile / "victim.txt"
    victim.write_text("keep me\n")
    out = hostile / "out"
    out.mkdir()
    (out / "plot.png").symlink_to(victim)
    (out / "replies.jsonl").symlink_to(victim)
    plot = runner.invoke(app, ["plot", "B4", "-o", str(out / "plot.png")])
    assert plot.exit_code == 1 and "link" in plot.stderr
    replies = runner.invoke(app, ["export-replies", str(out / "replies.jsonl")])
    assert replies.exit_code == 1 and "link" in replies.stderr
    export = out / "export"
    (export / "claims").mkdir(parents=True)
    first = runner.invoke(app, ["export", str(export), "--json"])
    note = json.loads(first.stdout)["files"][0]
    (export / note).unlink()
    (export / note).symlink_to(victim)  # a note swapped for a link
    second = runner.invoke(app, ["export", str(export), "--json"])
    assert second.exit_code == 1
    assert "is a link" in json.dumps(json.loads(second.stdout)["refused"])
    claims_link = hostile / "export2"
    claims_link.mkdir()
    (claims_link / "claims").symlink_to(hostile, target_is_directory=True)
    third = runner.invoke(app, ["export", str(claims_link)])
    assert third.exit_code == 1 and "not followed" in third.stderr
    assert victim.read_text() == "keep me\n"


def test_plot_writes_the_file_named(hostile: Path) -> None:
    target = hostile / "fresh.png"
    assert runner.invoke(app, ["plot", "B4", "-o", str(target)]).exit_code == 0
    assert target.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert [n for n in os.listdir(hostile) if n.startswith(".tracker-tmp-")] == []


# -- serve answers loopback names only ------------------------------------------------------------


@pytest.mark.parametrize(
    ("host", "allowed"),
    [
        ("127.0.0.1:8001", True),
        ("localhost", True),
        ("LOCALHOST:80", True),
        ("[::1]:8001", True),
        ("[::1]", True),
        ("evil.example:8001", False),
        ("127.0.0.1.evil.example", False),
        ("localhost.evil.example", False),
        ("localhost:80@evil", False),
        ("[::1]x", False),
        ("", False),
        (None, False),
    ],
)
def test_host_allowed(host: str | None, allowed: bool) -> None:
    assert host_allowed(host) is allowed


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _get(port: int, host: str | None) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        conn.putrequest("GET", "/tracker.json", skip_host=True)
        if host is not None:
            conn.putheader("Host", host)
        conn.endheaders()
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def test_serve_refuses_a_foreign_host_header(hostile: Path) -> None:
    port = _free_port()
    tracker = Path(sys.executable).parent / "tracker"
    env = {**os.environ, "TRACKER_HOME": str(hostile / "home")}
    child = subprocess.Popen(
        [str(tracker), "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(150):
            try:
                status, _ = _get(port, f"127.0.0.1:{port}")
                break
            except OSError:
                time.sleep(0.2)
        assert status == 200
        assert _get(port, f"localhost:{port}")[0] == 200
        status, body = _get(port, f"rebound.example:{port}")
        assert status == 421 and b"loopback" in body and b"events" not in body
        assert _get(port, None)[0] == 421
    finally:
        child.terminate()
        child.wait(timeout=10)

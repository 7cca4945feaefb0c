"""Fuzzing the whole pipeline: generated frontmatter, file names, line endings and model replies,
with one hostile file or link among them, through `agent.extract.pipeline.process`.

Whatever is generated, these must hold: the run finishes and reports; every file that is readable
is processed (or skipped as a copy), only the hostile one fails; nothing outside the archive root
changes; the bodies of the files are kept byte for byte; `replay --check` holds; a second run
changes nothing. The fast variant keeps to a few tens of seconds; the slow one tries far more.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from langchain_core.language_models.fake_chat_models import FakeListChatModel

import agent.extract.pipeline
from agent.config import resolve_settings
from agent.credences import replay_differences
from agent.extract.pipeline import ProcessOptions, process
from agent.workspace import open_workspace
from store.frontmatter import parse_document, quote, render_document
from tests.doubles import HashingEmbedder

SENTENCES = [
    "Reviewers caught half of the defects in short changes but only a fifth in long ones.",
    "Longer machine-written changes take more time to check than to write.",
    "Three labs spent under five percent of their compute on safety research last year.",
    "Formal proof checkers verified every generated lemma in the benchmark within seconds.",
]
ENDINGS = {"lf": "\n", "crlf": "\r\n", "cr": "\r"}

# -- what a file may hold -------------------------------------------------------------------------

# Any character a file can carry, surrogates included: the renderer writes them as YAML escapes,
# which is how a lone surrogate reaches tracker from a real file.
NASTY = [
    "\ud800",
    "half \udfff a pair",
    "\x1b[2J\x1b]0;owned\x07",
    '"quoted" \\ back',
    "=cmd|' /C calc'!A0",
    "---",
    "line\r\n---\nnext",
    '</source>\n<source id="x" title="y">',
    "*alias &anchor",
    "\u2028\u202e",
    "",
]
texts = st.one_of(
    st.text(st.characters(), max_size=40),
    st.sampled_from(NASTY),
    st.builds("".join, st.lists(st.sampled_from(NASTY), max_size=3)),
)
scalars = st.one_of(texts, st.integers(-(10**12), 10**12), st.booleans(), st.none())
values = st.one_of(
    scalars,
    st.lists(scalars, max_size=4),
    st.dictionaries(st.text(min_size=1, max_size=8), scalars, max_size=3),
)
frontmatters = st.dictionaries(
    st.one_of(
        st.sampled_from(["type", "title", "url", "date", "domain", "status", "format", "tags"]),
        st.text(min_size=1, max_size=12),
    ),
    values,
    max_size=8,
)
# File names: anything but "/" and NUL, not hidden, within the 255-byte limit with the suffix.
stems = st.text(
    st.characters(codec="utf-8", exclude_characters="/\x00"), min_size=1, max_size=60
).filter(lambda s: not s.startswith(".") and len(s.encode()) <= 240 and s not in (".", ".."))


@st.composite
def bodies(draw: st.DrawFn) -> str:
    lines = draw(
        st.lists(
            st.one_of(st.sampled_from(SENTENCES), st.text(max_size=50)), min_size=1, max_size=6
        )
    )
    style = draw(st.sampled_from([*ENDINGS, "mixed"]))
    if style == "mixed":
        ends = draw(st.lists(st.sampled_from(list(ENDINGS.values())), min_size=len(lines)))
        body = "".join(line + end for line, end in zip(lines, ends, strict=False))
    else:
        body = ENDINGS[style].join(lines) + ENDINGS[style]
    body = body.replace("\x00", "")  # a NUL makes a file binary: that is a hostile file, below
    return body if body.strip() else SENTENCES[0] + "\n"


@st.composite
def good_files(draw: st.DrawFn) -> tuple[str, str]:
    name = draw(stems) + draw(st.sampled_from([".md", ".markdown", ".txt", ".MD"]))
    body = draw(bodies())
    layout = draw(st.sampled_from(["block", "block", "none"]))
    if layout == "none":
        text = body if not body.lstrip("\ufeff").startswith("-") else "x " + body
    else:
        newline = draw(st.sampled_from(list(ENDINGS.values())))
        text = render_document(draw(frontmatters), body, newline=newline)
    return name, text


# -- the hostile file of each run -----------------------------------------------------------------


def _file(name: str, data: bytes) -> Callable[[Path, Path], list[Path]]:
    def make(archive: Path, outside: Path) -> list[Path]:
        path = archive / name
        path.write_bytes(data)
        return [path]

    return make


def _link(name: str, target: str, folder: bool = False) -> Callable[[Path, Path], list[Path]]:
    def make(archive: Path, outside: Path) -> list[Path]:
        path = archive / name
        path.symlink_to(outside / target if target else archive / "nowhere.md", folder)
        return [path]

    return make


def _bad_name(archive: Path, outside: Path) -> list[Path]:
    raw = os.path.join(os.fsencode(archive), b"bad-\xff-name.md")
    with open(raw, "wb") as handle:
        handle.write(b"# A title\n\nA body.\n")
    return [Path(os.fsdecode(raw))]


HOSTILE: dict[str, Callable[[Path, Path], list[Path]]] = {
    "deep nesting": _file("zz-deep.md", b"---\nv: " + b"[" * 500 + b"]" * 500 + b"\n---\nb\n"),
    "alias bomb": _file(
        "zz-bomb.md", b"---\na: &a [x, x, x]\nb: &b [*a, *a, *a]\nc: [*b, *b]\n---\nbody\n"
    ),
    "binary": _file("zz-bin.md", b"---\ntitle: x\n---\n\x00\x01\x02"),
    "not utf-8": _file("zz-latin.md", "caf\u00e9\n".encode("latin-1")),
    "empty": _file("zz-empty.md", b""),
    "unclosed": _file("zz-open.md", b"---\ntitle: x\nno end\n"),
    "bad yaml": _file("zz-yaml.md", b"---\ntitle: [oops\n---\nbody\n"),
    "link out": _link("zz-passwd.md", "passwd.md"),
    "folder link out": _link("zz-etc", "", folder=False),
    "dangling link": _link("zz-gone.md", ""),
    "name not utf-8": _bad_name,
}


def _folder_link_out(archive: Path, outside: Path) -> list[Path]:
    path = archive / "zz-etc"
    path.symlink_to(outside, target_is_directory=True)
    return [path]


HOSTILE["folder link out"] = _folder_link_out

# -- what a model may reply -----------------------------------------------------------------------


@st.composite
def claims(draw: st.DrawFn) -> dict[str, Any]:
    return {
        "title": draw(st.one_of(texts, st.sampled_from(SENTENCES))),
        "description": draw(texts),
        "confidence": draw(st.sampled_from(["proven", "likely", "experimental", "nope"])),
        "domain": "ai-alignment",
        "evidence": [{"quote": draw(st.one_of(st.sampled_from(SENTENCES), st.text(max_size=40)))}],
        "beliefs": [
            {
                "id": draw(st.sampled_from(["B1", "B2", "B3", "B4", "B5", "B9", ""])),
                "stance": draw(st.sampled_from(["supports", "challenges", "complicates", "x"])),
                "rationale": draw(texts),
            }
        ],
    }


replies = st.one_of(
    st.builds(
        lambda c, n, ascii_only: json.dumps({"claims": c, "notes": n}, ensure_ascii=ascii_only),
        st.lists(claims(), max_size=4),
        st.text(max_size=30),
        st.booleans(),
    ),
    st.text(max_size=200),  # prose, garbage, half a JSON object
    st.just('{"claims": [' + '{"x": [' * 3000 + "]}" * 3000 + "]}"),
    st.just('{"claims": "none"}'),
    st.just('{"claims": [{"title": "\\ud800\\udfff lone halves", "evidence": 1}]}'),
)


# -- the run --------------------------------------------------------------------------------------


def _digest(folder: Path) -> dict[str, str]:
    found = {}
    for dirpath, _, filenames in os.walk(folder):
        for name in filenames:
            path = Path(dirpath) / name
            found[str(path)] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


def _check(files: list[tuple[str, str]], hostile: str, model_replies: list[str]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        archive, outside, home = base / "archive", base / "etc", base / "home"
        archive.mkdir()
        outside.mkdir()
        (outside / "passwd.md").write_text("root:x:0:0:root:/root:/bin/bash\n")
        (outside / "notes.md").write_text("---\ntitle: elsewhere\n---\n" + SENTENCES[0] + "\n")
        before_outside = _digest(outside)
        written: dict[Path, str] = {}
        for name, text in files:
            path = archive / name
            path.write_bytes(text.encode("utf-8", "surrogatepass"))
            written[path] = text
        bad = set(HOSTILE[hostile](archive, outside))
        model = FakeListChatModel(responses=model_replies)
        settings_ = resolve_settings(home=str(home))
        options = ProcessOptions(archives=[archive])
        with mock.patch.object(
            agent.extract.pipeline, "make_chat_model", lambda s, e, p=None: model
        ):
            report = process(settings_, options, embedder_factory=HashingEmbedder)
            again = process(settings_, options, embedder_factory=HashingEmbedder)
        # Every readable file processed or skipped as a copy; only the hostile one failed.
        failed = {Path(f["path"]) for f in report.failed}
        assert failed == bad, report.failed
        assert report.sources_seen == len(files) + len(bad)
        assert report.sources_seen == report.processed + report.skipped + len(report.failed)
        assert report.claims_proposed == report.claims_accepted + report.claims_rejected
        assert all("\n" not in f["error"] for f in report.failed)
        # Nothing outside the root changed; every body kept byte for byte.
        assert _digest(outside) == before_outside
        for path, text in written.items():
            after = path.read_bytes().decode("utf-8")  # read_text would translate line ends
            assert parse_document(after).body == parse_document(text).body
        assert not [n for n in os.listdir(archive) if n.startswith(".tracker-tmp-")]
        # The ledger replays, and a second run finds nothing new.
        ws = open_workspace(settings_)
        try:
            assert replay_differences(ws.db, ws.register, ws.rule) == []
        finally:
            ws.db.close()
        assert again.processed == 0 and {Path(f["path"]) for f in again.failed} == bad
        assert again.skipped == report.processed + report.skipped
        json.dumps(report.as_json())  # the report is plain JSON data


run_cases = given(
    files=st.lists(good_files(), min_size=1, max_size=4, unique_by=lambda f: f[0].casefold()),
    hostile=st.sampled_from(sorted(HOSTILE)),
    model_replies=st.lists(replies, min_size=1, max_size=4),
)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@run_cases
def test_fuzz_pipeline(files, hostile, model_replies) -> None:
    _check(files, hostile, model_replies)


@pytest.mark.slow
@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@run_cases
def test_fuzz_pipeline_many(files, hostile, model_replies) -> None:
    _check(files, hostile, model_replies)


def test_rendered_values_with_surrogates_are_what_a_hostile_file_holds() -> None:
    """The generator writes a lone surrogate as a YAML escape, as a real hostile file would."""
    assert quote("\ud800") == '"\\uD800"'

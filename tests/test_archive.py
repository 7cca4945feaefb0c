"""Archive discovery, ids, reading Sources, and atomic write-back, on the real corpus and on
purpose-made bad files."""

from __future__ import annotations

import os
import shutil
import stat
import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from store import archive
from store.archive import (
    MAX_SOURCE_BYTES,
    ReadFailure,
    SourceReadError,
    SourceWriteError,
    date_sort_key,
    read_source,
    scan_archive,
    write_back,
)
from store.frontmatter import WRITE_BACK_KEYS, render_document

CORPUS = Path("/work/shared/corpus/teleo-ai-alignment/sources")
needs_corpus = pytest.mark.skipif(not CORPUS.is_dir(), reason="shared corpus not present")
FLATTENED = (
    "2026-01-12-mit-tech-review-mechanistic-interpretability-breakthrough.md",
    "2026-01-12-synthesis-mechanistic-interpretability-2026-state.md",
)
GOOD = (
    "---\ntype: source\ntitle: Good {n}\nurl: https://x.org/{n}\ndate: 2026-01-0{n}\n"
    "domain: ai-alignment\nstatus: unprocessed\n---\n\n# Heading {n}\n\nBody {n}.\n"
)
UPDATES = {
    "status": "processed",
    "processed_by": "theseus",
    "processed_date": "2026-04-01",
    "claims_extracted": ['Claim one: with "quotes"', "Claim two # not a comment"],
    "extraction_model": "offline",
    "extraction_notes": "LLM returned 2 claims, 0 rejected by validator",
}


def good_files(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for n in (1, 2):
        path = folder / f"good-{n}.md"
        path.write_text(GOOD.format(n=n), encoding="utf-8")
        paths.append(path)
    return paths


# -- the real corpus ------------------------------------------------------------------------------


@needs_corpus
def test_every_corpus_file_reads() -> None:
    scan = scan_archive([CORPUS])
    files = sorted(p for p in CORPUS.iterdir() if p.suffix in (".md", ".txt"))
    assert len(files) == 68
    assert scan.failures == []
    assert scan.warnings == []
    assert sorted(s.id for s in scan.sources) == sorted(p.stem for p in files)
    assert [s.id for s in scan.sources] == sorted(s.id for s in scan.sources)  # path order
    for source in scan.sources:
        assert source.date_sort is None or len(source.date_sort) == 10
        if source.layout == "block":
            assert source.problems == (), source.id
    statuses = {s.status for s in scan.sources}
    assert {"unprocessed", "processed", "null-result", "enrichment", None} <= statuses


@needs_corpus
@pytest.mark.parametrize("name", FLATTENED)
def test_flattened_corpus_files_recover(name: str) -> None:
    source = read_source(CORPUS / name, Path(name).stem)
    assert source.layout == "flattened"
    assert source.title.startswith(("MIT Technology Review: Mechanistic", "Mechanistic Interp"))
    assert source.url is not None and source.url.startswith("https://")
    assert source.date == "2026-01-12" and source.date_sort == "2026-01-12"
    assert source.status in ("null-result", "processed")
    assert source.domain == "ai-alignment"
    assert source.body.startswith("## Content")
    assert "frontmatter was flattened onto one line (recovered)" in source.problems


@needs_corpus
def test_raw_text_files_take_their_first_line_as_title() -> None:
    raws = sorted(CORPUS.glob("raw-*.txt"))
    assert len(raws) == 3
    for path in raws:
        source = read_source(path, path.stem)
        first = next(line for line in path.read_text().splitlines() if line.strip())
        assert source.title == first.strip()
        assert source.layout == "none" and source.frontmatter == {}
        assert source.is_unprocessed()


@needs_corpus
@pytest.mark.parametrize(
    "name",
    [
        "2024-02-00-chakraborty-maxmin-rlhf.md",  # block, unprocessed
        "2025-01-00-doshi-hauser-ai-ideas-creativity-diversity.md",  # block list claims_extracted
        "2026-03-09-karpathy-x-archive.md",
        *FLATTENED,
        "raw-concept-page-mechanistic-interpretability.txt",  # no frontmatter
    ],
)
def test_write_back_round_trip_on_corpus_copies(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    shutil.copyfile(CORPUS / name, path)
    before = read_source(path, path.stem)
    write_back(before, UPDATES)
    after = read_source(path, path.stem)
    for key, value in UPDATES.items():
        assert after.frontmatter[key] == value
    for key, value in before.frontmatter.items():
        if key not in WRITE_BACK_KEYS:
            assert after.frontmatter[key] == value, key
    assert set(after.frontmatter) == set(before.frontmatter) | set(UPDATES)
    assert after.body == before.body
    assert after.content_hash == before.content_hash
    assert after.layout == "block"
    assert (after.title, after.url, after.date) == (before.title, before.url, before.date)
    if before.layout == "block":  # untouched lines are kept as they were written
        untouched = [ln for ln in before.text.splitlines() if not ln.startswith(("status:", "  "))]
        untouched = [ln for ln in untouched if not ln.startswith(WRITE_BACK_KEYS)]
        after_lines = set(after.text.splitlines())
        assert all(line in after_lines for line in untouched)
    assert sorted(p.name for p in tmp_path.iterdir()) == [name]  # no temp file left


# -- write-back -----------------------------------------------------------------------------------


def test_write_back_refuses_a_file_changed_since_read(tmp_path: Path) -> None:
    path = good_files(tmp_path)[0]
    source = read_source(path, "good-1")
    path.write_text(GOOD.format(n=1) + "edited by a person\n", encoding="utf-8")
    edited = path.read_bytes()
    with pytest.raises(SourceWriteError, match="changed on disk since it was read") as caught:
        write_back(source, UPDATES)
    assert str(path) in str(caught.value)
    assert path.read_bytes() == edited


def test_write_back_keeps_mode_and_links(tmp_path: Path) -> None:
    real = good_files(tmp_path / "real")[0]
    real.chmod(0o640)
    link = tmp_path / "link.md"
    link.symlink_to(real)
    with pytest.raises(SourceWriteError, match="link"):  # no root given: a link is never followed
        write_back(read_source(link, "link"), {"status": "processed"})
    write_back(read_source(link, "link", root=tmp_path), {"status": "processed"})
    assert link.is_symlink()
    assert stat.S_IMODE(real.stat().st_mode) == 0o640
    assert read_source(real, "good-1").status == "processed"


def test_write_back_keeps_crlf(tmp_path: Path) -> None:
    path = tmp_path / "crlf.md"
    path.write_bytes(GOOD.format(n=1).replace("\n", "\r\n").encode())
    write_back(read_source(path, "crlf"), UPDATES)
    data = path.read_bytes()
    assert b"\n" not in data.replace(b"\r\n", b"")
    assert read_source(path, "crlf").frontmatter["claims_extracted"] == UPDATES["claims_extracted"]


def test_write_back_only_sets_write_back_keys(tmp_path: Path) -> None:
    path = good_files(tmp_path)[0]
    with pytest.raises(ValueError, match="title"):
        write_back(read_source(path, "good-1"), {"title": "no"})
    assert path.read_text() == GOOD.format(n=1)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    frontmatter=st.dictionaries(
        st.sampled_from(["title", "url", "date", "status", "tags", "notes", "x"]),
        st.one_of(st.text(max_size=20), st.lists(st.text(max_size=10), max_size=3)),
        max_size=6,
    ),
    body=st.text(
        st.characters(blacklist_characters="\x00", codec="utf-8"), min_size=1, max_size=60
    ).filter(str.strip),
    updates=st.fixed_dictionaries(
        {},
        optional={
            "status": st.sampled_from(["processed", "null-result"]),
            "processed_date": st.just("2026-04-01"),
            "claims_extracted": st.lists(st.text(max_size=20), max_size=3),
            "extraction_notes": st.text(max_size=30),
        },
    ),
)
def test_write_back_on_disk_property(frontmatter: dict, body: str, updates: dict) -> None:
    text = render_document(frontmatter, body)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "s.md"
        path.write_bytes(text.encode("utf-8"))
        before = read_source(path, "s")
        write_back(before, updates)
        after = read_source(path, "s")
        assert after.body == body
        assert after.frontmatter == {**frontmatter, **updates}
        assert after.content_hash == before.content_hash
        assert os.listdir(folder) == ["s.md"]


# -- bad inputs: one failure each, the rest of the batch still read ------------------------------


def _link_loop(folder: Path) -> Path:
    (folder / "sub").mkdir()
    link = folder / "sub" / "up"
    link.symlink_to(folder, target_is_directory=True)
    return link


def _write(name: str, data: bytes) -> Callable[[Path], Path]:
    def make(folder: Path) -> Path:
        path = folder / name
        path.write_bytes(data)
        return path

    return make


def _dangling(folder: Path) -> Path:
    link = folder / "gone.md"
    link.symlink_to(folder / "nowhere.md")
    return link


BAD_INPUTS: dict[str, tuple[Callable[[Path], Path], str]] = {
    "bad yaml": (_write("bad.md", b"---\ntitle: [oops\n---\nbody\n"), "bad YAML at line"),
    "not a mapping": (_write("list.md", b"---\n- a\n- b\n---\nbody\n"), "not a mapping"),
    "binary": (_write("bin.md", b"---\ntitle: x\n---\n\x00\x01\x02"), "binary"),
    "not utf-8": (_write("latin.md", "caf\u00e9 body\n".encode("latin-1")), "not UTF-8"),
    "empty": (_write("empty.md", b""), "empty file (zero bytes)"),
    "whitespace": (_write("blank.txt", b" \n\t\r\n  "), "empty file (only whitespace)"),
    "unclosed": (_write("open.md", b"---\ntitle: x\nbody without end\n"), "unclosed frontmatter"),
    "unknown flat key": (_write("flat.md", b"--- type: source foo: 1 --- b"), "unknown key 'foo'"),
    "too large": (
        _write("huge.md", b"---\ntitle: x\n---\n" + b"a" * MAX_SOURCE_BYTES),
        "too large",
    ),
    "dangling link": (_dangling, "dangling link to"),
    "link loop": (_link_loop, "link loop"),
}


@pytest.mark.parametrize("kind", sorted(BAD_INPUTS))
def test_bad_input_is_one_failure_and_the_rest_is_read(tmp_path: Path, kind: str) -> None:
    make, expected = BAD_INPUTS[kind]
    good = good_files(tmp_path)
    bad = make(tmp_path)
    before = bad.read_bytes() if bad.is_file() else None
    scan = scan_archive([tmp_path])
    assert [f.path for f in scan.failures] == [bad]
    error = scan.failures[0].error
    assert expected in error and "\n" not in error
    assert sorted(s.path for s in scan.sources) == good
    if before is not None:
        assert bad.read_bytes() == before
    if kind != "link loop":
        with pytest.raises(SourceReadError) as caught:
            read_source(bad, bad.stem)
        assert str(caught.value).startswith(f"{bad}: ") and expected in str(caught.value)


def test_permission_denied(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    good = good_files(tmp_path)
    bad = tmp_path / "locked.md"
    bad.write_text(GOOD.format(n=3))
    bad.chmod(0)
    if os.geteuid() == 0:  # root reads anything: make the open fail as it would for a user
        real = archive.open_regular_file

        def denied(name: str, dir_fd: int | None = None):
            if name == bad.name:
                raise PermissionError(13, "Permission denied", name)
            return real(name, dir_fd)

        monkeypatch.setattr(archive, "open_regular_file", denied)
    scan = scan_archive([tmp_path])
    assert scan.failures == [ReadFailure(bad, "permission denied")]
    assert sorted(s.path for s in scan.sources) == good


def test_missing_root_is_a_failure(tmp_path: Path) -> None:
    good = good_files(tmp_path / "a")
    scan = scan_archive([tmp_path / "missing", tmp_path / "a"])
    assert scan.failures == [ReadFailure(tmp_path / "missing", "archive path not found")]
    assert [s.path for s in scan.sources] == good


# -- discovery and ids ----------------------------------------------------------------------------


def test_duplicate_stems_get_numbered_ids_with_a_warning(tmp_path: Path) -> None:
    for rel in ("a/x.md", "b/x.md", "b/x.txt", "c/x~2.md", "y.md"):
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"# {rel}\n")
    first = scan_archive([tmp_path])
    ids = {s.path.relative_to(tmp_path).as_posix(): s.id for s in first.sources}
    # a literal x~2.md keeps its own id; the second x takes the next free number
    assert ids == {"a/x.md": "x", "b/x.md": "x~3", "b/x.txt": "x~4", "c/x~2.md": "x~2", "y.md": "y"}
    assert len(first.warnings) == 2
    assert str(tmp_path / "a/x.md") in first.warnings[0]
    assert str(tmp_path / "b/x.md") in first.warnings[0] and "'x~3'" in first.warnings[0]
    second = scan_archive([tmp_path])
    assert [(s.id, s.path) for s in second.sources] == [(s.id, s.path) for s in first.sources]
    assert second.warnings == first.warnings


def test_walk_skips_hidden_and_foreign_files_and_reads_linked_files_once(tmp_path: Path) -> None:
    good = good_files(tmp_path / "real")
    (tmp_path / ".tracker").mkdir()
    (tmp_path / ".tracker" / "hidden.md").write_text("# no\n")
    (tmp_path / ".draft.md").write_text("# no\n")
    (tmp_path / "image.png").write_bytes(b"\x89PNG\x00")
    (tmp_path / "UPPER.MD").write_text("# yes\n")
    (tmp_path / "alias").symlink_to(tmp_path / "real", target_is_directory=True)
    (tmp_path / "again.md").symlink_to(good[0])
    outside = tmp_path.parent / f"{tmp_path.name}-outside"
    good_files(outside)
    (outside / "good-1.md").rename(outside / "out.md")
    (tmp_path / "far").symlink_to(outside, target_is_directory=True)
    scan = scan_archive([tmp_path, tmp_path / "real" / "good-2.md"])
    # far/ leads outside the roots: reported and skipped
    assert [(f.path, "outside the archive roots" in f.error) for f in scan.failures] == [
        (tmp_path / "far", True)
    ]
    rel = sorted(s.path.relative_to(tmp_path).as_posix() for s in scan.sources)
    # real/ is read by its own path, not through alias/; again.md (a link to real/good-1.md)
    # comes first in path order, so it is the one read
    assert rel == ["UPPER.MD", "again.md", "real/good-2.md"]
    assert all(s.location is not None for s in scan.sources)
    followed = scan_archive([tmp_path], follow_links=True)
    assert followed.failures == []
    by_rel = {s.path.relative_to(tmp_path).as_posix(): s for s in followed.sources}
    assert sorted(by_rel) == [
        "UPPER.MD",
        "again.md",
        "far/good-2.md",
        "far/out.md",
        "real/good-2.md",
    ]
    # read through the outside link, never to be written
    assert by_rel["far/out.md"].location is None and by_rel["again.md"].location is not None


def test_a_link_loop_is_reported_once(tmp_path: Path) -> None:
    good_files(tmp_path / "a")
    (tmp_path / "a" / "back").symlink_to(tmp_path, target_is_directory=True)
    (tmp_path / "a" / "self").symlink_to(tmp_path / "a", target_is_directory=True)
    scan = scan_archive([tmp_path])
    assert [f.path.name for f in scan.failures] == ["back", "self"]
    assert len(scan.sources) == 2


# -- schema fields --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("date", "expected"),
    [
        ("2026-01-12", "2026-01-12"),
        ("2026-01", "2026-01-01"),
        ("2026-01-00", "2026-01-01"),
        ("2026-00-00", "2026-01-01"),
        ("2026", "2026-01-01"),
        ("2026-03-04T10:00:00Z", "2026-03-04"),
        ("2026-13-01", None),
        ("2026-02-30", None),
        ("March 2026", None),
        ("2026-01-12 and more", None),
    ],
)
def test_date_sort_key(date: str, expected: str | None) -> None:
    assert date_sort_key(date) == expected


def _source_from(tmp_path: Path, text: str, name: str = "s.md") -> archive.Source:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return read_source(path, Path(name).stem)


def test_legacy_names_and_problems(tmp_path: Path) -> None:
    source = _source_from(
        tmp_path,
        "---\ntype: evidence\ntitle: T\nsource: https://legacy.org\ndate_published: 2025-00-00\n"
        "source_type: paper\nstatus: partial\ntags: a, b\n---\nbody\n",
    )
    assert (source.url, source.date, source.date_sort) == (
        "https://legacy.org",
        "2025-00-00",
        "2025-01-01",
    )
    assert source.format == "paper" and source.tags == ("a", "b")
    assert source.status == "partial" and not source.is_unprocessed()
    assert source.problems == (
        "missing required key: domain",
        "legacy type 'evidence' (now 'source')",
    )


def test_unparseable_date_and_missing_keys_are_problems_not_failures(tmp_path: Path) -> None:
    source = _source_from(tmp_path, "---\ndate: someday\nfoo: [1]\n---\n\n## Heading here\n")
    assert source.title == "Heading here"
    assert source.date == "someday" and source.date_sort is None
    assert source.frontmatter["foo"] == [1]
    assert source.problems == (
        "missing required keys: type, title, url, domain, status",
        "unparseable date 'someday' (expected YYYY-MM-DD, YYYY-MM or YYYY-00-00)",
    )
    assert source.is_unprocessed()


def test_title_falls_back_to_heading_line_or_id(tmp_path: Path) -> None:
    assert _source_from(tmp_path, "intro line\n# Real Title #\n").title == "Real Title"
    assert _source_from(tmp_path, "\n\n  first line  \n# later\n", "t.txt").title == "first line"
    assert _source_from(tmp_path, "---\nstatus: unprocessed\n---\n", "bare.md").title == "bare"

"""Hostile archives: links out of the archive, swaps during a run, long names, stale temp files,
odd line endings, undecodable names. tracker writes only beneath the roots it was given."""

from __future__ import annotations

import hashlib
import os
import re
import time
from pathlib import Path

import pytest

from agent.config import resolve_settings
from agent.errors import ConfigError
from agent.extract.pipeline import ProcessOptions, process
from store import safe_files
from store.archive import SourceWriteError, read_source, scan_archive, write_back
from store.frontmatter import parse_document

GOOD = (
    "---\ntype: source\ntitle: Good {n}\nurl: https://x.org/{n}\ndate: 2026-01-0{n}\n"
    "domain: ai-alignment\nstatus: unprocessed\n---\n\nMeasured results number {n} show "
    "that reviewers miss half of the defects in long changes.\n"
)
PASSWD = "root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n"


def make_archive(tmp_path: Path, count: int = 2) -> Path:
    archive = tmp_path / "archive"
    archive.mkdir()
    for n in range(1, count + 1):
        (archive / f"good-{n}.md").write_text(GOOD.format(n=n))
    return archive


def outside_files(tmp_path: Path) -> Path:
    """A folder outside the archive, as a system folder would be: a passwd copy and a note."""
    outside = tmp_path / "etc"
    outside.mkdir()
    (outside / "passwd.md").write_text(PASSWD)
    (outside / "notes.md").write_text(GOOD.format(n=9))
    return outside


def snapshot(folder: Path) -> dict[str, str]:
    """Every file under `folder` (links not followed) with the sha256 of its bytes."""
    found = {}
    for dirpath, dirnames, filenames in os.walk(folder):
        for name in filenames + [d for d in dirnames if os.path.islink(os.path.join(dirpath, d))]:
            path = Path(dirpath) / name
            data = os.readlink(path).encode() if path.is_symlink() else path.read_bytes()
            found[str(path.relative_to(folder))] = hashlib.sha256(data).hexdigest()
    return found


def run(archive: Path | list[Path], **kwargs):
    roots = archive if isinstance(archive, list) else [archive]
    return process(resolve_settings(), ProcessOptions(archives=roots, **kwargs))


# -- links out of the archive ---------------------------------------------------------------------


def test_a_file_link_out_of_the_archive_is_reported_and_never_read_or_written(
    fake_embedder, tmp_path: Path
) -> None:
    archive = make_archive(tmp_path)
    outside = outside_files(tmp_path)
    before = snapshot(outside)
    (archive / "passwd.md").symlink_to(outside / "passwd.md")
    report = run(archive)
    assert report.processed == 2
    assert [f["path"] for f in report.failed] == [str(archive / "passwd.md")]
    assert "outside the archive roots" in report.failed[0]["error"]
    assert snapshot(outside) == before
    assert (archive / "passwd.md").is_symlink()


def test_a_folder_link_out_of_the_archive_is_reported_and_skipped(
    fake_embedder, tmp_path: Path
) -> None:
    archive = make_archive(tmp_path)
    outside = outside_files(tmp_path)
    before = snapshot(outside)
    (archive / "etc").symlink_to(outside, target_is_directory=True)
    report = run(archive)
    assert report.processed == 2 and [f["path"] for f in report.failed] == [str(archive / "etc")]
    assert snapshot(outside) == before


def test_follow_links_reads_outside_files_and_never_writes_them(
    fake_embedder, tmp_path: Path
) -> None:
    archive = make_archive(tmp_path)
    outside = outside_files(tmp_path)
    before = snapshot(outside)
    (archive / "etc").symlink_to(outside, target_is_directory=True)
    (archive / "note-link.md").symlink_to(outside / "notes.md")
    report = run(archive, follow_links=True)
    assert report.failed == []
    # good-1, good-2, etc/passwd.md and one of the two paths to notes.md (the same file)
    assert report.processed == 4
    assert snapshot(outside) == before
    warned = [w for w in report.warnings if "not written back" in w]
    assert len(warned) == 2
    # The archive's own files were written back as usual.
    assert "status: " in (archive / "good-1.md").read_text()
    assert parse_document((archive / "good-1.md").read_text()).frontmatter["status"] != (
        "unprocessed"
    )
    again = run(archive, follow_links=True)  # a later run skips them without repeating itself
    assert again.skipped == 4 and not [w for w in again.warnings if "not written back" in w]


def test_links_inside_the_archive_are_still_followed_and_written_through(
    fake_embedder, tmp_path: Path
) -> None:
    archive = make_archive(tmp_path, count=0)
    real = archive / "real"
    real.mkdir()
    (real / "a.md").write_text(GOOD.format(n=1))
    (archive / "alias.md").symlink_to(real / "a.md")
    report = run(archive)
    assert report.failed == [] and report.processed == 1
    assert (archive / "alias.md").is_symlink()
    assert "processed_by:" in (real / "a.md").read_text()


def test_a_root_named_through_a_link_is_that_root(fake_embedder, tmp_path: Path) -> None:
    archive = make_archive(tmp_path)
    named = tmp_path / "named"
    named.symlink_to(archive, target_is_directory=True)
    report = run(named)
    assert report.failed == [] and report.processed == 2
    assert "processed_by:" in (archive / "good-1.md").read_text()


# -- swaps during a run ---------------------------------------------------------------------------


def test_a_file_swapped_for_a_link_after_reading_is_not_written(tmp_path: Path) -> None:
    archive = make_archive(tmp_path)
    outside = outside_files(tmp_path)
    before = snapshot(outside)
    source = next(s for s in scan_archive([archive]).sources if s.id == "good-1")
    (archive / "good-1.md").unlink()
    (archive / "good-1.md").symlink_to(outside / "passwd.md")
    with pytest.raises(SourceWriteError, match="not written"):
        write_back(source, {"status": "processed"})
    assert snapshot(outside) == before


def test_a_file_replaced_by_another_with_the_same_text_is_not_written(tmp_path: Path) -> None:
    archive = make_archive(tmp_path)
    source = next(s for s in scan_archive([archive]).sources if s.id == "good-1")
    path = archive / "good-1.md"
    text = path.read_text()
    (archive / "copy.tmp").write_text(text)
    os.replace(archive / "copy.tmp", path)  # same bytes, another file: not the one that was read
    with pytest.raises(SourceWriteError, match="not written"):
        write_back(source, {"status": "processed"})
    assert path.read_text() == text


def test_a_folder_swapped_for_a_link_after_reading_is_not_written(tmp_path: Path) -> None:
    archive = make_archive(tmp_path, count=0)
    sub = archive / "sub"
    sub.mkdir()
    (sub / "good-1.md").write_text(GOOD.format(n=1))
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "good-1.md").write_text(GOOD.format(n=1))  # the same text, out of the archive
    before = snapshot(outside)
    source = scan_archive([archive]).sources[0]
    sub.rename(archive / "moved")
    sub.symlink_to(outside, target_is_directory=True)
    with pytest.raises(SourceWriteError, match="not written"):
        write_back(source, {"status": "processed"})
    assert snapshot(outside) == before


def test_a_swap_while_the_temp_file_is_written_is_caught_before_the_rename(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    archive = make_archive(tmp_path)
    outside = outside_files(tmp_path)
    before = snapshot(outside)
    source = next(s for s in scan_archive([archive]).sources if s.id == "good-1")
    real_fsync = os.fsync

    def swap_then_fsync(fd: int) -> None:
        path = archive / "good-1.md"
        if not path.is_symlink():
            path.unlink()
            path.symlink_to(outside / "passwd.md")
        real_fsync(fd)

    monkeypatch.setattr(safe_files.os, "fsync", swap_then_fsync)
    with pytest.raises(SourceWriteError, match="swapped for a link"):
        write_back(source, {"status": "processed"})
    assert snapshot(outside) == before
    assert [n for n in os.listdir(archive) if n.startswith(".")] == []  # the temp file is gone


def test_a_swap_after_the_last_check_only_replaces_the_link(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The rename replaces the directory entry; it never writes where a link points."""
    archive = make_archive(tmp_path)
    outside = outside_files(tmp_path)
    before = snapshot(outside)
    source = next(s for s in scan_archive([archive]).sources if s.id == "good-1")
    real_replace = os.replace

    def swap_then_replace(src, dst, **kwargs) -> None:
        path = archive / "good-1.md"
        path.unlink()
        path.symlink_to(outside / "passwd.md")
        real_replace(src, dst, **kwargs)

    monkeypatch.setattr(safe_files.os, "replace", swap_then_replace)
    write_back(source, {"status": "processed"})
    assert snapshot(outside) == before
    path = archive / "good-1.md"
    assert not path.is_symlink() and "status: processed" in path.read_text()


def test_a_file_swapped_for_a_link_during_a_run_is_not_written(
    fake_embedder, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """End to end: the swap happens while the model is answering, between reading and writing."""
    import agent.extract.pipeline

    archive = make_archive(tmp_path)
    outside = outside_files(tmp_path)
    before = snapshot(outside)
    real_land = agent.extract.pipeline._Run._land

    def land_after_a_swap(self, source, extraction, duplicates):
        if source.id == "good-1":
            (archive / "good-1.md").unlink()
            (archive / "good-1.md").symlink_to(outside / "passwd.md")
        return real_land(self, source, extraction, duplicates)

    monkeypatch.setattr(agent.extract.pipeline._Run, "_land", land_after_a_swap)
    report = run(archive)
    assert report.processed == 2 and report.failed == []
    assert any("good-1.md" in w and "not written" in w for w in report.warnings)
    assert snapshot(outside) == before
    assert "processed_by:" in (archive / "good-2.md").read_text()


def test_a_fifo_swapped_in_does_not_hang_the_read(tmp_path: Path) -> None:
    archive = make_archive(tmp_path)
    source = next(s for s in scan_archive([archive]).sources if s.id == "good-1")
    (archive / "good-1.md").unlink()
    os.mkfifo(archive / "good-1.md")
    with pytest.raises(SourceWriteError):
        write_back(source, {"status": "processed"})


def test_read_source_without_a_root_writes_only_where_no_link_is(tmp_path: Path) -> None:
    archive = make_archive(tmp_path)
    outside = outside_files(tmp_path)
    link = archive / "link.md"
    link.symlink_to(outside / "notes.md")
    assert read_source(link, "link").location is None
    assert read_source(link, "link", root=archive).location is None  # outside that root too
    assert read_source(archive / "good-1.md", "good-1").location is not None


# -- names ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("length", [242, 251])
def test_a_long_file_name_is_written_back(fake_embedder, tmp_path: Path, length: int) -> None:
    archive = tmp_path / "archive"
    archive.mkdir()
    name = "n" * (length - 3) + ".md"
    assert len(name.encode()) == length
    (archive / name).write_text(GOOD.format(n=1))
    report = run(archive)
    assert report.processed == 1 and report.warnings == []
    assert "processed_by:" in (archive / name).read_text()
    assert os.listdir(archive) == [name]


def test_a_file_name_that_is_not_utf8_fails_alone(fake_embedder, tmp_path: Path) -> None:
    archive = make_archive(tmp_path)
    bad = os.path.join(os.fsencode(archive), b"caf\xe9.md")
    with open(bad, "wb") as handle:
        handle.write(GOOD.format(n=3).encode())
    report = run(archive)
    assert report.processed == 2 and len(report.failed) == 1
    assert "not valid UTF-8" in report.failed[0]["error"]


def test_names_with_quotes_and_controls_are_processed(fake_embedder, tmp_path: Path) -> None:
    archive = make_archive(tmp_path, count=0)
    for n, name in enumerate(['say "hello".md', "tab\there.md", "new\nline.md", "<b>&.md"], 1):
        (archive / name).write_text(GOOD.format(n=n))
    report = run(archive)
    assert report.failed == [] and report.processed == 4
    assert report.claims_proposed > 0  # the offline model read every <source> block


# -- temp files left by a kill -9 -----------------------------------------------------------------


def _aged(path: Path, text: str = "partial", hours: float = 2) -> Path:
    path.write_text(text)
    old = time.time() - hours * 3600
    os.utime(path, (old, old))
    return path


def test_stale_temp_files_of_tracker_are_removed_and_nothing_else(
    fake_embedder, tmp_path: Path
) -> None:
    archive = make_archive(tmp_path)
    stale = _aged(archive / ".tracker-tmp-0123456789abcdef.tmp")
    fresh = archive / ".tracker-tmp-fedcba9876543210.tmp"
    fresh.write_text("a write-back in progress elsewhere")
    legacy = _aged(archive / ".good-1.md.a1b2c3d4.tmp")  # what older versions left behind
    orphan = _aged(archive / ".gone.md.a1b2c3d4.tmp")  # no source beside it: not provably ours
    foreign = _aged(archive / ".editor-swap.tmp")
    report = run(archive)
    assert not stale.exists() and not legacy.exists()
    assert fresh.exists() and orphan.exists() and foreign.exists()
    removed = [w for w in report.warnings if "stale temporary file" in w]
    assert len(removed) == 2
    assert report.processed == 2


def test_no_write_back_removes_no_temp_file(fake_embedder, tmp_path: Path) -> None:
    archive = make_archive(tmp_path)
    stale = _aged(archive / ".tracker-tmp-0123456789abcdef.tmp")
    run(archive, write_back=False)
    assert stale.exists()


def test_temp_files_outside_the_roots_are_never_touched(fake_embedder, tmp_path: Path) -> None:
    archive = make_archive(tmp_path)
    outside = outside_files(tmp_path)
    stale = _aged(outside / ".tracker-tmp-0123456789abcdef.tmp")
    (archive / "etc").symlink_to(outside, target_is_directory=True)
    run(archive, follow_links=True)
    assert stale.exists()


# -- line endings ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "newline"), [("lf", "\n"), ("crlf", "\r\n"), ("cr", "\r"), ("mixed", None)]
)
def test_line_endings_are_read_and_kept(
    fake_embedder, tmp_path: Path, name: str, newline: str | None
) -> None:
    archive = tmp_path / "archive"
    archive.mkdir()
    lines = GOOD.format(n=1).split("\n")
    if newline is None:  # frontmatter in CRLF, the body in LF, one stray CR
        text = "\r\n".join(lines[:8]) + "\r\n" + "\n".join(lines[8:-1]) + "\rtail\n"
    else:
        text = newline.join(lines)
    path = archive / f"{name}.md"
    path.write_bytes(text.encode())
    source = scan_archive([archive]).sources[0]
    assert source.layout == "block" and source.title == "Good 1"
    report = run(archive)
    assert report.processed == 1 and report.failed == []
    data = path.read_bytes().decode()
    assert data.count("---") == 2  # no second block on top
    after = parse_document(data)
    assert after.body == parse_document(text).body  # the body byte for byte
    head = data[: data.index("---", 3) + 3]
    expected = "\r\n" if newline is None else newline
    assert set(re.findall(r"\r\n|\r|\n", head)) == {expected}  # new lines in the file's style


# -- process validates its paths first -----------------------------------------------------------


def test_process_on_a_missing_path_creates_nothing(tmp_path: Path, workspace_env: Path) -> None:
    with pytest.raises(ConfigError, match="nowhere"):
        run(tmp_path / "nowhere")
    assert not workspace_env.exists()


def test_process_on_a_file_that_is_no_source_creates_nothing(
    tmp_path: Path, workspace_env: Path
) -> None:
    other = tmp_path / "image.png"
    other.write_bytes(b"\x89PNG")
    with pytest.raises(ConfigError, match="neither a folder nor a source file"):
        run(other)
    assert not workspace_env.exists()

"""TRACKER_CHROMA_URL: the same index on a Chroma server that the test starts on loopback."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from agent.config import resolve_settings
from agent.extract.pipeline import ProcessOptions, process


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def chroma_server(tmp_path: Path):
    chroma = shutil.which("chroma") or str(Path(__import__("sys").executable).parent / "chroma")
    port = free_port()
    proc = subprocess.Popen(
        [
            chroma,
            "run",
            "--path",
            str(tmp_path / "server"),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(f"{url}/api/v2/heartbeat", timeout=1)
            break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                pytest.fail("chroma server did not start")
            time.sleep(0.2)
    yield url
    proc.terminate()
    proc.wait(timeout=30)


@pytest.mark.slow
def test_process_uses_the_chroma_server(
    fake_embedder, sample_archive, chroma_server, monkeypatch, workspace_env
) -> None:
    monkeypatch.setenv("TRACKER_CHROMA_URL", chroma_server)
    report = process(resolve_settings(), ProcessOptions(archives=[sample_archive]))
    assert report.processed == 4 and report.failed == []
    assert not (workspace_env / "chroma").exists(), "the embedded index must not be used"

    import chromadb

    port = int(chroma_server.rsplit(":", 1)[1])
    client = chromadb.HttpClient(host="127.0.0.1", port=port)
    names = {c.name for c in client.list_collections()}
    chunks = next(n for n in names if n.startswith("chunks__"))
    assert client.get_collection(chunks).count() > 0
    claims = next(n for n in names if n.startswith("claims__"))
    assert client.get_collection(claims).count() == report.claims_accepted


def test_unreachable_chroma_server_is_a_config_error(fake_embedder, sample_archive, monkeypatch):
    from agent.errors import ConfigError

    monkeypatch.setenv("TRACKER_CHROMA_URL", f"http://127.0.0.1:{free_port()}")
    with pytest.raises(ConfigError, match="vector index"):
        process(resolve_settings(), ProcessOptions(archives=[sample_archive]))

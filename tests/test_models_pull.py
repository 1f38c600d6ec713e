"""``hark models pull`` against a local server that speaks enough of the Hub's ``resolve`` API.

huggingface_hub's ``hf_hub_download`` needs, on ``HEAD /<repo>/resolve/<revision>/<file>``:
an ``X-Repo-Commit`` header (else "not served by a Hugging Face Hub endpoint"), an ``ETag``
(for LFS files the Hub sends the file's SHA-256, here too) and a ``Content-Length``; then a
plain ``GET`` of the same URL. Missing files answer 404 with ``X-Error-Code: EntryNotFound``.
Nothing here touches the network.
"""

from __future__ import annotations

import hashlib
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from hark.llm import models_pull
from hark.llm.models_pull import RECOMMENDED, ModelPullError, cli_list, cli_pull, list_models, pull, read_sidecar

MODEL = RECOMMENDED["qwen2.5-0.5b-instruct"]
CONTENT = b"GGUF" + bytes(range(256)) * 400  # ~100 kB stand-in
SHA = hashlib.sha256(CONTENT).hexdigest()
COMMIT = "0123456789abcdef0123456789abcdef01234567"


class FakeHub:
    """Files served at ``/<repo>/resolve/main/<file>``; ``etag`` overrides the advertised SHA-256."""

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {f"/{MODEL.repo}/resolve/main/{MODEL.filename}": CONTENT}
        self.etag: str | None = None
        self.requests: list[str] = []
        hub = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self, body: bool) -> None:
                hub.requests.append(f"{self.command} {self.path}")
                data = hub.files.get(self.path)
                if data is None:
                    self.send_response(404)
                    self.send_header("X-Error-Code", "EntryNotFound")
                    self.send_header("X-Repo-Commit", COMMIT)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("X-Repo-Commit", COMMIT)
                self.send_header("ETag", f'"{hub.etag or hashlib.sha256(data).hexdigest()}"')
                self.send_header("Content-Length", str(len(data)))
                self.send_header("Content-Type", "application/octet-stream")
                self.end_headers()
                if body:
                    self.wfile.write(data)

            def do_HEAD(self) -> None:
                self._answer(body=False)

            def do_GET(self) -> None:
                self._answer(body=True)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), name="fake-hub", daemon=True)

    def __enter__(self) -> FakeHub:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)


@pytest.fixture
def hub() -> Iterator[FakeHub]:
    with FakeHub() as h:
        yield h


def leftovers(dest: Path) -> list[str]:
    return sorted(p.name for p in dest.iterdir()) if dest.exists() else []


def test_pull_verifies_and_places_file_with_sidecar(hub: FakeHub, tmp_path: Path) -> None:
    dest = tmp_path / "models"
    result = pull(MODEL.name, dest, endpoint=hub.url, sha256=SHA.upper(), token=False, progress=False)
    assert result.path == dest / MODEL.filename
    assert result.path.read_bytes() == CONTENT
    assert (result.sha256, result.size, result.verified_by, result.downloaded) == (SHA, len(CONTENT), "--sha256", True)
    assert read_sidecar(result.path) == SHA
    assert leftovers(dest) == [MODEL.filename, MODEL.filename + ".sha256"]  # no staging folder left
    assert any(r.startswith("GET ") for r in hub.requests)

    # Present and recorded: no second download.
    hub.requests.clear()
    again = pull(MODEL.name, dest, endpoint=hub.url, token=False, progress=False)
    assert (again.downloaded, again.sha256) == (False, SHA)
    assert hub.requests == []

    listed = {m.name: m for m in list_models(dest)}
    assert listed[MODEL.name].path == result.path and listed[MODEL.name].sha256 == SHA
    lines: list[str] = []
    assert cli_list(dest, echo=lines.append) == 0
    assert any(MODEL.name in line and "installed" in line for line in lines)


def test_cli_pull_prints_path_and_digest(hub: FakeHub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    lines: list[str] = []
    assert cli_pull(MODEL.name, tmp_path, endpoint=hub.url, echo=lines.append) == 0
    out = "\n".join(lines)
    assert str(tmp_path / MODEL.filename) in out and SHA in out and "LFS" in out and "llm.model_path" in out


def test_pull_without_digest_uses_hub_lfs_id(hub: FakeHub, tmp_path: Path) -> None:
    result = pull(MODEL.name, tmp_path, endpoint=hub.url, token=False, progress=False)
    assert (result.verified_by, result.sha256) == ("hub-lfs", SHA)


def test_hash_mismatch_removes_everything(hub: FakeHub, tmp_path: Path) -> None:
    dest = tmp_path / "models"
    with pytest.raises(ModelPullError, match="does not match") as info:
        pull(MODEL.name, dest, endpoint=hub.url, sha256="0" * 64, token=False, progress=False)
    assert info.value.code == "model-hash-mismatch"
    assert leftovers(dest) == []


def test_corrupted_transfer_detected_by_lfs_id(hub: FakeHub, tmp_path: Path) -> None:
    hub.etag = "f" * 64
    with pytest.raises(ModelPullError, match="LFS") as info:
        pull(MODEL.name, tmp_path, endpoint=hub.url, token=False, progress=False)
    assert info.value.code == "model-hash-mismatch"
    assert leftovers(tmp_path) == []


def test_unknown_model_lists_known_ones(tmp_path: Path) -> None:
    with pytest.raises(ModelPullError) as info:
        pull("gpt-7", tmp_path, endpoint="http://127.0.0.1:9", progress=False)
    assert info.value.code == "model-unknown"
    for name in RECOMMENDED:
        assert name in str(info.value)
    assert leftovers(tmp_path) == []


def test_missing_file_on_server(hub: FakeHub, tmp_path: Path) -> None:
    hub.files.clear()
    with pytest.raises(ModelPullError, match="not found") as info:
        pull(MODEL.name, tmp_path, endpoint=hub.url, token=False, progress=False)
    assert info.value.code == "model-download-failed"
    assert leftovers(tmp_path) == []


def test_unreachable_server(tmp_path: Path) -> None:
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(ModelPullError, match=r"127\.0\.0\.1") as info:
        pull(MODEL.name, tmp_path, endpoint=f"http://127.0.0.1:{port}", token=False, progress=False)
    assert info.value.code == "model-download-failed"
    assert leftovers(tmp_path) == []


def test_bad_sha_argument(tmp_path: Path) -> None:
    with pytest.raises(ModelPullError, match="64 hex"):
        pull(MODEL.name, tmp_path, sha256="abc", progress=False)


def test_table_is_consistent() -> None:
    for name, m in RECOMMENDED.items():
        assert name == m.name and m.filename.endswith(".gguf") and "/" in m.repo
        assert m.sha256 is None or len(m.sha256) == 64
    assert models_pull.DEFAULT_MODEL in RECOMMENDED
    assert "llama-3.2-3b-instruct" in RECOMMENDED and "qwen2.5-1.5b-instruct" in RECOMMENDED

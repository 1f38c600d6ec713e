"""``hark models pull NAME`` / ``hark models list``: fetch a recommended GGUF for the embedded LLM.

The only place Hark downloads a model, and only when the user asks: engines never
fetch anything at run time (see :mod:`hark.engines.models`).

How a pull works, and why:

* The download goes through ``huggingface_hub.hf_hub_download`` (resume, retries, Xet
  storage when ``hf_xet`` is installed) into a private staging folder *inside* the
  destination folder, so the final ``os.replace`` is an atomic rename on one file system:
  ``<data_dir>/models/<file>.gguf`` either does not exist or is complete and verified.
* The endpoint is ``endpoint=``, else ``$HF_ENDPOINT``, else huggingface.co; tests point
  it at a local server.
* Verification: the file's SHA-256 is computed after download and compared with, in
  order of authority, the user's ``--sha256``, the table's ``sha256`` (none are filled in
  yet: we only record digests we have checked against the official repository, and the
  public listings we could find were third-party re-uploads), and the Hub's LFS object id
  (the ``X-Linked-Etag`` of an LFS file *is* its SHA-256; this catches transfer corruption,
  not a malicious server). A mismatch deletes the file. The digest is recorded in a
  ``<file>.sha256`` sidecar (``sha256sum`` format) so a later ``pull`` or ``list`` can tell
  the file is the one that was verified without re-reading gigabytes.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from ..errors import HarkError


class ModelPullError(HarkError):
    """A model could not be pulled. Codes: ``model-unknown``, ``model-download-failed``, ``model-hash-mismatch``."""

    code = "model-pull-failed"


@dataclasses.dataclass(frozen=True, slots=True)
class RecommendedModel:
    name: str
    repo: str
    filename: str
    approx_bytes: int
    """Size as listed on the Hub (informational; the download checks the server's exact size)."""
    license: str
    note: str
    sha256: str | None = None
    """SHA-256 checked against the official repository; None until someone has checked it."""


RECOMMENDED: Mapping[str, RecommendedModel] = {
    m.name: m
    for m in (
        RecommendedModel(
            "qwen2.5-1.5b-instruct",
            "Qwen/Qwen2.5-1.5B-Instruct-GGUF",
            "qwen2.5-1.5b-instruct-q4_k_m.gguf",
            1_120_000_000,
            "Apache-2.0",
            "recommended: good tool calling for its size",
        ),
        RecommendedModel(
            "qwen2.5-0.5b-instruct",
            "Qwen/Qwen2.5-0.5B-Instruct-GGUF",
            "qwen2.5-0.5b-instruct-q4_k_m.gguf",
            490_000_000,
            "Apache-2.0",
            "fastest; tool calls are hit and miss",
        ),
        RecommendedModel(
            "qwen2.5-3b-instruct",
            "Qwen/Qwen2.5-3B-Instruct-GGUF",
            "qwen2.5-3b-instruct-q4_k_m.gguf",
            2_100_000_000,
            "Qwen Research (non-commercial)",
            "better answers, about half the speed of 1.5B",
        ),
        RecommendedModel(
            "llama-3.2-1b-instruct",
            "bartowski/Llama-3.2-1B-Instruct-GGUF",
            "Llama-3.2-1B-Instruct-Q4_K_M.gguf",
            810_000_000,
            "Llama 3.2 Community",
            "small Llama; weak tool calling",
        ),
        RecommendedModel(
            "llama-3.2-3b-instruct",
            "bartowski/Llama-3.2-3B-Instruct-GGUF",
            "Llama-3.2-3B-Instruct-Q4_K_M.gguf",
            2_020_000_000,
            "Llama 3.2 Community",
            "good tool calling; slow on 2 cores",
        ),
    )
}

DEFAULT_MODEL = "qwen2.5-1.5b-instruct"

_HEX64 = re.compile(r"[0-9a-f]{64}")
_FAILED = "model-download-failed"


def models_dir(data_dir: Path) -> Path:
    return data_dir / "models"


def sidecar_path(model_file: Path) -> Path:
    return model_file.with_name(model_file.name + ".sha256")


def read_sidecar(model_file: Path) -> str | None:
    """The digest recorded for ``model_file``, or None when there is no (readable, valid) sidecar."""
    try:
        digest = sidecar_path(model_file).read_text(encoding="utf-8").split(maxsplit=1)[0].lower()
    except (OSError, IndexError):
        return None
    return digest if _HEX64.fullmatch(digest) else None


def file_sha256(path: Path, chunk: int = 1 << 20) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            h.update(block)
    return h.hexdigest()


def _normalize_sha(value: str | None, what: str) -> str | None:
    if value is None or value == "":
        return None
    digest = value.strip().lower().removeprefix("sha256:")
    if not _HEX64.fullmatch(digest):
        raise ModelPullError(f"{what}: {value!r} is not a SHA-256 (64 hex digits)", code="model-hash-mismatch")
    return digest


def resolve(name: str) -> RecommendedModel:
    try:
        return RECOMMENDED[name.lower()]
    except KeyError:
        known = ", ".join(RECOMMENDED)
        raise ModelPullError(f"unknown model {name!r}; known models: {known}", code="model-unknown") from None


@dataclasses.dataclass(frozen=True, slots=True)
class PullResult:
    path: Path
    sha256: str
    size: int
    verified_by: str
    """What the digest was checked against: ``--sha256``, ``table``, ``hub-lfs`` or ``none``."""
    downloaded: bool
    """False when a verified copy was already there."""


def pull(
    name: str,
    dest_dir: Path,
    *,
    endpoint: str | None = None,
    sha256: str | None = None,
    token: str | bool | None = None,
    progress: bool = True,
    force: bool = False,
) -> PullResult:
    """Download recommended model ``name`` into ``dest_dir`` (normally ``<data_dir>/models``), verified.

    Blocking (run it in a thread from async code). Raises :class:`ModelPullError` with code
    ``model-unknown`` (the message lists the known names), ``model-download-failed``
    (network, HTTP error, missing file, disk) or ``model-hash-mismatch`` (nothing is left
    behind). A file already present whose sidecar digest matches what is expected is
    returned without downloading unless ``force``.
    """
    model = resolve(name)
    expected = _normalize_sha(sha256, "--sha256")
    expected_by = "--sha256" if expected else None
    if expected is None and model.sha256:
        expected, expected_by = model.sha256, "table"
    target = dest_dir / model.filename

    if not force and target.is_file():
        recorded = read_sidecar(target)
        if recorded is not None and (expected is None or recorded == expected):
            return PullResult(target, recorded, target.stat().st_size, expected_by or "sidecar", downloaded=False)

    try:
        dest_dir.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".pull-", dir=dest_dir))
    except OSError as exc:
        raise ModelPullError(f"cannot write to {dest_dir}: {exc}", code="model-download-failed") from exc
    try:
        downloaded, hub_sha = _download(model, staging, endpoint=endpoint, token=token, progress=progress)
        digest = file_sha256(downloaded)
        if expected is not None and digest != expected:
            raise ModelPullError(
                f"{model.filename}: SHA-256 {digest} does not match the expected {expected} (from {expected_by}); "
                "the download was deleted",
                code="model-hash-mismatch",
            )
        if hub_sha is not None and digest != hub_sha:
            raise ModelPullError(
                f"{model.filename}: SHA-256 {digest} does not match the Hub's LFS id {hub_sha} "
                "(corrupted in transfer?); the download was deleted",
                code="model-hash-mismatch",
            )
        size = downloaded.stat().st_size
        sidecar_tmp = staging / "sha256"
        sidecar_tmp.write_text(f"{digest}  {model.filename}\n", encoding="utf-8")
        # The model first, then its sidecar: a crash in between leaves a model without a
        # sidecar, which the next pull re-downloads, never a sidecar vouching for a stale file.
        sidecar_path(target).unlink(missing_ok=True)
        os.replace(downloaded, target)
        os.replace(sidecar_tmp, sidecar_path(target))
    except OSError as exc:
        raise ModelPullError(
            f"cannot place {model.filename} in {dest_dir}: {exc}", code="model-download-failed"
        ) from exc
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    verified_by = expected_by or ("hub-lfs" if hub_sha else "none")
    return PullResult(target, digest, size, verified_by, downloaded=True)


def _download(
    model: RecommendedModel, staging: Path, *, endpoint: str | None, token: str | bool | None, progress: bool
) -> tuple[Path, str | None]:
    """Fetch into ``staging``; returns the file and the Hub's LFS SHA-256 (None for non-LFS files).

    The metadata HEAD is made first and on its own: it gives the LFS id, and a server that
    cannot be reached fails here at once instead of after hf_hub_download's back-off retries.
    """
    from huggingface_hub import get_hf_file_metadata, hf_hub_download, hf_hub_url
    from huggingface_hub.errors import (
        EntryNotFoundError,
        GatedRepoError,
        HfHubHTTPError,
        RepositoryNotFoundError,
        RevisionNotFoundError,
    )
    from huggingface_hub.utils import silent_tqdm

    where = endpoint or os.environ.get("HF_ENDPOINT") or "https://huggingface.co"
    label = f"{model.repo}/{model.filename} from {where}"
    kwargs: dict[str, Any] = {}
    if not progress:
        kwargs["tqdm_class"] = silent_tqdm
    try:
        meta = get_hf_file_metadata(hf_hub_url(model.repo, model.filename, endpoint=endpoint), token=token)
        path = hf_hub_download(model.repo, model.filename, local_dir=staging, endpoint=endpoint, token=token, **kwargs)
    except GatedRepoError as exc:
        raise ModelPullError(
            f"{label}: the repository is gated (accept its licence on the Hub and log in)", code=_FAILED
        ) from exc
    except (RepositoryNotFoundError, RevisionNotFoundError, EntryNotFoundError) as exc:
        raise ModelPullError(f"{label}: not found on the server", code=_FAILED) from exc
    except HfHubHTTPError as exc:
        status = exc.response.status_code if exc.response is not None else "?"
        raise ModelPullError(f"{label}: the server answered HTTP {status}", code=_FAILED) from exc
    except OSError as exc:
        raise ModelPullError(f"{label}: {exc}", code=_FAILED) from exc
    except Exception as exc:  # network errors of huggingface_hub's HTTP client (httpx/httpx2)
        raise ModelPullError(f"{label}: network error: {type(exc).__name__}: {exc}", code=_FAILED) from exc
    etag = (meta.etag or "").lower()
    return Path(str(path)), etag if _HEX64.fullmatch(etag) else None


# -- listing and the CLI ------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True, slots=True)
class ListedModel:
    name: str
    filename: str
    path: Path | None
    """The local file, when present."""
    sha256: str | None
    """From the sidecar."""
    recommended: RecommendedModel | None


def list_models(dest_dir: Path) -> list[ListedModel]:
    """The recommended models (present or not) followed by any other GGUF in ``dest_dir``."""
    out: list[ListedModel] = []
    seen: set[str] = set()
    for m in RECOMMENDED.values():
        path = dest_dir / m.filename
        present = path.is_file()
        out.append(ListedModel(m.name, m.filename, path if present else None, read_sidecar(path), m))
        seen.add(m.filename)
    if dest_dir.is_dir():
        for path in sorted(dest_dir.glob("*.gguf")):
            if path.name not in seen and path.is_file():
                out.append(ListedModel(path.stem, path.name, path, read_sidecar(path), None))
    return out


def _gb(n: int) -> str:
    return f"{n / 1e9:.2f} GB"


def cli_list(dest_dir: Path, echo: Callable[[str], None] = print) -> int:
    """``hark models list``."""
    echo(f"models folder: {dest_dir}")
    for m in list_models(dest_dir):
        if m.recommended is not None:
            r = m.recommended
            state = "installed" if m.path else "not installed"
            default = " (default)" if r.name == DEFAULT_MODEL else ""
            echo(f"{r.name:24} {state:13} ~{_gb(r.approx_bytes):>8}  {r.license}: {r.note}{default}")
        else:
            size = _gb(m.path.stat().st_size) if m.path else "?"
            echo(f"{m.name:24} {'local file':13} {size:>9}  {m.filename}")
    echo("use one: hark models pull NAME, then set llm.model_path to the printed path")
    return 0


def cli_pull(
    name: str,
    dest_dir: Path,
    *,
    sha256: str | None = None,
    endpoint: str | None = None,
    force: bool = False,
    echo: Callable[[str], None] = print,
) -> int:
    """``hark models pull NAME``: raises :class:`ModelPullError` (the CLI prints it with its code)."""
    model = resolve(name)
    echo(f"pulling {model.name}: {model.repo}/{model.filename} (~{_gb(model.approx_bytes)}) into {dest_dir}")
    result = pull(name, dest_dir, endpoint=endpoint, sha256=sha256, force=force)
    how = {
        "--sha256": "matches --sha256",
        "table": "matches Hark's table",
        "hub-lfs": "matches the Hub's LFS id",
        "sidecar": "recorded at an earlier pull",
        "none": "not verified (no reference digest)",
    }[result.verified_by]
    echo(f"{'downloaded' if result.downloaded else 'already present'}: {result.path} ({_gb(result.size)})")
    echo(f"sha256 {result.sha256} ({how})")
    echo(f'use it: set llm.model_path = "{result.path}" (or HARK_LLM__MODEL_PATH)')
    return 0

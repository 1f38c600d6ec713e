"""Prompt formatting and tool-call parsing for small local models (the embedded backend).

Two decisions shape this module:

* **The prompt is built as a list of pieces, not one string.** Each piece (the system
  block, one message, the assistant header) is tokenized on its own and the token lists
  are concatenated. The system piece therefore tokenizes to the same ids on every turn,
  whatever follows it, so llama.cpp's longest-prefix match reuses its KV cache: a BPE
  merge can never straddle the boundary between the fixed prefix and the conversation.

* **Tools are offered Hermes/Qwen style.** Qwen2.5 instruct models are trained on a
  ``<tools>`` block of JSON signatures in the system prompt and answer with
  ``<tool_call>{"name": ..., "arguments": {...}}</tool_call>``; tool results come back in a
  user turn inside ``<tool_response>``. We use that wire format for every model (it is
  also what SmolLM2 and Llama 3.2 follow best when told to) with one JSON line per tool
  to keep the fixed prefix short. Llama 3 models often answer with a *bare* JSON object
  instead (their own convention), so their format also accepts ``{"name": ...,
  "parameters": ...}`` when it is the whole start of the reply.

:class:`ToolCallParser` turns the streamed text into :class:`TextChunk` and
:class:`ToolCallChunk` events. Text is released as soon as it cannot be the beginning of a
``<tool_call>`` tag: only a trailing ``<``, ``<tool``... is held back, so speech can start
on the first word.
"""

from __future__ import annotations

import dataclasses
import json
import re
import uuid
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from .base import Message, TextChunk, ToolCallChunk, ToolSpec

TOOL_CALL_OPEN = "<tool_call>"
TOOL_CALL_CLOSE = "</tool_call>"

_TOOLS_INSTRUCTIONS = """\


# Tools

You may call one or more functions to assist with the user query.

You are provided with function signatures within <tools></tools> XML tags:
<tools>
{tools}
</tools>

For each function call, return a json object with function name and arguments within <tool_call></tool_call> XML tags:
<tool_call>
{{"name": <function-name>, "arguments": <args-json-object>}}
</tool_call>"""


def compact_json(value: Any) -> str:
    """JSON without optional spaces, keys in the given order (stable bytes for the KV prefix)."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def tools_block(tools: Sequence[ToolSpec]) -> str:
    """The tool section appended to the system prompt; empty when there are no tools."""
    if not tools:
        return ""
    lines = [
        compact_json(
            {
                "type": "function",
                "function": {"name": t.name, "description": t.description, "parameters": dict(t.parameters)},
            }
        )
        for t in tools
    ]
    return _TOOLS_INSTRUCTIONS.format(tools="\n".join(lines))


def system_text(system: str, tools: Sequence[ToolSpec]) -> str:
    return system.rstrip() + tools_block(tools)


def _tool_call_text(name: str, arguments: Mapping[str, Any]) -> str:
    return f'{TOOL_CALL_OPEN}\n{{"name": {json.dumps(name)}, "arguments": {json.dumps(dict(arguments))}}}\n{TOOL_CALL_CLOSE}'


@dataclasses.dataclass(frozen=True, slots=True)
class ChatFormat:
    """A chat template, reduced to what Hark needs: role headers, footers and stop markers."""

    name: str
    bos: str
    """Text prepended to the first piece (when the tokenizer does not add BOS itself)."""
    header: str
    """``{role}`` is replaced by the role name."""
    footer: str
    stops: tuple[str, ...]
    """Special tokens that end the reply."""
    tool_role: str
    """Role of the turn carrying tool results."""
    bare_json_calls: bool
    """Also accept a reply that *starts* with a bare ``{"name": ..., ...}`` object as a tool call."""

    def system_piece(self, system: str, tools: Sequence[ToolSpec]) -> str:
        return self.bos + self.header.format(role="system") + system_text(system, tools) + self.footer

    def message_piece(self, message: Message) -> str:
        if message.role == "tool":
            body = "\n".join(
                f"<tool_response>\n{r.content if not r.is_error else 'ERROR: ' + r.content}\n</tool_response>"
                for r in message.tool_results
            )
            return self.header.format(role=self.tool_role) + body + self.footer
        parts = [message.text] if message.text else []
        parts += [_tool_call_text(u.name, u.arguments) for u in message.tool_uses]
        return self.header.format(role=message.role) + "\n".join(parts) + self.footer

    def context_pieces(self, message: Message) -> list[str]:
        """A message's context notes, each as a system turn of its own (small models read a note
        inside the user's turn as something to answer or repeat; a system turn they obey)."""
        return [self.header.format(role="system") + note + self.footer for note in message.context if note]

    def message_pieces(self, message: Message) -> list[str]:
        """The context pieces, then the message itself, its role header a piece of its own.

        A user message that is only notes (the words are not known yet) ends with the
        user header: everything up to the words can then be evaluated ahead of them.
        """
        pieces = self.context_pieces(message)
        header = self.header.format(role=self.tool_role if message.role == "tool" else message.role)
        if message.text or message.tool_uses or message.tool_results or not pieces:
            pieces += [header, self.message_piece(message).removeprefix(header)]
        elif message.role == "user":
            pieces.append(header)
        return pieces

    def generation_piece(self) -> str:
        return self.header.format(role="assistant")

    def pieces(self, system: str, tools: Sequence[ToolSpec], messages: Iterable[Message]) -> list[str]:
        """The whole prompt as pieces: system block, the pieces of each message, then the assistant header."""
        return [
            self.system_piece(system, tools),
            *(piece for m in messages for piece in self.message_pieces(m)),
            self.generation_piece(),
        ]


CHATML = ChatFormat(
    name="chatml",
    bos="",
    header="<|im_start|>{role}\n",
    footer="<|im_end|>\n",
    stops=("<|im_end|>", "<|im_start|>", "<|endoftext|>"),
    tool_role="user",
    bare_json_calls=False,
)

LLAMA3 = ChatFormat(
    name="llama3",
    bos="",
    header="<|start_header_id|>{role}<|end_header_id|>\n\n",
    footer="<|eot_id|>",
    stops=("<|eot_id|>", "<|eom_id|>", "<|end_of_text|>", "<|start_header_id|>"),
    tool_role="ipython",
    bare_json_calls=True,
)


def detect_format(chat_template: str | None) -> ChatFormat:
    """Pick the format from the GGUF's ``tokenizer.chat_template``; ChatML when unknown.

    Only the markers are looked at: running the Jinja template itself would give a
    different string whenever history changes (some templates date-stamp the system
    prompt), which would defeat prefix caching.
    """
    if chat_template and "<|start_header_id|>" in chat_template:
        return LLAMA3
    return CHATML


# -- parsing ------------------------------------------------------------------------------------


def new_call_id() -> str:
    return f"call_{uuid.uuid4().hex[:12]}"


_NAME_RE = re.compile(r'"name"\s*:\s*"([^"\\]*)"')


def parse_tool_call(raw: str, *, call_id: str | None = None) -> ToolCallChunk:
    """One tool call from the JSON between the tags; never raises.

    Invalid JSON, or JSON without a usable ``name``/``arguments``, gives ``arguments=None``
    and the raw text (the name salvaged by regex when possible) so the brain can tell the
    model what went wrong. ``parameters`` is accepted for ``arguments`` (Llama 3 style), and
    arguments sent as a JSON string are decoded (some fine-tunes double-encode them).
    """
    call_id = call_id or new_call_id()
    text = raw.strip()
    if text.startswith("```"):
        text = text.strip("`").removeprefix("json").strip()
    try:
        obj = json.loads(text)
    except ValueError:
        m = _NAME_RE.search(text)
        return ToolCallChunk(id=call_id, name=m.group(1) if m else "", arguments=None, raw=raw)
    if not isinstance(obj, dict) or not isinstance(obj.get("name"), str):
        return ToolCallChunk(id=call_id, name="", arguments=None, raw=raw)
    args = obj.get("arguments", obj.get("parameters", {}))
    if isinstance(args, str):
        try:
            args = json.loads(args) if args.strip() else {}
        except ValueError:
            return ToolCallChunk(id=call_id, name=obj["name"], arguments=None, raw=raw)
    if args is None:
        args = {}
    if not isinstance(args, dict):
        return ToolCallChunk(id=call_id, name=obj["name"], arguments=None, raw=raw)
    return ToolCallChunk(id=call_id, name=obj["name"], arguments=args, raw=raw)


def _partial_tag_len(text: str, tag: str) -> int:
    """Length of the longest suffix of ``text`` that is a proper prefix of ``tag``."""
    for n in range(min(len(text), len(tag) - 1), 0, -1):
        if tag.startswith(text[-n:]):
            return n
    return 0


def _json_object_end(text: str) -> int | None:
    """Index just past the first complete top-level JSON object in ``text`` (which starts with ``{``)."""
    depth = 0
    in_string = False
    escaped = False
    for i, ch in enumerate(text):
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0:
                return i + 1
    return None


class ToolCallParser:
    """Incremental splitter of a model's streamed reply into text and tool calls.

    ``feed`` returns the events that are certain so far; ``finish`` flushes the rest at the
    end of generation (an unterminated ``<tool_call>`` is parsed as far as it got: small
    models often stop right after the JSON without the closing tag).
    """

    def __init__(self, *, bare_json_calls: bool = False) -> None:
        self._buf = ""
        self._in_call = False
        self._started = False
        """Non-whitespace text has been seen (leading whitespace is dropped, not spoken)."""
        self._bare_json = bare_json_calls
        self._in_bare = False
        self.tool_calls = 0

    def feed(self, text: str) -> list[TextChunk | ToolCallChunk]:
        self._buf += text
        return self._drain(final=False)

    def finish(self) -> list[TextChunk | ToolCallChunk]:
        return self._drain(final=True)

    def _call(self, raw: str) -> ToolCallChunk:
        self.tool_calls += 1
        return parse_tool_call(raw)

    def _drain(self, *, final: bool) -> list[TextChunk | ToolCallChunk]:
        out: list[TextChunk | ToolCallChunk] = []
        while self._buf:
            if not self._started:
                stripped = self._buf.lstrip()
                if not stripped:
                    self._buf = ""
                    break
                self._buf = stripped
                self._started = True
                self._in_bare = self._bare_json and stripped.startswith("{")
            if self._in_bare:
                end = _json_object_end(self._buf)
                if end is None and not final:
                    break
                raw, self._buf = (self._buf[:end], self._buf[end:]) if end is not None else (self._buf, "")
                self._in_bare = False
                call = parse_tool_call(raw)
                if call.arguments is not None and call.name:
                    self.tool_calls += 1
                    out.append(call)
                else:
                    out.append(TextChunk(raw))
                continue
            if self._in_call:
                end = self._buf.find(TOOL_CALL_CLOSE)
                if end < 0:
                    if final:
                        raw, self._buf = self._buf, ""
                        self._in_call = False
                        if raw.strip():
                            out.append(self._call(raw))
                    break
                raw = self._buf[:end]
                self._buf = self._buf[end + len(TOOL_CALL_CLOSE) :]
                self._in_call = False
                out.append(self._call(raw))
                continue
            start = self._buf.find(TOOL_CALL_OPEN)
            if start >= 0:
                before = self._buf[:start]
                self._buf = self._buf[start + len(TOOL_CALL_OPEN) :]
                self._in_call = True
                if before.strip():
                    out.append(TextChunk(before))
                continue
            keep = 0 if final else _partial_tag_len(self._buf, TOOL_CALL_OPEN)
            text = self._buf[: len(self._buf) - keep]
            self._buf = self._buf[len(self._buf) - keep :]
            if text and not (self.tool_calls and not text.strip()):
                out.append(TextChunk(text))
            break
        return _merge_text(out)


def _merge_text(events: list[TextChunk | ToolCallChunk]) -> list[TextChunk | ToolCallChunk]:
    merged: list[TextChunk | ToolCallChunk] = []
    for e in events:
        if isinstance(e, TextChunk) and merged and isinstance(merged[-1], TextChunk):
            merged[-1] = TextChunk(merged[-1].text + e.text)
        else:
            merged.append(e)
    return merged

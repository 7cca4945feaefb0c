"""Parse and render the YAML frontmatter of archived sources.

Archived sources are written by people and by other tools, so parsing is lenient about layout
(a proper `---` block, a block flattened onto one line, or no frontmatter at all) and strict about
meaning: a value is never silently changed. Dates stay the strings they were written as, because
partial dates such as `2026-01-00` are valid here and a YAML timestamp parser would reject them.

Rendering exists for write-back, which must keep every other key and the body byte-for-byte. A
block keeps the original lines of untouched keys; every rendering is parsed back and compared
before it is used, so a file is never written with data that reads back differently.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import re
import unicodedata
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

import yaml

from agent.text.bounded_yaml import (
    FRONTMATTER_LIMITS,
    BoundedSafeLoader,
    YamlLimitError,
    load_bounded_yaml,
)

# fmt: off
WRITE_BACK_KEYS: tuple[str, ...] = (
    "status", "processed_by", "processed_date", "claims_extracted", "extraction_model",
    "extraction_notes",
)
SCHEMA_KEYS: tuple[str, ...] = (
    "type", "title", "url", "date", "domain", "status", "author", "format", "tags", "priority",
    "secondary_domains", "linked_set", "notes",
)
# fmt: on
LEGACY_KEYS: tuple[str, ...] = ("source", "date_published", "date_archived", "source_type")
# tracker's own record of what it did to a source (status, date, claims, model, notes), kept
# under one key so that a curator's values of the lifecycle keys never have to be overwritten.
TRACKER_KEY = "tracker"
# What the content hash leaves out: everything tracker may write into a file.
UNHASHED_KEYS: frozenset[str] = frozenset((*WRITE_BACK_KEYS, TRACKER_KEY))
KNOWN_KEYS: frozenset[str] = frozenset(
    (*SCHEMA_KEYS, *LEGACY_KEYS, *WRITE_BACK_KEYS, TRACKER_KEY, "enrichments")
)

Layout = Literal["block", "flattened", "none"]


class FrontmatterError(ValueError):
    """The frontmatter cannot be read; the message says what is wrong, on one line."""


class _Loader(BoundedSafeLoader):
    """The bounded loader (no aliases, limited depth and size) without the timestamp resolver.

    Dates stay strings. Aliases are refused because a few lines of `&a [*a, *a, ...]` expand
    exponentially when the data is hashed or rendered; real frontmatter has no use for them.
    """

    limits = FRONTMATTER_LIMITS
    yaml_implicit_resolvers: ClassVar[dict[Any, list[tuple[str, re.Pattern[str]]]]] = {
        first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }


@dataclass(frozen=True)
class ParsedDocument:
    """A source file split into its frontmatter (key order as in the file) and its body.

    For layout "none" the body is the whole text without a leading byte-order mark.
    """

    frontmatter: dict[str, Any]
    body: str
    layout: Layout


# Lines end in LF, CRLF or a lone CR (old Mac files; YAML reads all three as line breaks).
_OPEN = re.compile(r"---[ \t]*(\r\n|\r|\n)")
_CLOSE = re.compile(r"(?:(?<=\n)|(?<=\r))---[ \t]*(?:\r\n|\r|\n|\Z)")
_BREAK = re.compile(r"\r\n|\r|\n")
_BOM = "\ufeff"


def load_yaml(text: str, line_offset: int = 0) -> Any:
    """Load YAML with tracker's loader; errors become FrontmatterError with a file line number."""
    try:
        return load_bounded_yaml(text, _Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f" at line {mark.line + 1 + line_offset}" if mark is not None else ""
        what = ", ".join(part for part in (exc.context, exc.problem) if part) or "invalid"
        kind = "frontmatter refused" if isinstance(exc, YamlLimitError) else "bad YAML"
        raise FrontmatterError(f"{kind}{where}: {what}") from exc
    except yaml.YAMLError as exc:
        raise FrontmatterError(f"bad YAML: {' '.join(str(exc).split())}") from exc


def _as_mapping(loaded: Any) -> dict[str, Any]:
    """Frontmatter must be a mapping; keys become strings so the dict is what it claims to be."""
    if loaded is None:
        return {}
    if not isinstance(loaded, dict):
        kind = {list: "a list", str: "a string"}.get(type(loaded), type(loaded).__name__)
        raise FrontmatterError(f"frontmatter is not a mapping (it is {kind})")
    return {key if isinstance(key, str) else str(key): value for key, value in loaded.items()}


def parse_document(text: str) -> ParsedDocument:
    """Split a source file into frontmatter and body; raise FrontmatterError if unreadable."""
    rest = text[1:] if text.startswith(_BOM) else text
    opening = _OPEN.match(rest)
    if opening:
        closing = _CLOSE.search(rest, opening.end())
        if closing is None:
            raise FrontmatterError("unclosed frontmatter (no closing --- line)")
        loaded = load_yaml(rest[opening.end() : closing.start()], line_offset=1)
        return ParsedDocument(_as_mapping(loaded), rest[closing.end() :], "block")
    if rest.startswith("--- "):
        flat = _parse_flattened(rest)
        if flat is not None:
            return flat
    return ParsedDocument({}, rest, "none")


# -- flattened frontmatter ----------------------------------------------------------------------

_FLAT_KEY = re.compile(r"([A-Za-z_][A-Za-z0-9_-]*):(?= |$)")
_FLAT_TOKEN = re.compile(r"(?<= )(?:([A-Za-z_][A-Za-z0-9_-]*):|---)(?= |$)")


def _end_of_quoted(line: str, start: int) -> int:
    """Index just past the YAML quoted scalar that opens at `start`."""
    quote_char, i = line[start], start + 1
    while i < len(line):
        if quote_char == '"' and line[i] == "\\":
            i += 2
            continue
        if line[i] == quote_char:
            if quote_char == "'" and line[i + 1 : i + 2] == "'":
                i += 2
                continue
            return i + 1
        i += 1
    raise FrontmatterError("flattened frontmatter has an unterminated quoted value")


def _end_of_value(line: str, start: int) -> int:
    """Index just past the quoted scalar or flow collection (`[...]`, `{...}`) at `start`."""
    depth, i, previous = 0, start, "["
    while i < len(line):
        char = line[i]
        if char in "\"'" and previous in "[{,:":
            i = _end_of_quoted(line, i)
            previous = char
            if depth == 0:
                return i
            continue
        if char in "[{":
            depth += 1
        elif char in "]}":
            depth -= 1
            if depth == 0:
                return i + 1
        if char != " ":
            previous = char
        i += 1
    raise FrontmatterError("flattened frontmatter has an unterminated [...] or {...} value")


def _scan_flattened(line: str, pos: int) -> tuple[list[tuple[str, str]], int]:
    """Split `key: value key: value ... ---` into raw (key, value) pairs and the close index.

    A quoted or flow value ends where its syntax ends; a plain value ends at the next
    ` word: ` token (plain YAML scalars cannot contain `: `) or at ` --- `.
    """
    items: list[tuple[str, str]] = []
    while True:
        key_match = _FLAT_KEY.match(line, pos)
        if key_match is None:
            raise FrontmatterError(f"flattened frontmatter: expected a key at column {pos + 1}")
        start = key_match.end()
        while line[start : start + 1] == " ":
            start += 1
        if line[start : start + 1] in ('"', "'", "[", "{"):
            end = after = _end_of_value(line, start)
            while line[after : after + 1] == " ":
                after += 1
            token = _FLAT_TOKEN.match(line, after) if after > end else None
            if token is None and after < len(line):
                raise FrontmatterError(
                    f"flattened frontmatter: unexpected text after the value of "
                    f"{key_match.group(1)!r} at column {end + 1}"
                )
        else:
            token = _FLAT_TOKEN.search(line, start)
            end = token.start() if token else len(line)
        items.append((key_match.group(1), line[start:end].rstrip(" ")))
        if token is None:
            raise FrontmatterError("unclosed flattened frontmatter (no closing ---)")
        if token.group(1) is None:
            return items, token.end()
        pos = token.start()


def _parse_flattened(rest: str) -> ParsedDocument | None:
    """Recover a block flattened onto the first line: `--- type: source title: "..." --- body`.

    Returns None when the line is prose that merely starts with `--- `: its first word is not
    a known key and it does not scan as frontmatter.
    """
    first_break = _BREAK.search(rest)
    scan_end = first_break.start() if first_break else len(rest)
    after_line = first_break.end() if first_break else len(rest)
    line = rest[:scan_end]
    pos = 4
    while line[pos : pos + 1] == " ":
        pos += 1
    first = _FLAT_KEY.match(line, pos)
    if first is None:
        return None
    try:
        items, close_end = _scan_flattened(line, pos)
    except FrontmatterError:
        if first.group(1) not in KNOWN_KEYS:
            return None
        raise
    unknown = sorted({key for key, _ in items if key not in KNOWN_KEYS})
    if unknown:
        names = ", ".join(repr(key) for key in unknown)
        plural = "s" if len(unknown) > 1 else ""
        raise FrontmatterError(f"flattened frontmatter has unknown key{plural} {names}")
    frontmatter: dict[str, Any] = {}
    for key, raw in items:
        try:
            frontmatter[key] = load_yaml(raw) if raw else None
        except FrontmatterError as exc:
            raise FrontmatterError(f"flattened frontmatter: bad value for {key!r} ({exc})") from exc
    body = rest[close_end + 1 :] if close_end < len(line) else rest[after_line:]
    return ParsedDocument(_as_mapping(frontmatter), body, "flattened")


# -- hashing ------------------------------------------------------------------------------------


def _canonical(value: Any) -> Any:
    """A JSON-ready, order-independent form of loaded YAML data."""
    if isinstance(value, dict):
        return {str(key): _canonical(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_canonical(item) for item in value]
    if isinstance(value, set | frozenset):
        return sorted((_canonical(item) for item in value), key=canonical_json)
    if isinstance(value, bytes):
        return {"!!binary": base64.b64encode(value).decode("ascii")}
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def canonical_json(value: Any) -> str:
    """Deterministic JSON text for hashing and for comparing data that must read back equal."""
    return json.dumps(
        _canonical(value), sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str
    )


def normalize_text(text: str) -> str:
    """Text as it reads, not as it was saved: Unicode NFC, no byte-order mark, every run of white
    space one space, no blank lines, no line-end style. Two files that differ only in those are
    the same content to a reader, so they must be the same content to the ledger."""
    text = unicodedata.normalize("NFC", text.replace(_BOM, ""))
    lines = (" ".join(line.split()) for line in text.splitlines())
    return "\n".join(line for line in lines if line)


def _normalized(value: Any) -> Any:
    if isinstance(value, str):
        return normalize_text(value)
    if isinstance(value, dict):
        return {normalize_text(str(key)): _normalized(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_normalized(item) for item in value]
    return value


HASH_VERSION = 2


def content_hash(doc: ParsedDocument) -> str:
    """sha256 of the normalised body and frontmatter, minus the keys tracker writes.

    Leaving tracker's keys out is what lets it write its status into a file without making the
    file look changed on the next run; sorting keys makes the layout irrelevant; normalising
    (`normalize_text`) makes a copy saved with CRLF, a BOM, other spacing or another Unicode form
    the same content as the original, so it is counted once.
    """
    kept = {key: value for key, value in doc.frontmatter.items() if key not in UNHASHED_KEYS}
    payload = canonical_json(
        {"v": HASH_VERSION, "frontmatter": _normalized(kept), "body": normalize_text(doc.body)}
    )
    return hashlib.sha256(payload.encode("utf-8", "surrogatepass")).hexdigest()


# -- rendering ----------------------------------------------------------------------------------

_PLAIN_WORD = re.compile(r"[A-Za-z][A-Za-z0-9_-]*\Z")
_PLAIN_DATE = re.compile(r"\d{4}-\d{2}(?:-\d{2})?\Z")
_PLAIN_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*\Z")
_ESCAPES = {"\n": "\\n", "\t": "\\t", "\r": "\\r", "\0": "\\0"}
# Characters a double-quoted scalar may hold literally: printable, not a line break, not a BOM.
_UNSAFE = re.compile(
    "[^\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]"
)


def _reads_back(text: str, value: Any) -> bool:
    try:
        loaded = load_bounded_yaml(text, _Loader)
    except yaml.YAMLError:
        return False
    return type(loaded) is type(value) and loaded == value


def quote(text: str) -> str:
    """A YAML double-quoted scalar; everything not plainly printable is escaped."""

    def escape(match: re.Match[str]) -> str:
        char = match.group()
        if char in _ESCAPES:
            return _ESCAPES[char]
        code = ord(char)
        if code <= 0xFF:
            return f"\\x{code:02X}"
        return f"\\u{code:04X}" if code <= 0xFFFF else f"\\U{code:08X}"

    return '"' + _UNSAFE.sub(escape, text.replace("\\", "\\\\").replace('"', '\\"')) + '"'


def _is_plain_date(text: str) -> bool:
    if len(text) == 7:
        return 1 <= int(text[5:]) <= 12
    try:
        dt.date.fromisoformat(text)
    except ValueError:
        return False
    return True


def scalar(value: Any) -> str:
    """Render one scalar. Words and real dates stay plain, as the archive writes them."""
    if isinstance(value, str):
        plain = (_PLAIN_DATE.match(value) and _is_plain_date(value)) or _PLAIN_WORD.match(value)
        return value if plain and _reads_back(value, value) else quote(value)
    if isinstance(value, dt.datetime):
        return quote(value.isoformat())
    if isinstance(value, dt.date):
        return value.isoformat()
    if value is None or isinstance(value, bool | int | float):
        return yaml.safe_dump(value).split("\n", 1)[0]
    raise TypeError(f"cannot render {type(value).__name__} as a YAML scalar")


def _key(key: str) -> str:
    return key if _PLAIN_KEY.match(key) and _reads_back(key, key) else quote(key)


def _is_scalar(value: Any) -> bool:
    return value is None or isinstance(value, str | bool | int | float | dt.date)


def _plain_data(value: Any) -> Any:
    """Tuples and dates as the YAML loader will give them back (lists, strings)."""
    if isinstance(value, dict):
        return {key: _plain_data(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain_data(item) for item in value]
    return value.isoformat() if isinstance(value, dt.date) else value


def render_entry(key: str, value: Any) -> list[str]:
    """The lines of one top-level `key: value` entry, without line ends.

    `claims_extracted` is a block list of double-quoted strings (titles are long and full of
    punctuation); other lists of scalars are flow lists like the archive's `tags: [a, b]`.
    """
    if _is_scalar(value):
        return [f"{_key(key)}: {scalar(value)}"]
    if (
        key == "claims_extracted"
        and value
        and isinstance(value, list | tuple)
        and all(_is_scalar(item) for item in value)
    ):
        items = [quote(i) if isinstance(i, str) else scalar(i) for i in value]
        return [f"{_key(key)}:", *(f"  - {item}" for item in items)]
    if key == TRACKER_KEY and isinstance(value, dict) and value:
        return [f"{_key(key)}:", *_nested_block(value)]
    return [f"{_key(key)}: {flow(value)}"]


def _nested_block(value: dict[str, Any], indent: str = "  ") -> list[str]:
    """A mapping of scalars and lists of scalars as an indented block (tracker's own record)."""
    lines = []
    for key, item in value.items():
        name = _key(key) if isinstance(key, str) else scalar(key)
        if isinstance(item, list | tuple) and item and all(_is_scalar(i) for i in item):
            lines.append(f"{indent}{name}:")
            lines.extend(
                f"{indent}  - {quote(i) if isinstance(i, str) else scalar(i)}" for i in item
            )
        else:
            lines.append(f"{indent}{name}: {flow(item)}")
    return lines


def flow(value: Any) -> str:
    """Any loaded YAML data on one line, in flow style, with tracker's own scalar quoting.

    Own code rather than yaml.dump, whose emitter writes some line-break characters raw and so
    does not always read back the same.
    """
    if isinstance(value, dict):
        items = (
            f"{_key(k) if isinstance(k, str) else scalar(k)}: {flow(v)}" for k, v in value.items()
        )
        return "{" + ", ".join(items) + "}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(flow(item) for item in value) + "]"
    return scalar(value)


def _newline_of(text: str) -> str:
    """The file's own line ending: the most common of LF, CRLF and CR (the first seen on a tie)."""
    counts: dict[str, int] = {}
    for match in _BREAK.finditer(text):
        counts[match.group()] = counts.get(match.group(), 0) + 1
    return max(counts, key=lambda ending: counts[ending]) if counts else "\n"


def _line_start(text: str, index: int) -> int:
    """Where the line holding `index` begins, whatever the line endings."""
    return max(text.rfind("\n", 0, index), text.rfind("\r", 0, index)) + 1


def _without_break(text: str, end: int) -> int:
    """`end` moved back over the line ending just before it, if there is one."""
    if text[end - 1 : end] == "\n":
        end -= 1
    if text[end - 1 : end] == "\r":
        end -= 1
    return end


def render_document(
    frontmatter: dict[str, Any], body: str, newline: str = "\n", bom: bool = False
) -> str:
    """A whole file: a `---` block with every key, then the body unchanged."""
    lines = ["---"]
    for key, value in frontmatter.items():
        lines.extend(render_entry(key, value))
    lines.append("---")
    return (_BOM if bom else "") + newline.join(lines) + newline + body


def _reads_as(text: str, frontmatter: dict[str, Any], body: str) -> bool:
    try:
        doc = parse_document(text)
    except FrontmatterError:
        return False
    return (
        doc.layout == "block"
        and doc.body == body
        and canonical_json(doc.frontmatter) == canonical_json(frontmatter)
    )


def _top_level_spans(yaml_text: str) -> list[tuple[str, int, int]] | None:
    """(key, start, end) character spans of each top-level entry, or None if not line-editable.

    A span runs from the start of the key's line to the end of the value's last line, without
    trailing blank lines or column-0 comments, so comments between entries survive an edit.
    """
    node = yaml.compose(yaml_text, Loader=_Loader)
    if node is None:
        return []
    if not isinstance(node, yaml.MappingNode) or node.flow_style:
        return None
    spans = []
    for key_node, value_node in node.value:
        if not isinstance(key_node, yaml.ScalarNode):
            return None
        start = _line_start(yaml_text, key_node.start_mark.index)
        end_mark = value_node.end_mark
        if end_mark.column == 0:
            end = end_mark.index
        else:
            line_break = _BREAK.search(yaml_text, end_mark.index)
            end = len(yaml_text) if line_break is None else line_break.end()
        while end > start:
            line_start = _line_start(yaml_text, _without_break(yaml_text, end))
            if line_start <= start:
                break
            line = yaml_text[line_start:end]
            if line.strip() and not line.startswith("#"):
                break
            end = line_start
        spans.append((key_node.value, start, end))
    return spans


def _edit_block(text: str, updates: dict[str, Any]) -> str | None:
    """Replace or append only the updated entries' lines, keeping every other byte."""
    bom = _BOM if text.startswith(_BOM) else ""
    rest = text[len(bom) :]
    opening = _OPEN.match(rest)
    closing = _CLOSE.search(rest, opening.end()) if opening else None
    if opening is None or closing is None:
        return None
    newline = _newline_of(rest[: closing.end()])
    yaml_text = rest[opening.end() : closing.start()]
    try:
        spans = _top_level_spans(yaml_text)
    except yaml.YAMLError:
        return None
    if spans is None:
        return None
    edits: list[tuple[int, int, str]] = []
    seen: set[str] = set()
    for key, start, end in spans:
        if key in updates:
            lines = render_entry(key, updates[key]) if key not in seen else []
            edits.append((start, end, "".join(line + newline for line in lines)))
            seen.add(key)
    for start, end, replacement in sorted(edits, reverse=True):
        yaml_text = yaml_text[:start] + replacement + yaml_text[end:]
    if yaml_text and not yaml_text.endswith(("\n", "\r")):
        yaml_text += newline
    for key, value in updates.items():
        if key not in seen:
            yaml_text += "".join(line + newline for line in render_entry(key, value))
    return bom + rest[: opening.end()] + yaml_text + rest[closing.start() :]


def render_with_updates(original_text: str, doc: ParsedDocument, updates: dict[str, Any]) -> str:
    """The file text with `updates` set in its frontmatter; every other key and the body kept.

    A block is edited line by line; a flattened file or one without frontmatter gets a proper
    multi-line block. The result is parsed back and compared; a line edit that does not read
    back right falls back to a full rendering, and one that still does not raises.
    """
    if not updates:
        return original_text
    updates = {key: _plain_data(value) for key, value in updates.items()}
    wanted = {**doc.frontmatter, **updates}
    bom = original_text.startswith(_BOM)
    if doc.layout == "block":
        try:
            edited = _edit_block(original_text, updates)
        except (TypeError, yaml.YAMLError) as exc:
            raise FrontmatterError(f"cannot render the frontmatter: {exc}") from exc
        if edited is not None and _reads_as(edited, wanted, doc.body):
            return edited
        newline = _newline_of(original_text)
    else:
        newline = _newline_of(doc.body)
    try:
        rendered = render_document(wanted, doc.body, newline, bom)
    except (TypeError, yaml.YAMLError) as exc:
        raise FrontmatterError(f"cannot render the frontmatter: {exc}") from exc
    if not _reads_as(rendered, wanted, doc.body):
        raise FrontmatterError("the updated frontmatter would not read back the same")
    return rendered

"""Frontmatter parsing, hashing and rendering: layouts, errors, and round trips."""

from __future__ import annotations

import string

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from store.frontmatter import (
    KNOWN_KEYS,
    WRITE_BACK_KEYS,
    FrontmatterError,
    ParsedDocument,
    content_hash,
    parse_document,
    quote,
    render_document,
    render_with_updates,
    scalar,
)

BLOCK = """---
type: source
title: "MaxMin-RLHF: Alignment with Diverse Human Preferences"
url: https://arxiv.org/abs/2402.08925
date: 2026-01-00
# a comment between keys
status: unprocessed
claims_extracted:
  - "old claim one"
  - "old claim two"
tags: [a, b]
flagged_for_rio: ["x"]
---

## Content

Body text: with colons.
"""

FLAT = (
    '--- type: source title: "MIT Technology Review: Mechanistic --- Interpretability" '
    'author: "MIT Technology Review" url: https://www.technologyreview.com/2026/01/12/x/ '
    "date: 2026-01-12 domain: ai-alignment secondary_domains: [] format: article "
    "status: null-result priority: medium tags: [interpretability, B1-disconfirmation] "
    "processed_by: theseus processed_date: 2026-03-23 "
    'extraction_model: "anthropic/claude-sonnet-4.5" '
    'extraction_notes: "LLM returned 2 claims, 2 rejected by validator" '
    "--- ## Content MIT Technology Review named it --- twice: here."
)

UPDATES = {
    "status": "processed",
    "processed_by": "theseus",
    "processed_date": "2026-04-01",
    "claims_extracted": ['A claim: with "quotes" and # hash', "Another claim"],
    "extraction_model": "offline",
    "extraction_notes": "LLM returned 2 claims, 0 rejected by validator",
}


# -- parsing ------------------------------------------------------------------------------------


def test_block_keeps_order_dates_as_strings_and_exact_body() -> None:
    doc = parse_document(BLOCK)
    assert doc.layout == "block"
    assert list(doc.frontmatter)[:5] == ["type", "title", "url", "date", "status"]
    assert doc.frontmatter["date"] == "2026-01-00"
    assert doc.frontmatter["flagged_for_rio"] == ["x"]  # unknown keys kept
    assert doc.body == "\n## Content\n\nBody text: with colons.\n"


def test_real_dates_stay_strings_too() -> None:
    doc = parse_document("---\ndate: 2026-01-12\nprocessed_date: 2026-03-23T10:00:00\n---\n")
    assert doc.frontmatter == {"date": "2026-01-12", "processed_date": "2026-03-23T10:00:00"}


def test_crlf_and_bom_block() -> None:
    text = "\ufeff---\r\ntitle: x\r\nstatus: processed\r\n---\r\nbody\r\nline\r\n"
    doc = parse_document(text)
    assert doc.layout == "block"
    assert doc.frontmatter == {"title": "x", "status": "processed"}
    assert doc.body == "body\r\nline\r\n"


def test_no_frontmatter_is_the_whole_text() -> None:
    text = "Mechanistic Interpretability\nSecond line --- not: frontmatter\n"
    doc = parse_document(text)
    assert doc == ParsedDocument({}, text, "none")
    assert parse_document("----\nrule\n").layout == "none"
    assert parse_document("--- Note: a dash-led line of prose").layout == "none"


def test_empty_block_is_an_empty_mapping() -> None:
    assert parse_document("---\n---\nbody") == ParsedDocument({}, "body", "block")


def test_flattened_recovers_every_key_and_the_body() -> None:
    doc = parse_document(FLAT)
    assert doc.layout == "flattened"
    fm = doc.frontmatter
    assert fm["title"] == "MIT Technology Review: Mechanistic --- Interpretability"
    assert fm["url"] == "https://www.technologyreview.com/2026/01/12/x/"
    assert fm["date"] == "2026-01-12"
    assert fm["secondary_domains"] == []
    assert fm["tags"] == ["interpretability", "B1-disconfirmation"]
    assert fm["extraction_notes"] == "LLM returned 2 claims, 2 rejected by validator"
    assert list(fm)[:: len(fm) - 1] == ["type", "extraction_notes"]
    assert doc.body == "## Content MIT Technology Review named it --- twice: here."


def test_flattened_with_body_on_following_lines() -> None:
    doc = parse_document("--- type: source status: 'it''s' ---\r\n# Title\nbody\n")
    assert doc.frontmatter == {"type": "source", "status": "it's"}
    assert doc.body == "# Title\nbody\n"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("---\ntitle: x\n\nno closing line\n", "unclosed frontmatter"),
        ("---\ntitle: x\nurl: [unclosed\n---\nbody", "bad YAML at line"),
        ("---\ntitle: a: b\n---\n", "bad YAML at line 2"),
        ("---\n- a\n- b\n---\nbody", "frontmatter is not a mapping"),
        ("---\njust a string\n---\nbody", "frontmatter is not a mapping"),
        ("---\na: &x [1]\nb: *x\n---\n", "aliases"),
        ("--- type: source foo: bar --- body", "flattened frontmatter has unknown key 'foo'"),
        ("--- type: source a: 1 b: 2 --- body", "unknown keys 'a', 'b'"),
        ("--- title: x: y ---", "unknown key 'x'"),
        ("--- type: source title: x", "unclosed flattened frontmatter"),
        ('--- title: "never closed ---', "unterminated"),
        ('--- title: "x" junk ---', "unexpected text"),
    ],
)
def test_unreadable_frontmatter(text: str, message: str) -> None:
    with pytest.raises(FrontmatterError, match=message) as caught:
        parse_document(text)
    assert "\n" not in str(caught.value)


# -- hashing ------------------------------------------------------------------------------------


def test_hash_ignores_write_back_keys_only() -> None:
    doc = parse_document(BLOCK)
    base = content_hash(doc)
    for key in (*WRITE_BACK_KEYS, "tracker"):
        changed = {**doc.frontmatter, key: "something else"}
        assert content_hash(ParsedDocument(changed, doc.body, "block")) == base
    assert (
        content_hash(ParsedDocument({**doc.frontmatter, "title": "t"}, doc.body, "block")) != base
    )
    assert content_hash(ParsedDocument(doc.frontmatter, doc.body + " word", "block")) != base
    assert len(base) == 64 and set(base) <= set(string.hexdigits.lower())


def test_hash_ignores_how_the_text_was_saved() -> None:
    """CRLF, a BOM, trailing or doubled spaces, blank lines and Unicode form are not content."""
    doc = parse_document(BLOCK)
    base = content_hash(doc)
    saved_otherwise = [
        doc.body + " ",
        doc.body.replace("\n", "\r\n"),
        "\ufeff" + doc.body,
        doc.body.replace(" ", "  "),
        doc.body.replace("\n", "\n\n"),
        doc.body.rstrip("\n"),
    ]
    for body in saved_otherwise:
        assert content_hash(ParsedDocument(doc.frontmatter, body, "block")) == base, repr(body)
    composed = ParsedDocument({**doc.frontmatter, "title": "Caf\u00e9"}, doc.body, "block")
    decomposed = ParsedDocument({**doc.frontmatter, "title": "Cafe\u0301"}, doc.body, "block")
    assert content_hash(composed) == content_hash(decomposed)


def test_hash_is_layout_independent() -> None:
    flat = parse_document(FLAT)
    block = parse_document(render_document(flat.frontmatter, flat.body))
    assert block.layout == "block"
    assert content_hash(block) == content_hash(flat)


# -- rendering ----------------------------------------------------------------------------------


def test_block_write_back_keeps_untouched_lines_textually() -> None:
    new = render_with_updates(BLOCK, parse_document(BLOCK), UPDATES)
    old_lines, new_lines = BLOCK.splitlines(), new.splitlines()
    for kept in [line for line in old_lines if not line.startswith(("status:", "  - "))]:
        assert kept in new_lines
    assert "# a comment between keys" in new_lines
    assert '  - "old claim one"' not in new_lines
    assert new_lines.index("status: processed") == old_lines.index("status: unprocessed")
    assert "processed_date: 2026-04-01" in new_lines  # a date stays plain
    doc = parse_document(new)
    assert doc.body == parse_document(BLOCK).body
    assert doc.frontmatter["claims_extracted"] == UPDATES["claims_extracted"]
    assert content_hash(doc) == content_hash(parse_document(BLOCK))


def test_crlf_bom_file_stays_crlf() -> None:
    text = "\ufeff---\r\ntitle: x\r\nstatus: unprocessed\r\n---\r\nbody\r\n"
    new = render_with_updates(text, parse_document(text), UPDATES)
    assert new.startswith("\ufeff---\r\n")
    assert "\n" not in new.replace("\r\n", "")
    assert parse_document(new).body == "body\r\n"


def test_none_layout_gains_a_block_and_keeps_the_body() -> None:
    text = "\ufeffRaw page title\nline two\n"
    new = render_with_updates(text, parse_document(text), {"status": "processed"})
    assert new == "\ufeff---\nstatus: processed\n---\nRaw page title\nline two\n"


def test_flattened_becomes_a_proper_block_with_every_key() -> None:
    flat = parse_document(FLAT)
    new = render_with_updates(FLAT, flat, UPDATES)
    assert new.startswith("---\ntype: source\n")
    doc = parse_document(new)
    assert doc.layout == "block"
    assert doc.body == flat.body
    assert doc.frontmatter == {**flat.frontmatter, **UPDATES}
    # updated keys stay in place; the one new key is appended
    assert list(doc.frontmatter) == [*flat.frontmatter, "claims_extracted"]


def test_no_updates_is_the_same_text() -> None:
    assert render_with_updates(BLOCK, parse_document(BLOCK), {}) is BLOCK


@pytest.mark.parametrize(
    ("value", "rendered"),
    [
        ("processed", "processed"),
        ("2026-04-01", "2026-04-01"),
        ("2026-01", "2026-01"),
        ("2026-01-00", '"2026-01-00"'),
        ("null", '"null"'),
        ("yes", '"yes"'),
        ("12", '"12"'),
        ("a: b", '"a: b"'),
        ("line\nbreak\u2028", '"line\\nbreak\\u2028"'),
        (None, "null"),
    ],
)
def test_scalar_style(value: object, rendered: str) -> None:
    assert scalar(value) == rendered


# -- properties ---------------------------------------------------------------------------------

KEYS = st.sampled_from(
    [
        "type",
        "title",
        "url",
        "date",
        "status",
        "tags",
        "claims_extracted",
        "notes",
        "x-y",
        "weird key",
        "null",
        "1",
        "enrichments_applied",
        "processed_date",
    ]
)
TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=30)
TRICKY = st.sampled_from(
    [
        "",
        " ",
        "2026-01-00",
        "2026-00-00",
        "2026-01-12",
        "null",
        "~",
        "true",
        "no",
        "1.5",
        "0x1F",
        "- item",
        "a: b",
        "#hash",
        "'q'",
        '"dq"',
        "key: value --- x",
        "https://x.org/a?b=c#d",
        "\ufeffbom",
        "tab\there",
        "é ü 中文 🙂",
        "[not, a, list]",
        "{a: 1}",
        "*alias",
        "&anchor",
        "!tag",
        "|",
        ">",
        "%",
        "@",
        "`",
        "line\nbreak",
        "\x85\u2028\u2029",
        "\x00\x07\x1b",
    ]
)
STRINGS = st.one_of(TEXT, TRICKY)
SCALARS = st.one_of(STRINGS, st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False))
VALUES = st.one_of(
    SCALARS,
    st.lists(STRINGS, max_size=4),
    st.lists(SCALARS, max_size=3),
    st.dictionaries(st.sampled_from(["a", "b c", "1"]), STRINGS, max_size=2),
)
FRONTMATTER = st.dictionaries(KEYS, VALUES, max_size=8)
BODIES = st.one_of(TEXT, st.sampled_from(["", "\n", "---\n", "--- a: b ---", "\r\nx\r\n"]))
WB_UPDATES = st.fixed_dictionaries(
    {},
    optional={
        "status": st.sampled_from(["processed", "null-result", "enrichment"]),
        "processed_by": STRINGS,
        "processed_date": st.sampled_from(["2026-04-01", "2026-01-00"]),
        "claims_extracted": st.lists(STRINGS, max_size=4),
        "extraction_model": st.one_of(STRINGS, st.none()),
        "extraction_notes": STRINGS,
    },
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(frontmatter=FRONTMATTER, body=BODIES, crlf=st.booleans(), bom=st.booleans())
def test_render_parse_round_trip(frontmatter: dict, body: str, crlf: bool, bom: bool) -> None:
    text = render_document(frontmatter, body, "\r\n" if crlf else "\n", bom)
    doc = parse_document(text)
    assert doc.layout == "block"
    assert doc.frontmatter == frontmatter
    assert list(doc.frontmatter) == list(frontmatter)
    assert doc.body == body


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(frontmatter=FRONTMATTER, body=BODIES, updates=WB_UPDATES)
def test_write_back_updates_keep_other_keys_body_and_hash(
    frontmatter: dict, body: str, updates: dict
) -> None:
    text = render_document(frontmatter, body)
    before = parse_document(text)
    after = parse_document(render_with_updates(text, before, updates))
    assert after.body == body
    assert after.frontmatter == {**frontmatter, **updates}
    assert content_hash(after) == content_hash(before)


@settings(max_examples=200, deadline=None)
@given(body=BODIES, updates=WB_UPDATES)
def test_write_back_to_a_file_without_frontmatter(body: str, updates: dict) -> None:
    try:
        before = parse_document(body)
    except FrontmatterError:
        before = None
    assume(before is not None and before.layout == "none")
    after = parse_document(render_with_updates(body, before, updates))
    assert after.body == body
    assert after.frontmatter == updates
    assert content_hash(after) == content_hash(before)


FLAT_KEYS = st.sampled_from(sorted(KNOWN_KEYS))
FLAT_VALUES = st.one_of(STRINGS, st.lists(STRINGS, max_size=3))


@settings(max_examples=300, deadline=None)
@given(items=st.dictionaries(FLAT_KEYS, FLAT_VALUES, min_size=1, max_size=8), body=TEXT)
def test_flattened_round_trip(items: dict, body: str) -> None:
    """Whatever one-line form the values take (quoted with `: `, ` --- `, `#`), it is recovered."""
    parts = []
    for key, value in items.items():
        if isinstance(value, list):
            parts.append(f"{key}: [{', '.join(quote(item) for item in value)}]")
        else:
            parts.append(f"{key}: {scalar(value)}")
    assume(all("\n" not in part for part in parts))
    text = f"--- {' '.join(parts)} --- {body}"
    doc = parse_document(text)
    assert doc.layout == "flattened"
    assert doc.frontmatter == items
    assert doc.body == body
    new = parse_document(render_with_updates(text, doc, {"status": "processed"}))
    assert new.layout == "block"
    assert new.body == body
    assert new.frontmatter == {**items, "status": "processed"}
    assert content_hash(new) == content_hash(doc)

"""The reply parser: the last top-level JSON object of a model reply, and its outer shape."""

from __future__ import annotations

import json

import pytest

from agent.errors import InputError
from agent.extract.reply import MalformedReply, ParsedReply, extract_last_json_object, parse_reply

CLAIM = {"title": "t", "evidence": [{"quote": "q"}]}


def test_plain_json() -> None:
    reply = json.dumps({"claims": [CLAIM], "notes": "one claim"})
    parsed = parse_reply(reply)
    assert parsed == ParsedReply(claims=[CLAIM], notes="one claim", raw_json=json.loads(reply))


def test_fenced_json_block() -> None:
    reply = 'Here is the result:\n```json\n{"claims": [{"title": "a"}], "notes": "n"}\n```\nDone.'
    parsed = parse_reply(reply)
    assert parsed.claims == [{"title": "a"}]
    assert parsed.notes == "n"


def test_prose_then_json() -> None:
    reply = (
        "Let me think. The source argues two things, and B4 is relevant.\n\n"
        '{"claims": [{"title": "x"}, {"title": "y"}]}'
    )
    assert [c["title"] for c in parse_reply(reply).claims] == ["x", "y"]


def test_two_objects_the_last_wins() -> None:
    reply = 'Draft: {"claims": [{"title": "draft"}]}\nFinal:\n{"claims": [{"title": "final"}]}'
    assert parse_reply(reply).claims == [{"title": "final"}]


def test_braces_inside_strings() -> None:
    reply = '{"claims": [{"title": "a {b} c } {", "description": "{\\"x\\": 1}"}], "notes": "}"}'
    parsed = parse_reply(reply)
    assert parsed.claims[0]["title"] == "a {b} c } {"
    assert parsed.notes == "}"


def test_prose_braces_before_the_json() -> None:
    reply = 'Use the template {title} and {x}.\n{"claims": [{"title": "real"}]}'
    assert parse_reply(reply).claims == [{"title": "real"}]


def test_prose_with_braces_and_no_json() -> None:
    with pytest.raises(MalformedReply, match="no JSON object found in the reply"):
        parse_reply("I could not find any claims in {the source}. Sorry {x}.")


def test_truncated_json() -> None:
    reply = '{"claims": [{"title": "first", "confidence": "likely"}, {"title": "seco'
    with pytest.raises(MalformedReply, match="invalid JSON"):
        parse_reply(reply)


def test_truncated_final_answer_after_a_complete_draft() -> None:
    """A draft must not stand in for a final answer that was cut off."""
    reply = '{"claims": [{"title": "draft"}]}\nFinal answer:\n{"claims": [{"title": "fin'
    with pytest.raises(MalformedReply, match="invalid JSON"):
        parse_reply(reply)


def test_invalid_json_message_says_where() -> None:
    with pytest.raises(MalformedReply, match=r"invalid JSON: Expecting .*line 1, column"):
        parse_reply('{"claims": [{"title": "a"} {"title": "b"}]}')


def test_object_without_claims() -> None:
    with pytest.raises(MalformedReply, match="JSON object has no 'claims' list") as info:
        parse_reply('{"results": []}')
    assert "results" in str(info.value)


def test_claims_not_a_list() -> None:
    with pytest.raises(MalformedReply, match="'claims' is dict, not a list"):
        parse_reply('{"claims": {"title": "a"}}')


def test_empty_reply() -> None:
    with pytest.raises(MalformedReply, match="no JSON object"):
        parse_reply("   ")


def test_malformed_reply_is_an_input_error() -> None:
    assert issubclass(MalformedReply, InputError)


def test_claim_items_are_returned_as_given() -> None:
    """The validator judges items one by one; the parser must not drop or coerce any."""
    items = [CLAIM, "not an object", 3, None, {"title": 5}]
    assert parse_reply(json.dumps({"claims": items})).claims == items


def test_notes_optional_and_non_string_notes_kept_as_json() -> None:
    assert parse_reply('{"claims": []}').notes == ""
    assert parse_reply('{"claims": [], "notes": null}').notes == ""
    assert parse_reply('{"claims": [], "notes": ["a", 1]}').notes == '["a", 1]'


def test_trailing_example_object_does_not_hide_the_answer() -> None:
    reply = '{"claims": [{"title": "a"}]}\nwhere a belief looks like {"id": "B4"}'
    assert parse_reply(reply).claims == [{"title": "a"}]


def test_nested_objects_are_not_top_level() -> None:
    reply = 'x {"outer": {"inner": {"deep": 1}}} y'
    assert extract_last_json_object(reply) == {"outer": {"inner": {"deep": 1}}}


def test_extract_without_preference_takes_the_last() -> None:
    assert extract_last_json_object('{"claims": []} {"id": "B4"}') == {"id": "B4"}


def test_top_level_array_is_not_an_object() -> None:
    with pytest.raises(MalformedReply, match="no 'claims' list"):
        parse_reply('[{"title": "a"}]')


def test_a_bare_quote_mark_copied_into_a_string_is_escaped_and_said() -> None:
    reply = (
        '```json\n{\n  "claims": [\n    {\n'
        '      "title": "None of them has a coherent plan" for AI safety",\n'
        '      "evidence": [{"quote": "x"}]\n    }\n  ],\n  "notes": "n"\n}\n```'
    )
    parsed = parse_reply(reply)
    assert parsed.claims[0]["title"] == 'None of them has a coherent plan" for AI safety'
    assert parsed.repaired == "1 unescaped quote mark(s) inside JSON strings escaped"
    assert parse_reply(json.dumps({"claims": []})).repaired == ""


def test_only_one_pair_per_line_is_repaired_else_the_reply_stays_malformed() -> None:
    several = '{"claims": [{"id": "B1", "stance": "sup"ports"}]}'  # two pairs on one line
    with pytest.raises(MalformedReply, match="invalid JSON"):
        parse_reply(several)
    truncated = '{"claims": [\n  {"title": "cut off here'
    with pytest.raises(MalformedReply, match="invalid JSON"):
        parse_reply(truncated)

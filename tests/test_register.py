"""The belief register: the packaged default, strict checking, loading and first-use copy."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest

from agent.errors import ConfigError, RegisterError
from beliefs.register import LEVELS, Belief, Register, parse_register
from store.registers import (
    default_register,
    default_register_text,
    ensure_register,
    load_register,
)

GOOD_ENTRY = """\
  - id: B1
    statement: "Alignment is hard."
    prior: 0.8
    level: axiom
    disconfirmation: "Alignment turns out easy."
"""


def register_yaml(*entries: str, agent: str = "theseus") -> str:
    return f"agent: {agent}\nbeliefs:\n" + "".join(entries)


def entry(**fields: object) -> str:
    """One belief entry in YAML, from GOOD_ENTRY's fields overridden by `fields`."""
    base: dict[str, object] = {
        "id": "B1",
        "statement": '"Alignment is hard."',
        "prior": 0.8,
        "level": "axiom",
        "disconfirmation": '"Alignment turns out easy."',
    }
    base.update(fields)
    lines = [f"{key}: {value}" for key, value in base.items() if value is not None]
    return "  - " + "\n    ".join(lines) + "\n"


# --- the packaged default -------------------------------------------------------------------


def test_default_register_is_theseus_b1_to_b5() -> None:
    register = default_register()
    assert register.agent == "theseus"
    assert register.origin == "<default>"
    assert register.ids == ("B1", "B2", "B3", "B4", "B5")
    b1 = register.get("B1")
    assert b1 is not None
    assert b1.prior == 0.8
    assert b1.level == "axiom"


def test_default_beliefs_are_single_sentences_with_targets() -> None:
    for belief in default_register().beliefs:
        assert 0.0 < belief.prior < 1.0
        assert belief.level in LEVELS
        # One sentence: it ends with a full stop and has no other sentence break inside.
        assert belief.statement.endswith(".")
        assert not re.search(r"[.!?]\s+[A-Z]", belief.statement), belief.statement
        assert 5 <= len(belief.statement.split()) <= 40
        assert len(belief.disconfirmation.split()) >= 10


def test_default_text_parses_the_same_from_a_file(tmp_path: Path) -> None:
    path = tmp_path / "beliefs.yaml"
    path.write_text(default_register_text(), encoding="utf-8")
    loaded = load_register(path)
    assert loaded.origin == str(path)
    assert loaded.beliefs == default_register().beliefs


# --- the Register type ----------------------------------------------------------------------


def test_register_lookup() -> None:
    register = parse_register(
        register_yaml(GOOD_ENTRY, entry(id="B2", prior=0.3, level="hypothesis")), "r.yaml"
    )
    assert register.ids == ("B1", "B2")
    assert register.get("B2") == Belief(
        "B2", "Alignment is hard.", 0.3, "hypothesis", "Alignment turns out easy."
    )
    assert register.get("B9") is None
    assert register.get("b2") is None  # lookups are exact; callers report unknown ids
    assert register.priors == {"B1": 0.8, "B2": 0.3}


def test_folded_text_is_one_line() -> None:
    text = register_yaml(
        textwrap.dedent(
            """\
              - id: B7
                statement: >-
                  A statement written
                  over two lines.
                prior: 0.001
                level: unconvinced
                disconfirmation: |
                  Something
                  else.
            """
        )
    )
    belief = parse_register(text, "r.yaml").beliefs[0]
    assert belief.statement == "A statement written over two lines."
    assert belief.disconfirmation == "Something else."


@pytest.mark.parametrize("written", ["1e-3", "1.0e-3", '"0.001"', "0.001"])
def test_prior_spellings(written: str) -> None:
    # PyYAML reads 1e-3 (no dot) as a string; the register still takes it as a number.
    register = parse_register(register_yaml(entry(prior=written)), "r.yaml")
    assert register.beliefs[0].prior == 0.001


# --- bad shapes -----------------------------------------------------------------------------

BAD_REGISTERS = [
    ("agent: [theseus\n", "not valid YAML"),
    ("agent: theseus\nbeliefs:\n  - id: B1\n   prior: 0.5\n", "not valid YAML"),
    ("", "not a mapping"),
    ("- B1\n- B2\n", "not a mapping"),
    ("beliefs: []\n", "'agent' must be a non-empty string"),
    ("agent: theseus\n", "'beliefs' must be a non-empty list"),
    ("agent: theseus\nbeliefs: []\n", "'beliefs' must be a non-empty list"),
    ("agent: theseus\nbeliefs: {id: B1}\n", "'beliefs' must be a non-empty list"),
    (register_yaml(GOOD_ENTRY) + "version: 2\n", "unknown top-level key 'version'"),
    (register_yaml("  - B1\n"), "belief #1: not a mapping"),
    (register_yaml(GOOD_ENTRY, "  - [B2]\n"), "belief #2: not a mapping"),
    (register_yaml(entry(statement=None)), "belief B1: missing statement"),
    (register_yaml(entry(statement='"  "')), "belief B1: 'statement' must be a non-empty"),
    (register_yaml(entry(statement="[a, b]")), "belief B1: 'statement' must be a non-empty"),
    (register_yaml(GOOD_ENTRY, entry(id=None)), "belief #2: missing id"),
    (register_yaml(entry(id="two words")), "id must be a short string"),
    (register_yaml(entry(id=7)), "belief #1: id must be a short string"),
    (register_yaml(entry(prior=None)), "belief B1: missing prior"),
    (register_yaml(entry(prior=0)), "belief B1: prior 0 is outside (0, 1)"),
    (register_yaml(entry(prior=1)), "belief B1: prior 1 is outside (0, 1)"),
    (register_yaml(entry(prior=1.5)), "belief B1: prior 1.5 is outside (0, 1)"),
    (register_yaml(entry(prior=-0.2)), "belief B1: prior -0.2 is outside (0, 1)"),
    (register_yaml(entry(prior=".nan")), "belief B1: prior nan is outside (0, 1)"),
    (register_yaml(entry(prior="high")), "belief B1: prior must be a number, got 'high'"),
    (register_yaml(entry(prior="[0.5]")), "belief B1: prior must be a number"),
    (register_yaml(entry(prior='"inf"')), "belief B1: prior inf is outside (0, 1)"),
    (register_yaml(entry(prior="true")), "belief B1: prior must be a number"),
    (register_yaml(entry(level="x")), "belief B1: unknown level 'x'"),
    (register_yaml(entry(level=None)), "belief B1: missing level"),
    (register_yaml(entry(disconfirmation="[a]")), "belief B1: 'disconfirmation' must be"),
    (register_yaml(entry(disconfirmation=None)), "belief B1: missing disconfirmation"),
    (register_yaml(entry(disconfirmation='""')), "belief B1: 'disconfirmation' must be"),
    (register_yaml(entry(disconfirmaton='"typo"')), "belief B1: unknown key 'disconfirmaton'"),
    (register_yaml(GOOD_ENTRY, GOOD_ENTRY), "belief B1: duplicate id"),
    (register_yaml(GOOD_ENTRY, entry(id="b1")), "belief b1: duplicate id (already used by 'B1')"),
]


@pytest.mark.parametrize(("text", "problem"), BAD_REGISTERS)
def test_bad_register_names_origin_entry_and_problem(text: str, problem: str) -> None:
    with pytest.raises(RegisterError) as caught:
        parse_register(text, "/ws/beliefs.yaml")
    message = str(caught.value)
    assert message.startswith("/ws/beliefs.yaml: ")
    assert problem in message


def test_yaml_errors_say_where() -> None:
    with pytest.raises(RegisterError, match=r"line \d+, column \d+"):
        parse_register("agent: theseus\nbeliefs:\n  - id: B1\n   prior: 0.5\n", "r.yaml")


def test_register_errors_are_configuration_errors() -> None:
    with pytest.raises(ConfigError) as caught:
        parse_register("agent: theseus\n", "r.yaml")
    assert caught.value.exit_code == 2


# --- files ----------------------------------------------------------------------------------


def test_missing_register_file_is_named(tmp_path: Path) -> None:
    path = tmp_path / "nope" / "beliefs.yaml"
    with pytest.raises(RegisterError, match=re.escape(str(path)) + ": .*not found"):
        load_register(path)


def test_unreadable_register_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(RegisterError, match=re.escape(str(tmp_path)) + ": cannot read"):
        load_register(tmp_path)  # a directory
    binary = tmp_path / "beliefs.yaml"
    binary.write_bytes(b"agent: \xff\xfe\n")
    with pytest.raises(RegisterError, match=re.escape(str(binary)) + ": cannot read"):
        load_register(binary)


def test_bad_register_file_is_named(tmp_path: Path) -> None:
    path = tmp_path / "beliefs.yaml"
    path.write_text(register_yaml(entry(level="dogma")), encoding="utf-8")
    with pytest.raises(RegisterError, match=re.escape(f"{path}: belief B1: unknown level")):
        load_register(path)


def test_ensure_register_copies_the_default(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "home" / "beliefs.yaml"
    assert ensure_register(path) == path
    assert path.read_text(encoding="utf-8") == default_register_text()
    assert load_register(path).beliefs == default_register().beliefs
    assert [p.name for p in path.parent.iterdir()] == ["beliefs.yaml"]  # no temp file left


def test_ensure_register_keeps_an_existing_file(tmp_path: Path) -> None:
    path = tmp_path / "beliefs.yaml"
    mine = register_yaml(GOOD_ENTRY, agent="someone")
    path.write_text(mine, encoding="utf-8")
    assert ensure_register(path) == path
    assert path.read_text(encoding="utf-8") == mine
    assert isinstance(load_register(path), Register)


# --- domains, descriptions, and every problem at once -------------------------------------------


def test_default_register_covers_ai_alignment() -> None:
    assert default_register().domains == ("ai-alignment",)


def test_domains_description_and_grounding_are_read() -> None:
    text = (
        "agent: rio\ndomain: internet-finance\nsecondary_domains: [collective-intelligence]\n"
        "beliefs:\n"
        + entry(description='"Markets  aggregate\n      what people know."', grounding="[a, b]")
    )
    register = parse_register(text, "r.yaml")
    assert register.domains == ("internet-finance",)
    assert register.secondary_domains == ("collective-intelligence",)
    belief = register.get("B1")
    assert belief is not None
    assert belief.description == "Markets aggregate what people know."
    assert belief.grounding == ("a", "b")
    assert parse_register(register_yaml(GOOD_ENTRY), "r").domains == ()


def test_domain_and_domains_together_are_refused() -> None:
    text = "agent: a\ndomain: x\ndomains: [y]\nbeliefs:\n" + GOOD_ENTRY
    with pytest.raises(RegisterError, match="'domain' or 'domains'"):
        parse_register(text, "r.yaml")


def test_every_bad_entry_is_reported_in_one_error() -> None:
    text = register_yaml(
        entry(id="B1", prior=2, disconfirmaton='"typo"'),
        entry(id="B2", level="dogma"),
        entry(id="B3", statement=None, disconfirmation=None),
    )
    with pytest.raises(RegisterError) as info:
        parse_register(text, "r.yaml")
    message = str(info.value)
    assert message.startswith("r.yaml: belief B1: unknown key 'disconfirmaton'")
    assert "belief B2: unknown level 'dogma'" in message
    assert "belief B3: missing statement; missing disconfirmation" in message

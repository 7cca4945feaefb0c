"""Bounded YAML: depth, size, expanded values and aliases, for frontmatter and the register."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from agent.cli import app
from agent.errors import RegisterError
from agent.text.bounded_yaml import (
    FRONTMATTER_LIMITS,
    YamlLimitError,
    YamlLimits,
    bounded_loader,
    load_bounded_yaml,
)
from beliefs.register import parse_register
from store.frontmatter import FrontmatterError, parse_document

REGISTER = """agent: tester
beliefs:
  - id: B1
    statement: "Alignment is the most important unsolved problem."
    prior: 0.8
    level: axiom
    disconfirmation: &target "Safety spending reaching parity with capability spending."
  - id: B2
    statement: "Verification degrades faster than capability grows."
    prior: 0.5
    level: hypothesis
    disconfirmation: *target
"""


def bomb(levels: int = 9) -> str:
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for n in range(1, levels):
        lines.append(f"a{n}: &a{n} [" + ", ".join([f"*a{n - 1}"] * 9) + "]")
    return "\n".join(lines) + "\n"


def nested(depth: int) -> str:
    return "a: " + "[" * depth + "]" * depth + "\n"


# -- the loader -----------------------------------------------------------------------------------


def test_ordinary_yaml_loads_as_safe_load_would() -> None:
    assert load_bounded_yaml(REGISTER) == yaml.safe_load(REGISTER)


@pytest.mark.parametrize("depth", [33, 500, 3000, 100_000])
def test_deep_nesting_is_refused_without_recursion(depth: int) -> None:
    with pytest.raises(YamlLimitError, match="nested more than 32 levels"):
        load_bounded_yaml(nested(depth))


def test_nesting_at_the_limit_loads() -> None:
    assert load_bounded_yaml(nested(31)) is not None


def test_an_alias_bomb_is_refused_quickly() -> None:
    started = time.perf_counter()
    with pytest.raises(YamlLimitError, match="alias bomb"):
        load_bounded_yaml(bomb())
    assert time.perf_counter() - started < 5


def test_aliases_that_nest_deeper_than_the_limit_are_refused() -> None:
    text = "a: &a " + "[" * 20 + "]" * 20 + "\nb: " + "[" * 20 + "*a" + "]" * 20 + "\n"
    with pytest.raises(YamlLimitError, match="levels deep"):
        load_bounded_yaml(text)


def test_a_recursive_alias_is_refused() -> None:
    with pytest.raises(YamlLimitError, match="contains it"):
        load_bounded_yaml("a: &a [1, *a]\n")


def test_too_many_aliases_and_too_much_text_are_refused() -> None:
    many = "a: &a 1\nb: [" + ", ".join(["*a"] * 101) + "]\n"
    with pytest.raises(YamlLimitError, match="more than 100 aliases"):
        load_bounded_yaml(many)
    small = bounded_loader(YamlLimits("a test", max_bytes=100))
    with pytest.raises(YamlLimitError, match="larger than 100 bytes"):
        load_bounded_yaml("a: " + "x" * 200, small)


def test_lone_surrogates_become_replacement_characters() -> None:
    loaded = load_bounded_yaml('"\\uD800key": ["\\uDFFF", "fine"]\n')
    assert loaded == {"\ufffdkey": ["\ufffd", "fine"]}
    "".join(["\ufffdkey", *loaded["\ufffdkey"]]).encode("utf-8")


def test_frontmatter_limits_are_the_strict_ones() -> None:
    assert FRONTMATTER_LIMITS.max_aliases == 0


# -- frontmatter ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("yaml_text", "expected"),
    [
        (nested(500), "nested more than 32 levels"),
        ("a: &x [1]\nb: *x\n", "aliases (*name) are not allowed in frontmatter"),
        (bomb(), "aliases"),
    ],
)
def test_frontmatter_violations_are_one_clear_error(yaml_text: str, expected: str) -> None:
    with pytest.raises(FrontmatterError) as caught:
        parse_document(f"---\n{yaml_text}---\nbody\n")
    assert expected in str(caught.value) and "\n" not in str(caught.value)
    assert str(caught.value).startswith("frontmatter refused at line ")


def test_a_surrogate_title_reads_as_valid_text() -> None:
    doc = parse_document('---\ntitle: "A \\uD800 title"\n---\nbody\n')
    assert doc.frontmatter["title"] == "A \ufffd title"


# -- the register ---------------------------------------------------------------------------------


def test_a_register_may_still_share_a_value_by_alias() -> None:
    register = parse_register(REGISTER, "r.yaml")
    assert register.beliefs[0].disconfirmation == register.beliefs[1].disconfirmation


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (bomb(), "alias bomb"),
        ("agent: x\nbeliefs: " + "[" * 3000 + "]" * 3000 + "\n", "levels deep"),
        ("agent: &a [1, *a]\nbeliefs: []\n", "contains it"),
    ],
)
def test_register_violations_are_register_errors_naming_the_file(text: str, expected: str) -> None:
    with pytest.raises(RegisterError) as caught:
        parse_register(text, "/etc/tracker/beliefs.yaml")
    message = str(caught.value)
    assert message.startswith("/etc/tracker/beliefs.yaml: ") and expected in message
    assert len(message) < 400


@pytest.mark.parametrize("kind", ["bomb", "deep"])
def test_a_hostile_register_is_exit_2(tmp_path: Path, kind: str) -> None:
    register = tmp_path / "beliefs.yaml"
    register.write_text(bomb() if kind == "bomb" else "agent: x\nbeliefs: " + "[" * 3000)
    archive = tmp_path / "archive"
    archive.mkdir()
    (archive / "a.md").write_text("# A note\n\nSome text.\n")
    for args in (["process", str(archive)], ["config"]):
        result = CliRunner().invoke(app, [*args, "--beliefs", str(register)])
        if args == ["config"]:
            assert result.exit_code == 0  # config does not read the register
            continue
        assert result.exit_code == 2, result.output
        assert str(register) in result.stderr and "Traceback" not in result.stderr


CORPORA = Path(__file__).resolve().parent.parent.parent / "shared" / "corpus"


def _documents() -> list[str]:
    """Every frontmatter block and YAML file of both shared corpora, and the packaged register."""
    texts = [
        (Path(__file__).resolve().parent.parent / "beliefs" / "default_register.yaml").read_text()
    ]
    for path in sorted(CORPORA.glob("teleo-*/**/*.md")):
        text = path.read_text(encoding="utf-8", errors="replace")
        if text.startswith("---\n") and "\n---" in text[4:]:
            texts.append(text[4 : text.index("\n---", 4)])
    return texts


@pytest.mark.skipif(not CORPORA.is_dir(), reason="needs ../shared/corpus")
def test_libyaml_and_pyyaml_parsing_load_the_same_data() -> None:
    """The fast path changes who parses, never what is loaded or refused."""
    from agent.text.bounded_yaml import _REGISTER_LOADER
    from store.frontmatter import _Loader

    def outcome(load: Any) -> tuple[str, Any]:
        try:
            return ("loaded", load())
        except Exception as exc:  # a bad date is a ValueError from either parser
            return (type(exc).__name__, str(exc))

    documents = _documents()
    assert len(documents) > 100
    for loader in (_REGISTER_LOADER, _Loader):
        for text in documents:
            slow = outcome(lambda: yaml.load(text, Loader=loader))  # noqa: B023
            assert outcome(lambda: load_bounded_yaml(text, loader)) == slow  # noqa: B023


def test_an_escaped_lone_surrogate_falls_back_to_pyyaml() -> None:
    """libyaml refuses the escape; PyYAML reads it, and tracker makes it U+FFFD."""
    assert load_bounded_yaml('title: "a\\uD800b"\n') == {"title": "a\ufffdb"}


def test_the_fast_variant_composes_with_our_limits() -> None:
    from agent.text.bounded_yaml import _REGISTER_LOADER, _fast_variant

    fast = _fast_variant(_REGISTER_LOADER)
    assert fast is not None
    assert yaml.load(REGISTER, Loader=fast) == yaml.safe_load(REGISTER)
    with pytest.raises(YamlLimitError, match="levels deep"):
        yaml.load("a: " + "[" * 40 + "]" * 40, Loader=fast)
    with pytest.raises(YamlLimitError, match="alias bomb"):
        yaml.load(bomb(), Loader=fast)

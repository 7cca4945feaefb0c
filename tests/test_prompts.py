"""Prompt templates: their variables match what the code passes, and the blocks round-trip."""

from __future__ import annotations

from pathlib import Path

import pytest

from agent.errors import ConfigError
from agent.extract.landing import source_text
from agent.extract.pipeline import extract_prompt_values
from agent.llm.prompt_blocks import BeliefView, beliefs_block, read_blocks
from agent.llm.prompts import load_prompt, packaged_prompts, split_messages
from store.archive import read_source


def test_extract_variables_match_the_pipeline(sample_archive: Path) -> None:
    template = load_prompt("extract")
    source = read_source(sample_archive / "2026-02-14-lab-safety-budgets-survey.md", "s")
    values = extract_prompt_values(source, beliefs_block([]))
    assert set(values) == template.variables


def test_rendered_prompt_gives_back_source_and_beliefs(sample_archive: Path) -> None:
    source = read_source(sample_archive / "2026-05-00-oversight-gap-field-notes.md", "notes")
    views = [BeliefView("B4", "Checking gets harder", 'Proof checkers "scale"')]
    prompt = load_prompt("extract").render(**extract_prompt_values(source, beliefs_block(views)))
    blocks = read_blocks(prompt)
    assert blocks.text == source_text(source)
    assert source.body.startswith(blocks.text)  # only the curators' notes at the end are left out
    assert "## Agent Notes" in source.body and "Agent Notes" not in prompt
    system, user = split_messages(prompt)
    assert system is not None and "<source" not in system and "<beliefs>" not in system
    assert read_blocks(user) == blocks  # the user message alone carries what a model works from
    assert blocks.title == source.title
    assert "id=" not in prompt.split("<source", 1)[1].split(">", 1)[0]  # no id in the prompt
    assert blocks.beliefs == views


def test_prompt_hash_changes_with_the_text() -> None:
    template = load_prompt("extract")
    assert len(template.sha256) == 64
    assert template.sha256 != type(template)("extract", template.text + " ").sha256


def test_missing_value_and_missing_template_are_config_errors() -> None:
    with pytest.raises(ConfigError, match="no value for"):
        load_prompt("extract").render(domain="x")
    with pytest.raises(ConfigError, match="cannot read prompt template"):
        load_prompt("no-such-prompt")
    assert (packaged_prompts() / "extract.md").is_file()

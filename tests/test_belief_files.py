"""The belief-file reader against the seven agents' own files and small made-up texts."""

from __future__ import annotations

import contextlib
import dataclasses
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agent.errors import RegisterError
from store.belief_files import BeliefEntry, parse_belief_file, read_belief_file

CORPUS = Path(__file__).resolve().parent.parent.parent / "shared" / "corpus"
AGENTS_DIR = CORPUS / "teleo-collective" / "agents"
AGENTS = ("astra", "clay", "leo", "logos", "rio", "theseus", "vida")
BELIEF_COUNTS = {"astra": 7, "clay": 5, "leo": 6, "logos": 5, "rio": 6, "theseus": 5, "vida": 5}

needs_corpus = pytest.mark.skipif(
    not all((AGENTS_DIR / name / "beliefs.md").is_file() for name in AGENTS),
    reason="shared corpus (teleo-collective) not found beside the repository",
)


def _agent(name: str) -> list[BeliefEntry]:
    return read_belief_file(AGENTS_DIR / name / "beliefs.md")


# ---- the shared corpus -------------------------------------------------------------------------


@needs_corpus
@pytest.mark.parametrize("name", AGENTS)
def test_every_agent_file_parses_with_its_belief_count(name: str) -> None:
    entries = _agent(name)
    assert len(entries) == BELIEF_COUNTS[name]
    assert [entry.number for entry in entries] == list(range(1, len(entries) + 1))
    for entry in entries:
        assert entry.id == f"B{entry.number}"
        assert entry.title and entry.title == " ".join(entry.title.split())
        # every belief of the corpus has prose, grounding and a disconfirmation or challenges
        assert entry.paragraph and "**" not in entry.paragraph
        assert entry.disconfirmation
        assert entry.grounding
        for target in entry.grounding:
            assert target and "[" not in target and "]" not in target


@needs_corpus
def test_theseus_titles_drop_the_keystone_markers() -> None:
    assert [entry.title for entry in _agent("theseus")] == [
        "AI alignment is the greatest outstanding problem for humanity",
        "Alignment is a coordination problem, not a technical problem",
        "Alignment must be continuous, not a specification problem",
        "Verification degrades faster than capability grows",
        "Collective superintelligence is the most promising path that preserves human agency",
    ]


@needs_corpus
def test_inline_grounding_links_in_order() -> None:
    first = _agent("theseus")[0]
    assert first.grounding == (
        "safe AI development requires building alignment mechanisms before scaling capability",
        "technology advances exponentially but coordination mechanisms evolve linearly creating "
        "a widening gap",
        "the alignment tax creates a structural race to the bottom because safety training costs "
        "capability and rational competitors skip it",
    )


@needs_corpus
def test_bullet_grounding_links_drop_the_comments() -> None:
    third = _agent("theseus")[2]  # bullets with " — comment"
    assert len(third.grounding) == 3
    assert third.grounding[1].startswith("the specification trap means any values encoded")
    assert all("—" not in target for target in third.grounding)
    rio_first = _agent("rio")[0]  # bullets with " -- comment"
    assert rio_first.grounding == (
        "Polymarket vindicated prediction markets over polling in 2024 US election",
        "speculative markets aggregate information through incentive and selection effects not "
        "wisdom of crowds",
        "Market wisdom exceeds crowd wisdom",
    )
    assert len(_agent("vida")[0].grounding) == 4


@needs_corpus
def test_disconfirmation_from_either_label() -> None:
    theseus = _agent("theseus")
    # "Disconfirmation target:" in B1, markdown link kept as its text
    assert theseus[0].disconfirmation.startswith("If safety spending approaches parity")
    assert "](" not in theseus[0].disconfirmation
    assert "See full file for detailed challenges." in theseus[0].disconfirmation
    # "Challenges considered:" in B4; its sentence that only names a note (`[[...]].`) is the
    # register pointing at evidence, not its words, and is dropped (issue 12)
    assert theseus[3].disconfirmation.startswith("Formal verification of AI-generated proofs")
    assert "[[" not in theseus[3].disconfirmation
    assert "machine-checked correctness scales with AI capability" not in (
        theseus[3].disconfirmation
    )
    assert "Counter: formal verification works" in theseus[3].disconfirmation


@needs_corpus
def test_multi_paragraph_beliefs_and_other_labels() -> None:
    clay = _agent("clay")
    # B4 has two paragraphs before its Grounding; both are the belief's prose
    assert clay[3].paragraph.startswith("People are hungry for visions")
    assert "This belief connects Clay to every domain" in clay[3].paragraph
    # B1 has "The test:" instead of "Depends on positions:": ignored, not glued onto anything
    assert clay[0].depends_on == ""
    assert "The test" not in clay[0].disconfirmation
    assert "Clay should not exist" not in clay[0].disconfirmation
    # leo's later beliefs have no Depends section
    assert _agent("leo")[1].depends_on == ""
    assert _agent("theseus")[4].depends_on.startswith("The constructive alternative")


@needs_corpus
def test_sections_without_beliefs_are_skipped() -> None:
    for name in AGENTS:
        for entry in _agent(name):
            assert "Flag the belief" not in entry.depends_on + entry.disconfirmation
            assert "Each belief is mutable" not in entry.paragraph


# ---- small texts ---------------------------------------------------------------------------------


SMALL = """# Someone's Beliefs

Preamble that is not a belief.

### 1. Markets are good *(keystone — [full file](beliefs/a%20b.md))*

First paragraph.

Second   paragraph with a [[linked note|alias]].

**Grounding:** [[note one]], [[note two]]

**Challenges considered:** Thin markets are noisy. Counter: [[note three]] says otherwise.

**Disconfirmation target:** Markets losing to polls.

**Depends on positions:** Everything.

---

### 2) Votes are worse

**Grounding:**
- [[note four]] — with a comment
- [[note five]] -- another comment

**Challenges considered:** Turnout.

---

## Belief Evaluation Protocol

1. Not a belief.
"""


def test_small_file_every_field() -> None:
    first, second = parse_belief_file(SMALL, "small.md")
    assert first == BeliefEntry(
        number=1,
        id="B1",
        title="Markets are good",
        paragraph="First paragraph. Second paragraph with a linked note.",
        grounding=("note one", "note two"),
        disconfirmation="Markets losing to polls.",
        depends_on="Everything.",
    )
    assert second.title == "Votes are worse"
    assert second.paragraph == ""
    assert second.grounding == ("note four", "note five")
    assert second.disconfirmation == "Turnout."
    assert second.depends_on == ""
    with pytest.raises(dataclasses.FrozenInstanceError):
        first.title = "changed"  # type: ignore[misc]


def test_windows_line_endings_and_bom() -> None:
    text = "\ufeff" + SMALL.replace("\n", "\r\n")
    assert parse_belief_file(text, "crlf.md") == parse_belief_file(SMALL, "small.md")


def test_no_beliefs_is_an_error_naming_the_file() -> None:
    with pytest.raises(RegisterError, match=r"^notes\.md: no beliefs found"):
        parse_belief_file("# Notes\n\nJust prose.\n\n## Protocol\n1. step\n", "notes.md")


def test_empty_text_is_an_error() -> None:
    with pytest.raises(RegisterError, match="no beliefs found"):
        parse_belief_file("", "empty.md")


def test_duplicate_numbers_name_the_belief_and_both_lines() -> None:
    text = "### 1. One\n\nA.\n\n---\n\n### 2. Two\n\nB.\n\n---\n\n### 2. Again\n\nC.\n"
    with pytest.raises(RegisterError) as info:
        parse_belief_file(text, "dup.md")
    message = str(info.value)
    assert message.startswith("dup.md: belief ### 2 (line 13): duplicate number")
    assert "line 7" in message


@pytest.mark.parametrize("heading", ["### 3", "### 3.", "### 3. *(keystone)*", "### 3.   "])
def test_belief_without_title_is_an_error(heading: str) -> None:
    text = f"### 1. Fine\n\nProse.\n\n---\n\n{heading}\n\nProse without a title.\n"
    with pytest.raises(RegisterError, match=r"^t\.md: belief ### 3 \(line 7\): no title$"):
        parse_belief_file(text, "t.md")


def test_read_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nope.md"
    with pytest.raises(RegisterError, match="belief file not found") as info:
        read_belief_file(path)
    assert str(path) in str(info.value)


def test_read_non_utf8_file(tmp_path: Path) -> None:
    path = tmp_path / "latin1.md"
    path.write_bytes("### 1. Caf\u00e9 culture\n\nProse.\n".encode("latin-1"))
    with pytest.raises(RegisterError, match="not UTF-8") as info:
        read_belief_file(path)
    assert str(info.value).startswith(str(path))


def test_read_a_folder_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(RegisterError, match="cannot read belief file"):
        read_belief_file(tmp_path)


def test_read_file_names_it_in_errors(tmp_path: Path) -> None:
    path = tmp_path / "beliefs.md"
    path.write_text("### 1.\n", encoding="utf-8")
    with pytest.raises(RegisterError, match=r"beliefs\.md: belief ### 1 \(line 1\): no title"):
        read_belief_file(path)
    path.write_text(SMALL, encoding="utf-8")
    assert [entry.id for entry in read_belief_file(path)] == ["B1", "B2"]


def test_headings_that_are_not_beliefs_end_a_belief() -> None:
    text = (
        "### 1. First\n\nProse.\n\n**Grounding:** [[a]]\n\n### Notes\n\n**Grounding:** [[b]]\n\n"
        "### 2026 outlook\n\nNot a belief.\n\n### 2. Second\n\nMore.\n"
    )
    first, second = parse_belief_file(text, "h.md")
    assert first.grounding == ("a",)
    assert (second.number, second.title) == (2, "Second")


def test_fenced_code_does_not_start_beliefs() -> None:
    text = "### 1. Real\n\n```\n### 2. Inside a fence\n```\n\nStill prose.\n"
    (only,) = parse_belief_file(text, "f.md")
    assert only.title == "Real"
    assert "Still prose." in only.paragraph


# ---- properties ----------------------------------------------------------------------------------

_PIECES = st.sampled_from(
    [
        "### ",
        "### 1. ",
        "### 2",
        "### 1) ",
        "## ",
        "# ",
        "---",
        "**Grounding:** ",
        "**Challenges considered:** ",
        "**Disconfirmation target:** ",
        "**Depends on positions:**",
        "**",
        "[[",
        "]]",
        "|",
        "#",
        "- ",
        " — ",
        " -- ",
        "*(",
        ")*",
        "(",
        ")",
        "[",
        "]",
        "\n",
        "\r\n",
        "\n\n",
        "```",
        "\ufeff",
        "\u2028",
        "0",
        "9",
        "B",
        "x",
        " ",
    ]
)
_TEXT = st.lists(st.one_of(_PIECES, st.text(max_size=8)), max_size=60).map("".join)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_TEXT)
def test_arbitrary_text_raises_nothing_but_register_error(text: str) -> None:
    try:
        entries = parse_belief_file(text, "any.md")
    except RegisterError as exc:
        assert str(exc).startswith("any.md: ")
        return
    assert entries
    numbers = [entry.number for entry in entries]
    assert len(set(numbers)) == len(numbers)
    for entry in entries:
        assert entry.id == f"B{entry.number}"
        assert entry.title and entry.title == " ".join(entry.title.split())
        assert entry.paragraph == " ".join(entry.paragraph.split())
        assert all(target for target in entry.grounding)
        assert len(set(entry.grounding)) == len(entry.grounding)


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_any_unicode_text_raises_nothing_but_register_error(text: str) -> None:
    with contextlib.suppress(RegisterError):
        parse_belief_file(text, "any.md")


_WORD = st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=8)
_PHRASE = st.lists(_WORD, min_size=1, max_size=6).map(" ".join)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.tuples(
            _PHRASE, _PHRASE, st.lists(_PHRASE, max_size=4, unique=True), _PHRASE, st.booleans()
        ),
        min_size=1,
        max_size=6,
    )
)
def test_written_beliefs_read_back(
    beliefs: list[tuple[str, str, list[str], str, bool]],
) -> None:
    parts = ["# Beliefs\n\nPreamble.\n\n## Active Beliefs\n"]
    for number, (title, prose, links, challenge, bullets) in enumerate(beliefs, 1):
        if bullets:
            grounding = "".join(f"\n- [[{link}]] — why it matters" for link in links)
        else:
            grounding = " " + ", ".join(f"[[{link}]]" for link in links)
        parts.append(
            f"\n### {number}. {title}\n\n{prose}\n\n**Grounding:**{grounding}\n\n"
            f"**Challenges considered:** {challenge}\n\n---\n"
        )
    parts.append("\n## Belief Evaluation Protocol\n\n1. step\n")
    entries = parse_belief_file("".join(parts), "gen.md")
    assert [(e.number, e.title, e.paragraph, e.grounding, e.disconfirmation) for e in entries] == [
        (number, title, prose, tuple(links), challenge)
        for number, (title, prose, links, challenge, _) in enumerate(beliefs, 1)
    ]


def test_a_sentence_that_only_names_a_note_is_not_the_registers_words() -> None:
    text = (
        "### 1. Checking gets harder\n\nOversight lags capability.\n\n"
        "**Challenges considered:** Proof checkers may scale. [[proof checkers scale with "
        "capability]]. Counter: values resist formalisation.\n"
    )
    (entry,) = parse_belief_file(text, "inline")
    assert (
        entry.disconfirmation == "Proof checkers may scale. Counter: values resist formalisation."
    )

"""The collective (issue 15): belief files as registers, several holders, routing by domain,
qualified ids, one ledger, known claim notes. The pipeline runs with the offline model and the
hashing embedder, on the example collective of examples/collective (written for this project)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from agent.cli import app
from agent.config import resolve_settings
from agent.errors import ConfigError, RegisterError
from agent.extract.pipeline import ProcessOptions, process
from agent.extract.routing import (
    in_passing,
    qualify_belief_ids,
    route,
    route_frontmatter,
    source_domains,
)
from agent.workspace import open_workspace
from beliefs.rule import RuleSettings, credence
from store.ledger import live_evidence
from store.registers import load_register
from tests.conftest import CORPUS

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "collective"
AGENTS = CORPUS.parent / "teleo-collective" / "agents"
runner = CliRunner()


@pytest.fixture
def example(tmp_path: Path) -> Path:
    target = tmp_path / "collective"
    shutil.copytree(EXAMPLE, target)
    return target


def run(example: Path, home: Path, **options):
    settings = resolve_settings(home=str(home), beliefs=str(example / "collective.yaml"))
    return process(settings, ProcessOptions(archives=[example / "inbox"], **options))


def cli(home: Path, *args: str):
    return runner.invoke(app, [*args, "--home", str(home)])


# -- belief files are registers ------------------------------------------------------------------


@pytest.mark.parametrize("agent", ["astra", "clay", "leo", "logos", "rio", "theseus", "vida"])
def test_every_shared_belief_file_reads_as_a_register(agent: str) -> None:
    if not AGENTS.exists():
        pytest.skip("../shared/corpus is not beside the project")
    register = load_register(AGENTS / agent / "beliefs.md")
    assert register.agent == agent and len(register.beliefs) >= 5
    assert register.ids[:2] == ("B1", "B2")
    for belief in register.beliefs:
        assert belief.statement and belief.description and belief.disconfirmation
        assert belief.prior == 0.6 and belief.level == "belief"  # the stated defaults
    assert any(b.grounding for b in register.beliefs)


def test_the_priors_file_beside_a_belief_file_is_used(example: Path) -> None:
    register = load_register(example / "agents" / "theo" / "beliefs.md")
    assert register.get("B1").prior == 0.65 and register.get("B2").prior == 0.6
    assert register.get("B1").grounding == (
        "review time grows faster than generation time for machine-written code",
    )
    (example / "agents" / "theo" / "beliefs.priors.yaml").write_text(
        "beliefs:\n  B9: {prior: 0.5}\n"
    )
    with pytest.raises(RegisterError, match="no belief 'B9'"):
        load_register(example / "agents" / "theo" / "beliefs.md")


def test_a_belief_without_a_disconfirmation_target_is_a_config_error(tmp_path: Path) -> None:
    path = tmp_path / "agents" / "x" / "beliefs.md"
    path.parent.mkdir(parents=True)
    path.write_text("# X\n\n### 1. Something holds\n\nBecause reasons.\n")
    with pytest.raises(RegisterError, match=r"beliefs.md: belief ### 1: no \*\*Disconfirmation"):
        load_register(path)


def test_a_bad_collective_names_the_file_and_the_holder(example: Path) -> None:
    path = example / "collective.yaml"
    path.write_text("holders:\n  - agent: a\n    register: nowhere.md\n")
    with pytest.raises(RegisterError, match=r"nowhere\.md"):
        load_register(path)
    path.write_text("holders:\n  - agent: a/b\n    register: agents/theo/beliefs.md\n")
    with pytest.raises(RegisterError, match="holder #1"):
        load_register(path)


# -- routing and qualified ids -------------------------------------------------------------------


def test_routing_by_domain_and_secondary_domain(example: Path) -> None:
    register = load_register(example / "collective.yaml")
    assert register.ids == ("theo/B1", "theo/B2", "mira/B1", "mira/B2")
    assert route(register, {"ai-alignment"}).agents == ("theo",)
    assert route(register, {"internet-finance"}).agents == ("mira",)
    # theo takes collective-intelligence as a secondary domain
    assert route(register, {"internet-finance", "collective-intelligence"}).agents == (
        "theo",
        "mira",
    )
    assert route(register, {"agriculture"}).unrouted
    assert route(register, set()).agents == ("theo", "mira")  # no domain: what it says decides
    assert source_domains({"domain": "Health", "secondary_domains": ["x", ""]}) == {"health", "x"}


def test_a_holder_reached_only_through_secondary_domains_is_peripheral(example: Path) -> None:
    register = load_register(example / "collective.yaml")
    # filed under internet-finance, touching collective-intelligence: theo only in passing
    fees = route_frontmatter(
        register, {"domain": "internet-finance", "secondary_domains": ["collective-intelligence"]}
    )
    assert fees.agents == ("theo", "mira") and fees.peripheral == ("theo",)
    assert fees.peripheral_belief_ids == {"theo/B1", "theo/B2"}
    assert "theo only through its secondary domains" in (fees.note({"internet-finance"}) or "")
    # filed under a domain theo covers (even as its own secondary one): not in passing
    filed = route_frontmatter(register, {"domain": "collective-intelligence"})
    assert filed.agents == ("theo",) and filed.peripheral == () and filed.note(set()) is None
    # no primary domain: nobody is peripheral, what the source says decides
    loose = route_frontmatter(register, {"secondary_domains": ["internet-finance"]})
    assert loose.agents == ("mira",) and loose.peripheral == ()
    # the view a peripheral source was judged against differs, so it is judged again
    assert (
        fees.view_sha256
        != route(
            register,
            source_domains(
                {"domain": "internet-finance", "secondary_domains": ["collective-intelligence"]}
            ),
        ).view_sha256
    )


def test_in_passing_keeps_the_link_and_drops_the_direction() -> None:
    from agent.extract.validate import StanceOnBelief, ValidClaim

    claim = ValidClaim(
        "Fees fell",
        "d",
        "likely",
        "internet-finance",
        ("q",),
        (StanceOnBelief("theo/B1", "supports", "why"), StanceOnBelief("mira/B1", "challenges", "")),
    )
    kept = in_passing(claim, frozenset({"theo/B1"}))
    assert [(s.belief_id, s.stance) for s in kept.beliefs] == [
        ("theo/B1", "related"),
        ("mira/B1", "challenges"),
    ]
    assert "model said supports" in kept.beliefs[0].rationale and "why" in kept.beliefs[0].rationale
    assert in_passing(claim, frozenset()) is claim


def test_bare_ids_resolve_only_when_one_holder_has_them(example: Path) -> None:
    register = load_register(example / "collective.yaml")
    with pytest.raises(ConfigError, match="ambiguous: use one of theo/B1, mira/B1"):
        register.resolve("B1")
    assert register.resolve("mira/B2").id == "mira/B2"
    claim = {"beliefs": [{"id": "B1", "stance": "supports"}, {"id": "B2", "stance": "supports"}]}
    shown = ("mira/B1", "mira/B2")
    assert [b["id"] for b in qualify_belief_ids(claim, shown)["beliefs"]] == list(shown)
    both = ("theo/B1", "mira/B1")
    assert qualify_belief_ids(claim, both)["beliefs"][0]["id"] == "B1"  # left for the validator


def test_a_collective_run_routes_and_qualifies(fake_embedder, example, tmp_path) -> None:
    home = tmp_path / "home"
    report = run(example, home)
    assert report.failed == [] and report.unrouted_sources == ["2026-05-05-tomato-yields"]
    assert report.as_json()["unrouted"] == 1
    ws = open_workspace(resolve_settings(home=str(home)))  # remembered: no flag needed
    assert ws.register.is_collective
    events = ws.db.execute("SELECT belief, source FROM events").fetchall()
    assert all(belief.split("/")[0] in ("theo", "mira") for belief, _ in events)
    by_source = {}
    for belief, source in events:
        by_source.setdefault(source, set()).add(belief.split("/")[0])
    assert by_source.get("2026-01-15-election-market-forecasts", {"mira"}) == {"mira"}
    assert "2026-05-05-tomato-yields" not in by_source
    tomato = (example / "inbox" / "2026-05-05-tomato-yields.md").read_text()
    assert "no belief holder covers its domain (agriculture)" in tomato
    fees = (example / "inbox" / "2026-02-20-settlement-fees.md").read_text()
    assert "processed_by: [theo, mira]" in fees
    assert "reaching theo only through its secondary domains" in fees
    # every command takes and shows qualified ids; a bare ambiguous id is a usage error
    listing = json.loads(cli(home, "beliefs", "--json").stdout)
    assert [b["id"] for b in listing] == ["theo/B1", "theo/B2", "mira/B1", "mira/B2"]
    only_mira = json.loads(cli(home, "beliefs", "--json", "--agent", "mira").stdout)
    assert {b["holder"] for b in only_mira} == {"mira"}
    ambiguous = cli(home, "history", "B1")
    assert ambiguous.exit_code == 2 and "theo/B1, mira/B1" in ambiguous.stderr
    assert cli(home, "history", "mira/B1", "--json").exit_code == 0
    assert cli(home, "claims", "--belief", "mira/B2", "--json").exit_code == 0
    assert cli(home, "replay", "--check").exit_code == 0


def test_a_source_filed_elsewhere_links_a_peripheral_holder_without_moving_it(
    fake_embedder, example, tmp_path
) -> None:
    """The same text moves theo when filed under ai-alignment, and only links it (related,
    weight 0) when filed under internet-finance with collective-intelligence as a secondary
    domain (a domain theo covers only secondarily)."""
    inbox = example / "inbox"
    study = (inbox / "2026-03-02-review-queue-study.md").read_text()
    elsewhere = study.replace(
        "domain: ai-alignment",
        "domain: internet-finance\nsecondary_domains: [collective-intelligence]",
    )
    runs = {}
    for label, text in (("filed", study), ("elsewhere", elsewhere)):
        for path in inbox.glob("*.md"):
            path.unlink()
        (inbox / "2026-03-02-review-queue-study.md").write_text(text)
        home = tmp_path / label
        run(example, home)
        ws = open_workspace(resolve_settings(home=str(home)))
        runs[label] = ws.db.execute("SELECT belief, stance, weight FROM events").fetchall()
        shown = json.loads(cli(home, "claims", "--json").stdout)
        runs[label + "-claims"] = {b["stance"] for c in shown for b in c["beliefs"]}
    assert any(weight > 0 for *_, weight in runs["filed"])  # filed under theo's own domain
    theo = [r for r in runs["elsewhere"] if r[0].startswith("theo/")]
    assert theo and {b for b, *_ in theo} == {b for b, *_ in runs["filed"]}
    assert all(stance == "related" and weight == 0 for _, stance, weight in theo)
    assert runs["elsewhere-claims"] == {"related"} != runs["filed-claims"]
    note = (inbox / "2026-03-02-review-queue-study.md").read_text()
    assert "reaching theo only through its secondary domains" in note


def test_the_cap_holds_per_holder_and_belief(fake_embedder, example, tmp_path) -> None:
    home = tmp_path / "home"
    run(example, home)
    ws = open_workspace(resolve_settings(home=str(home)))
    rule = RuleSettings()
    for belief in ws.register.beliefs:
        evidence = live_evidence(ws.db, belief.id)
        for source in {e.source_id for e in evidence}:
            without = [e for e in evidence if e.source_id != source]
            shift = credence(belief.prior, evidence, rule) - credence(belief.prior, without, rule)
            assert abs(shift) <= 0.1 + 1e-12


def test_known_claim_notes_take_restatements_as_evidence(
    fake_embedder, example, tmp_path, monkeypatch
):
    """A source that restates a note of the knowledge base adds evidence to that note."""
    (example / "inbox" / "2026-06-01-restated.md").write_text(
        "---\ntype: source\ntitle: Restated\nurl: https://example.org/r\ndate: 2026-06-01\n"
        "domain: ai-alignment\nstatus: unprocessed\n---\n\n"
        "Review time grows faster than generation time for machine-written code.\n"
    )
    from langchain_core.language_models.fake_chat_models import FakeListChatModel

    import agent.extract.pipeline

    reply = {
        "claims": [
            {
                "title": "Review time grows faster than generation time for machine-written code",
                "description": "A restatement of the team's own earlier note, here with a date.",
                "confidence": "likely",
                "domain": "ai-alignment",
                "evidence": [
                    {"quote": "Review time grows faster than generation time for machine-written"}
                ],
                "beliefs": [{"id": "B1", "stance": "supports", "rationale": "It says so."}],
            }
        ]
    }
    model = FakeListChatModel(responses=[json.dumps(reply)] * 10)
    monkeypatch.setattr(agent.extract.pipeline, "make_chat_model", lambda *a: model)
    home = tmp_path / "home"
    for path in (example / "inbox").iterdir():
        if path.name != "2026-06-01-restated.md":
            path.unlink()
    run(example, home)
    ws = open_workspace(resolve_settings(home=str(home)))
    reasons = ws.db.execute("SELECT reasons, duplicate_of FROM rejections").fetchall()
    assert len(reasons) == 1 and reasons[0][1].startswith("note:review time grows")
    assert "the knowledge base's note" in json.loads(reasons[0][0])[0]["message"]
    events = ws.db.execute("SELECT belief, claim FROM events").fetchall()
    assert events == [("theo/B1", reasons[0][1])]
    history = json.loads(cli(home, "history", "theo/B1", "--json").stdout)
    assert history[0]["claim"] == (
        "review time grows faster than generation time for machine-written code"
    )
    out = tmp_path / "export"
    cli(home, "export", str(out))
    beliefs_md = (out / "beliefs.md").read_text()
    assert "(restated by `2026-06-01-restated`)" in beliefs_md and "claims/review" in beliefs_md
    assert not list((out / "claims").glob("review*"))  # linked, not written a second time

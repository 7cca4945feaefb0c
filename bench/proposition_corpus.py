"""How many curated claim titles of the shared corpora the proposition check rejects.

Curated claims are propositions, so every rejection here is a false one (a few titles may be
genuinely label-like; they are listed for a person to judge). Titles come from:
- `claims/*.md` file names of teleo-ai-alignment and `claims/*/*.md` of teleo-collective (a
  `title:` in the frontmatter wins over the file name);
- the `claims_extracted` lists in the frontmatter of both corpora's `sources/*.md`;
- and, apart, the `description:` sentences of those claim files, and the past-tense and passive
  sentences of those claim files' bodies (a sentence with "was", "were", "been" or an -ed word;
  curated prose, so nearly all are propositions; a harder test of the past-tense rules).
A file-name title with no spaces has its dashes read as spaces.

Run: .venv/bin/python bench/proposition_corpus.py [--corpus-root DIR] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from agent.text.proposition import proposition_problem

DEFAULT_ROOT = Path("/work/shared/corpus")
_FRONTMATTER = re.compile(r"\A---\n(.*?)\n---\n", re.S)


def as_title(name: str) -> str:
    name = name.strip().removesuffix(".md").strip()
    return name if " " in name else name.replace("-", " ")


def frontmatter(path: Path) -> dict:
    m = _FRONTMATTER.match(path.read_text(encoding="utf-8"))
    if not m:
        return {}
    try:
        data = yaml.load(m.group(1), Loader=yaml.BaseLoader)  # dates like 2026-02-00 stay text
    except (yaml.YAMLError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def claim_titles(files: list[Path]) -> list[str]:
    titles = []
    for path in files:
        if path.stem.startswith("_"):
            continue
        title = frontmatter(path).get("title")
        titles.append(
            as_title(title) if isinstance(title, str) and title.strip() else as_title(path.stem)
        )
    return titles


def extracted_titles(folder: Path) -> list[str]:
    titles = []
    for path in sorted(folder.glob("*.md")):
        listed = frontmatter(path).get("claims_extracted") or []
        titles.extend(as_title(t) for t in listed if isinstance(t, str) and t.strip())
    return titles


def descriptions(files: list[Path]) -> list[str]:
    found = [frontmatter(p).get("description") for p in files if not p.stem.startswith("_")]
    return [d.strip() for d in found if isinstance(d, str) and d.strip()]


_PAST = re.compile(r"\b(?:was|were|been|[a-z]{3,}ed)\b")
_SENTENCE_END = re.compile(r"(?<=[a-z0-9)\]][.!])\s+(?=[A-Z])")


def past_sentences(files: list[Path]) -> list[str]:
    """Past-tense or passive sentences of the claim notes' prose paragraphs (links unwrapped)."""
    found = []
    for path in files:
        if path.stem.startswith("_"):
            continue
        body = _FRONTMATTER.sub("", path.read_text(encoding="utf-8"), count=1)
        body = body.split("\n---\n", 1)[0]  # the "Relevant Notes" list follows a rule
        for paragraph in body.split("\n\n"):
            paragraph = " ".join(paragraph.split())
            if not paragraph or paragraph[0] in "#->|*" or paragraph.endswith(":"):
                continue
            paragraph = re.sub(r"\[\[([^\]|]*)(?:\|[^\]]*)?\]\]", r"\1", paragraph)
            for sentence in _SENTENCE_END.split(paragraph):
                sentence = sentence.strip()
                if len(sentence.split()) >= 6 and _PAST.search(sentence) and sentence[0].isupper():
                    found.append(sentence)
    return found


def groups(root: Path) -> dict[str, list[str]]:
    ai, collective = root / "teleo-ai-alignment", root / "teleo-collective"
    ai_claims = sorted((ai / "claims").glob("*.md"))
    collective_claims = sorted((collective / "claims").glob("*/*.md"))
    return {
        "teleo-ai-alignment claims": claim_titles(ai_claims),
        "teleo-ai-alignment claims_extracted": extracted_titles(ai / "sources"),
        "teleo-collective claims": claim_titles(collective_claims),
        "teleo-collective claims_extracted": extracted_titles(collective / "sources"),
        # Not titles, but curated sentences too: a harder test of the same check.
        "claim descriptions (both corpora)": descriptions(ai_claims + collective_claims),
        "past-tense and passive sentences of claim notes (both corpora)": past_sentences(
            ai_claims + collective_claims
        ),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus-root", type=Path, default=DEFAULT_ROOT)
    parser.add_argument("--json", type=Path, default=None, help="write the counts here")
    args = parser.parse_args(argv)
    result = {}
    for name, titles in groups(args.corpus_root).items():
        unique = list(dict.fromkeys(titles))
        rejected = {t: p for t in unique if (p := proposition_problem(t))}
        result[name] = {
            "titles": len(unique),
            "rejected": len(rejected),
            "rejected_titles": sorted(rejected),
        }
        print(f"{name}: {len(rejected)} of {len(unique)} rejected")
        for title, problem in sorted(rejected.items()):
            print(f"  - {title!r}: {problem[:60]}")
    if args.json:
        args.json.write_text(
            json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

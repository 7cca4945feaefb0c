"""Recall and false snaps of `snap_quote` on sentences of the shared corpora, edited on purpose.

For sampled sentences (or bullets) of every source, two families of edits are made:
- near misses, which must snap back onto the sentence: a trailing "." or "!", quote marks
  swapped, "The " put before, the first letter's case flipped, two words added at the end, a
  "the" put inside;
- changes of meaning, which must NOT snap: a "not" inserted, a number changed, a content word
  swapped for another word of the same source, the first half of one sentence spliced onto the
  second half of another.

A snap counts as right when its span lies inside the sentence's place in the source, or repeats
part of the sentence word for word elsewhere. The false-snap rate is what matters most (see
agent/text/quote_snap.py).

Run: .venv/bin/python bench/snap_synthetic.py [--per-source 12] [--seed N] [--out FILE.json]
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from agent.text.normalize import normalize_for_match, quote_in_text
from agent.text.quote_snap import snap_quote

CORPORA = [
    Path("/work/shared/corpus/teleo-ai-alignment/sources"),
    Path("/work/shared/corpus/teleo-collective/sources"),
]
DEFAULT_OUT = Path(__file__).resolve().parent / "results" / "snap_synthetic.json"
_FRONTMATTER = re.compile(r"\A---\n.*?\n---\n", re.S)
_AUX = re.compile(r"\b(is|are|was|were|can|will|does|do|has|have|should|would|could|may)\b")

Edit = Callable[[str, random.Random, list[str]], str | None]


def sentences(text: str) -> list[tuple[int, str]]:
    """(offset, sentence) for lines and sentences of 6+ words, 40-300 characters."""
    found = []
    for line in re.finditer(r"[^\n]+", text):
        body = line.group()
        marks = re.match(r"[ \t]*(?:[-*+>#]+|\d+[.)])?[ \t]*", body)
        lead = marks.end() if marks else 0
        for part in re.finditer(r"[^.!?]+(?:[.!?](?=\s|$))?", body[lead:]):
            s = part.group().strip()
            pad = len(part.group()) - len(part.group().lstrip())
            at = line.start() + lead + part.start() + pad
            if 40 <= len(s) <= 300 and len(s.split()) >= 6 and "](" not in s and "|" not in s:
                found.append((at, s))
    return found


# --- near misses ---------------------------------------------------------------------------------


def add_stop(s: str, rng: random.Random, _: list[str]) -> str:
    return s.rstrip(".!?") + rng.choice([".", "!"]) if s[-1] in ".!?" else s + "."


def swap_quotes(s: str, rng: random.Random, _: list[str]) -> str | None:
    if not re.search("[\"“”'‘’]", s):
        return None
    return s.translate(str.maketrans({'"': "'", "“": "'", "”": "'", "'": '"', "‘": '"', "’": '"'}))


def prefix_the(s: str, rng: random.Random, _: list[str]) -> str | None:
    if s.split()[0].lower() in ("the", "a", "an"):
        return None
    return "The " + s[0].lower() + s[1:] if not s[:2].isupper() else "The " + s


def flip_case(s: str, rng: random.Random, _: list[str]) -> str:
    return s[0].swapcase() + s[1:]


def add_words(s: str, rng: random.Random, _: list[str]) -> str:
    tail = rng.choice(["in practice", "for the field", "over time", "in this case"])
    return s.rstrip(".!?") + " " + tail + "."


def insert_the(s: str, rng: random.Random, _: list[str]) -> str | None:
    words = s.split()
    spots = [
        i
        for i in range(2, len(words) - 1)
        if words[i - 1].lower() in ("of", "in", "for")
        and words[i].lower() not in ("the", "a", "an")
    ]
    if not spots:
        return None
    i = rng.choice(spots)
    return " ".join([*words[:i], "the", *words[i:]])


# --- changes of meaning --------------------------------------------------------------------------


def insert_not(s: str, rng: random.Random, _: list[str]) -> str | None:
    m = _AUX.search(s)
    if m:
        return s[: m.end()] + " not" + s[m.end() :]
    words = s.split()
    i = rng.randrange(1, len(words))
    return " ".join([*words[:i], "not", *words[i:]])


def change_number(s: str, rng: random.Random, _: list[str]) -> str | None:
    numbers = list(re.finditer(r"\d+", s))
    if not numbers:
        return None
    m = rng.choice(numbers)
    return s[: m.start()] + str(int(m.group()) + rng.randrange(1, 9)) + s[m.end() :]


def swap_word(s: str, rng: random.Random, vocab: list[str]) -> str | None:
    words = s.split()
    spots = [i for i, w in enumerate(words) if len(w) >= 5 and w.isalpha()]
    if not spots:
        return None
    i = rng.choice(spots)
    other = rng.choice([w for w in vocab if w.lower() != words[i].lower()])
    return " ".join([*words[:i], other, *words[i + 1 :]])


def splice(s: str, rng: random.Random, others: list[str]) -> str | None:
    other = rng.choice(others)
    a, b = s.split(), other.split()
    if other == s or len(a) < 6 or len(b) < 6:
        return None
    return " ".join(a[: len(a) // 2] + b[len(b) // 2 :])


NEAR = {
    "add_stop": add_stop,
    "swap_quotes": swap_quotes,
    "prefix_the": prefix_the,
    "flip_case": flip_case,
    "add_words": add_words,
    "insert_the": insert_the,
}
CHANGE = {
    "insert_not": insert_not,
    "change_number": change_number,
    "swap_word": swap_word,
    "splice": splice,
}


def run(per_source: int, seed: int) -> dict[str, object]:
    rng = random.Random(seed)
    near: dict[str, Counter[str]] = {k: Counter() for k in NEAR}
    change: dict[str, Counter[str]] = {k: Counter() for k in CHANGE}
    false_examples: list[dict[str, str]] = []
    times: list[float] = []
    sources = sorted(p for folder in CORPORA if folder.is_dir() for p in folder.glob("*.md"))
    for path in sources:
        text = _FRONTMATTER.sub("", path.read_text(encoding="utf-8"))
        found = sentences(text)
        if len(found) < 2:
            continue
        vocab = sorted({w for _, s in found for w in s.split() if len(w) >= 5 and w.isalpha()})
        texts = [s for _, s in found]
        for at, s in rng.sample(found, min(per_source, len(found))):
            for kind, edit in NEAR.items():
                quote = edit(s, rng, vocab)
                if quote is None or quote_in_text(quote, text):
                    continue
                began = time.perf_counter()
                snap = snap_quote(quote, text)
                times.append(time.perf_counter() - began)
                if snap is None:
                    near[kind]["missed"] += 1
                elif at - 2 <= snap.start and snap.end <= at + len(s) + 2:
                    near[kind]["right"] += 1
                elif normalize_for_match(snap.span) in normalize_for_match(s):
                    near[kind]["right (a repeat)"] += 1
                else:
                    near[kind]["wrong place"] += 1
            for kind, edit in CHANGE.items():
                quote = edit(s, rng, texts if kind == "splice" else vocab)
                if quote is None or quote_in_text(quote, text):
                    continue
                began = time.perf_counter()
                snap = snap_quote(quote, text)
                times.append(time.perf_counter() - began)
                change[kind]["snapped (false)" if snap else "refused"] += 1
                if snap:
                    false_examples.append(
                        {"source": path.name, "kind": kind, "quote": quote, "span": snap.span}
                    )
    times.sort()
    return {
        "sources": len(sources),
        "per_source": per_source,
        "seed": seed,
        "near_misses": {k: dict(v) for k, v in near.items()},
        "changes_of_meaning": {k: dict(v) for k, v in change.items()},
        "near_recall": _share(near, "right", "right (a repeat)"),
        "false_snap_rate": _share(change, "snapped (false)"),
        "false_snaps": false_examples,
        "ms_median": round(1000 * times[len(times) // 2], 2) if times else None,
        "ms_p99": round(1000 * times[int(0.99 * len(times))], 2) if times else None,
    }


def _share(table: dict[str, Counter[str]], *keys: str) -> dict[str, object]:
    hit = sum(c[key] for c in table.values() for key in keys)
    total = sum(sum(c.values()) for c in table.values())
    return {"count": hit, "of": total, "rate": round(hit / total, 4) if total else None}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-source", type=int, default=12)
    parser.add_argument("--seed", type=int, default=20260)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    result = run(args.per_source, args.seed)
    for family in ("near_misses", "changes_of_meaning"):
        print(family)
        for kind, counts in result[family].items():  # type: ignore[union-attr]
            print(f"  {kind:<14} {counts}")
    print(f"near-miss recall: {result['near_recall']}")
    print(f"false snaps: {result['false_snap_rate']}")
    for example in result["false_snaps"]:  # type: ignore[union-attr]
        print(f"  {example['kind']}: {example['quote'][:100]!r}\n    -> {example['span'][:100]!r}")
    print(f"ms per quote: median {result['ms_median']}, p99 {result['ms_p99']}")
    if str(args.out) != "-":
        timing_free = {k: v for k, v in result.items() if not k.startswith("ms_")}
        args.out.write_text(
            json.dumps(timing_free, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )
        print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

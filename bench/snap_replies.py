"""How many evidence quotes of recorded model replies are verbatim, snap, or stay unsnappable.

Reads a JSONL of recorded exchanges `{request, reply, seconds}`: the OpenAI-format request tracker
sent (its source is the `<source>` block of the first user message that has one; a retry request
carries the same block) and the server's reply. Every evidence quote of every proposed claim is
judged against that source with `agent.text.quote_snap.snap_quote`:

- verbatim: `quote_in_text` already holds (the validator accepts it today);
- snapped: not verbatim, but within the snapping bound; the edit is shown;
- not snappable: neither.

Claims are counted too: a claim the validator would refuse with QUOTE_NOT_IN_SOURCE (no quote
verbatim) that snapping would save (some quote snaps). A reply that is not parseable JSON is
reported apart; its quotes are salvaged line by line (`"quote": "..."`) and judged, but kept out
of the totals.

Run: .venv/bin/python bench/snap_replies.py [REPLIES.jsonl] [--out bench/results/snap.json]
"""

from __future__ import annotations

import argparse
import difflib
import json
import re
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from agent.extract.reply import MalformedReply, parse_reply
from agent.llm.prompt_blocks import read_blocks
from agent.text.normalize import normalize_for_match
from agent.text.quote_snap import Snap, snap_quote

DEFAULT_REPLIES = Path("/work/shared/corpus/model-replies/qwen2.5-coder-1.5b-q4km.jsonl")
DEFAULT_OUT = Path(__file__).resolve().parent / "results" / "snap.json"
_SALVAGE_RE = re.compile(r'(?m)^\s*"quote"\s*:\s*"(.*)"\s*,?\s*$')


def source_text(request: dict[str, Any]) -> tuple[str, str] | None:
    """(source title, text) from the first user message that carries a `<source>` block (the
    prompt names a source by its title only)."""
    for message in request.get("messages", []):
        if message.get("role") == "user" and "<source" in str(message.get("content", "")):
            try:
                blocks = read_blocks(message["content"])
            except ValueError:
                continue
            return blocks.title, blocks.text
    return None


def describe(snap: Snap) -> str:
    """The edit from the model's quote to the span, on the normalised forms."""
    parts = []
    core = normalize_for_match(snap.original)
    if snap.dropped_head:
        parts.append(f"cut head {snap.dropped_head!r}")
        core = core[len(normalize_for_match(snap.dropped_head)) :].lstrip()
    if snap.dropped_tail:
        parts.append(f"cut tail {snap.dropped_tail!r}")
        core = core[: len(core) - len(normalize_for_match(snap.dropped_tail))].rstrip()
    span = normalize_for_match(snap.span)
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(
        None, core, span, autojunk=False
    ).get_opcodes():
        if tag == "replace":
            parts.append(f"{core[i1:i2]!r}->{span[j1:j2]!r}")
        elif tag == "delete":
            parts.append(f"drop {core[i1:i2]!r}")
        elif tag == "insert":
            parts.append(f"add {span[j1:j2]!r}")
    return "; ".join(parts) or "none"


def judge(quote: str, text: str) -> dict[str, Any]:
    began = time.perf_counter()
    snap = snap_quote(quote, text)
    ms = (time.perf_counter() - began) * 1000
    row: dict[str, Any] = {"quote": quote, "ms": round(ms, 2)}
    if snap is None:
        row["verdict"] = "not snappable"
    elif not snap.snapped:
        row["verdict"] = "verbatim"
    else:
        row.update(verdict="snapped", span=snap.span, distance=snap.distance, edit=describe(snap))
    return row


def claim_quotes(claim: Any) -> list[str]:
    evidence = claim.get("evidence") if isinstance(claim, dict) else None
    return (
        [
            e["quote"]
            for e in evidence
            if isinstance(e, dict) and isinstance(e.get("quote"), str) and e["quote"].strip()
        ]
        if isinstance(evidence, list)
        else []
    )


def run(path: Path) -> dict[str, Any]:
    exchanges: list[dict[str, Any]] = []
    totals = {"verbatim": 0, "snapped": 0, "not snappable": 0}
    claims = {"claims": 0, "quote_ok": 0, "saved_by_snap": 0, "still_refused": 0}
    unique: dict[tuple[str, str], str] = {}
    times: list[float] = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines()):
        if not line.strip():
            continue
        record = json.loads(line)
        found = source_text(record["request"])
        content = record["reply"]["choices"][0]["message"]["content"]
        entry: dict[str, Any] = {
            "line": n,
            "source": found[0] if found else None,
            "seconds": record.get("seconds"),
        }
        exchanges.append(entry)
        if found is None:
            entry["error"] = "no <source> block in the request"
            continue
        text = found[1]
        try:
            parsed = parse_reply(content)
        except MalformedReply as exc:
            entry["error"] = f"unparseable reply: {exc}"
            entry["salvaged"] = [judge(q, text) for q in _SALVAGE_RE.findall(content)]
            continue
        entry["claims"] = []
        for claim in parsed.claims:
            rows = [judge(q, text) for q in claim_quotes(claim)]
            entry["claims"].append(
                {"title": claim.get("title") if isinstance(claim, dict) else None, "quotes": rows}
            )
            for row in rows:
                totals[row["verdict"]] += 1
                unique[(found[0], row["quote"])] = row["verdict"]
                times.append(row["ms"])
            claims["claims"] += 1
            verdicts = {row["verdict"] for row in rows}
            if "verbatim" in verdicts:
                claims["quote_ok"] += 1
            elif "snapped" in verdicts:
                claims["saved_by_snap"] += 1
            else:
                claims["still_refused"] += 1
    unique_totals = {k: sum(v == k for v in unique.values()) for k in totals}
    return {
        "replies": str(path),
        "exchanges": len(exchanges),
        "unparseable_replies": sum("error" in e for e in exchanges),
        "quotes": totals,
        "unique_quotes": unique_totals,
        "claims": claims,
        "max_ms_per_quote": max(times, default=0.0),
        "detail": exchanges,
    }


def show(result: dict[str, Any]) -> None:
    for entry in result["detail"]:
        print(f"line {entry['line']}  {entry['source']}")
        if "error" in entry:
            print(f"  ! {entry['error']}")
            for row in entry.get("salvaged", []):
                print(f"    salvaged: {row['verdict']:<13} {row['quote'][:90]!r}")
            continue
        if not entry["claims"]:
            print("  (no claims proposed)")
        for claim in entry["claims"]:
            for row in claim["quotes"]:
                print(f"  {row['verdict']:<13} {row['quote'][:90]!r}")
                if row["verdict"] == "snapped":
                    print(f"      -> {row['span'][:90]!r}  [{row['edit']}]")
    q, u, c = result["quotes"], result["unique_quotes"], result["claims"]
    print()
    print(
        f"quotes (every occurrence): verbatim {q['verbatim']}, snapped {q['snapped']}, "
        f"not snappable {q['not snappable']}"
    )
    print(
        f"quotes (unique per source): verbatim {u['verbatim']}, snapped {u['snapped']}, "
        f"not snappable {u['not snappable']}"
    )
    print(
        f"claims: {c['claims']}; a quote verbatim {c['quote_ok']}, saved by snapping "
        f"{c['saved_by_snap']}, still QUOTE_NOT_IN_SOURCE {c['still_refused']}"
    )
    print(
        f"unparseable replies (kept out of the totals): {result['unparseable_replies']}; "
        f"slowest quote {result['max_ms_per_quote']:.1f} ms"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("replies", nargs="?", type=Path, default=DEFAULT_REPLIES)
    parser.add_argument(
        "--out",
        type=Path,
        default=DEFAULT_OUT,
        help="where to write the JSON result ('-' for nowhere)",
    )
    args = parser.parse_args(argv)
    result = run(args.replies)
    show(result)
    if str(args.out) != "-":
        args.out.parent.mkdir(parents=True, exist_ok=True)
        timing_free = {k: v for k, v in result.items() if k != "max_ms_per_quote"}
        for entry in timing_free["detail"]:
            for row in [r for c in entry.get("claims", []) for r in c["quotes"]] + entry.get(
                "salvaged", []
            ):
                row.pop("ms", None)
        args.out.write_text(
            json.dumps(timing_free, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )
        print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

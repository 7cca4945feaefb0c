"""`tracker plot`: credence over time, the picture an analyst asks for first.

Time is the sources' own dates (when the evidence was published), not when tracker read them:
the rule is order independent, so the credence "as of" a date is the rule applied to the live
events of every source dated on or before it. A source without a date is placed at the day
tracker processed it, and a dashed line marks that day. The band is the rule's 90% interval;
challenges and complications are marked where they arrived; the prior is the first point, a
month before the first evidence. The figure has a fixed size (FIGURE_PX) so reports stay
comparable; the y axis is cut just below the lowest band, because on a full 0-1 axis the moves
the per-source cap allows (at most 0.1) are hard to see.
"""

from __future__ import annotations

import datetime as dt
import io
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from beliefs.register import Belief
from beliefs.rule import LEVEL_THRESHOLDS, Evidence, RuleSettings, credence, credence_interval
from store.ledger import dated_live_evidence
from store.safe_files import write_named_file

FIGURE_PX = (1200, 600)
DPI = 100


@dataclass
class Series:
    belief: Belief
    dates: list[dt.date] = field(default_factory=list)
    credences: list[float] = field(default_factory=list)
    lows: list[float] = field(default_factory=list)
    highs: list[float] = field(default_factory=list)
    challenges: list[tuple[dt.date, float]] = field(default_factory=list)
    complications: list[tuple[dt.date, float]] = field(default_factory=list)
    undated: set[dt.date] = field(default_factory=set)


def _day(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


def credence_series(db: Database, belief: Belief, rule: RuleSettings) -> Series:
    """Credence, interval and marker points at the prior's start and at every evidence date."""
    by_day: dict[dt.date, list[Evidence]] = {}
    series = Series(belief)
    for evidence, date_sort, at in dated_live_evidence(db, belief.id):
        day = _day(date_sort)
        if day is None:
            day = _day(at)
            assert day is not None
            series.undated.add(day)
        by_day.setdefault(day, []).append(evidence)
    if not by_day:
        return series
    days = sorted(by_day)
    seen: list[Evidence] = []
    start = days[0] - dt.timedelta(days=30)
    for day, new in [(start, []), *((d, by_day[d]) for d in days)]:
        seen.extend(new)
        value = credence(belief.prior, seen, rule)
        lo, hi = credence_interval(belief.prior, seen, rule)
        series.dates.append(day)
        series.credences.append(value)
        series.lows.append(lo)
        series.highs.append(hi)
        if any(e.stance == "challenges" for e in new):
            series.challenges.append((day, value))
        if any(e.stance == "complicates" for e in new):
            series.complications.append((day, value))
    return series


def draw(series_list: list[Series], path: Path) -> None:
    """Write the PNG; matplotlib (Agg, no display) is imported only here."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.dates as mdates
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(FIGURE_PX[0] / DPI, FIGURE_PX[1] / DPI), dpi=DPI)
    try:
        _draw_series(ax, series_list, plt.rcParams["axes.prop_cycle"].by_key()["color"])
        lows = [v for s in series_list for v in s.lows] or [s.belief.prior for s in series_list]
        bottom = max(0.0, math.floor((min(lows) - 0.05) * 10) / 10)
        ax.set_ylim(bottom, 1)
        for level, threshold in LEVEL_THRESHOLDS[:-1]:
            if threshold <= bottom:
                continue
            ax.axhline(threshold, color="grey", lw=0.8, ls=":")
            ax.annotate(
                f"{level} {threshold:g}",
                xy=(1.0, threshold),
                xycoords=("axes fraction", "data"),
                xytext=(4, 0),
                textcoords="offset points",
                va="center",
                fontsize=9,
                color="grey",
            )
        undated = sorted({d for s in series_list for d in s.undated})
        for day in undated:
            ax.axvline(day, color="grey", lw=0.8, ls="--")
        if undated:
            ax.annotate(
                "undated sources,\nat the day processed",
                xy=(undated[0], 1.0),
                xycoords=("data", "axes fraction"),
                xytext=(-4, -4),
                textcoords="offset points",
                ha="right",
                va="top",
                fontsize=8,
                color="grey",
            )
        for marker, fill, label in (
            ("o", "white", "prior"),
            ("v", "white", "challenge"),
            ("D", "white", "complication"),
        ):
            ax.scatter([], [], marker=marker, color=fill, edgecolor="black", label=label)
        ax.set_ylabel("credence (line) and 90% interval (band)")
        ax.set_xlabel("source date")
        locator = mdates.AutoDateLocator()
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
        ax.grid(axis="y", alpha=0.3)
        ax.legend(loc="lower left", fontsize=9, ncol=4, framealpha=0.9)
        ids = ", ".join(s.belief.id for s in series_list)
        ax.set_title(f"Credence over time: {ids}")
        fig.tight_layout()
        image = io.BytesIO()
        fig.savefig(image, dpi=DPI, format="png")
    finally:
        plt.close(fig)
    write_named_file(path, image.getvalue())  # the file named, never through a link


def _draw_series(ax: Any, series_list: list[Series], colors: list[str]) -> None:
    """Each belief's step line, band, prior and markers, all carried to one common end date."""
    end = max((s.dates[-1] for s in series_list if s.dates), default=None)
    for index, series in enumerate(series_list):
        color = colors[index % len(colors)]
        if not series.dates or end is None:
            ax.plot([], [], color=color, label=f"{series.belief.id} (no evidence)")
            continue
        dates, values = [*series.dates, end], [*series.credences, series.credences[-1]]
        lows, highs = [*series.lows, series.lows[-1]], [*series.highs, series.highs[-1]]
        label = f"{series.belief.id} {series.credences[-1]:.3f} (prior {series.belief.prior:g})"
        ax.fill_between(dates, lows, highs, step="post", color=color, alpha=0.08, lw=0)
        for edge in (lows, highs):
            ax.step(dates, edge, where="post", color=color, lw=0.6, alpha=0.5)
        ax.step(dates, values, where="post", color=color, lw=2, label=label)
        ax.scatter(
            [dates[0]], [values[0]], marker="o", s=45, color="white", edgecolor=color, zorder=3
        )
        # A larger diamond underneath, so a challenge on the same day stays visible on top of it.
        for points, marker, size in ((series.complications, "D", 70), (series.challenges, "v", 45)):
            if points:
                xs, ys = zip(*points, strict=True)
                ax.scatter(xs, ys, marker=marker, s=size, color=color, edgecolor="black", zorder=4)

"""`tracker plot`: credence over time, the picture an analyst asks for first.

Time is the sources' own dates (when the evidence was published), not when tracker read them:
the rule is order independent, so the credence "as of" a date is the rule applied to the live
events of every source dated on or before it. A source without a date is placed at the day
tracker processed it. The band is the rule's 90% interval; challenges and complications are
marked where they arrived. The figure has a fixed size (FIGURE_PX) so reports stay comparable.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from sqlite_utils import Database

from beliefs.register import Belief
from beliefs.rule import LEVEL_THRESHOLDS, Evidence, RuleSettings, credence, credence_interval

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


def _day(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


def credence_series(db: Database, belief: Belief, rule: RuleSettings) -> Series:
    """Credence, interval and marker points at the prior's start and at every evidence date."""
    rows = db.execute(
        "SELECT e.source, e.stance, e.weight, s.date_sort, e.at FROM events e "
        "LEFT JOIN sources s ON s.id = e.source "
        "WHERE e.belief = ? AND e.superseded_at IS NULL",
        [belief.id],
    ).fetchall()
    by_day: dict[dt.date, list[Evidence]] = {}
    for source, stance, weight, date_sort, at in rows:
        day = _day(date_sort) or _day(at)
        assert day is not None
        by_day.setdefault(day, []).append(Evidence(belief.id, source, stance, weight))
    series = Series(belief)
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
        colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
        for index, series in enumerate(series_list):
            color = colors[index % len(colors)]
            label = (
                f"{series.belief.id} (now {series.credences[-1]:.3f})"
                if series.dates
                else (f"{series.belief.id} (no evidence)")
            )
            if not series.dates:
                ax.plot([], [], color=color, label=label)
                continue
            ax.fill_between(
                series.dates, series.lows, series.highs, step="post", color=color, alpha=0.15
            )
            ax.step(series.dates, series.credences, where="post", color=color, lw=2, label=label)
            for points, marker in ((series.challenges, "v"), (series.complications, "D")):
                if points:
                    xs, ys = zip(*points, strict=True)
                    ax.scatter(
                        xs, ys, marker=marker, s=55, color=color, edgecolor="black", zorder=3
                    )
        for level, threshold in LEVEL_THRESHOLDS[:-1]:
            ax.axhline(threshold, color="grey", lw=0.8, ls=":")
            ax.annotate(
                level,
                xy=(1.0, threshold),
                xycoords=("axes fraction", "data"),
                xytext=(4, 0),
                textcoords="offset points",
                va="center",
                fontsize=9,
                color="grey",
            )
        ax.scatter([], [], marker="v", color="white", edgecolor="black", label="challenge")
        ax.scatter([], [], marker="D", color="white", edgecolor="black", label="complication")
        ax.set_ylim(0, 1)
        ax.set_ylabel("credence (band: 90% interval)")
        ax.set_xlabel("source date")
        ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(ax.xaxis.get_major_locator()))
        ax.grid(axis="y", alpha=0.3)
        ax.legend(loc="lower left", fontsize=9, ncol=2)
        ids = ", ".join(s.belief.id for s in series_list)
        ax.set_title(f"Credence over time: {ids}")
        fig.tight_layout()
        fig.savefig(path, dpi=DPI)
    finally:
        plt.close(fig)

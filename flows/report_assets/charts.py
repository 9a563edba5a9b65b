"""The timelines of the report: per entity, metric and scope, either a chart (claims as bars,
the reconciled timeline as dots, every value labelled) or, when the series states one value
for one period, a line of text saying it. Geometry and words are computed here; the SVG
markup is in templates/timelines.html.j2."""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

MAX_SERIES = 80  # rendered; report.json has them all
MAX_BARS = 300  # per chart
OPEN_ALL_UP_TO = 12  # series: up to this many, every entity starts open
LEGEND_STATES = ("pass", "warn", "excepted", "quarantined")

WIDTH, HEIGHT, TOP, RIGHT, BOTTOM = 760, 260, 30, 16, 32
CHAR_WIDTH = 6.4  # px per character of an 11px label: enough to keep labels apart
LINE = 13  # px between two labels stacked to avoid overlapping
ABSURD = 1e15  # no count or amount of money of a company reaches this: shown in e-notation
MIN_DAYS = 60  # a chart spans at least this many days (a single date gets room either side)
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def timelines_view(series: list[dict]) -> dict[str, Any]:
    """The series, grouped by entity, each a chart or a line."""
    by_entity: dict[str, list[dict]] = {}
    for s in series[:MAX_SERIES]:
        by_entity.setdefault(s["entity"], []).append(series_view(s))
    return {
        "entities": [{"entity": e, "series": views} for e, views in by_entity.items()],
        "open_all": len(series) <= OPEN_ALL_UP_TO,
        "total": len(series),
        "more": max(len(series) - MAX_SERIES, 0),
        "legend": LEGEND_STATES,
    }


def series_name(series: dict) -> str:
    """The series' name: its metric, and its scope unless global ("stores_count in China")."""
    scope = series.get("scope")
    return series["metric"] if scope in (None, "global") else f"{series['metric']} in {scope}"


def series_view(series: dict) -> dict[str, Any]:
    one_point = len({point(c) for c in series["claims"]}) == 1
    return {
        "name": series_name(series),
        "unit": series["unit"],
        "claims": len(series["claims"]),
        "line": single_value_line(series) if one_point else None,
        "chart": None if one_point else chart(series),
    }


def point(claim: dict) -> tuple:
    """What a claim puts on a chart: its period and its interval."""
    return (
        claim["period_start"],
        claim["period_end"],
        claim["value_lo"],
        claim["value_hi"],
        claim["lo_open"],
    )


# --- words and numbers -----------------------------------------------------------------------


def readable(value: float) -> str:
    """1234567 → '1,234,567'; 2.5 → '2.5'; beyond any real count (1e15 and up, which only a
    wrong value reaches) '1.23e+20', so the label stays short."""
    if not math.isfinite(value) or abs(value) >= ABSURD:
        return f"{value:.3g}"
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def interval_text(lo: float, hi: float | None, lo_open: bool = False) -> str:
    """A claim's interval in words: '38', 'over 580', 'at least 40', '30–40'."""
    if hi is None:
        return f"{'over' if lo_open else 'at least'} {readable(lo)}"
    if lo == hi:
        return readable(lo)
    return f"{readable(lo)}–{readable(hi)}"


def period_text(start: str, end: str) -> str:
    """'as of 2025-06-30' for a date, 'from 2025-01-01 to 2025-06-30' for a period."""
    return f"as of {end}" if start == end else f"from {start} to {end}"


def unstated(series: dict) -> list[dict]:
    """The reconciled points no claim states (implied by a flow and a stock, for one)."""
    stated = {(c["period_end"], c["value_lo"], c["value_hi"]) for c in series["claims"]}
    return [
        r
        for r in series["reconciled"]
        if r["value_lo"] is not None
        and (r["period_end"], r["value_lo"], r["value_hi"]) not in stated
    ]


def single_value_line(series: dict) -> dict[str, Any]:
    """A series whose claims all state one value for one period: that value, when, and each
    quote that says it ('131 as of 2025-06-30, “131 stores” (f_2025_china.txt)')."""
    first = series["claims"][0]
    return {
        "value": interval_text(first["value_lo"], first["value_hi"], first["lo_open"]),
        "when": period_text(first["period_start"], first["period_end"]),
        "quotes": [
            {
                "quote": c["quote"],
                "file": c["file"],
                "state": c["state"] if c["state"] != "pass" else None,
                "conflict": c["conflict"],
            }
            for c in series["claims"]
        ],
        "also": [
            f"{interval_text(r['value_lo'], r['value_hi'])} on {r['period_end']} "
            f"({r['confirmation']})"
            for r in unstated(series)
        ],
    }


# --- the chart -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Tick:
    at: float  # x or y, in px
    text: str


@dataclass(frozen=True)
class Bar:
    """One claim: its period across, its interval up (to the top, with an arrow, if
    unbounded), a ring at its foot if it is in a conflict."""

    x: float
    y: float
    width: float
    height: float
    state: str
    conflict: bool
    arrow: str | None  # the SVG path of the arrow of an unbounded interval
    tip: str


@dataclass(frozen=True)
class Dot:
    """One point of the reconciled timeline (hollow: implied)."""

    x: float
    y: float
    implied: bool
    tip: str


@dataclass(frozen=True)
class Label:
    x: float
    y: float
    text: str
    anchor: str  # SVG text-anchor: middle above a bar, start beside a dot


@dataclass(frozen=True)
class Chart:
    title: str  # the SVG's aria-label
    width: int
    height: int
    left: float  # where the plot starts (after the value axis' labels)
    top: int
    right: int
    bottom: int  # y of the date axis
    unit: str
    x_ticks: list[Tick]
    y_ticks: list[Tick]
    bars: list[Bar]
    dots: list[Dot]
    labels: list[Label]


@dataclass(frozen=True)
class Frame:
    """Dates and values to px."""

    x0: date
    x1: date
    y_max: float
    left: float

    def x(self, day: date) -> float:
        return round(self.left + (day - self.x0).days / (self.x1 - self.x0).days * self.span, 1)

    def y(self, value: float) -> float:
        return round(TOP + (1 - value / self.y_max) * (HEIGHT - TOP - BOTTOM), 1)

    @property
    def span(self) -> float:
        return WIDTH - self.left - RIGHT


def chart(series: dict) -> Chart:
    claims = series["claims"][:MAX_BARS]
    x0, x1 = date_range(claims)
    y_max, y_values = value_ticks(finite_values(series, claims))
    y_texts = [readable(v) for v in y_values]
    frame = Frame(x0, x1, y_max, left=round(12 + CHAR_WIDTH * max(len(t) for t in y_texts), 1))
    bars = [bar(c, frame) for c in claims]
    dots = [dot(r, frame) for r in series["reconciled"] if r["value_lo"] is not None]
    return Chart(
        title=f"{series['entity']} {series_name(series)} over time",
        width=WIDTH,
        height=HEIGHT,
        left=frame.left,
        top=TOP,
        right=WIDTH - RIGHT,
        bottom=HEIGHT - BOTTOM,
        unit=series["unit"],
        x_ticks=[Tick(frame.x(d), text) for d, text in date_ticks(x0, x1)],
        y_ticks=[Tick(frame.y(v), t) for v, t in zip(y_values, y_texts, strict=True)],
        bars=bars,
        dots=dots,
        labels=value_labels(series, claims, bars, frame),
    )


def date_range(claims: list[dict]) -> tuple[date, date]:
    """From the first period's start to the day after the last period's end, with room."""
    x0 = min(date.fromisoformat(c["period_start"]) for c in claims)
    x1 = max(date.fromisoformat(c["period_end"]) for c in claims) + timedelta(days=1)
    if (x1 - x0).days < MIN_DAYS:
        x0, x1 = x0 - timedelta(days=MIN_DAYS // 2), x1 + timedelta(days=MIN_DAYS // 2)
    margin = timedelta(days=math.ceil((x1 - x0).days * 0.04))  # labels at the edges fit
    return x0 - margin, x1 + margin


def finite_values(series: dict, claims: list[dict]) -> list[float]:
    values = [v for c in claims for v in (c["value_lo"], c["value_hi"]) if v is not None]
    return values + [r["value_lo"] for r in series["reconciled"] if r["value_lo"] is not None]


def value_ticks(values: list[float]) -> tuple[float, list[float]]:
    """The top of the value axis and its ticks: round numbers (1, 2, 2.5 or 5 × 10^n apart)
    from 0 to just above the largest value, leaving room for the labels above the bars."""
    largest = min(max([*values, 0]) * 1.12, sys.float_info.max) or 1.0
    raw_step = largest / 6
    magnitude = 10.0 ** math.floor(math.log10(raw_step))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw_step)
    count = math.ceil(largest / step)
    if not math.isfinite(step * count):  # 1e308: no round number above it is a float
        return largest, [0.0, largest]
    return step * count, [step * i for i in range(count + 1)]


def date_ticks(x0: date, x1: date) -> list[tuple[date, str]]:
    """First days of months, quarters, half-years or years (depending on the span) within
    the range, named 'Apr 2025' (or '2025' for years)."""
    days = (x1 - x0).days
    if days > 1500:
        step = max(1, math.ceil(days / 365 / 8))
        return [
            (date(y, 1, 1), str(y))
            for y in range(x0.year + 1, x1.year + 1, step)
            if x0 <= date(y, 1, 1) <= x1
        ]
    months = 1 if days <= 200 else 3 if days <= 800 else 6
    ticks = []
    year, month = x0.year, x0.month
    while date(year, month, 1) <= x1:
        day = date(year, month, 1)
        if day >= x0 and (month - 1) % months == 0:
            ticks.append((day, f"{MONTHS[month - 1]} {year}"))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return ticks


def bar(claim: dict, frame: Frame) -> Bar:
    left = frame.x(date.fromisoformat(claim["period_start"]))
    right = frame.x(date.fromisoformat(claim["period_end"]) + timedelta(days=1))
    width = max(right - left, 8.0)  # a claim about one day stays visible
    bottom = frame.y(claim["value_lo"])
    unbounded = claim["value_hi"] is None
    top = TOP if unbounded else frame.y(claim["value_hi"])
    height = max(bottom - top, 6.0)
    mid = round(left + width / 2, 1)
    tip = (
        f"“{claim['quote']}” — {claim['file']} "
        f"({period_text(claim['period_start'], claim['period_end'])}, {claim['state']}"
        f"{', in conflict' if claim['conflict'] else ''})"
    )
    return Bar(
        x=left,
        y=round(bottom - height, 1),
        width=round(width, 1),
        height=round(height, 1),
        state=claim["state"],
        conflict=claim["conflict"],
        arrow=f"M{mid - 5},{TOP + 8} L{mid},{TOP} L{mid + 5},{TOP + 8}" if unbounded else None,
        tip=tip,
    )


def dot(row: dict, frame: Frame) -> Dot:
    return Dot(
        x=frame.x(date.fromisoformat(row["period_end"]) + timedelta(days=1)),
        y=frame.y(row["value_lo"]),
        implied=row["confirmation"] == "implied",
        tip=f"reconciled {row['value_text']} on {row['period_end']} ({row['confirmation']})",
    )


def value_labels(series: dict, claims: list[dict], bars: list[Bar], frame: Frame) -> list[Label]:
    """A label per distinct claim point (its value, and how many claims state it when more
    than one), above its bar; and one beside each reconciled point no claim states. Labels
    that would overlap are stacked."""
    stated: dict[tuple, list[Bar]] = {}
    for claim, b in zip(claims, bars, strict=True):
        stated.setdefault(point(claim), []).append(b)
    wanted = []
    for (_, _, lo, hi, lo_open), same in stated.items():
        b = same[0]
        text = interval_text(lo, hi, lo_open) + (f" ({len(same)} claims)" if len(same) > 1 else "")
        baseline = (b.y + b.height if b.arrow else b.y) - 8  # unbounded: inside, at its foot
        wanted.append(Label(b.x + b.width / 2, baseline, text, "middle"))
    for r in unstated(series):
        at = dot(r, frame)
        text = f"{interval_text(r['value_lo'], r['value_hi'])} ({r['confirmation']})"
        wanted.append(Label(at.x + 7, at.y + 4, text, "start"))
    return unstack(wanted)


def unstack(labels: list[Label]) -> list[Label]:
    """Move each label up (by a line) while it overlaps one placed before it; keep it within
    the chart's width."""
    placed: list[Label] = []
    for label in labels:
        width = CHAR_WIDTH * len(label.text)
        x = label.x
        if label.anchor == "middle":
            x = min(max(x, width / 2 + 2), WIDTH - width / 2 - 2)
        else:
            x = min(x, WIDTH - width - 2)
        y = label.y
        while y > LINE and any(overlaps(x, y, width, label.anchor, p) for p in placed):
            y -= LINE
        placed.append(Label(round(x, 1), round(y, 1), label.text, label.anchor))
    return placed


def overlaps(x: float, y: float, width: float, anchor: str, other: Label) -> bool:
    start = x - width / 2 if anchor == "middle" else x
    other_width = CHAR_WIDTH * len(other.text)
    other_start = other.x - other_width / 2 if other.anchor == "middle" else other.x
    apart = start >= other_start + other_width or other_start >= start + width
    return not apart and abs(y - other.y) < LINE

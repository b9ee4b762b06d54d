"""Chart geometry for server-side SVG: bars, a funnel and a histogram, no JavaScript.

Pure functions: figures in, shapes (numbers for the template's SVG) out. Each chart
also keeps its rows, so the template shows the same data as a table for screen
readers and for CSV export.
"""

from dataclasses import dataclass, field

WIDTH = 420
ROW_HEIGHT = 28
LABEL_WIDTH = 130
VALUE_WIDTH = 92
GAP = 6


@dataclass(frozen=True)
class Bar:
    """One horizontal bar: its label, the value shown, and where it sits."""

    label: str
    value_text: str
    x: float
    y: float
    width: float
    height: float


@dataclass
class Chart:
    """A horizontal bar chart (or a funnel, when `centered`), ready to draw."""

    chart_id: str
    title: str
    description: str
    bars: list[Bar] = field(default_factory=list)
    centered: bool = False
    width: int = WIDTH

    @property
    def height(self) -> int:
        return max(1, len(self.bars)) * (ROW_HEIGHT + GAP) + GAP

    @property
    def plot_x(self) -> int:
        return LABEL_WIDTH

    @property
    def value_x(self) -> int:
        return self.width - VALUE_WIDTH + 8


def bar_chart(
    chart_id: str,
    title: str,
    description: str,
    rows: list[tuple[str, float, str]],
    *,
    maximum: float | None = None,
) -> Chart:
    """Bars for (label, value, value as text) rows, scaled to `maximum` (or the largest)."""
    chart = Chart(chart_id, title, description)
    plot_width = WIDTH - LABEL_WIDTH - VALUE_WIDTH
    top = max([value for _, value, _ in rows] + [maximum or 0]) or 1
    for index, (label, value, text) in enumerate(rows):
        chart.bars.append(
            Bar(
                label=_short(label),
                value_text=text,
                x=LABEL_WIDTH,
                y=GAP + index * (ROW_HEIGHT + GAP),
                width=round(max(value, 0) / top * plot_width, 1),
                height=ROW_HEIGHT,
            )
        )
    return chart


def funnel(chart_id: str, title: str, description: str, steps: list[tuple[str, int]]) -> Chart:
    """Centered bars narrowing from the first step: offers, accepted, won."""
    first = steps[0][1] if steps else 0
    rows = []
    for label, count in steps:
        share = f" ({count / first:.0%})" if first and label != steps[0][0] else ""
        rows.append((label, count, f"{count:,}{share}"))
    chart = bar_chart(chart_id, title, description, rows)
    plot_width = WIDTH - LABEL_WIDTH - VALUE_WIDTH
    chart.bars = [
        Bar(
            bar.label,
            bar.value_text,
            LABEL_WIDTH + (plot_width - bar.width) / 2,
            bar.y,
            bar.width,
            bar.height,
        )
        for bar in chart.bars
    ]
    chart.centered = True
    return chart


def _short(label: str, limit: int = 16) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"


def duration_text(seconds: float | None) -> str:
    """A response time for people: 45 s, 12 min, 3.5 h, 2.1 d; an em dash when unknown."""
    if seconds is None:
        return "—"
    if seconds < 60:
        return f"{seconds:.0f} s"
    if seconds < 3600:
        return f"{seconds / 60:.0f} min"
    if seconds < 86400:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} d"

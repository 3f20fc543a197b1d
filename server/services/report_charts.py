"""The report's charts as SVG made on the server: no script, no network, nothing to load.

Plain data in (the report dict of `server.services.report.report()`), a string out. The page inlines the
string; the PDF (report_pdf) draws the very same SVG through fpdf2, which understands these few
elements (rect, line, path, text), made with `pdf=True`: the text names the embedded Noto Sans
(PDF_FONT) and carries no <title> tooltips, which fpdf2 does not draw.

Every text node and attribute is XML-escaped; the font is named in CSS terms ("Be Vietnam Pro",
sans-serif: the page's font, already loaded by the page). Each drawn mark carries a class saying what
it is ("bar planned", "series", "seg proxy"...), for the stylesheet and the tests; colours are written
as attributes too, so the SVG looks the same without any stylesheet (in the PDF, or saved on its own).

Widths of labels are measured with the Noto Sans metrics (static/vendor/fonts/noto-sans) plus a margin,
since Be Vietnam Pro runs about 8 % wider: a label is cut with "…" before it reaches the bars.
"""
from __future__ import annotations

import math
from datetime import tzinfo
from functools import lru_cache
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

from .report_export import clean, fmt_int, fmt_signed, local, zone

FONT = "'Be Vietnam Pro', sans-serif"
PDF_FONT = "NotoSans"
FONT_DIR = Path(__file__).resolve().parents[2] / "static/vendor/fonts/noto-sans"
WIDER = 1.08                         # Be Vietnam Pro against Noto Sans, roughly

INK, MUTED, GRID = "#1b1b1f", "#6b6b76", "#e3e3ea"
PLANNED, ACTUAL, LATE, EARLY = "#a4a4b0", "#1e5aa8", "#d32f2f", "#2e7d32"
STATUS_COLOURS = {"presented": "#2e7d32", "proxy": "#f9a825", "absent": "#d32f2f", "pending": "#bdbdc7"}
STATUS_NAMES = {"presented": "Đã trao", "proxy": "Nhận thay", "absent": "Vắng mặt", "pending": "Chưa trao"}
PALETTE = ("#b71c1c", "#1565c0", "#2e7d32", "#ef6c00", "#6a1b9a", "#00838f", "#ad1457", "#558b2f", "#4527a0",
           "#c49000", "#37474f", "#d84315", "#0277bd", "#8d6e63", "#827717")
MINUTE = 60_000


# ------------------------------------------------------------------------------------------- drawing

@lru_cache(maxsize=4)
def _metrics(bold: bool):
    from PIL import ImageFont
    return ImageFont.truetype(str(FONT_DIR / ("NotoSans-Bold.ttf" if bold else "NotoSans-Regular.ttf")), 100)


def text_width(text: str, size: float, bold: bool = False) -> float:
    """Width in px of `text` at `size` px, on the wide side."""
    return _metrics(bold).getlength(text) * size / 100 * WIDER


def truncate(text: str, size: float, width: float, bold: bool = False) -> str:
    text = clean(text)
    if text_width(text, size, bold) <= width:
        return text
    lo, hi = 0, len(text)
    while lo < hi:                                    # the longest prefix that fits with its "…"
        mid = (lo + hi + 1) // 2
        if text_width(text[:mid].rstrip() + "…", size, bold) <= width:
            lo = mid
        else:
            hi = mid - 1
    return text[:lo].rstrip(" ,;:.-–") + "…"


def _n(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


class _Svg:
    def __init__(self, width: float, height: float, title: str, pdf: bool):
        self.width, self.height, self.title = width, height, clean(title)
        self.font = PDF_FONT if pdf else FONT
        self.tips = not pdf                 # fpdf2 skips <title> with a warning each time: none in the PDF
        self.parts: list[str] = []

    def _tip(self, tip: str) -> str:
        return f"<title>{escape(clean(tip))}</title>" if tip and self.tips else ""

    def rect(self, x, y, w, h, fill, cls="", tip=""):
        title = self._tip(tip)
        self.parts.append(f'<rect class={quoteattr(cls)} x="{_n(x)}" y="{_n(y)}" width="{_n(max(w, 0))}" '
                          f'height="{_n(h)}" fill="{fill}">{title}</rect>')

    def line(self, x1, y1, x2, y2, stroke, width=1.0, dash="", cls=""):
        dashed = f' stroke-dasharray="{dash}"' if dash else ""
        self.parts.append(f'<line class={quoteattr(cls)} x1="{_n(x1)}" y1="{_n(y1)}" x2="{_n(x2)}" y2="{_n(y2)}" '
                          f'stroke="{stroke}" stroke-width="{_n(width)}"{dashed}/>')

    def path(self, d, stroke, width=2.0, cls="", dash="", tip=""):
        dashed = f' stroke-dasharray="{dash}"' if dash else ""
        title = self._tip(tip)
        self.parts.append(f'<path class={quoteattr(cls)} d="{d}" fill="none" stroke="{stroke}" '
                          f'stroke-width="{_n(width)}" stroke-linejoin="round"{dashed}>{title}</path>')

    def text(self, x, y, text, size=13, fill=INK, anchor="start", bold=False, cls="", tip=""):
        weight = ' font-weight="bold"' if bold else ""
        title = self._tip(tip) if tip != text else ""
        self.parts.append(f'<text class={quoteattr(cls)} x="{_n(x)}" y="{_n(y)}" font-family={quoteattr(self.font)} '
                          f'font-size="{_n(size)}" fill="{fill}" text-anchor="{anchor}"{weight}>'
                          f'{escape(clean(text))}{title}</text>')

    def legend(self, x, y, entries: list[tuple[str, str, str]]) -> float:
        """A row of (colour, label, class) swatches from (x, baseline y); returns the x after it."""
        for colour, label, cls in entries:
            self.rect(x, y - 10, 14, 10, colour, f"swatch {cls}")
            self.text(x + 19, y, label, 12, MUTED)
            x += 19 + text_width(label, 12) + 18
        return x

    def render(self) -> str:
        title = escape(self.title)
        return (f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {_n(self.width)} '
                f'{_n(self.height)}" width="{_n(self.width)}" height="{_n(self.height)}" role="img" '
                f'aria-label={quoteattr(self.title)} font-family={quoteattr(self.font)}>'
                + (f'<title>{title}</title>' if self.tips else "") + "".join(self.parts) + "</svg>")


def _tz(value: str | tzinfo | None) -> tzinfo:
    return value if isinstance(value, tzinfo) else zone(value)


def time_ticks(t0: int, t1: int, tz: tzinfo, most: int = 9) -> list[tuple[int, str]]:
    """Round local clock times (every 1, 2, 5, 10, 15, 20, 30 minutes or 1, 2, 3, 6 hours) in [t0, t1]."""
    span = max(t1 - t0, MINUTE)
    step = next((m * MINUTE for m in (1, 2, 5, 10, 15, 20, 30, 60, 120, 180, 360, 720)
                 if span / (m * MINUTE) <= most), 1440 * MINUTE)
    offset = int(local(t0, tz).utcoffset().total_seconds() * 1000)
    tick = math.ceil((t0 + offset) / step) * step - offset
    ticks = []
    while tick <= t1:
        ticks.append((tick, local(tick, tz).strftime("%H:%M")))
        tick += step
    return ticks


def _nice_ceiling(value: float) -> tuple[float, float]:
    """A round top for a count axis and its step (about 4-6 steps)."""
    if value <= 0:
        return 5, 1
    raw = value / 5
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    step = max(step, 1)
    return math.ceil(value / step) * step, step


def _empty(svg: _Svg, message: str) -> str:
    svg.text(svg.width / 2, svg.height / 2, message, 14, MUTED, "middle", cls="empty")
    return svg.render()


# -------------------------------------------------------------------------------- programme timeline

def programme_timeline(report: dict, *, width: float = 960, pdf: bool = False) -> str:
    """Per item, the planned bar (grey, above) and the actual bar (blue, below) on one clock axis; the
    part of an actual bar after the item's planned end is red. Right of each row: actual minus planned
    duration. Dashed: the planned and the actual end of the programme."""
    programme = report["programme"]
    rows = programme["rows"]
    tz = zone(report["event"].get("timezone"))
    label_w, right_w, top, row_h = 330.0, 66.0, 58.0, 34.0
    height = top + row_h * max(len(rows), 1) + 34
    svg = _Svg(width, height, "Chương trình: thời gian theo kế hoạch và thực tế", pdf)
    moments = [m for r in rows for m in (r.get("planned_start"), r.get("actual_start"), r.get("actual_end"))
               if m is not None]
    moments += [r["actual_start"] + r["actual_s"] * 1000 for r in rows
                if r.get("actual_start") is not None and r.get("actual_s") is not None]
    moments += [r["planned_start"] + r["planned_s"] * 1000 for r in rows
                if r.get("planned_start") is not None and r.get("planned_s") is not None]
    if not moments:
        return _empty(svg, "Chương trình chưa có mục nào.")
    t0, t1 = min(moments), max(moments)
    pad = max((t1 - t0) * 0.01, MINUTE / 2)
    t0, t1 = t0 - pad, t1 + pad
    x0, x1 = label_w, width - right_w

    def x(ms: float) -> float:
        return x0 + (ms - t0) / (t1 - t0) * (x1 - x0)

    svg.legend(x0, 16, [(PLANNED, "Kế hoạch", "planned"), (ACTUAL, "Thực tế", "actual"),
                        (LATE, "Muộn so với kế hoạch", "late")])
    svg.text(width - 4, 16, "Chênh lệch", 12, MUTED, "end")
    bottom = top + row_h * len(rows)
    for ms, label in time_ticks(int(t0), int(t1), tz):
        svg.line(x(ms), top - 8, x(ms), bottom, GRID, cls="tick")
        svg.text(x(ms), top - 13, label, 12, MUTED, "middle", cls="tick-label")

    for i, row in enumerate(rows):
        y = top + i * row_h
        full = f"{row.get('number') or i + 1}. {clean(row.get('content'))}"
        svg.text(8, y + row_h / 2 + 4, truncate(full, 13, label_w - 18), 13, cls="item-label", tip=full)
        planned_end = None
        if row.get("planned_start") is not None and row.get("planned_s") is not None:
            planned_end = row["planned_start"] + row["planned_s"] * 1000
            svg.rect(x(row["planned_start"]), y + 6, x(planned_end) - x(row["planned_start"]), 9, PLANNED,
                     "bar planned", f"{full} – kế hoạch")
        start, end = row.get("actual_start"), row.get("actual_end")
        if start is not None and end is None and row.get("actual_s") is not None:
            end = start + row["actual_s"] * 1000                # still running: until the report was made
        if start is not None and end is not None:
            split = min(max(planned_end, start), end) if planned_end is not None else end
            if split > start:
                svg.rect(x(start), y + 17, x(split) - x(start), 11, ACTUAL, "bar actual", f"{full} – thực tế")
            if end > split:
                svg.rect(x(split), y + 17, x(end) - x(split), 11, LATE, "bar late", f"{full} – muộn so với kế hoạch")
        over = row.get("over_s")
        if over is not None:
            colour = LATE if over > 0 else EARLY if over < 0 else MUTED
            svg.text(width - 4, y + row_h / 2 + 4, fmt_signed(over), 12, colour, "end", over > 0, "over")
        if i:
            svg.line(8, y, width - 4, y, GRID, 0.6, cls="row-rule")

    # The programme's planned and actual end: dashed lines, named in a legend under the rows.
    lx = x0
    drift = programme.get("drift_s")
    for ms, text, colour, cls in (
            (programme.get("planned_end"), "Kết thúc theo kế hoạch", PLANNED, "planned-end"),
            (programme.get("actual_end"), "Kết thúc thực tế", LATE if (drift or 0) > 0 else ACTUAL, "actual-end")):
        if ms is None:
            continue
        svg.line(x(ms), top - 6, x(ms), bottom + 4, colour, 1.4, "5 3", cls)
        label = f"{text} {local(ms, tz):%H:%M}"
        if cls == "actual-end" and drift:
            label += f" ({fmt_signed(drift)})"
        svg.line(lx, bottom + 18, lx + 18, bottom + 18, colour, 1.4, "5 3", "swatch " + cls)
        svg.text(lx + 23, bottom + 22, label, 12, colour if cls == "actual-end" else MUTED, cls=cls + "-label")
        lx += 23 + text_width(label, 12) + 22
    return svg.render()


# ----------------------------------------------------------------------------------- arrival curves

def _series(points_or_total) -> list[tuple[str, list, int | None, float | None]]:
    """(label, curve, expected, percent) per line, from the attendance section, its points or one of them."""
    if isinstance(points_or_total, dict):
        if "points" in points_or_total:                       # the whole attendance section: its total
            total = points_or_total.get("total") or {}
            return [("Tổng số", points_or_total.get("curve") or [], total.get("expected"), total.get("percent"))]
        return [(points_or_total.get("bridge_point") or "Tổng số", points_or_total.get("curve") or [],
                 points_or_total.get("expected"), points_or_total.get("percent"))]
    return [(p.get("bridge_point") or "", p.get("curve") or [], p.get("expected"), p.get("percent"))
            for p in points_or_total]


def arrival_curve(points_or_total, *, tz: str | tzinfo | None = None, width: float = 960, height: float = 300,
                  pdf: bool = False, title: str = "Số đại biểu đã đến theo thời gian") -> str:
    """Cumulative arrivals over time as steps: one line for the attendance section (its total), a point
    dict, or one line per point for a list of points; the expected number of each as a dashed line of
    the same colour. With more than one line a legend on the right names each with arrived/expected."""
    series = _series(points_or_total)
    zone_ = _tz(tz)
    many = len(series) > 1
    legend_w = 250.0 if many else 0.0
    height = max(height, 46 + 17 * len(series)) if many else height
    svg = _Svg(width, height, title, pdf)
    moments = [t for _l, curve, _e, _p in series for t, _c in curve]
    if not moments:
        return _empty(svg, "Chưa có ai điểm danh.")
    left, right, top, bottom = 52.0, width - legend_w - (24 if many else 120), 16.0, height - 30
    t0, t1 = min(moments), max(moments)
    pad = max((t1 - t0) * 0.03, MINUTE)
    t0, t1 = t0 - pad, t1 + pad
    peak = max([c for _l, curve, _e, _p in series for _t, c in curve] + [e or 0 for _l, _c, e, _p in series])
    top_value, step = _nice_ceiling(peak * 1.04)

    def x(ms: float) -> float:
        return left + (ms - t0) / (t1 - t0) * (right - left)

    def y(count: float) -> float:
        return bottom - count / top_value * (bottom - top)

    value = 0.0
    while value <= top_value + 1e-9:
        svg.line(left, y(value), right, y(value), GRID, cls="grid")
        svg.text(left - 6, y(value) + 4, fmt_int(round(value)), 12, MUTED, "end", cls="y-label")
        value += step
    for ms, label in time_ticks(int(t0), int(t1), zone_):
        svg.line(x(ms), bottom, x(ms), bottom + 4, MUTED, cls="tick")
        svg.text(x(ms), bottom + 18, label, 12, MUTED, "middle", cls="tick-label")
    svg.line(left, bottom, right, bottom, MUTED, cls="axis")

    for i, (label, curve, expected, percent) in enumerate(series):
        colour = PALETTE[i % len(PALETTE)] if many else ACTUAL
        summary = f"{clean(label)}: {fmt_int(curve[-1][1] if curve else 0)}/{fmt_int(expected or 0)}"
        if expected:
            svg.line(left, y(expected), right, y(expected), colour, 1.2, "6 4", "expected")
        if curve:
            d = [f"M{_n(x(curve[0][0]))},{_n(y(0))}"]
            for t, count in curve:
                d.append(f"H{_n(x(t))}V{_n(y(count))}")
            d.append(f"H{_n(right)}")
            svg.path("".join(d), colour, 1.8 if many else 2.4, "series", tip=summary)
        if not many:
            arrived = curve[-1][1] if curve else 0
            svg.text(right + 6, y(arrived) + 4, f"{fmt_int(arrived)} đã đến", 12, colour, bold=True, cls="end-label")
            if expected:
                gap = 14 if abs(y(expected) - y(arrived)) < 14 else 0
                svg.text(right + 6, y(expected) + 4 - gap, f"{fmt_int(expected)} dự kiến", 12, MUTED,
                         cls="expected-label")
        else:
            ly = top + 6 + i * 17
            svg.rect(right + 16, ly - 4, 18, 3, colour, "swatch")
            arrived = curve[-1][1] if curve else 0
            text = f"{truncate(label, 12, 160)} {fmt_int(arrived)}/{fmt_int(expected or 0)}"
            svg.text(right + 40, ly, text, 12, INK, cls="legend-label", tip=summary)
    if many:
        svg.text(right + 16, height - 8, "– – – số dự kiến", 11, MUTED, cls="legend-note")
    return svg.render()


# -------------------------------------------------------------------------------------- award bars

def awards_bars(report: dict, *, width: float = 960, pdf: bool = False) -> str:
    """One stacked bar per award kind (all levels together): presented, proxy, absent, pending."""
    kinds: dict[str, dict] = {}
    for row in report["awards"]["rows"]:
        entry = kinds.setdefault(clean(row.get("kind")), {k: 0 for k in STATUS_COLOURS} | {"total": 0})
        for key in (*STATUS_COLOURS, "total"):
            entry[key] += row.get(key) or 0
    label_w, right_w, top, row_h = 330.0, 56.0, 44.0, 36.0
    height = top + row_h * max(len(kinds), 1) + 8
    svg = _Svg(width, height, "Khen thưởng theo hình thức: kết quả trao", pdf)
    if not kinds:
        return _empty(svg, "Hội nghị không có khen thưởng.")
    svg.legend(label_w, 16, [(STATUS_COLOURS[k], STATUS_NAMES[k], k) for k in STATUS_COLOURS])
    svg.text(width - 4, 16, "Tổng", 12, MUTED, "end")
    most = max(max(e["total"], sum(e[k] for k in STATUS_COLOURS)) for e in kinds.values()) or 1
    scale = (width - right_w - label_w) / most
    for i, (kind, entry) in enumerate(kinds.items()):
        y = top + i * row_h
        svg.text(8, y + row_h / 2 + 4, truncate(kind, 13, label_w - 18), 13, cls="kind-label", tip=kind)
        x = label_w
        for status, colour in STATUS_COLOURS.items():
            count = entry[status]
            if not count:
                continue
            w = count * scale
            svg.rect(x, y + 7, w, row_h - 14, colour, f"seg {status}", f"{kind} – {STATUS_NAMES[status]}: {count}")
            if w >= 8 + text_width(str(count), 12, True):
                svg.text(x + w / 2, y + row_h / 2 + 4, fmt_int(count), 12, "#fff" if status != "pending" else INK,
                         "middle", True, "seg-label")
            x += w
        svg.text(width - 4, y + row_h / 2 + 4, fmt_int(entry["total"]), 13, INK, "end", True, "total")
    return svg.render()

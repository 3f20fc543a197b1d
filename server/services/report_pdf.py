"""The report as a PDF (fpdf2): A4 portrait, Noto Sans embedded as a subset, page numbers.

Plain data in, bytes out: the report dict of `server.services.report.report()`, no database, no Flask.

First page: the header of a Party document as the plans have it (issuing body bold on the left with "*"
under it; "ĐẢNG CỘNG SẢN VIỆT NAM" bold and underlined on the right, place and date in italics), the
title "BÁO CÁO KẾT QUẢ TỔ CHỨC HỘI NGHỊ", the event's title and a summary in figures. Then five sections:
programme (planned against actual, over/under per item, drift of the whole), attendance (per point and
per point and category), awards, bridge points (link health, incidents), the cue log.

Charts: the SVG of report_charts, made with `pdf=True`, handed to fpdf2's `image()`. fpdf2 (2.8) draws
SVG paths, rects, lines and <text> itself, with the fonts added to the document: the text names the
embedded Noto Sans, so Vietnamese comes out right (checked by pdftotext and by eye), stays vector and
selectable, and the page and the PDF show the same chart from one piece of code. (Drawing the charts a
second time with fpdf2's primitives would have been a second copy of every layout to keep in step.)

Tables: the definitions of report_export.TABLES with their formatters (compact times, since the date is
in the header), in fpdf2 tables whose column widths come from the content: every column gets at least
its longest word, and the rest of the line goes to the columns that would wrap.
"""
from __future__ import annotations

import io
from datetime import datetime

from fpdf import FPDF, FontFace
from fpdf.enums import TableBordersLayout, TableCellFillMode, WrapMode

from . import report_charts as charts
from .invitation_print import FAMILY, FONT_DIR, FONT_FILES, date_line
from .local_time import weekday
from .report_export import TABLES, Fmt, clean, fmt_duration, fmt_int, fmt_percent, local

MARGIN = 15.0
PT = 25.4 / 72
TABLE_SIZE = 7.5
SHORT_PHRASE = 22.0          # mm: a column of long text is never narrower than this (or its longest cell)
CHART_W = 780                # px across the text width: chart text of 12-13 px comes out at 7.5-8 pt
HEAD_FILL = (236, 236, 241)
ZEBRA = (248, 248, 250)
RED = (183, 28, 28)


def key_figures(report: dict) -> list[str]:
    """The report in four sentences (programme, delegates, awards, bridge points), for the PDF's first
    page and the top of the report page."""
    f = Fmt.of(report, compact=True)
    p = report["programme"]
    lines = []
    if p.get("actual_start"):
        drift = p.get("drift_s")
        late = (f"muộn {fmt_duration(drift)} so với kế hoạch" if drift and drift > 0 else
                f"sớm {fmt_duration(-drift)} so với kế hoạch" if drift and drift < 0 else "đúng kế hoạch")
        first = p["rows"][0]["planned_start"] if p["rows"] else None
        ended = (f"kết thúc lúc {f.time(p['actual_end'])} (kế hoạch {f.time(p.get('planned_end'))}), {late}"
                 if p.get("actual_end") else "chưa kết thúc")
        lines.append(f"Chương trình: {len(p['rows'])} mục, bắt đầu lúc {f.time(p['actual_start'])} "
                     f"(kế hoạch {f.time(first)}), {ended}.")
    else:
        lines.append(f"Chương trình: {len(p['rows'])} mục, chưa bắt đầu.")
    attendance = report["attendance"]
    a = attendance["total"]
    lines.append(f"Đại biểu: {fmt_int(a['arrived'])}/{fmt_int(a['expected'])} người đã đến"
                 + (f" ({fmt_percent(a['percent'])})" if a.get("percent") is not None else "")
                 + f"; {fmt_int(attendance.get('walk_ins') or 0)} người không có trong danh sách được đón tiếp, "
                 f"{fmt_int(attendance.get('flagged') or 0)} lượt quét cần xem lại, "
                 f"{fmt_int(attendance.get('overrides') or 0)} lượt cho vào ngoại lệ.")
    w = report["awards"]["total"]
    lines.append(f"Khen thưởng: {fmt_int(w['total'])} cá nhân, tập thể; đã trao {fmt_int(w['presented'])}, nhận thay "
                 f"{fmt_int(w['proxy'])}, vắng mặt {fmt_int(w['absent'])}, chưa trao {fmt_int(w['pending'])}.")
    incidents = report["bridge_points"]["incidents"]
    still_open = sum(1 for i in incidents if not i.get("resolved_at"))
    points = len(report["bridge_points"]["rows"])
    lines.append(f"Điểm cầu: {points} điểm cầu; {len(incidents)} sự cố"
                 + (f", {still_open} sự cố chưa xử lý xong khi lập báo cáo." if still_open else
                    ", đều đã được xử lý." if incidents else "."))
    return lines


class _ReportPDF(FPDF):
    footer_text = ""

    def footer(self):
        self.set_y(-11)
        self.set_font(FAMILY, "", 7.5)
        self.set_text_color(110)
        self.cell(0, 4, self.footer_text, align="L")
        self.set_x(self.l_margin)
        self.cell(0, 4, f"Trang {self.page_no()}/{{nb}}", align="R")
        self.set_text_color(0)


def _default_place(organiser: str) -> str:
    """"Quận ủy Quận 9" -> "Quận 9": the place a committee's documents are dated from."""
    words = clean(organiser).split()
    if len(words) > 2 and words[1].lower() == "ủy" and words[0].lower() in ("quận", "huyện", "thị", "thành", "đảng"):
        return " ".join(words[2:])
    return ""


class _Writer:
    def __init__(self, report: dict, issuing_body: str | None, place_name: str | None):
        self.report = report
        self.event = report.get("event") or {}
        self.fmt = Fmt.of(report, compact=True)
        self.tz = self.fmt.tz
        self.issuing_body = issuing_body if issuing_body is not None else clean(self.event.get("organiser"))
        self.place = place_name if place_name is not None else _default_place(self.event.get("organiser") or "")
        pdf = _ReportPDF(orientation="P", unit="mm", format="A4")
        for style, file in FONT_FILES.items():
            pdf.add_font(FAMILY, style, FONT_DIR / file)
        pdf.set_lang("vi")
        pdf.set_margins(MARGIN, MARGIN, MARGIN)
        pdf.set_auto_page_break(True, margin=16)
        pdf.set_title(f"Báo cáo kết quả tổ chức hội nghị – {clean(self.event.get('title'))}"[:250])
        pdf.set_creator("Điểm Cầu")
        pdf.set_text_color(0)
        generated = local(self.event.get("generated_at"), self.tz)
        pdf.footer_text = (f"Điểm Cầu · báo cáo lập lúc {generated:%H:%M} ngày {generated:%d/%m/%Y}" if generated
                           else "Điểm Cầu")
        self.pdf = pdf
        self.width = pdf.w - 2 * MARGIN
        self.table_no = 0

    # ------------------------------------------------------------------------------------- pieces

    def font(self, style: str = "", size: float = 10.0) -> None:
        self.pdf.set_font(FAMILY, style, size)

    def room(self, height: float) -> None:
        """A new page unless `height` mm still fit on this one."""
        if self.pdf.get_y() + height > self.pdf.page_break_trigger:
            self.pdf.add_page()

    def paragraph(self, text: str, style: str = "", size: float = 10.0, align: str = "J", gap: float = 1.5) -> None:
        self.font(style, size)
        self.pdf.set_x(MARGIN)
        self.pdf.multi_cell(self.width, size * PT * 1.45, clean(text), align=align,
                            new_x="LMARGIN", new_y="NEXT")
        self.pdf.ln(gap)

    def section(self, title: str, keep: float = 50.0) -> None:
        """A numbered section's heading, on a new page unless `keep` mm of what follows fit under it."""
        self.room(keep + 12)
        self.pdf.ln(3)
        self.font("B", 12)
        self.pdf.set_text_color(*RED)
        self.pdf.multi_cell(self.width, 6, title, new_x="LMARGIN", new_y="NEXT")
        self.pdf.set_text_color(0)
        self.pdf.ln(1.5)

    def chart_height(self, svg: str) -> float:
        """Height (mm) of a chart drawn across the text width, from the SVG's own width and height."""
        head = svg[:svg.index(">")]
        w = float(head.split(' width="', 1)[1].split('"', 1)[0])
        h = float(head.split(' height="', 1)[1].split('"', 1)[0])
        return self.width * h / w

    def chart(self, svg: str) -> None:
        pdf = self.pdf
        height = self.chart_height(svg)
        self.room(height + 2)
        pdf.image(io.BytesIO(svg.encode("utf-8")), x=MARGIN, y=pdf.get_y(), w=self.width, h=height)
        pdf.set_y(pdf.get_y() + height + 3)

    def _widths(self, headers: list[str], rows: list[list[str]], wide: list[bool]) -> list[float]:
        """Column widths (mm) filling the line: a heading takes at most two lines; a column of short
        values is never wrapped; the columns of long text (`wide`) share what is left, each at least as
        wide as its longest word and in proportion to the width of its longer cells (the 90th
        percentile: one long note does not take the room of a column full of long names)."""
        pdf, pad = self.pdf, 2.4
        n = len(headers)
        least, natural, weight = [0.0] * n, [0.0] * n, [0.0] * n
        for i in range(n):
            self.font("B", TABLE_SIZE)
            least[i] = max([pdf.get_string_width(w) for w in headers[i].split()] or [0.0])
            head = max(pdf.get_string_width(headers[i]) / 2 + 1.5, least[i])
            self.font("", TABLE_SIZE)
            sizes = sorted(pdf.get_string_width(row[i]) if row[i] else 0.0 for row in rows)
            natural[i] = max([head] + sizes)
            weight[i] = max(head, sizes[int(0.9 * (len(sizes) - 1))] if sizes else 0.0)
            for row in rows:
                if row[i]:
                    longest = max(pdf.get_string_width(w) for w in row[i].split()) if wide[i] else \
                        pdf.get_string_width(row[i])
                    least[i] = max(least[i], min(longest, 40.0))
        least = [w + pad for w in least]
        natural = [max(w + pad, lo) for w, lo in zip(natural, least)]
        weight = [w + pad for w in weight]
        least = [max(lo, min(nat, SHORT_PHRASE)) if is_wide else lo      # a few words stay on one line
                 for lo, nat, is_wide in zip(least, natural, wide)]
        room = self.width
        if sum(natural) <= room:                                   # everything on one line: spread the rest
            return [w * room / sum(natural) for w in natural]
        fixed = sum(nat for nat, is_wide in zip(natural, wide) if not is_wide)
        flexible = [i for i in range(n) if wide[i]]
        if flexible and fixed + sum(least[i] for i in flexible) <= room:
            widths = list(natural)
            spare, todo = room - fixed, list(flexible)
            while todo:                       # proportional to the weight, between the least and the natural
                share = sum(weight[i] for i in todo)
                offer = {i: spare * weight[i] / share for i in todo}
                bound = [i for i in todo if offer[i] < least[i]] or [i for i in todo if offer[i] > natural[i]]
                if not bound:
                    for i in todo:
                        widths[i] = offer[i]
                    break
                for i in bound:
                    widths[i] = least[i] if offer[i] < least[i] else natural[i]
                    spare -= widths[i]
                    todo.remove(i)
            return widths
        if sum(least) >= room:
            return [w * room / sum(least) for w in least]
        spare = room - sum(least)
        want = [nat - lo for nat, lo in zip(natural, least)]
        return [lo + spare * wt / sum(want) for lo, wt in zip(least, want)]

    def table(self, key: str) -> None:
        t = TABLES[key]
        body, total = t.text_rows(self.report, compact=True)
        self.table_no += 1
        self.room(24)
        self.font("B", 9.5)
        self.pdf.multi_cell(self.width, 5, f"Bảng {self.table_no}. {t.title}", new_x="LMARGIN", new_y="NEXT")
        if t.note:
            self.paragraph(t.note, "I", 7.5, gap=0.5)
        if not body:
            self.paragraph("Không có dữ liệu.", "I", 9)
            return
        headers = t.headers()
        rows = body + ([total] if total else [])
        widths = self._widths(headers, rows, [c.wide for c in t.columns])
        align = tuple("R" if c.numeric else "L" for c in t.columns)
        pdf = self.pdf
        pdf.set_draw_color(190, 190, 200)
        pdf.set_line_width(0.1)
        self.font("", TABLE_SIZE)
        with pdf.table(col_widths=widths, width=self.width, text_align=align, line_height=TABLE_SIZE * PT * 1.35,
                       headings_style=FontFace(emphasis="BOLD", fill_color=HEAD_FILL),
                       borders_layout=TableBordersLayout.ALL, cell_fill_color=ZEBRA,
                       cell_fill_mode=TableCellFillMode.EVEN_ROWS, wrapmode=WrapMode.WORD,
                       padding=(0.8, 1.1, 0.8, 1.1), v_align="TOP", repeat_headings=1) as grid:
            head = grid.row()
            for text in headers:
                head.cell(text)
            for cells in body:
                row = grid.row()
                for text in cells:
                    row.cell(text)
            if total:
                row = grid.row(style=FontFace(emphasis="BOLD"))
                for text in total:
                    row.cell(text)
        pdf.set_draw_color(0)
        pdf.ln(4)

    # ------------------------------------------------------------------------------------ the parts

    def header(self) -> None:
        pdf = self.pdf
        pdf.add_page()
        size, gap = 10.5, 10.5 * PT * 1.3
        left_w = 84.0
        left_x = MARGIN - 4
        right_x = left_x + left_w + 4
        right_w = pdf.w - MARGIN + 4 - right_x
        top = MARGIN
        lines = [clean(line).upper() for line in str(self.issuing_body or "").split("\n") if clean(line)]
        y = top
        for i, line in enumerate(lines or [""]):
            self.font("B" if i == len(lines) - 1 else "", size)
            pdf.set_xy(left_x, y)
            pdf.multi_cell(left_w, gap, line, align="C", new_x="LMARGIN", new_y="NEXT")
            y = pdf.get_y()
        self.font("", size)
        pdf.set_xy(left_x, y + gap * 0.1)                 # an asterisk sits high: a little more air
        pdf.cell(left_w, gap, "*", align="C")
        left_bottom = y + gap * 1.1

        motto = "ĐẢNG CỘNG SẢN VIỆT NAM"
        self.font("B", size)
        mw = pdf.get_string_width(motto)
        mx = right_x + (right_w - mw) / 2
        pdf.set_xy(right_x, top)
        pdf.cell(right_w, gap, motto, align="C")
        pdf.set_line_width(0.3)
        pdf.line(mx, top + gap - 0.2, mx + mw, top + gap - 0.2)
        generated = local(self.event.get("generated_at"), self.tz)
        when = date_line(self.place, (generated or datetime.now(self.tz)).date())    # the day where the event is
        self.font("I", size)
        pdf.set_xy(right_x, top + gap * 2)
        pdf.multi_cell(right_w, gap, when, align="C", new_x="LMARGIN", new_y="NEXT")
        pdf.set_y(max(left_bottom, pdf.get_y()) + 8)

        self.font("B", 15)
        pdf.multi_cell(self.width, 7.5, "BÁO CÁO KẾT QUẢ TỔ CHỨC HỘI NGHỊ", align="C", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(1)
        self.font("B", 11)
        pdf.set_x(MARGIN + 12)
        pdf.multi_cell(self.width - 24, 11 * PT * 1.4, clean(self.event.get("title")), align="C",
                       new_x="LMARGIN", new_y="NEXT")
        y = pdf.get_y() + 2.5
        pdf.set_line_width(0.3)
        pdf.line(pdf.w / 2 - 15, y, pdf.w / 2 + 15, y)
        pdf.set_y(y + 4)

        starts = local(self.event.get("starts_at"), self.tz)
        if starts:
            self.paragraph(f"Thời gian: {starts:%H} giờ {starts:%M} phút, {weekday(starts.date(), 'vi')}, "
                           f"ngày {starts:%d/%m/%Y}.", "", 10, "L", 0.5)
        if self.event.get("venue"):
            self.paragraph(f"Địa điểm: {self.event['venue']}.", "", 10, "L", 0.5)
        if self.event.get("organiser"):
            self.paragraph(f"Đơn vị tổ chức: {self.event['organiser']}.", "", 10, "L", 2)
        if self.event.get("run_text"):
            self.paragraph(self.event["run_text"], "I", 10, "L", 2)

    def summary(self) -> None:
        self.font("B", 10)
        self.pdf.cell(self.width, 6, "Kết quả chính", new_x="LMARGIN", new_y="NEXT")
        for line in key_figures(self.report):
            self.font("", 10)
            self.pdf.set_x(MARGIN + 2)
            self.pdf.multi_cell(self.width - 2, 10 * PT * 1.45, f"– {line}", new_x="LMARGIN", new_y="NEXT")
            self.pdf.ln(0.8)

    def body(self) -> None:
        r = self.report
        tz = r["event"].get("timezone")
        timeline = charts.programme_timeline(r, width=CHART_W, pdf=True)
        self.section("I. CHƯƠNG TRÌNH: KẾ HOẠCH VÀ THỰC TẾ", self.chart_height(timeline))
        self.chart(timeline)
        self.table("programme")
        if r["programme"].get("local"):
            self.table("local-segments")

        total = r["attendance"]["total"]
        curve = charts.arrival_curve(r["attendance"], tz=tz, width=CHART_W, height=250, pdf=True)
        self.section("II. ĐIỂM DANH ĐẠI BIỂU", self.chart_height(curve) + 12)
        self.paragraph(f"Đã đến {fmt_int(total['arrived'])}/{fmt_int(total['expected'])} đại biểu dự kiến "
                       f"({fmt_percent(total['percent'])}). Đường liền: số người đã đến cộng dồn theo giờ điểm danh; "
                       f"đường đứt: số dự kiến.", "", 9.5)
        self.chart(curve)
        self.table("attendance-points")
        if len(r["attendance"]["points"]) > 1:
            self.chart(charts.arrival_curve(r["attendance"]["points"], tz=tz, width=CHART_W, pdf=True,
                                            title="Số đại biểu đã đến theo thời gian, từng điểm cầu"))
        self.table("attendance")

        bars = charts.awards_bars(r, width=CHART_W, pdf=True)
        self.section("III. KHEN THƯỞNG", self.chart_height(bars))
        self.chart(bars)
        self.table("awards")
        self.table("award-recipients")

        self.section("IV. ĐIỂM CẦU: SỰ CỐ VÀ ĐƯỜNG TRUYỀN")
        self.table("bridge-points")
        self.table("incidents")

        self.section("V. NHẬT KÝ ĐIỀU HÀNH")
        self.table("cue-log")


def report_pdf(report: dict, *, issuing_body: str | None = None, place_name: str | None = None) -> bytes:
    """The report as PDF bytes. `issuing_body` ("QUẬN ỦY QUẬN 9"; a line break puts the superior body
    above it) and `place_name` ("Quận 9") come from the event when the caller has it; by default the
    organiser in capitals and the place read from it ("Quận ủy Quận 9" -> "Quận 9")."""
    writer = _Writer(report, issuing_body, place_name)
    writer.header()
    writer.summary()
    writer.body()
    return bytes(writer.pdf.output())

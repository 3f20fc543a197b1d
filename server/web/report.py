"""After the event: the report page with its charts and tables, and the same report as PDF, XLSX (one
table or all of them) and CSV (one table).

    GET /e/<slug>/report                  the page (templates/report.html)
    GET /e/<slug>/report.pdf              the printable report
    GET /e/<slug>/report.xlsx             every table, one sheet each
    GET /e/<slug>/report/<table>.xlsx     one table (a key of report_export.TABLES)
    GET /e/<slug>/report/<table>.csv      one table, UTF-8 with BOM

Administrators and operators (desk.view). Every output is made from one call of
`server.services.report.report()`, imported when a view runs, so this module imports (and the
blueprint registers) before that service exists."""
from __future__ import annotations

from flask import Blueprint, Response, abort, render_template, url_for
from flask_babel import force_locale

from ..models import Event
from ..services import report_charts as charts
from ..services.report_export import TABLES, Fmt, csv_bytes, file_name, xlsx
from ..services.report_pdf import key_figures, report_pdf
from .context import db, event_or_404, login_required

bp = Blueprint("report", __name__, url_prefix="/e/<slug>")

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _report(event: Event) -> dict:
    from ..services.report import report
    return report(db(), event.id)


def _download(data: bytes, mimetype: str, name: str, inline: bool = False) -> Response:
    disposition = "inline" if inline else "attachment"
    return Response(data, mimetype=mimetype, headers={"Content-Disposition": f'{disposition}; filename="{name}"',
                                                      "Cache-Control": "no-store"})


def _table(report: dict, slug: str, key: str) -> dict:
    t = TABLES[key]
    body, total = t.text_rows(report, compact=True)
    return {"kind": "table", "key": key, "title": t.title, "note": t.note, "headers": t.headers(),
            "numeric": [c.numeric for c in t.columns], "wide": [c.wide for c in t.columns], "rows": body,
            "total": total, "xlsx": url_for(".table_xlsx", slug=slug, table=key),
            "csv": url_for(".table_csv", slug=slug, table=key)}


def _sections(report: dict, slug: str) -> list[dict]:
    """The page in order: numbered sections of charts, tables and short texts."""
    tz = report["event"].get("timezone")
    attendance = report["attendance"]

    def chart(svg: str, caption: str = "") -> dict:
        return {"kind": "chart", "svg": svg, "caption": caption}

    points = []
    if len(attendance["points"]) > 1:
        points = [chart(charts.arrival_curve(attendance["points"], tz=tz,
                                             title="Số đại biểu đã đến theo thời gian, từng điểm cầu"),
                        "Từng điểm cầu: số người đã đến / dự kiến ở chú thích; đường đứt cùng màu là số dự kiến.")]
    return [
        {"id": "chuong-trinh", "title": "I. Chương trình: kế hoạch và thực tế", "blocks": [
            chart(charts.programme_timeline(report),
                  "Mỗi mục: thanh xám là kế hoạch, thanh dưới là thực tế; phần đỏ diễn ra sau giờ kết thúc theo "
                  "kế hoạch của mục. Bên phải: thời lượng thực tế trừ kế hoạch."),
            _table(report, slug, "programme"),
            _table(report, slug, "local-segments")]},
        {"id": "diem-danh", "title": "II. Điểm danh đại biểu", "blocks": [
            chart(charts.arrival_curve(attendance, tz=tz),
                  "Số người đã đến cộng dồn theo giờ điểm danh; đường đứt là tổng số dự kiến."),
            _table(report, slug, "attendance-points"), *points,
            _table(report, slug, "attendance")]},
        {"id": "khen-thuong", "title": "III. Khen thưởng", "blocks": [
            chart(charts.awards_bars(report)),
            _table(report, slug, "awards"),
            _table(report, slug, "award-recipients")]},
        {"id": "diem-cau", "title": "IV. Điểm cầu: sự cố và đường truyền", "blocks": [
            _table(report, slug, "bridge-points"),
            _table(report, slug, "incidents")]},
        {"id": "nhat-ky", "title": "V. Nhật ký điều hành", "blocks": [
            _table(report, slug, "cue-log")]},
    ]


@bp.get("/report")
@login_required("desk.view")
def page(slug: str):
    """A Vietnamese document, as its PDF and exports are: the whole page in Vietnamese, menu included,
    rather than an English menu around Vietnamese tables."""
    event = event_or_404(slug)
    with force_locale("vi"):
        report = _report(event)
        generated = Fmt.of(report).time(report["event"].get("generated_at"))
        return render_template("report.html", event=event, report=report, figures=key_figures(report),
                               sections=_sections(report, slug), generated=generated)


@bp.get("/report.pdf")
@login_required("desk.view")
def pdf(slug: str):
    event = event_or_404(slug)
    report = _report(event)
    data = report_pdf(report, issuing_body=event.issuing_body or None, place_name=event.place_name or None)
    return _download(data, "application/pdf", file_name(report, None, "pdf"), inline=True)


@bp.get("/report.xlsx")
@login_required("desk.view")
def all_xlsx(slug: str):
    report = _report(event_or_404(slug))
    return _download(xlsx(report), XLSX, file_name(report, None, "xlsx"))


@bp.get("/report/<table>.xlsx")
@login_required("desk.view")
def table_xlsx(slug: str, table: str):
    event = event_or_404(slug)
    if table not in TABLES:
        abort(404)
    report = _report(event)
    return _download(xlsx(report, table), XLSX, file_name(report, table, "xlsx"))


@bp.get("/report/<table>.csv")
@login_required("desk.view")
def table_csv(slug: str, table: str):
    event = event_or_404(slug)
    if table not in TABLES:
        abort(404)
    report = _report(event)
    return _download(csv_bytes(report, table), "text/csv", file_name(report, table, "csv"))   # charset=utf-8 added

"""An event's bridge points (điểm cầu): finding one for every service that acts at or for one, and
the organisers' list itself: add, edit, reorder, remove, import from their XLSX/CSV.

A point's code is its address (/e/<event>/site/<code>); it is made from the short name without
diacritics and stays the same when the names change, so printed sheets keep working.
"""
from __future__ import annotations

import re

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..i18n import lazy
from ..models import BRIDGE_POINT_KINDS, Award, BridgePoint, CheckIn, Event, User, row_id
from . import audit
from .errors import Invalid, NotFound
from .events import require_open
from .table_import import RowError, all_or_nothing, data_rows, find_header, read_table
from .text import clean_cell, fold

CODE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
LIMITS = {"name": 200, "short_name": 80, "code": 60}
KIND_LABELS = {"main": lazy("Điểm cầu chính"), "district": lazy("Cấp huyện/quận"), "ward": lazy("Phường"),
               "commune": lazy("Xã")}
# What people write in a "Cấp"/"Loại" column (folded) -> kind.
KIND_WORDS = {"chinh": "main", "diem cau chinh": "main", "hoi truong chinh": "main", "main": "main",
              "quan": "district", "huyen": "district", "district": "district", "cap quan": "district",
              "cap huyen": "district", "thi xa": "district", "thanh pho": "district",
              "phuong": "ward", "ward": "ward", "cap phuong": "ward", "thi tran": "ward",
              "xa": "commune", "commune": "commune", "cap xa": "commune"}
HEADERS = {"tt": "number", "stt": "number", "ten diem cau": "name", "diem cau": "name", "ten": "name",
           "hoi truong": "name", "dia diem": "name", "ten ngan": "short_name", "ten gon": "short_name",
           "ma": "code", "ma diem cau": "code", "cap": "kind", "loai": "kind", "loai diem cau": "kind"}
REQUIRED = ("name",)
FIELDS = ("name", "short_name", "code", "kind")


def require_point(session: Session, event_id: int, bridge_point_id) -> BridgePoint:
    if not isinstance(bridge_point_id, int) or isinstance(bridge_point_id, bool):
        raise Invalid(lazy("Cần mã điểm cầu (bridge_point_id) là một số."))
    point = session.get(BridgePoint, bridge_point_id) if row_id(bridge_point_id) else None
    if point is None or point.event_id != event_id:
        raise NotFound(lazy("Không tìm thấy điểm cầu %(id)s trong hội nghị này.", id=bridge_point_id))
    return point


def kind_of(value) -> str:
    text = clean_cell(value)
    kind = text if text in BRIDGE_POINT_KINDS else KIND_WORDS.get(fold(text))
    if kind is None:
        raise Invalid(lazy("Cấp điểm cầu “%(kind)s” không có; chọn main (điểm cầu chính), district (quận/huyện), "
                           "ward (phường) hoặc commune (xã).", kind=text[:40]))
    return kind


def code_from(text: str) -> str:
    """"P. Long Bình" -> "p-long-binh"."""
    return "-".join(re.sub(r"[^a-z0-9]+", " ", fold(text)).split())[:LIMITS["code"]].strip("-") or "diem-cau"


def _clean(data: dict, *, partial: bool) -> dict:
    if not isinstance(data, dict):
        raise Invalid(lazy("Thông tin điểm cầu phải là một đối tượng JSON."))
    unknown = sorted(set(data) - set(FIELDS))
    if unknown:
        raise Invalid(lazy("Trường không có: %(names)s. Các trường: %(known)s.", names=", ".join(map(str, unknown))[:200],
                           known=", ".join(FIELDS)))
    out: dict = {}
    for name, label in (("name", lazy("Tên điểm cầu")), ("short_name", lazy("Tên ngắn")), ("code", lazy("Mã"))):
        if name in data or not partial:
            value = data.get(name)
            if value is not None and not isinstance(value, (str, int, float)):
                raise Invalid(lazy("%(label)s phải là văn bản.", label=label))
            text = clean_cell(value)
            if len(text) > LIMITS[name]:
                raise Invalid(lazy("%(label)s dài %(length)s ký tự, tối đa %(limit)s; hãy rút gọn.", label=label,
                                   length=len(text), limit=LIMITS[name]))
            out[name] = text
    if "name" in out and not out["name"]:
        raise Invalid(lazy("Hãy nhập tên điểm cầu (vd. Hội trường Đảng ủy phường Long Bình)."))
    if out.get("code") and not CODE.match(out["code"]):
        raise Invalid(lazy("Mã điểm cầu “%(code)s” chỉ gồm chữ thường không dấu, số và dấu gạch ngang (vd. long-binh).",
                           code=out["code"]))
    if "kind" in data or not partial:
        out["kind"] = kind_of(data.get("kind") or "ward")
    return out


def _check_unique(session: Session, event_id: int, code: str, exclude_id: int | None = None) -> None:
    other = session.execute(select(BridgePoint.id).where(BridgePoint.event_id == event_id,
                                                         BridgePoint.code == code)).scalar_one_or_none()
    if other is not None and other != exclude_id:
        raise Invalid(lazy("Mã điểm cầu “%(code)s” đã có trong hội nghị này; chọn mã khác.", code=code))


def _require_main_unique(session: Session, event_id: int, kind: str, exclude_id: int | None = None) -> None:
    if kind != "main":
        return
    other = session.execute(select(BridgePoint).where(BridgePoint.event_id == event_id,
                                                      BridgePoint.kind == "main")).scalars().first()
    if other is not None and other.id != exclude_id:
        raise Invalid(lazy("Hội nghị đã có điểm cầu chính (%(name)s); mỗi hội nghị chỉ có một.", name=other.short_name))


def add(session: Session, event: Event, data: dict) -> BridgePoint:
    """A new point at the end of the list (flushes, does not commit)."""
    require_open(event)
    fields = _clean(data, partial=False)
    fields["short_name"] = fields["short_name"] or fields["name"][:LIMITS["short_name"]]
    fields["code"] = fields["code"] or _free_code(session, event.id, code_from(fields["short_name"]))
    _check_unique(session, event.id, fields["code"])
    _require_main_unique(session, event.id, fields["kind"])
    last = session.execute(select(func.max(BridgePoint.position)).where(BridgePoint.event_id == event.id)).scalar()
    point = BridgePoint(event_id=event.id, position=0 if last is None else last + 1, **fields)
    session.add(point)
    session.flush()
    session.refresh(event, ["bridge_points"])
    return point


def _free_code(session: Session, event_id: int, wanted: str) -> str:
    taken = set(session.execute(select(BridgePoint.code).where(BridgePoint.event_id == event_id)).scalars())
    code, n = wanted, 1
    while code in taken:
        n += 1
        code = f"{wanted[:LIMITS['code'] - len(str(n)) - 1]}-{n}"
    return code


def get(session: Session, event: Event, point_ref) -> BridgePoint:
    """A point of the event by id or by code."""
    ref = clean_cell(point_ref)
    query = select(BridgePoint).where(BridgePoint.event_id == event.id)
    point = session.execute(query.where(BridgePoint.id == int(ref)) if row_id(ref, digits=True)
                            else query.where(BridgePoint.code == ref)).scalar_one_or_none()
    if point is None:
        raise NotFound(lazy("Không tìm thấy điểm cầu “%(ref)s” trong hội nghị này.", ref=ref[:60]))
    return point


def update(session: Session, event: Event, point_ref, data: dict) -> BridgePoint:
    require_open(event)
    point = get(session, event, point_ref)
    fields = _clean(data, partial=True)
    if fields.get("code") and fields["code"] != point.code:
        _check_unique(session, event.id, fields["code"], point.id)
    elif "code" in fields:
        fields.pop("code")
    if "kind" in fields:
        _require_main_unique(session, event.id, fields["kind"], point.id)
    if "short_name" in fields and not fields["short_name"]:
        fields["short_name"] = (fields.get("name") or point.name)[:LIMITS["short_name"]]
    for name, value in fields.items():
        setattr(point, name, value)
    session.flush()
    return point


def move(session: Session, event: Event, point_ref, delta: int) -> None:
    """One place up (-1) or down (+1): the order of the control room's grid and of every list."""
    require_open(event)
    point = get(session, event, point_ref)
    rows = sorted(event.bridge_points, key=lambda p: (p.position, p.id))
    i = rows.index(point)
    j = i + (1 if delta > 0 else -1)
    if 0 <= j < len(rows):
        rows[i], rows[j] = rows[j], rows[i]
    for position, row in enumerate(rows):
        row.position = position
    session.flush()


def in_use(session: Session, point: BridgePoint) -> list[str]:
    """Why a point cannot be removed: what would lose its place."""
    reasons = []
    checks = session.execute(select(func.count()).select_from(CheckIn)
                             .where(CheckIn.bridge_point_id == point.id)).scalar()
    awards = session.execute(select(func.count()).select_from(Award).where(Award.bridge_point_id == point.id)).scalar()
    accounts = session.execute(select(func.count()).select_from(User).where(User.bridge_point_id == point.id)).scalar()
    if checks:
        reasons.append(str(lazy("%(n)s lượt điểm danh", n=checks)))
    if awards:
        reasons.append(str(lazy("%(n)s khen thưởng", n=awards)))
    if accounts:
        reasons.append(str(lazy("%(n)s tài khoản", n=accounts)))
    return reasons


def remove(session: Session, event: Event, point_ref) -> None:
    require_open(event)
    point = get(session, event, point_ref)
    reasons = in_use(session, point)
    if reasons:
        raise Invalid(lazy("Không xóa được điểm cầu %(name)s: đã có %(what)s gắn với điểm này. Thu hồi hoặc chuyển "
                           "chúng sang điểm khác trước.", name=point.short_name, what=", ".join(reasons)))
    session.delete(point)
    session.flush()
    session.refresh(event, ["bridge_points"])
    for position, row in enumerate(sorted(event.bridge_points, key=lambda p: (p.position, p.id))):
        row.position = position
    session.flush()


def _headline(count: int):
    return lazy("Không nhập được danh sách điểm cầu: %(count)s lỗi. Sửa tệp rồi nhập lại.", count=count)


def parse_points(session: Session, event: Event, filename: str, data: bytes) -> list[dict]:
    """The rows as point fields, each with its "line"; every bad row at once, nothing half imported."""
    rows = read_table(filename, data, headline=_headline)
    columns, header_line = find_header(rows, HEADERS, REQUIRED, lazy(
        "Không tìm thấy dòng tiêu đề có cột “Tên điểm cầu”. Bảng cần cột Tên điểm cầu, và có thể: TT, Tên ngắn, "
        "Mã, Cấp (chính, quận, phường, xã)."), headline=_headline)
    taken = set(session.execute(select(BridgePoint.code).where(BridgePoint.event_id == event.id)).scalars())
    has_main = any(p.kind == "main" for p in event.bridge_points)
    out, errors, lines = [], [], {}
    for line, values in data_rows(rows, columns, header_line, HEADERS, REQUIRED):
        try:
            fields = _clean({k: v for k, v in values.items() if k != "number" and v not in (None, "")}
                            | {"name": values.get("name")}, partial=False)
            fields["short_name"] = fields["short_name"] or fields["name"][:LIMITS["short_name"]]
            code = fields["code"] or code_from(fields["short_name"])
            if code in lines:
                raise Invalid(lazy("Mã “%(code)s” trùng với dòng %(other)s.", code=code, other=lines[code]))
            if code in taken:
                raise Invalid(lazy("Mã điểm cầu “%(code)s” đã có trong hội nghị này; chọn mã khác.", code=code))
            if fields["kind"] == "main":
                if has_main:
                    raise Invalid(lazy("Hội nghị đã có điểm cầu chính; mỗi hội nghị chỉ có một."))
                has_main = True
            lines[code] = line
            out.append({**fields, "code": code, "line": line})
        except Invalid as exc:
            errors.append(RowError(line, str(exc.message)))
    return all_or_nothing(out, errors, header_line, lazy("Bảng không có điểm cầu nào."), _headline)


def import_points(session: Session, event: Event, filename: str, data: bytes, actor: str = "") -> list[BridgePoint]:
    """Adds every row of the file after the event's points, or none (then commits)."""
    rows = parse_points(session, event, filename, data)
    try:
        added = [add(session, event, {k: v for k, v in row.items() if k != "line"}) for row in rows]
        audit.record(session, actor, "import", event_id=event.id, target="bridge_points", detail={"rows": len(rows)})
    except Exception:
        session.rollback()
        raise
    session.commit()
    return added

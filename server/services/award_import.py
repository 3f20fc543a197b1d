"""Importing the award list (danh sách khen thưởng) from the XLSX or CSV file the office keeps.

Columns, in whatever spelling the office uses (headers are matched without diacritics; see HEADERS):
STT, Họ và tên, Đơn vị, Tập thể, Hình thức khen thưởng, Cấp, Số quyết định, Ngày quyết định, Điểm cầu,
Mục chương trình, Thành tích. Họ và tên, Hình thức khen thưởng and Mục chương trình are required.

- **Họ và tên** is the recipient, or for a collective (Tập thể) the person who receives for it. It must
  name exactly one delegate of the event (matched without diacritics); Đơn vị tells apart two delegates
  of the same name. When the event has nobody of that name, the recipient is **added to the delegate
  list** (category award_recipient, with the row's Đơn vị and Điểm cầu) and gets an invitation, so they
  can be checked in and called on stage. A name that exists only with another Đơn vị is refused rather
  than added a second time: fix the Đơn vị, or add the other person on the Đại biểu page first.
- **Collectives** (tập thể), as lists write them (see _Context.collective): the unit's name in the Tập
  thể column (Họ và tên receives for it, or nobody is named); or a mark, and then the unit is the name
  cell: "(tập thể)" in the name ("Chi bộ X (tập thể)", "Tập thể: Chi bộ X"), "x" or "Tập thể" in the
  Tập thể or a Cá nhân/Tập thể column, a "I. TẬP THỂ" section heading above the rows, or a mark in the
  kind ("Giấy khen của Quận ủy (tập thể)"), which is then read without it. A unit named without the
  person who receives is received by the unit itself when it is on the delegate list, else by "Đại
  diện <unit>", found or added like any new recipient (Đơn vị: the row's, else the unit).
- **Hình thức khen thưởng** is one of the event's kinds (awards.kind_of); an unknown kind is refused with
  some of the known ones, since a new kind also needs its place in the ceremony order. A collective's
  unknown kind is never answered with "add a new kind": its mark says who receives, not the kind.
- **Điểm cầu** is written as on the delegate list (code, name, short name or bare place name); empty:
  the recipient's own bridge point, or the event's only point when it has one (plan 001: one hall).
- **Mục chương trình** is the TT of the programme item during which the award is presented ("6"). A
  ward's own item is written "Phần riêng 2" (the 2nd item of the wards' local segment); for a ward-level
  award (Cấp, or else the kind, says phường) at a point that runs a local segment, a bare number is
  that local item's number.

All or nothing: every bad row is reported with its line and what to fix (the checks of adding one award
by hand, plus duplicates: the same recipient, kind and collective twice in the file or already in the
list), and nothing is added unless the whole list is valid. The person reads one message per distinct
problem with all its lines ("Dòng 4, 6, 8–33: …", table_import.grouped).
"""
from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..i18n import lazy
from ..models import Award, BridgePoint, Delegate, ProgrammeItem
from . import audit, awards, delegates, invitation_tokens
from .delegate_import import _BridgePoints
from .errors import Invalid
from .table_import import ImportFailed, RowError, all_or_nothing, cell_text, data_rows, find_header, read_table
from .text import fold

__all__ = ["HEADERS", "ImportFailed", "RowError", "import_awards", "parse_awards"]

# Header (folded) -> field. Several spellings seen in real lists.
HEADERS = {
    "tt": "number", "stt": "number", "so tt": "number",
    "ho va ten": "full_name", "ho ten": "full_name", "ho va ten nguoi nhan": "full_name", "nguoi nhan": "full_name",
    "ho va ten ca nhan": "full_name", "ca nhan": "full_name", "ho va ten nguoi duoc khen thuong": "full_name",
    "don vi": "organisation", "co quan": "organisation", "don vi cong tac": "organisation",
    "co quan, don vi": "organisation", "co quan cong tac": "organisation",
    "ten tap the, ca nhan": "full_name", "ten tap the/ca nhan": "full_name", "ten ca nhan, tap the": "full_name",
    "ho ten ca nhan/ten tap the": "full_name", "tap the, ca nhan duoc khen thuong": "full_name",
    "tap the": "collective", "ten tap the": "collective", "tap the duoc khen thuong": "collective",
    "tap the (neu co)": "collective", "khen tap the": "collective",
    "ca nhan/tap the": "recipient_type", "tap the/ca nhan": "recipient_type", "doi tuong": "recipient_type",
    "doi tuong khen thuong": "recipient_type", "ca nhan hay tap the": "recipient_type",
    "hinh thuc khen thuong": "kind", "hinh thuc": "kind", "loai khen thuong": "kind", "khen thuong": "kind",
    "hinh thuc khen": "kind", "danh hieu": "kind",
    "cap": "level", "cap khen thuong": "level", "cap khen": "level",
    "so quyet dinh": "decision_number", "so qd": "decision_number", "quyet dinh so": "decision_number",
    "quyet dinh": "decision_number", "so quyet dinh khen thuong": "decision_number",
    "ngay quyet dinh": "decision_date", "ngay qd": "decision_date", "ngay ky": "decision_date",
    "ngay ky quyet dinh": "decision_date",
    "diem cau": "bridge_point", "noi trao": "bridge_point", "diem cau trao": "bridge_point",
    "muc chuong trinh": "item", "muc": "item", "tt muc": "item", "trao tai muc": "item", "muc trao": "item",
    "thanh tich": "citation", "noi dung thanh tich": "citation", "thanh tich khen thuong": "citation",
    "tom tat thanh tich": "citation", "ly do": "citation",
}
REQUIRED = ("full_name", "kind", "item")
KIND_EXAMPLES = 5
_LOCAL = re.compile(r"^(?:phan rieng|muc rieng|pr)\s*(?:so\s*)?(\d+)$")
_NUMBER = re.compile(r"^(?:muc\s*)?(?:(?:so\s*)?tt\s*)?(\d+)$")
_PUNCTUATION = re.compile(r"[-–—.,:;#/()]+")
_WARD_RANK = awards.LEVELS.index("phường")

# How lists mark a collective (or an individual) in a name or kind cell, matched on the folded text:
# "Chi bộ X (tập thể)", "[Tập thể]", "Tập thể: Chi bộ X", "Tập thể Chi bộ X", "Chi bộ X - tập thể",
# "Giấy khen … cho tập thể".
_MARK = r"(?P<mark>tap the|ca nhan)"
_MARKS = [re.compile(p) for p in (
    r"\s*[(\[]\s*(?:khen\s+)?(?:cho\s+)?" + _MARK + r"\s*[)\]]",
    r"^" + _MARK + r"\s*(?:[:\-–—]\s*|\s(?=\S))",
    r"\s*[-–—:,]\s*(?:cho\s+|danh cho\s+)?" + _MARK + r"$",
    r"\s+(?:cho|danh cho)\s+" + _MARK + r"$",
)]
# In a kind only a bracket or a trailing mark is sure: "Tập thể lao động xuất sắc" is a title of its own.
_KIND_MARKS = [_MARKS[0], _MARKS[2], _MARKS[3]]
_MARK_INSIDE = [re.compile(r"\s+(?:cho\s+)?" + _MARK + r"(?=\s)")]    # "Giấy khen tập thể cấp quận"
# A Tập thể (or Cá nhân/Tập thể) cell that marks rather than names: "x", "✓", "Tập thể"; or says individual.
_YES = {"x", "v", "✓", "✔", "co", "tap the", "1"}
_NO = {"-", "–", "—", "khong", "ca nhan", "0"}
# A section heading row: "I. TẬP THỂ (08 tập thể)", "A- Tập thể:", "II. CÁ NHÂN".
_SECTION = re.compile(r"^(?:[ivxl]+|[a-h]|\d+)?\s*[.):/\-–]*\s*(?:khen thuong\s+|danh sach\s+)?(?:cac\s+)?"
                      + _MARK + r"\s*(?:[:(].*)?$")
# Who receives a collective's award when the row names only the unit (stored data, always Vietnamese).
REPRESENTATIVE = "Đại diện {unit}"


def _unmark(text: str, patterns: list[re.Pattern] = _MARKS) -> tuple[str, str | None]:
    """(the text without a collective/individual mark, "tap the" | "ca nhan" | None)."""
    folded = fold(text)
    if not text or len(folded) != len(text):     # fold keeps one letter per letter of a clean cell
        return text, None
    for pattern in patterns:
        found = pattern.search(folded)
        if found:
            rest = f"{text[:found.start()]} {text[found.end():]}"
            return " ".join(rest.split()).strip(" -–—:,"), found.group("mark")
    return text, None


def _section(cells: list) -> str | None:
    """ "tap the" or "ca nhan" for a section heading row, whatever column its text is in."""
    text = " ".join(cell_text(c) for c in cells if cell_text(c))
    found = _SECTION.match(fold(text)) if 0 < len(text) <= 80 else None
    return found.group("mark") if found else None


def _headline(count: int):
    return lazy("Không nhập được danh sách khen thưởng: %(count)s lỗi. Sửa tệp rồi nhập lại.", count=count)


def parse_awards(session: Session, event_id: int, filename: str, data: bytes) -> list[dict]:
    """The rows as validated award fields (awards.clean_fields) in file order, each with its "line" and
    "new_delegate": None, or the delegate fields of a recipient to add first (then "delegate_id" is
    None). Raises ImportFailed with every bad row, so nothing is half imported. Writes nothing (but the
    event's default kinds, the first time, like every reader of the kinds)."""
    rows = read_table(filename, data, headline=_headline)
    columns, header_line = find_header(rows, HEADERS, REQUIRED, lazy(
        "Không tìm thấy dòng tiêu đề có các cột “Họ và tên”, “Hình thức khen thưởng” và “Mục chương trình”. "
        "Bảng có thể có thêm: STT, Đơn vị, Tập thể, Cấp, Số quyết định, Ngày quyết định, Điểm cầu, Thành tích."),
        headline=_headline)
    context = _Context(session, event_id)
    out: list[dict] = []
    errors: list[RowError] = []
    seen: dict[tuple, int] = {}
    # "I. TẬP THỂ" / "II. CÁ NHÂN" headings, often merged across the row (so in the STT cell): each
    # says what the rows under it are, until the next.
    sections = [(line, mark) for line, cells in rows if line > header_line
                and not any(cell_text(cells[columns[f]]) for f in ("kind", "item") if columns[f] < len(cells))
                and (mark := _section(cells))]
    for line, values in data_rows(rows, columns, header_line, HEADERS, REQUIRED):
        if any(at == line for at, _mark in sections):
            continue
        section = next((mark for at, mark in reversed(sections) if at < line), None)
        try:
            row = context.row(values, section)
            key = (row["recipient_key"], row["kind_id"], fold(row["collective"]))
            if key in seen:
                raise Invalid(lazy("%(who)s: %(kind)s trùng với dòng %(other)s.", who=row["who"],
                                   kind=row["kind_name"], other=seen[key]))
            if key in context.existing:
                raise _already(row["who"], row["kind_name"])
            seen[key] = line
            out.append({**row["fields"], "line": line, "new_delegate": row["new_delegate"]})
        except Invalid as exc:
            errors.append(_row_error(line, exc))
    return all_or_nothing(out, errors, header_line, lazy("Bảng không có khen thưởng nào."), _headline)


def import_awards(session: Session, event_id: int, rows: list[dict], actor: str) -> int:
    """Adds the recipients who are not delegates yet (each once, with an invitation), then the awards,
    then commits; if any row fails now (someone added the same award or person meanwhile) nothing is
    kept. The awards wait for "Xếp đợt" to be placed in stage batches."""
    errors: list[RowError] = []
    added: dict[tuple[str, str], Delegate] = {}
    try:
        for row in rows:
            fields = {name: value for name, value in row.items() if name not in ("line", "new_delegate")}
            try:
                if row.get("new_delegate"):
                    key = delegates.duplicate_key(row["new_delegate"])
                    if key not in added:
                        delegate = delegates.add(session, event_id, {}, actor, fields=row["new_delegate"])
                        invitation_tokens.issue(session, delegate)
                        added[key] = delegate
                    fields["delegate_id"] = added[key].id
                if _already_awarded(session, event_id, fields):
                    kind = awards.kind_of(session, event_id, fields["kind_id"])
                    person = session.get(Delegate, fields["delegate_id"])
                    raise _already(_who(person.full_name, fields["collective"]), kind.name)
                awards.add(session, event_id, {}, fields=fields)
            except Invalid as exc:
                errors.append(_row_error(row.get("line", 0), exc))
        if errors:
            raise ImportFailed(errors, _headline)
        audit.record(session, actor, "import", event_id=event_id, target="awards", detail={"rows": len(rows)})
    except Exception:
        session.rollback()
        raise
    session.commit()
    return len(rows)


def new_recipients(rows: list[dict]) -> int:
    """How many people the import adds to the delegate list."""
    return len({delegates.duplicate_key(r["new_delegate"]) for r in rows if r.get("new_delegate")})


def _already_awarded(session: Session, event_id: int, fields: dict) -> bool:
    found = session.execute(select(Award.collective).where(
        Award.event_id == event_id, Award.delegate_id == fields["delegate_id"], Award.kind_id == fields["kind_id"]))
    return any(fold(c) == fold(fields["collective"]) for c in found.scalars())


def _row_error(line: int, exc: Invalid) -> RowError:
    return RowError(line, str(exc.message), str(exc.details.get("problem") or ""))


def _already(who: str, kind: str) -> Invalid:
    # A file imported twice: the same message for every line of a kind, so it reads as one problem.
    return Invalid(lazy("%(who)s đã có %(kind)s trong danh sách khen thưởng.", who=who, kind=kind),
                   problem=lazy("Người nhận đã có %(kind)s trong danh sách khen thưởng.", kind=kind))


def _who(name: str, collective: str) -> str:
    if collective:
        return str(lazy("Tập thể %(collective)s (người nhận: %(name)s)", collective=collective, name=name))
    return name


class _Context:
    """What every row is checked against: the delegates, bridge points, programme and awards already there."""

    def __init__(self, session: Session, event_id: int):
        self.session, self.event_id = session, event_id
        self.kinds = awards.kinds(session, event_id)
        self.points = _BridgePoints(session, event_id)
        self.people: dict[str, list[Delegate]] = {}
        for person in session.execute(select(Delegate).where(Delegate.event_id == event_id)
                                      .order_by(Delegate.id)).scalars():
            self.people.setdefault(person.name_key, []).append(person)
        self.planned: dict[tuple[str, str], dict] = {}      # recipients this file adds, by (name, unit)
        self.items = list(session.execute(select(ProgrammeItem).where(ProgrammeItem.event_id == event_id)
                                          .order_by(ProgrammeItem.position, ProgrammeItem.id)).scalars())
        self.existing = {(("id", a.delegate_id), a.kind_id, fold(a.collective)) for a in session.execute(
            select(Award).where(Award.event_id == event_id)).scalars()}
        # One bridge point (plan 001: one hall): the list has no Điểm cầu column, every award is there.
        self.only_point = self.points.points[0].id if len(self.points.points) == 1 else None

    def row(self, values: dict, section: str | None = None) -> dict:
        text = {field: cell_text(value) for field, value in values.items()}
        org = text.get("organisation", "")
        collective, name = self.collective(text, section)
        if not name and not collective:
            raise Invalid(lazy("Thiếu họ và tên người nhận."))
        kind, kind_mark = self.marked_kind(text.get("kind", ""), collective=bool(collective))
        if kind_mark == "tap the" and not collective:
            collective, name = self.unit(name, org)
        point_id = self.points.find(text.get("bridge_point", "")) or self.only_point
        if collective and not name:
            person, new = self.representative(collective, org, point_id)
            name = person.full_name
        else:
            person, new = self.recipient(name, org, point_id)
        point = self.session.get(BridgePoint, point_id or person.bridge_point_id or 0)
        if point is None:
            raise Invalid(lazy("%(name)s chưa được xếp điểm cầu; ghi cột Điểm cầu nơi trao.", name=name),
                          problem=lazy("Người nhận chưa được xếp điểm cầu; ghi cột Điểm cầu nơi trao."))
        item_id, local_id = self.scope(text.get("item", ""), text.get("level", "") or kind.name, point)
        data = {"kind_id": kind.id, "level": text.get("level"), "collective": collective,
                "decision_number": text.get("decision_number"), "decision_date": values.get("decision_date"),
                "citation": text.get("citation"), "bridge_point_id": point.id,
                "programme_item_id": item_id, "local_item_id": local_id}
        fields = awards.clean_fields(self.session, self.event_id, data, recipient=person)
        if new is not None:
            self.planned.setdefault(delegates.duplicate_key(new), new)
        key = ("id", person.id) if new is None else ("new",) + delegates.duplicate_key(new)
        return {"fields": fields, "new_delegate": new, "recipient_key": key, "kind_id": kind.id,
                "kind_name": kind.name, "collective": fields["collective"],
                "who": _who(person.full_name, fields["collective"])}

    def collective(self, text: dict, section: str | None) -> tuple[str, str]:
        """(the collective, or "" for a person; the name of who receives, or "" when the row names
        nobody). A unit's name in the Tập thể column makes a collective award received by Họ và tên.
        A mark makes the row a collective whose unit is the name cell: "(tập thể)" in the name, "x" or
        "Tập thể" in the Tập thể or a Cá nhân/Tập thể column, a TẬP THỂ section above. The kind's own
        mark ("Giấy khen … (tập thể)") is read with the kind."""
        cell, cell_mark = _unmark(text.get("collective", ""))
        typed = fold(text.get("recipient_type", ""))
        if typed and typed not in _YES | _NO:
            raise Invalid(lazy("Cột Cá nhân/Tập thể ghi “%(value)s”: ghi “Tập thể” hoặc “Cá nhân”.",
                               value=text.get("recipient_type", "")[:60]))
        name, name_mark = _unmark(text.get("full_name", ""))
        if cell and fold(cell) not in _YES | _NO:
            return cell, "" if fold(name) == fold(cell) else name
        if name_mark == "tap the":
            return name, ""
        if fold(cell) in _NO or typed in _NO or name_mark == "ca nhan":
            return "", name
        if fold(cell) in _YES or typed in _YES or cell_mark == "tap the" or section == "tap the":
            return self.unit(name, text.get("organisation", ""))
        return "", name

    def unit(self, name: str, org: str) -> tuple[str, str]:
        """(collective, who receives) for a row marked as a collective without naming the unit apart:
        the name cell is the unit, unless it is a delegate's name and Đơn vị is filled (the person who
        receives for that unit)."""
        if org and name and fold(name) in self.people and fold(name) != fold(org):
            return org, name
        return name, ""

    def marked_kind(self, value: str, *, collective: bool) -> tuple:
        """(the kind, the collective/individual mark written with it or None): "Giấy khen … (tập thể)"
        says who receives; the mark is no part of the kind."""
        try:
            return self.kind(value, collective=collective), None
        except Invalid:
            bare, mark = _unmark(value, _KIND_MARKS)
            if mark is not None:
                return self.kind(bare, collective=collective or mark == "tap the"), mark
            bare, mark = _unmark(value, _MARK_INSIDE)
            if mark is not None:
                try:                                 # a weaker guess: kept only when it names a kind
                    return awards.kind_of(self.session, self.event_id, bare), mark
                except Invalid:
                    pass
            raise

    def kind(self, value: str, *, collective: bool = False):
        if not value:
            raise Invalid(lazy("Thiếu hình thức khen thưởng."))
        try:
            return awards.kind_of(self.session, self.event_id, value)
        except Invalid:
            words = set(fold(value).split())        # the kinds that look like what was written come first
            alike = sorted(self.kinds, key=lambda k: -len(words & set(fold(k.name).split())))
            examples = "; ".join(k.name for k in alike[:KIND_EXAMPLES])
            if collective:
                # "(tập thể)" says who receives, never that a new kind is needed: no such advice here.
                raise Invalid(lazy("Hình thức khen thưởng “%(value)s” không có trong danh sách của hội nghị. Với khen "
                                   "tập thể, ghi hình thức như với cá nhân (tên tập thể ở cột Họ và tên hoặc Tập "
                                   "thể); các hình thức đã có: %(examples)s…", value=value[:200], examples=examples))
            raise Invalid(lazy("Hình thức khen thưởng “%(value)s” không có trong danh sách của hội nghị. Các hình "
                               "thức đã có: %(examples)s… Thêm hình thức mới ở trang Khen thưởng rồi nhập lại.",
                               value=value[:200], examples=examples))

    def representative(self, unit: str, org: str, point_id: int | None) -> tuple[Delegate, dict | None]:
        """Who receives a collective's award when the row names nobody: the unit itself when it is on
        the delegate list, else its representative "Đại diện <unit>" (found, or added with the unit as
        Đơn vị), whom the organisers may rename once they know who comes."""
        if len(self.people.get(fold(unit), [])) == 1:
            return self.people[fold(unit)][0], None
        return self.recipient(REPRESENTATIVE.format(unit=unit), "", point_id, organisation=org or unit)

    def recipient(self, name: str, org: str, point_id: int | None, *,
                  organisation: str | None = None) -> tuple[Delegate, dict | None]:
        """The delegate who receives, or (a stand-in, the fields to add them with) for a new one.
        `organisation`: the Đơn vị to add a new one with, when it is not `org` (which also tells apart
        two delegates of one name)."""
        key = fold(name)
        known = self.people.get(key, [])
        if known:
            matching = [d for d in known if fold(d.organisation) == fold(org)] if org else known
            if len(matching) == 1:
                return matching[0], None
            units = "; ".join(f"{d.full_name} ({d.organisation or '—'})" for d in known[:5])
            if matching:
                raise Invalid(lazy("Có %(count)s đại biểu tên %(name)s: %(units)s. Ghi cột Đơn vị để chọn đúng "
                                   "người.", count=len(matching), name=name, units=units))
            raise Invalid(lazy("Danh sách đại biểu không có %(name)s ở đơn vị “%(org)s”, chỉ có: %(units)s. Sửa "
                               "cột Đơn vị; nếu là người khác, thêm người này ở trang Đại biểu trước.",
                               name=name, org=org, units=units))
        planned = [fields for (n, _unit), fields in self.planned.items() if n == key]
        if org:
            planned = [fields for fields in planned if fold(fields["organisation"]) == fold(org)]
        if len(planned) > 1:
            raise Invalid(lazy("Tệp có %(count)s người tên %(name)s ở các đơn vị khác nhau. Ghi cột Đơn vị để "
                               "chọn đúng người.", count=len(planned), name=name))
        new = planned[0] if planned else delegates.clean_fields(self.session, self.event_id, {
            "full_name": name, "organisation": org if organisation is None else organisation,
            "category": "award_recipient", "bridge_point_id": point_id})
        return Delegate(full_name=new["full_name"], organisation=new["organisation"],
                        bridge_point_id=new["bridge_point_id"]), new

    def scope(self, text: str, level: str, point: BridgePoint) -> tuple[int | None, int | None]:
        """(programme item, local item) from the Mục chương trình cell."""
        key = " ".join(_PUNCTUATION.sub(" ", fold(text)).split())
        local = _LOCAL.match(key)
        number = _NUMBER.match(key)
        if local is None and number is None:
            raise Invalid(lazy("Mục chương trình “%(value)s” không rõ: ghi số TT của mục (ví dụ 6), hoặc “Phần "
                               "riêng 2” cho mục riêng của phường.", value=text) if text else
                          lazy("Thiếu mục chương trình: ghi số TT của mục (ví dụ 6), hoặc “Phần riêng 2” cho "
                               "mục riêng của phường."))
        segments = [i for i in self.items if i.is_local_segment and i.local_for == point.kind]
        if local is not None or (awards.level_rank(level) == _WARD_RANK and segments):
            return None, self.local_item(int((local or number).group(1)), segments, point)
        n = int(number.group(1))
        if not 1 <= n <= len(self.items):
            raise Invalid(lazy("Mục số %(n)s không có trong chương trình (có %(count)s mục).", n=n,
                               count=len(self.items)))
        item = self.items[n - 1]
        if item in segments:
            raise Invalid(lazy("Mục %(n)s là phần riêng của từng điểm cầu; ghi “Phần riêng <số>” là mục riêng "
                               "mà khen thưởng được trao.", n=n))
        return item.id, None

    def local_item(self, n: int, segments: list[ProgrammeItem], point: BridgePoint) -> int:
        if not segments:
            raise Invalid(lazy("Điểm cầu %(point)s không có phần riêng; ghi số TT của mục chương trình.",
                               point=point.short_name or point.name))
        if len(segments) > 1:
            raise Invalid(lazy("Chương trình có %(count)s phần riêng; thêm khen thưởng này trên trang Khen thưởng.",
                               count=len(segments)))
        local_items = segments[0].local_items
        if not 1 <= n <= len(local_items):
            raise Invalid(lazy("Phần riêng không có mục %(n)s (có %(count)s mục).", n=n, count=len(local_items)))
        return local_items[n - 1].id

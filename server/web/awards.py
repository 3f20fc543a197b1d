"""The awards in the browser: every award grouped where it is presented (a bridge point during a programme
item, or a ward during its own local item), the stage batches of each in order with their recipients,
"Xếp đợt", the presenter and seat block of each waiting batch, dragging recipients between waiting
batches (static/js/awards.js; ↑/↓ buttons do the same without a mouse), adding and editing awards, the
kinds in ceremony order, and import of the award list from XLSX/CSV.

Batches change only through the command door (commands.run), so every re-arrangement reaches the
screens as a patch and is refused the same way as from anywhere else."""
from __future__ import annotations

from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for
from sqlalchemy import select

from ..i18n import _
from ..models import Award, AwardBatch, Event, ProgrammeItem
from ..services import awards, commands, delegates as registry
from ..services.accounts import actor_name
from ..services.award_batches import MAX_SIZE, recipient_key
from ..services.award_import import import_awards, new_recipients, parse_awards
from ..services.errors import Invalid, ServiceError
from ..services.snapshot import awards_part
from .context import check_csrf, current_user, db, event_or_404, flash_failure, login_required, uploaded_file

bp = Blueprint("awards", __name__, url_prefix="/e/<slug>/awards")

MAX_ID = 2 ** 31 - 1


def _int(value) -> int | None:
    """A form field as a row id or a number: None when empty or not a whole number in range."""
    text = (value or "").strip()
    if text.lstrip("-").isdigit() and len(text) < 12:
        number = int(text)
        return number if -MAX_ID <= number <= MAX_ID else None
    return None


def _scope_args(value: str) -> dict:
    """The form's one select of where an award is presented: "item:<id>" or "local:<id>"."""
    kind, _sep, row_id = (value or "").partition(":")
    row = _int(row_id)
    return {"programme_item_id": row if kind == "item" else None, "local_item_id": row if kind == "local" else None}


def _back(slug: str, anchor: str | None = None, **args):
    return redirect(url_for(".index", slug=slug, _anchor=anchor, **args))


class Scope:
    """Where a set of awards is presented, with its batches in order and the awards not yet placed."""

    def __init__(self, key: tuple, point, label: str, order: tuple):
        self.key, self.point, self.label, self.order = key, point, label, order
        self.batches: list[dict] = []
        self.unplaced: list[dict] = []

    @property
    def anchor(self) -> str:
        return "scope-" + "-".join(str(part or 0) for part in self.key)

    @property
    def count(self) -> int:
        return sum(len(b["awards"]) for b in self.batches) + len(self.unplaced)


def _programme(event: Event) -> tuple[list[ProgrammeItem], dict, dict]:
    """The items in order, and label and sort order of every item and local item."""
    items = list(db().execute(select(ProgrammeItem).where(ProgrammeItem.event_id == event.id)
                              .order_by(ProgrammeItem.position, ProgrammeItem.id)).scalars())
    item_info, local_info = {}, {}
    for tt, item in enumerate(items, start=1):
        item_info[item.id] = (_("Mục %(tt)s. %(content)s", tt=tt, content=item.content), (tt, 0))
        for n, local in enumerate(item.local_items, start=1):
            local_info[local.id] = (_("Mục %(tt)s – phần riêng %(n)s. %(content)s", tt=tt, n=n, content=local.content),
                                    (tt, n))
    return items, item_info, local_info


def _scopes(event: Event, kinds: list) -> list[Scope]:
    part = awards_part(db(), event.id)
    points = {p.id: p for p in event.bridge_points}
    _items, item_info, local_info = _programme(event)
    scopes: dict[tuple, Scope] = {}

    def scope_of(row: dict) -> Scope:
        key = (row["bridge_point_id"], row["programme_item_id"], row["local_item_id"])
        if key not in scopes:
            point = points[key[0]]
            label, order = (local_info.get(key[2]) if key[2] else item_info.get(key[1])) or (_("(mục đã xóa)"), (0, 0))
            scopes[key] = Scope(key, point, label, (point.position, point.id) + order)
        return scopes[key]

    batches = {}
    for batch in part["batches"]:
        entry = {**batch, "awards": []}
        batches[batch["id"]] = entry
        scope_of(batch).batches.append(entry)
    rank = {k.id: k.position for k in kinds}
    decisions = {row.id: row for row in db().execute(select(Award.id, Award.decision_number, Award.decision_date)
                                                       .where(Award.event_id == event.id))}
    for award in part["awards"]:
        award["decision_short"] = _decision(decisions[award["id"]])
        if award["batch_id"] in batches:
            batches[award["batch_id"]]["awards"].append(award)
        else:
            scope_of(award).unplaced.append(award)
    for scope in scopes.values():
        scope.batches.sort(key=lambda b: b["position"])
        for batch in scope.batches:
            batch["awards"].sort(key=lambda a: a["stage_order"])
        scope.unplaced.sort(key=lambda a: (rank.get(a["kind_id"], 0), awards.level_rank(a["level"]),
                                           *recipient_key(a["collective"], a["name"])))
    return sorted(scopes.values(), key=lambda s: s.order)


def _decision(row) -> str:
    """"Quyết định số 315-QĐ/QU ngày 05/10/2020", without the kind the list shows already."""
    parts = []
    if row.decision_number:
        parts.append(_("Quyết định số %(number)s", number=row.decision_number))
    if row.decision_date:
        parts.append(_("ngày %(date)s", date=row.decision_date.strftime("%d/%m/%Y")))
    return " ".join(parts)


@bp.get("/")
@login_required("awards.manage")
def index(slug: str):
    event = event_or_404(slug)
    kinds = awards.kinds(db(), event.id)
    db().commit()                      # the default kinds, the first time: their ids go into the forms
    items, _item_info, _local_info = _programme(event)
    editing = db().get(Award, _int(request.args.get("edit")) or 0)
    return render_template("awards.html", event=event, kinds=kinds, scopes=_scopes(event, kinds), items=items,
                           people=registry.listing(db(), event.id), max_size=MAX_SIZE,
                           editing=editing if editing and editing.event_id == event.id else None,
                           batch_labels={"waiting": _("Chờ"), "called": _("Đang trên sân khấu"), "done": _("Đã trao")},
                           status_labels={"pending": "", "presented": _("Đã trao"), "absent": _("Vắng"),
                                          "proxy": _("Nhận thay")})


def _command(event: Event, action: str, args: dict):
    return commands.run(db(), event.id, current_user(), action, args=args)


@bp.post("/build")
@login_required("awards.manage")
def build(slug: str):
    """Xếp đợt: the waiting batches of one scope, rebuilt in ceremony order."""
    check_csrf()
    event = event_or_404(slug)
    form = request.form
    size = form.get("size", "").strip()            # empty: the event's size; not a number: refused by the service
    args = {"bridge_point_id": _int(form.get("bridge_point_id")), "programme_item_id": _int(form.get("programme_item_id")),
            "local_item_id": _int(form.get("local_item_id")), "size": _int(size) if _int(size) is not None else size or None}
    try:
        _command(event, "award_batches_build", args)
        flash(_("Đã xếp đợt lên sân khấu."), "ok")
    except ServiceError as exc:
        flash_failure(exc)
    return _back(slug, form.get("anchor") or None)


@bp.post("/presenter")
@login_required("awards.manage")
def presenter(slug: str):
    check_csrf()
    event = event_or_404(slug)
    form = request.form
    try:
        _command(event, "award_presenter", {"batch_id": _int(form.get("batch_id")), "presenter": form.get("presenter", ""),
                                            "seat_block": form.get("seat_block", "")})
        flash(_("Đã lưu người trao và khu ghế."), "ok")
    except ServiceError as exc:
        flash_failure(exc)
    return _back(slug, form.get("anchor") or None)


@bp.post("/move")
@login_required("awards.manage")
def move(slug: str):
    """Drag and drop: JSON {award_id, batch_id, index}; answers JSON, the page then reloads."""
    check_csrf()
    event = event_or_404(slug)
    body = request.get_json(silent=True)
    try:
        if not isinstance(body, dict):
            raise Invalid(_("Cần một đối tượng JSON {award_id, batch_id, index}."))
        change = _command(event, "award_move", {name: body.get(name) for name in ("award_id", "batch_id", "index")})
    except ServiceError as exc:
        db().rollback()
        return jsonify({"ok": False, "error": exc.to_dict()}), exc.http_status
    return jsonify({"ok": True, "rev": change.rev if change else None})


def _step_target(event: Event, award: Award, delta: int) -> tuple[AwardBatch, int]:
    """Where ↑ (-1) or ↓ (+1) takes an award: the next place in its batch, or across into the batch
    before or after it."""
    if award.batch_id is None:
        raise Invalid(_("Người này chưa được xếp đợt; bấm “Xếp đợt” trước."))
    batch = db().get(AwardBatch, award.batch_id)
    members = list(db().execute(select(Award.id).where(Award.batch_id == batch.id).order_by(Award.stage_order)).scalars())
    index = members.index(award.id) + delta
    if 0 <= index < len(members):
        return batch, index
    siblings = list(db().execute(select(AwardBatch).where(
        AwardBatch.event_id == event.id, AwardBatch.bridge_point_id == batch.bridge_point_id,
        AwardBatch.programme_item_id.is_(None) if batch.programme_item_id is None
        else AwardBatch.programme_item_id == batch.programme_item_id,
        AwardBatch.local_item_id.is_(None) if batch.local_item_id is None
        else AwardBatch.local_item_id == batch.local_item_id).order_by(AwardBatch.position)).scalars())
    other = siblings.index(batch) + delta
    if not 0 <= other < len(siblings):
        raise Invalid(_("Người này đã ở đầu đợt đầu tiên.") if delta < 0 else _("Người này đã ở cuối đợt cuối cùng."))
    target = siblings[other]
    if delta > 0:
        return target, 0
    return target, len(list(db().execute(select(Award.id).where(Award.batch_id == target.id)).scalars()))


@bp.post("/step")
@login_required("awards.manage")
def step(slug: str):
    """The ↑/↓ buttons: one place up or down, across into the neighbouring batch at its ends."""
    check_csrf()
    event = event_or_404(slug)
    form = request.form
    try:
        delta = _int(form.get("delta"))
        if delta not in (-1, 1):
            raise Invalid(_("Thao tác không hợp lệ."))
        award = awards.require(db(), event.id, _int(form.get("award_id")))
        target, index = _step_target(event, award, delta)
        _command(event, "award_move", {"award_id": award.id, "batch_id": target.id, "index": index})
    except ServiceError as exc:
        flash_failure(exc)
    return _back(slug, form.get("anchor") or None)


@bp.post("/save")
@login_required("awards.manage")
def save(slug: str):
    """Add an award, or edit one (award_id)."""
    check_csrf()
    event = event_or_404(slug)
    form = request.form
    data = {name: form.get(name, "") for name in ("level", "collective", "decision_number", "decision_date",
                                                  "citation")}
    data.update(delegate_id=_int(form.get("delegate_id")), kind_id=_int(form.get("kind_id")),
                bridge_point_id=_int(form.get("bridge_point_id")), **_scope_args(form.get("scope", "")))
    award_id = _int(form.get("award_id"))
    try:
        if award_id:
            award = awards.update(db(), event.id, award_id, data)
        else:
            award = awards.add(db(), event.id, data)
        awards.publish(db(), event.id, actor_name(current_user()))
        person = registry.require(db(), event.id, award.delegate_id)
        flash(_("Đã lưu khen thưởng của %(name)s.", name=person.full_name), "ok")
    except ServiceError as exc:
        flash_failure(exc)
        return _back(slug, "award-form", **({"edit": award_id} if award_id else {}))
    return _back(slug)


@bp.post("/kinds")
@login_required("awards.manage")
def add_kind(slug: str):
    check_csrf()
    event = event_or_404(slug)
    try:
        kind = awards.add_kind(db(), event.id, request.form.get("name", ""))
        db().commit()
        flash(_("Đã thêm hình thức khen thưởng “%(name)s”.", name=kind.name), "ok")
    except ServiceError as exc:
        flash_failure(exc)
    return _back(slug, "kinds")


@bp.post("/kinds/move")
@login_required("awards.manage")
def move_kind(slug: str):
    check_csrf()
    event = event_or_404(slug)
    try:
        awards.move_kind(db(), event.id, _int(request.form.get("kind_id")), _int(request.form.get("delta")))
        db().commit()
    except ServiceError as exc:
        flash_failure(exc)
    return _back(slug, "kinds")


@bp.post("/import")
@login_required("awards.manage")
def import_table(slug: str):
    check_csrf()
    event = event_or_404(slug)
    upload = uploaded_file()
    if upload is None:
        return _back(slug, "import")
    try:
        rows = parse_awards(db(), event.id, *upload)
        added = new_recipients(rows)
        count = import_awards(db(), event.id, rows, actor_name(current_user()))
        awards.publish(db(), event.id, actor_name(current_user()), "awards_imported")
        flash(_("Đã nhập %(count)s khen thưởng từ %(name)s.", count=count, name=upload[0]), "ok")
        if added:
            flash(_("Đã thêm %(count)s người nhận mới vào danh sách đại biểu (kèm thư mời).", count=added), "ok")
    except ServiceError as exc:
        flash_failure(exc)
    return _back(slug, "import")

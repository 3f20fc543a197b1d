"""The reference event: the Quận 9 online conference of plan 000 (Số 227-KH/QU), its 15 bridge points
and its programme with the wards' local segment. Loaded on first start of the embedded default."""
from __future__ import annotations

import secrets
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from .models import Event, LocalItem, ProgrammeItem, User
from .services import accounts
from .services.local_time import DEFAULT_TIMEZONE

SLUG = "quan9-chi-thi-05"

TITLE = ("Hội nghị trực tuyến sơ kết 04 năm thực hiện Chỉ thị 05-CT/TW của Bộ Chính trị gắn với biểu dương, "
         "khen thưởng các tập thể, cá nhân thực hiện tốt việc học tập và làm theo tư tưởng, đạo đức, "
         "phong cách Hồ Chí Minh năm 2019-2020")

BANNER = "\n".join([
    "QUẬN ỦY QUẬN 9",
    "HỘI NGHỊ TRỰC TUYẾN SƠ KẾT 04 NĂM THỰC HIỆN CHỈ THỊ 05-CT/TW",
    "CỦA BỘ CHÍNH TRỊ GẮN VỚI BIỂU DƯƠNG, KHEN THƯỞNG CÁC TẬP THỂ, CÁ NHÂN",
    "THỰC HIỆN TỐT VIỆC HỌC TẬP VÀ LÀM THEO TƯ TƯỞNG, ĐẠO ĐỨC,",
    "PHONG CÁCH HỒ CHÍ MINH NĂM 2019-2020",
    "Quận 9, năm 2020",
])

# (code, name, short name, kind)
BRIDGE_POINTS = [
    ("quan-uy", "Hội trường Quận ủy – Lầu 2", "Hội trường Quận ủy", "main"),
    ("ubnd-quan", "Hội trường UBND Quận – Lầu 1", "Hội trường UBND Quận", "district"),
] + [
    (code, f"Hội trường Đảng ủy phường {name}", f"P. {name}", "ward")
    for code, name in [
        ("hiep-phu", "Hiệp Phú"), ("long-binh", "Long Bình"), ("long-phuoc", "Long Phước"),
        ("long-thanh-my", "Long Thạnh Mỹ"), ("long-truong", "Long Trường"), ("phu-huu", "Phú Hữu"),
        ("phuoc-binh", "Phước Bình"), ("phuoc-long-a", "Phước Long A"), ("phuoc-long-b", "Phước Long B"),
        ("tan-phu", "Tân Phú"), ("tang-nhon-phu-a", "Tăng Nhơn Phú A"), ("tang-nhon-phu-b", "Tăng Nhơn Phú B"),
        ("truong-thanh", "Trường Thạnh"),
    ]
]

# Programme of section II.1 of plan 000; after the leaders' speeches the 13 wards run their own part
# (section 2.1, "Lưu ý") while the district halls carry on with the awards.
PROGRAMME = [
    ("Tuyên bố lý do, giới thiệu đại biểu", "Trung tâm Văn hóa quận (dẫn chương trình)", 5,
     "Kính thưa các đồng chí đại biểu, thưa toàn thể hội nghị tại 15 điểm cầu. Thực hiện Kế hoạch số "
     "227-KH/QU của Ban Thường vụ Quận ủy, hôm nay Quận ủy Quận 9 tổ chức Hội nghị trực tuyến sơ kết "
     "04 năm thực hiện Chỉ thị 05-CT/TW của Bộ Chính trị…"),
    ("Tóm tắt những kết quả đạt được qua 04 năm thực hiện Chỉ thị 05-CT/TW", "Ban Tuyên giáo Quận ủy", 15,
     "Xin trân trọng kính mời đại diện Ban Tuyên giáo Quận ủy trình bày tóm tắt kết quả 04 năm thực hiện "
     "Chỉ thị 05-CT/TW."),
    ("Phần giao lưu của các tập thể, cá nhân điển hình", "Trung tâm Văn hóa quận (dẫn giao lưu)", 20,
     "Sau đây là phần giao lưu với các tập thể, cá nhân điển hình tại các điểm cầu."),
    ("Phát biểu của lãnh đạo Thành phố, Quận", "Lãnh đạo Ban Tuyên giáo Thành ủy; Thường trực Quận ủy", 20,
     "Xin trân trọng kính mời đồng chí đại diện lãnh đạo Ban Tuyên giáo Thành ủy phát biểu."),
    ("Chuyển sang nội dung riêng tại 13 điểm cầu phường", "Đảng ủy 13 phường", 2,
     "Đề nghị Đảng ủy 13 phường tiến hành nội dung riêng tại điểm cầu của mình."),
    ("Biểu dương các gương tập thể, cá nhân được khen thưởng cấp thành phố", "Phòng Nội vụ quận", 15,
     "Sau đây, xin mời đại diện Phòng Nội vụ quận công bố quyết định khen thưởng cấp thành phố."),
    ("Khen thưởng các tập thể, cá nhân thực hiện tốt việc học tập và làm theo tư tưởng, đạo đức, "
     "phong cách Hồ Chí Minh cấp quận năm 2019-2020", "Phòng Nội vụ quận", 20,
     "Xin mời đại diện Phòng Nội vụ quận công bố quyết định khen thưởng cấp quận."),
    ("Kết thúc chương trình", "Thường trực Quận ủy", 5,
     "Chương trình hội nghị đến đây là kết thúc. Xin trân trọng cảm ơn các đồng chí."),
]
LOCAL_SEGMENT_INDEX = 4
WARD_ITEMS = [
    ("Tóm tắt kết quả 04 năm thực hiện Chỉ thị 05-CT/TW của Đảng bộ phường; triển khai phương hướng, "
     "nhiệm vụ thời gian tới", "Đảng ủy phường", 15),
    ("Khen thưởng các tập thể, cá nhân thực hiện tốt việc học tập và làm theo tư tưởng, đạo đức, "
     "phong cách Hồ Chí Minh cấp quận, phường", "Đảng ủy phường", 20),
    ("Kết thúc chương trình tại điểm cầu phường", "Đảng ủy phường", 3),
]


# Demo delegates: made from these lists, the same at every first start (names in Vietnamese order).
SURNAMES = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô", "Dương", "Lý")
MIDDLE = ("Văn", "Thị", "Hữu", "Minh", "Thanh", "Ngọc", "Quốc", "Thu", "Đức", "Kim")
GIVEN = ("An", "Bình", "Chi", "Dũng", "Giang", "Hà", "Hải", "Hạnh", "Hòa", "Hùng", "Khánh", "Lan", "Linh", "Long",
         "Mai", "Nam", "Nga", "Phúc", "Quang", "Sơn", "Tâm", "Thảo", "Thắng", "Trang", "Tuấn", "Vân", "Yến", "Ân")
AWARDS = ("Giấy khen cấp quận: học tập và làm theo tư tưởng, đạo đức, phong cách Hồ Chí Minh 2019–2020",
          "Bằng khen của Ủy ban nhân dân Thành phố", "Huy hiệu 30 năm tuổi Đảng")


def demo_delegates(session: Session, event: Event) -> None:
    """About 180 delegates across the 15 points, each with an invitation (plan 001: ~180 delegates).
    Needs an app context: invitations are signed with the server's key."""
    from .models import Delegate
    from .services import delegates as registry, invitation_tokens
    if session.execute(select(Delegate.id).where(Delegate.event_id == event.id).limit(1)).first():
        return
    k = 0
    for point in event.bridge_points:
        plan = ["cell_secretary"] * 5 + ["award_recipient"] * 3 + ["delegate"] * 3
        if point.kind == "main":
            plan = ["city_guest"] * 2 + ["district_leader"] * 3 + ["press"] * 2 + plan
        elif point.kind == "district":
            plan = ["district_leader"] * 2 + plan
        for i, category in enumerate(plan):
            name = f"{SURNAMES[k % 14]} {MIDDLE[(k // 14) % 10]} {GIVEN[(k * 11 + k // 140) % 28]}"  # all distinct
            k += 1
            data = {"full_name": name, "category": category, "bridge_point_id": point.id,
                    "organisation": point.short_name if point.kind == "ward" else event.organiser,
                    "position_title": {"city_guest": "Phó Trưởng Ban Tuyên giáo Thành ủy",
                                       "district_leader": "Ủy viên Ban Thường vụ Quận ủy",
                                       "cell_secretary": f"Bí thư Chi bộ khu phố {i + 1}",
                                       "press": "Phóng viên"}.get(category, ""),
                    "seat_zone": "A" if category in ("city_guest", "district_leader") else "B",
                    "seat_row": str(1 + i // 6), "seat_number": str(1 + i % 6),
                    "award": AWARDS[i % len(AWARDS)] if category == "award_recipient" else ""}
            invitation_tokens.issue(session, registry.add(session, event.id, data, "demo"))
    session.commit()


def demo_awards(session: Session, event: Event) -> None:
    """Awards for the demo's recipients, where plan 000 presents them: city and district awards in
    the halls during items 6 and 7 (with the badges of the main hall's cell secretaries), ward awards
    during each ward's second local item; arranged in batches."""
    from .models import Award, Delegate, LocalItem
    from .services import award_batches, awards
    if session.execute(select(Award.id).where(Award.event_id == event.id).limit(1)).first():
        return
    kinds = {k.name: k for k in awards.kinds(session, event.id)}
    items = session.execute(select(ProgrammeItem).where(ProgrammeItem.event_id == event.id)
                            .order_by(ProgrammeItem.position)).scalars().all()
    ward_item = session.execute(select(LocalItem).where(LocalItem.segment_id == items[LOCAL_SEGMENT_INDEX].id)
                                .order_by(LocalItem.position)).scalars().all()[1]
    plan = {"main": [("award_recipient", "Bằng khen của Ủy ban nhân dân Thành phố", "thành phố", items[5].id, None,
                      "2468/QĐ-UBND"),
                     ("cell_secretary", "Huy hiệu 30 năm tuổi Đảng", "", items[5].id, None, "1520-QĐ/QU")],
            "district": [("award_recipient", "Giấy khen cấp quận", "quận", items[6].id, None, "315-QĐ/QU")],
            "ward": [("award_recipient", "Giấy khen cấp phường", "phường", None, ward_item.id, "27-QĐ/ĐU")]}
    scopes = set()
    for point in event.bridge_points:
        for category, kind, level, item_id, local_id, number in plan[point.kind]:
            people = session.execute(select(Delegate).where(Delegate.bridge_point_id == point.id,
                                                            Delegate.category == category)).scalars()
            for person in people:
                session.add(Award(event_id=event.id, kind_id=kinds[kind].id, level=level, delegate_id=person.id,
                                  decision_number=number, decision_date=date(2020, 10, 5), bridge_point_id=point.id,
                                  programme_item_id=item_id, local_item_id=local_id))
            scopes.add((point.id, item_id, local_id))
    session.flush()
    for point_id, item_id, local_id in sorted(scopes, key=str):
        award_batches.build(session, event.id, "demo", {"bridge_point_id": point_id, "programme_item_id": item_id,
                                                        "local_item_id": local_id, "size": 5})


def _next_quarter_hour(now: datetime) -> datetime:
    base = now.replace(second=0, microsecond=0)
    return base + timedelta(minutes=15 - base.minute % 15)


def load_reference_event(session: Session) -> Event:
    """Made by the services an organiser's own event goes through (events.create, bridge_points.add)."""
    from .services import bridge_points, events
    event = session.execute(select(Event).where(Event.slug == SLUG)).scalar_one_or_none()
    if event is not None:
        return event
    start = _next_quarter_hour(datetime.now(timezone.utc)).astimezone(ZoneInfo(DEFAULT_TIMEZONE))
    event = events.create(session, {
        "slug": SLUG, "title": TITLE, "banner": BANNER, "organiser": "Quận ủy Quận 9",
        "venue": "Hội trường Quận ủy (Lầu 2) và 14 điểm cầu", "plan_number": "Số 227-KH/QU",
        "issuing_body": "QUẬN ỦY QUẬN 9", "document_number": "Số 45-GM/QU", "place_name": "Quận 9",
        "date": start.date(), "start": start.time()}, "demo")
    event.nomination_deadline = _next_quarter_hour(datetime.now(timezone.utc)) + timedelta(days=7)
    for code, name, short, kind in BRIDGE_POINTS:
        bridge_points.add(session, event, {"code": code, "name": name, "short_name": short, "kind": kind})
    for position, (content, performer, minutes, script) in enumerate(PROGRAMME):
        item = ProgrammeItem(event_id=event.id, position=position, content=content, performer=performer,
                             duration_s=minutes * 60, script=script,
                             is_local_segment=position == LOCAL_SEGMENT_INDEX, local_for="ward")
        if item.is_local_segment:
            item.local_items = [LocalItem(position=i, content=c, performer=p, duration_s=m * 60)
                                for i, (c, p, m) in enumerate(WARD_ITEMS)]
        session.add(item)
    session.commit()
    return event


def demo_logins(session: Session, event: Event, instance_dir: Path) -> list[tuple[str, str, str]]:
    """(username, password, what for). Passwords are made at first start and kept only in the
    instance folder (never in the repo), so the README's command can print them each time."""
    path = instance_dir / "demo-logins.txt"
    if path.exists():
        return [tuple(line.split("\t")) for line in path.read_text(encoding="utf-8").splitlines() if line]
    wanted = [("admin", "admin", None, "Quản trị"), ("dieuhanh", "operator", None, "Điều hành (operator)"),
              ("mc", "mc", None, "Dẫn chương trình"), ("xem", "viewer", None, "Chỉ xem")]
    wanted += [(f"kt-{p.code}", "site_tech", p, f"Kỹ thuật {p.short_name}") for p in event.bridge_points]
    wanted += [(f"dt-{p.code}", "checkin", p, f"Đón tiếp {p.short_name}") for p in event.bridge_points]
    wanted += [("dandat", "escort", None, "Đưa đón người nhận khen thưởng"),
               ("donvi-long-binh", "unit", None, "Đảng ủy phường Long Bình")]
    rows = []
    for username, role, point, label in wanted:
        if session.execute(select(User).where(User.username == username)).scalar_one_or_none():
            continue
        password = secrets.token_urlsafe(9)
        accounts.create_user(session, username, password, role, display_name=label,
                             bridge_point_id=point.id if point else None)
        rows.append((username, password, label))
    session.commit()
    path.write_text("".join("\t".join(r) + "\n" for r in rows), encoding="utf-8")
    path.chmod(0o600)
    return rows

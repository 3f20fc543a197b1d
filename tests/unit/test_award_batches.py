"""Vietnamese name order and the stage batches: building them in ceremony order, re-building around the
batches already on stage, dragging recipients between waiting batches, and the refusals."""
from __future__ import annotations

import random
import unicodedata

import pytest
from sqlalchemy import func, select

from server.models import Award, AwardBatch, CueLog, Delegate, LocalItem, ProgrammeItem, ShowState
from server.services import award_batches, awards, commands, delegates
from server.services.errors import Forbidden, Invalid, NotFound
from server.services.revision import show_changed
from server.services.text import vietnamese_name_key

# --- Vietnamese name order ---------------------------------------------------------------------
# (first, second, why): `first` comes before `second` in a Vietnamese list.
ORDERED_PAIRS = [
    ("Trần Văn An", "Lê Thị Bình", "given name first, whatever the surname"),
    ("Vũ Thu Hà", "An Văn Hải", "given name first: Hà < Hải although An < Vũ"),
    ("Lê Văn An", "Nguyễn Văn An", "same given name: by surname"),
    ("Bùi Văn Nam", "Trần Văn Nam", "same given name: by surname"),
    ("Nguyễn Thị An", "Nguyễn Văn An", "same given name and surname: by middle name"),
    ("Nguyễn Văn Lan", "Nguyễn Văn Lăng", "a < ă"),
    ("Hoàng Thị Thắng", "Hoàng Thị Thâm", "ă < â"),
    ("Lê Văn Lạc", "Lê Văn Lâm", "a < â (the tone of Lạc does not matter)"),
    ("Nguyễn Văn Dũng", "Nguyễn Văn Đức", "d < đ"),
    ("Dương Văn An", "Đỗ Văn An", "d < đ in the surname"),
    ("Đặng Văn Đạt", "Nguyễn Văn Em", "đ < e"),
    ("Trần Văn Long", "Trần Văn Lộc", "o < ô"),
    ("Trần Văn Lộc", "Trần Văn Lợi", "ô < ơ"),
    ("Phạm Văn Hùng", "Phạm Văn Hưng", "u < ư (letters before the tone of Hùng)"),
    ("Trần Thu Hà", "Trần Thu Hải", "Hà < Hải: a shorter word first"),
    ("Phạm Thị Nga", "Bùi Thị Ngọc", "Nga < Ngọc"),
    ("Lê Thị Ma", "Lê Thị Mà", "tones: none < huyền"),
    ("Lê Thị Mà", "Lê Thị Mả", "tones: huyền < hỏi"),
    ("Lê Thị Mả", "Lê Thị Mã", "tones: hỏi < ngã"),
    ("Lê Thị Mã", "Lê Thị Má", "tones: ngã < sắc"),
    ("Lê Thị Má", "Lê Thị Mạ", "tones: sắc < nặng"),
    ("Lê Văn Anh", "Lê Văn Ánh", "the same letters: the tone breaks the tie"),
    ("Phạm Văn Anh", "Lê Văn Ánh", "the given name whole (its tone) before the surname"),
    ("Lê Thị Thanh", "Lê Thị Thành", "Thanh < Thành"),
    ("Ngô Thị Vân", "Đỗ Thị Yến", "v < y"),
    ("nguyễn văn an", "Nguyễn Văn Ân", "case does not matter; a < â"),
]

# The same names, one list in its known order.
KNOWN_ORDER = [
    "Lê Văn An", "Nguyễn Văn An", "Trần Văn An", "Lê Văn Anh", "Phạm Văn Anh", "Lê Văn Ánh", "Nguyễn Văn Ân",
    "Lê Thị Bình", "Nguyễn Văn Dũng", "Nguyễn Văn Đức", "Nguyễn Văn Em", "Trần Thu Hà", "Vũ Thu Hà",
    "Trần Thu Hải", "Phạm Văn Hùng", "Phạm Văn Hưng", "Lê Văn Lạc", "Nguyễn Văn Lan", "Nguyễn Văn Lăng",
    "Lê Văn Lâm", "Trần Văn Long", "Trần Văn Lộc", "Trần Văn Lợi", "Lê Thị Ma", "Lê Thị Mà", "Lê Thị Mả",
    "Lê Thị Mã", "Lê Thị Má", "Lê Thị Mạ", "Bùi Văn Nam", "Trần Văn Nam", "Phạm Thị Nga", "Bùi Thị Ngọc",
    "Lê Thị Thanh", "Lê Thị Thành", "Hoàng Thị Thắng", "Hoàng Thị Thâm", "Ngô Thị Vân", "Đỗ Thị Yến",
]


@pytest.mark.parametrize("first, second, why", ORDERED_PAIRS, ids=[why for *_, why in ORDERED_PAIRS])
def test_vietnamese_name_order(first, second, why):
    assert sorted([second, first], key=vietnamese_name_key) == [first, second], why
    assert sorted([first, second], key=vietnamese_name_key) == [first, second], why
    assert vietnamese_name_key(first) < vietnamese_name_key(second), why


def test_a_shuffled_list_sorts_to_its_known_order():
    assert len(KNOWN_ORDER) >= 15
    rng = random.Random(2020)
    for _ in range(20):
        names = KNOWN_ORDER[:]
        rng.shuffle(names)
        assert sorted(names, key=vietnamese_name_key) == KNOWN_ORDER


@pytest.mark.parametrize("name", ["Nguyễn Thị Ánh", "Đỗ Văn Ậu", "Trương Thị Ượng", "Lê Thị Mạ", "Hoàng Văn Thắng",
                                  "Phạm Ngọc Ở", "Dương Quốc Hưởng"])
def test_nfd_input_sorts_like_nfc(name):
    nfc, nfd = unicodedata.normalize("NFC", name), unicodedata.normalize("NFD", name)
    assert nfc != nfd
    assert vietnamese_name_key(nfd) == vietnamese_name_key(nfc)


def test_a_list_typed_in_nfd_sorts_to_the_same_order():
    rng = random.Random(5)
    names = [unicodedata.normalize("NFD", n) for n in KNOWN_ORDER]
    rng.shuffle(names)
    assert [unicodedata.normalize("NFC", n) for n in sorted(names, key=vietnamese_name_key)] == KNOWN_ORDER


# --- stage batches -----------------------------------------------------------------------------

class World:
    """An event with a main hall and two wards; awards are given to fresh delegates."""

    def __init__(self, session, event, operator):
        self.session, self.event, self.operator = session, event, operator
        self.hall, self.p1, self.p2 = event.bridge_points[:3]
        self.items = list(session.execute(select(ProgrammeItem).where(ProgrammeItem.event_id == event.id)
                                          .order_by(ProgrammeItem.position)).scalars())
        self.local = list(session.execute(select(LocalItem).where(LocalItem.segment_id == self.items[2].id)
                                          .order_by(LocalItem.position)).scalars())
        self.kinds = {k.name: k for k in awards.kinds(session, event.id)}
        self.n = 0

    def give(self, name: str, kind: str, *, level: str = "", collective: str = "", point=None, item=None,
             local=None, zone: str = "B", row: str = "2") -> Award:
        point = point or self.hall
        self.n += 1
        person = delegates.add(self.session, self.event.id, {
            "full_name": name, "bridge_point_id": point.id, "organisation": f"Đơn vị {self.n}",
            "seat_zone": zone, "seat_row": row, "category": "award_recipient"}, "test")
        if item is None and local is None:
            item = self.items[1]
        award = Award(event_id=self.event.id, kind_id=self.kinds[kind].id, level=level, delegate_id=person.id,
                      collective=collective, bridge_point_id=point.id, programme_item_id=item and item.id,
                      local_item_id=local and local.id)
        self.session.add(award)
        self.session.commit()
        return award

    def scope(self, point=None, item=None, local=None) -> dict:
        point = point or self.hall
        if item is None and local is None:
            item = self.items[1]
        return {"bridge_point_id": point.id, "programme_item_id": item and item.id, "local_item_id": local and local.id}

    def run(self, action: str, args: dict, user=None, bridge_point_id=None):
        return commands.run(self.session, self.event.id, user or self.operator, action, args=args,
                            bridge_point_id=bridge_point_id)

    def build(self, size=None, **scope):
        args = self.scope(**scope)
        if size is not None:
            args["size"] = size
        return self.run("award_batches_build", args)

    def batches(self, point=None) -> list[AwardBatch]:
        self.session.expire_all()
        return list(self.session.execute(select(AwardBatch).where(
            AwardBatch.event_id == self.event.id, AwardBatch.bridge_point_id == (point or self.hall).id)
            .order_by(AwardBatch.position)).scalars())

    def members(self, batch) -> list[Award]:
        self.session.expire_all()
        return list(self.session.execute(select(Award).where(Award.batch_id == batch.id)
                                         .order_by(Award.stage_order)).scalars())

    def names(self, batch) -> list[str]:
        return [self.name(a) for a in self.members(batch)]

    def name(self, award: Award) -> str:
        return award.collective or self.session.get(Delegate, award.delegate_id).full_name

    def rev(self) -> int:
        self.session.expire_all()
        return self.session.execute(select(ShowState.rev).where(ShowState.event_id == self.event.id)).scalar_one()

    def cues(self) -> int:
        return self.session.execute(select(func.count()).select_from(CueLog)
                                    .where(CueLog.event_id == self.event.id)).scalar_one()


@pytest.fixture
def w(session, make_event, make_user):
    event = make_event(n=4, segment_at=2, wards=2)
    return World(session, event, make_user("operator"))


@pytest.fixture
def patches():
    seen = []

    def listener(change):
        seen.append(change.message())
    show_changed.connect(listener)
    yield seen
    show_changed.disconnect(listener)


BADGE_50, BADGE_30 = "Huy hiệu 50 năm tuổi Đảng", "Huy hiệu 30 năm tuổi Đảng"
CITY, DISTRICT = "Bằng khen của Ủy ban nhân dân Thành phố", "Giấy khen cấp quận"


def test_batches_take_the_size_and_follow_kind_level_then_names(w, patches):
    # Given in a muddled order; the ceremony order is kind (as listed), level, individuals, collectives, names.
    w.give("Trần Văn Bình", DISTRICT, level="quận")
    w.give("Lê Thị Hà", BADGE_30)
    w.give("Chi bộ Khu phố 3", DISTRICT, level="quận", collective="Chi bộ Khu phố 3")
    w.give("Nguyễn Văn An", DISTRICT, level="thành phố")
    w.give("Phạm Văn Đức", BADGE_50)
    w.give("Đỗ Thị Dung", BADGE_50)
    w.give("Võ Văn An", DISTRICT, level="quận")
    w.give("Hồ Thị Ánh", CITY, level="thành phố")
    w.give("Bùi Văn Hải", BADGE_30)
    w.give("Ngô Văn Cường", DISTRICT, level="phường")
    before = w.rev()
    change = w.build(size=3)
    assert w.rev() == before + 1 and change.rev == before + 1
    batches = w.batches()
    assert [len(w.members(b)) for b in batches] == [3, 3, 3, 1]
    assert [b.position for b in batches] == [0, 1, 2, 3]
    assert {b.status for b in batches} == {"waiting"}
    assert [w.names(b) for b in batches] == [
        ["Đỗ Thị Dung", "Phạm Văn Đức", "Lê Thị Hà"],                       # 50 years, then 30 years
        ["Bùi Văn Hải", "Hồ Thị Ánh", "Nguyễn Văn An"],                       # city award; district kind: thành phố
        ["Võ Văn An", "Trần Văn Bình", "Chi bộ Khu phố 3"],                 # … quận: people, then the collective
        ["Ngô Văn Cường"],                                                   # … phường
    ]
    for b in batches:
        assert [a.stage_order for a in w.members(b)] == list(range(len(w.members(b))))
    # One patch with the whole awards part, in stage order.
    whole = patches[-1]["awards_all"]
    assert [bp["id"] for bp in whole["batches"]] == [b.id for b in batches]
    assert [a["name"] if not a["collective"] else a["collective"] for a in whole["awards"]] == \
        [n for b in batches for n in w.names(b)]


def test_collectives_come_after_the_individuals_of_their_kind_and_level(w):
    w.give("Đảng ủy phường Long Bình", DISTRICT, level="quận", collective="Chi bộ Ấp An")
    w.give("Ông Văn Yên", DISTRICT, level="quận")
    w.give("Lê Văn Anh", DISTRICT, level="quận")
    w.give("Bà Thị Xuân", DISTRICT, level="quận", collective="Chi bộ Khu phố 1")
    w.build(size=10)
    (batch,) = w.batches()
    members = w.members(batch)
    assert [bool(a.collective) for a in members] == [False, False, True, True]
    assert [w.name(a) for a in members[:2]] == ["Lê Văn Anh", "Ông Văn Yên"]


def test_the_default_size_is_the_events(w):
    w.event.award_batch_size = 2
    w.session.commit()
    for name in ("Lê Văn An", "Lê Văn Bình", "Lê Văn Cường", "Lê Văn Dũng", "Lê Văn Em"):
        w.give(name, BADGE_30)
    w.build()
    assert [len(w.members(b)) for b in w.batches()] == [2, 2, 1]


def test_seat_block_says_where_the_escorts_fetch_the_batch(w):
    w.give("Lê Văn An", BADGE_30, zone="B", row="2")
    w.give("Lê Văn Bình", BADGE_30, zone="B", row="10")
    w.give("Lê Văn Cường", BADGE_30, zone="A", row="3")
    w.give("Lê Văn Dũng", BADGE_30, zone="C", row="4")
    w.give("Lê Văn Em", BADGE_30, zone="C", row="4")
    w.give("Lê Văn Giang", BADGE_30, zone="", row="")
    w.build(size=3)
    first, second = w.batches()
    assert first.seat_block == "Khu A, B, hàng 2–10"
    assert second.seat_block == "Khu C, hàng 4"          # a recipient with no seat adds nothing


def test_rebuilding_keeps_batches_on_stage_and_regroups_only_the_rest(w):
    names = ["Lê Văn An", "Lê Văn Bình", "Lê Văn Cường", "Lê Văn Dũng", "Lê Văn Em", "Lê Văn Giang", "Lê Văn Hà"]
    for name in names:
        w.give(name, BADGE_30)
    w.build(size=2)
    b0, b1, b2, b3 = w.batches()
    w.run("award_presenter", {"batch_id": b1.id, "presenter": "Đ/c Bí thư Quận ủy"})
    w.run("award_presenter", {"batch_id": b2.id, "presenter": "Đ/c Chủ tịch UBND quận"})
    w.run("award_call", {"batch_id": b0.id}, bridge_point_id=w.hall.id)
    w.run("award_batch_done", {"batch_id": b0.id}, bridge_point_id=w.hall.id)
    w.run("award_call", {"batch_id": b1.id}, bridge_point_id=w.hall.id)
    # An organiser drags someone out of order, then a late award is added, then the batches are re-built.
    em = next(a for a in w.members(b2) if w.name(a) == "Lê Văn Em")
    w.run("award_move", {"award_id": em.id, "batch_id": b3.id, "index": 0})
    w.give("Lê Văn Ân", BADGE_30)
    w.give("Lê Văn Khánh", BADGE_30)
    w.build(size=3)

    batches = w.batches()
    assert (batches[0].id, batches[0].status, w.names(batches[0])) == (b0.id, "done", ["Lê Văn An", "Lê Văn Bình"])
    assert (batches[1].id, batches[1].status, w.names(batches[1])) == (b1.id, "called", ["Lê Văn Cường", "Lê Văn Dũng"])
    rest = batches[2:]
    assert [b.status for b in rest] == ["waiting", "waiting"]
    assert [b.position for b in batches] == [0, 1, 2, 3]
    assert [w.names(b) for b in rest] == [["Lê Văn Ân", "Lê Văn Em", "Lê Văn Giang"], ["Lê Văn Hà", "Lê Văn Khánh"]]
    # The presenter of the waiting batch at position 2 stays with position 2.
    assert [b.presenter for b in batches] == ["", "Đ/c Bí thư Quận ủy", "Đ/c Chủ tịch UBND quận", ""]
    # Every award of the scope is in exactly one batch.
    w.session.expire_all()
    assert all(a.batch_id for a in w.session.execute(select(Award)).scalars())


def test_rebuilding_waiting_batches_keeps_their_presenters(w):
    for name in ("Lê Văn An", "Lê Văn Bình", "Lê Văn Cường", "Lê Văn Dũng"):
        w.give(name, BADGE_30)
    w.build(size=2)
    b0, b1 = w.batches()
    w.run("award_presenter", {"batch_id": b0.id, "presenter": "Đ/c Phó Bí thư", "seat_block": "Khu B"})
    w.run("award_presenter", {"batch_id": b1.id, "presenter": "Đ/c Trưởng Ban Tổ chức"})
    w.build(size=2)
    assert [b.presenter for b in w.batches()] == ["Đ/c Phó Bí thư", "Đ/c Trưởng Ban Tổ chức"]


def test_batches_of_one_scope_leave_the_others_alone(w):
    w.give("Lê Văn An", BADGE_30)
    w.give("Trần Văn Bình", DISTRICT, level="phường", point=w.p1, local=w.local[1])
    w.give("Trần Văn Cường", DISTRICT, level="phường", point=w.p2, local=w.local[1])
    w.build(size=5)
    w.build(size=5, point=w.p1, local=w.local[1])
    (p1_batch,) = w.batches(w.p1)
    assert w.names(p1_batch) == ["Trần Văn Bình"] and p1_batch.local_item_id == w.local[1].id
    assert p1_batch.programme_item_id is None
    assert len(w.batches()) == 1 and w.batches(w.p2) == []
    w.build(size=5)                                       # the hall again: the ward's batch stays
    assert [b.id for b in w.batches(w.p1)] == [p1_batch.id]


@pytest.mark.parametrize("size", [0, 51, -1, "3", True, False, 2.5, [3]])
def test_bad_sizes_are_refused_and_change_nothing(w, size):
    w.give("Lê Văn An", BADGE_30)
    before = (w.rev(), w.cues())
    with pytest.raises(Invalid):
        w.build(size=size)
    assert (w.rev(), w.cues()) == before and w.batches() == []


@pytest.mark.parametrize("size", [1, 50])
def test_the_size_limits_are_allowed(w, size):
    for name in ("Lê Văn An", "Lê Văn Bình"):
        w.give(name, BADGE_30)
    w.build(size=size)
    assert [len(w.members(b)) for b in w.batches()] == ([1, 1] if size == 1 else [2])


@pytest.mark.parametrize("args, error", [
    ({"bridge_point_id": 99999, "programme_item_id": None, "local_item_id": None}, NotFound),
    ({"bridge_point_id": "1", "programme_item_id": None, "local_item_id": None}, NotFound),
    ({"bridge_point_id": True, "programme_item_id": None, "local_item_id": None}, NotFound),
    ("both", Invalid),
    ("neither", Invalid),
])
def test_a_build_needs_one_point_and_one_item(w, args, error):
    if args == "both":
        args = {"bridge_point_id": w.p1.id, "programme_item_id": w.items[1].id, "local_item_id": w.local[1].id}
    elif args == "neither":
        args = {"bridge_point_id": w.hall.id}
    before = w.rev()
    with pytest.raises(error):
        w.run("award_batches_build", args)
    assert w.rev() == before


def test_only_organisers_arrange_batches(w, make_user):
    w.give("Lê Văn An", BADGE_30)
    tech = make_user("site_tech", bridge_point_id=w.hall.id)
    with pytest.raises(Forbidden):
        w.run("award_batches_build", w.scope(), user=tech)


def three_batches(w):
    for name in ("Lê Văn An", "Lê Văn Bình", "Lê Văn Cường", "Lê Văn Dũng", "Lê Văn Em", "Lê Văn Giang",
                 "Lê Văn Hà", "Lê Văn Khánh"):
        w.give(name, BADGE_30)
    w.build(size=3)
    return w.batches()


def test_moving_within_a_batch_renumbers_it(w, patches):
    b0, _b1, _b2 = three_batches(w)
    cuong = w.members(b0)[2]
    before = w.rev()
    w.run("award_move", {"award_id": cuong.id, "batch_id": b0.id, "index": 0})
    assert w.rev() == before + 1
    assert w.names(b0) == ["Lê Văn Cường", "Lê Văn An", "Lê Văn Bình"]
    assert [a.stage_order for a in w.members(b0)] == [0, 1, 2]
    an = w.members(b0)[1]
    w.run("award_move", {"award_id": an.id, "batch_id": b0.id, "index": 99})      # past the end: last
    assert w.names(b0) == ["Lê Văn Cường", "Lê Văn Bình", "Lê Văn An"]
    assert [a.stage_order for a in w.members(b0)] == [0, 1, 2]
    sent = {a["id"]: (a["batch_id"], a["stage_order"]) for a in patches[-1]["awards_all"]["awards"]}
    assert sent == {a.id: (a.batch_id, a.stage_order) for b in w.batches() for a in w.members(b)}


def test_moving_between_waiting_batches_renumbers_both(w):
    b0, b1, b2 = three_batches(w)
    binh = w.members(b0)[1]
    w.run("award_move", {"award_id": binh.id, "batch_id": b1.id, "index": 1})
    assert w.names(b0) == ["Lê Văn An", "Lê Văn Cường"]
    assert w.names(b1) == ["Lê Văn Dũng", "Lê Văn Bình", "Lê Văn Em", "Lê Văn Giang"]
    for b in (b0, b1, b2):
        assert [a.stage_order for a in w.members(b)] == list(range(len(w.members(b))))


def test_moving_into_or_out_of_a_called_batch_is_refused(w):
    b0, b1, b2 = three_batches(w)
    w.run("award_call", {"batch_id": b1.id}, bridge_point_id=w.hall.id)
    on_stage, waiting = w.members(b1)[0], w.members(b0)[0]
    layout = [(b.id, [a.id for a in w.members(b)]) for b in (b0, b1, b2)]
    before = (w.rev(), w.cues())
    for args in ({"award_id": waiting.id, "batch_id": b1.id, "index": 0},       # into the batch on stage
                 {"award_id": on_stage.id, "batch_id": b2.id, "index": 0},      # out of it
                 {"award_id": on_stage.id, "batch_id": b1.id, "index": 2}):     # within it
        with pytest.raises(Invalid):
            w.run("award_move", args)
    w.run("award_batch_done", {"batch_id": b1.id}, bridge_point_id=w.hall.id)
    with pytest.raises(Invalid):                                                # nor after it was done
        w.run("award_move", {"award_id": waiting.id, "batch_id": b1.id, "index": 0})
    assert [(b.id, [a.id for a in w.members(b)]) for b in (b0, b1, b2)] == layout
    assert (w.rev(), w.cues()) == (before[0] + 1, before[1] + 1)                  # only the "done"
    with pytest.raises(Invalid):
        w.run("award_presenter", {"batch_id": b1.id, "presenter": "Đ/c Bí thư"})


def test_moving_to_another_scope_is_refused(w):
    b0, _b1, _b2 = three_batches(w)
    w.give("Trần Văn Bình", DISTRICT, level="phường", point=w.p1, local=w.local[1])
    w.build(size=5, point=w.p1, local=w.local[1])
    (ward_batch,) = w.batches(w.p1)
    with pytest.raises(Invalid):
        w.run("award_move", {"award_id": w.members(b0)[0].id, "batch_id": ward_batch.id, "index": 0})
    assert w.names(ward_batch) == ["Trần Văn Bình"]


@pytest.mark.parametrize("bad", [
    {"index": -1}, {"index": "0"}, {"index": True}, {"index": None}, {"index": 1.5},
    {"award_id": 99999}, {"award_id": "1"}, {"award_id": True}, {"award_id": 2**40}, {"award_id": None},
    {"batch_id": 99999}, {"batch_id": "1"}, {"batch_id": None}, {"batch_id": True}, {"batch_id": 2**40},
])
def test_bad_move_arguments_are_refused(w, bad):
    b0, b1, _b2 = three_batches(w)
    args = {"award_id": w.members(b0)[0].id, "batch_id": b1.id, "index": 0, **bad}
    before = (w.rev(), w.cues())
    with pytest.raises((Invalid, NotFound)):
        w.run("award_move", args)
    assert (w.rev(), w.cues()) == before
    assert w.names(b0) == ["Lê Văn An", "Lê Văn Bình", "Lê Văn Cường"]


def test_presenter_is_plain_text_within_its_limit(w):
    b0, _b1, _b2 = three_batches(w)
    for bad in ("x" * 201, 42):
        with pytest.raises(Invalid):
            w.run("award_presenter", {"batch_id": b0.id, "presenter": bad})
    w.run("award_presenter", {"batch_id": b0.id, "presenter": "  Đ/c Nguyễn Văn Hùng\n"})
    assert w.batches()[0].presenter == "Đ/c Nguyễn Văn Hùng"


def test_each_arrangement_takes_one_revision_and_one_cue(w):
    b0, b1, _b2 = three_batches(w)
    steps = [("award_move", {"award_id": w.members(b0)[0].id, "batch_id": b1.id, "index": 0}, "award_moved"),
             ("award_presenter", {"batch_id": b1.id, "presenter": "Đ/c Bí thư"}, "award_presenter"),
             ("award_batches_build", {**w.scope(), "size": 4}, "award_batches_built")]
    for action, args, logged in steps:
        before = (w.rev(), w.cues())
        w.run(action, args)
        assert (w.rev(), w.cues()) == (before[0] + 1, before[1] + 1), action
        last = w.session.execute(select(CueLog).where(CueLog.event_id == w.event.id)
                                 .order_by(CueLog.rev.desc())).scalars().first()
        assert (last.rev, last.action, last.bridge_point_id) == (w.rev(), logged, w.hall.id)


def test_stage_key_orders_by_kind_position_even_when_ids_disagree(w):
    # A kind added later but moved to the front of the list is presented first.
    extra = awards.add_kind(w.session, w.event.id, "Kỷ niệm chương")
    extra.position = -1
    w.session.commit()
    w.kinds = {k.name: k for k in awards.kinds(w.session, w.event.id)}
    w.give("Lê Văn An", BADGE_30)
    w.give("Trần Văn Yên", "Kỷ niệm chương")
    w.build(size=5)
    assert w.names(w.batches()[0]) == ["Trần Văn Yên", "Lê Văn An"]
    assert award_batches.MAX_SIZE == 50

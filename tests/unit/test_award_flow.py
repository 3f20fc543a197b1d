"""The live award flow through the command door: call a batch, mark each recipient presented, absent or
received on behalf, reset, close the batch. A ward's technician runs only their own point's batches; the
desk runs any. Each accepted step is one revision, one cue-log row and one patch; a refusal changes
nothing."""
from __future__ import annotations

import copy

import pytest
from sqlalchemy import func, select

from server.models import Award, AwardBatch, CueLog, LocalItem, ProgrammeItem, ShowState
from server.services import awards, commands, delegates
from server.services.accounts import actor_name
from server.services.errors import Forbidden, Invalid, NotFound
from server.services.revision import show_changed
from server.services.snapshot import snapshot
from sites.follower import apply_patch, award_arrival

KIND = "Giấy khen cấp quận"


class World:
    """A main hall with two batches (3 + 2) during item 2, and each of two wards with one batch of 3
    during its second local item."""

    def __init__(self, session, event, make_user):
        self.session, self.event = session, event
        self.hall, self.p1, self.p2 = event.bridge_points[:3]
        self.operator = make_user("operator")
        self.tech1 = make_user("site_tech", bridge_point_id=self.p1.id)
        self.tech2 = make_user("site_tech", bridge_point_id=self.p2.id)
        self.hall_tech = make_user("site_tech", bridge_point_id=self.hall.id)
        self.mc = make_user("mc")
        items = list(session.execute(select(ProgrammeItem).where(ProgrammeItem.event_id == event.id)
                                     .order_by(ProgrammeItem.position)).scalars())
        local = list(session.execute(select(LocalItem).where(LocalItem.segment_id == items[2].id)
                                     .order_by(LocalItem.position)).scalars())
        kind = {k.name: k for k in awards.kinds(session, event.id)}[KIND]
        n = 0
        for point, item, local_item, names in (
                (self.hall, items[1], None, ["Lê Văn An", "Trần Thị Bình", "Phạm Văn Cường", "Võ Thị Dung",
                                             "Đỗ Văn Em"]),
                (self.p1, None, local[1], ["Ngô Văn Giang", "Bùi Thị Hà", "Hồ Văn Khánh"]),
                (self.p2, None, local[1], ["Lý Văn Long", "Huỳnh Thị Mai", "Đặng Văn Nam"])):
            for name in names:
                n += 1
                person = delegates.add(session, event.id, {"full_name": name, "bridge_point_id": point.id,
                                                           "organisation": f"Đơn vị {n}"}, "test")
                session.add(Award(event_id=event.id, kind_id=kind.id, level="quận", delegate_id=person.id,
                                  bridge_point_id=point.id, programme_item_id=item and item.id,
                                  local_item_id=local_item and local_item.id))
            session.commit()
            commands.run(session, event.id, self.operator, "award_batches_build",
                         args={"bridge_point_id": point.id, "programme_item_id": item and item.id,
                               "local_item_id": local_item and local_item.id, "size": 3})
        self.hall_batches = self.batches(self.hall)
        (self.p1_batch,) = self.batches(self.p1)
        (self.p2_batch,) = self.batches(self.p2)

    def batches(self, point) -> list[AwardBatch]:
        self.session.expire_all()
        return list(self.session.execute(select(AwardBatch).where(AwardBatch.bridge_point_id == point.id)
                                         .order_by(AwardBatch.position)).scalars())

    def batch(self, batch_id) -> AwardBatch:
        self.session.expire_all()
        return self.session.get(AwardBatch, batch_id)

    def members(self, batch) -> list[Award]:
        self.session.expire_all()
        return list(self.session.execute(select(Award).where(Award.batch_id == batch.id)
                                         .order_by(Award.stage_order)).scalars())

    def award(self, award_id) -> Award:
        self.session.expire_all()
        return self.session.get(Award, award_id)

    def run(self, user, action, args, point):
        return commands.run(self.session, self.event.id, user, action, args=args, bridge_point_id=point.id)

    def rev(self) -> int:
        self.session.expire_all()
        return self.session.execute(select(ShowState.rev).where(ShowState.event_id == self.event.id)).scalar_one()

    def cues(self) -> list[CueLog]:
        self.session.expire_all()
        return list(self.session.execute(select(CueLog).where(CueLog.event_id == self.event.id)
                                         .order_by(CueLog.rev)).scalars())

    def fingerprint(self):
        """Everything the flow may change."""
        self.session.expire_all()
        batches = [(b.id, b.status, b.called_at, b.done_at) for b in
                   self.session.execute(select(AwardBatch).order_by(AwardBatch.id)).scalars()]
        rows = [(a.id, a.batch_id, a.stage_order, a.status, a.proxy_name, a.marked_at, a.marked_by) for a in
                self.session.execute(select(Award).order_by(Award.id)).scalars()]
        count = self.session.execute(select(func.count()).select_from(CueLog)
                                     .where(CueLog.event_id == self.event.id)).scalar_one()
        return self.rev(), count, batches, rows


@pytest.fixture
def w(session, make_event, make_user):
    return World(session, make_event(n=4, segment_at=2, wards=2), make_user)


@pytest.fixture
def patches():
    seen = []

    def listener(change):
        seen.append(change.message())
    show_changed.connect(listener)
    yield seen
    show_changed.disconnect(listener)


def refused(w, error, user, action, args, point):
    before = w.fingerprint()
    with pytest.raises(error):
        w.run(user, action, args, point)
    assert w.fingerprint() == before, (action, args)


def test_the_demo_layout_is_what_the_tests_assume(w):
    assert [len(w.members(b)) for b in w.hall_batches] == [3, 2]
    assert len(w.members(w.p1_batch)) == len(w.members(w.p2_batch)) == 3


def test_call_puts_the_batch_on_stage_and_sends_it_with_its_awards(w, patches):
    first = w.hall_batches[0]
    before = w.rev()
    change = w.run(w.operator, "award_call", {"batch_id": first.id}, w.hall)
    assert change.rev == before + 1 == w.rev()
    batch = w.batch(first.id)
    assert batch.status == "called" and batch.called_at is not None and batch.done_at is None
    patch = patches[-1]
    assert patch["rev"] == change.rev and "awards_all" not in patch
    assert [b["id"] for b in patch["awards"]["batches"]] == [first.id]
    assert patch["awards"]["batches"][0]["status"] == "called"
    assert patch["awards"]["batches"][0]["called_at"] is not None
    sent = patch["awards"]["awards"]
    assert [a["id"] for a in sent] == [a.id for a in w.members(first)]        # in stage order, only this batch
    assert [a["name"] for a in sent] == ["Lê Văn An", "Trần Thị Bình", "Phạm Văn Cường"]
    assert {a["status"] for a in sent} == {"pending"} and {a["batch_id"] for a in sent} == {first.id}


def test_one_batch_at_a_time_at_a_point(w):
    first, second = w.hall_batches
    w.run(w.operator, "award_call", {"batch_id": first.id}, w.hall)
    refused(w, Invalid, w.operator, "award_call", {"batch_id": second.id}, w.hall)
    refused(w, Invalid, w.operator, "award_call", {"batch_id": first.id}, w.hall)   # already on stage
    # Another point's batch can go on stage at the same time.
    w.run(w.tech1, "award_call", {"batch_id": w.p1_batch.id}, w.p1)
    w.run(w.operator, "award_batch_done", {"batch_id": first.id}, w.hall)
    refused(w, Invalid, w.operator, "award_call", {"batch_id": first.id}, w.hall)   # done: not again
    w.run(w.operator, "award_call", {"batch_id": second.id}, w.hall)
    assert w.batch(second.id).status == "called" and w.batch(first.id).status == "done"


def test_present_absent_proxy_and_reset(w, patches):
    first = w.hall_batches[0]
    w.run(w.operator, "award_call", {"batch_id": first.id}, w.hall)
    an, binh, cuong = w.members(first)
    me = actor_name(w.operator)

    w.run(w.operator, "award_present", {"award_id": an.id}, w.hall)
    row = w.award(an.id)
    assert (row.status, row.marked_by, row.proxy_name) == ("presented", me, "") and row.marked_at is not None

    w.run(w.operator, "award_absent", {"award_id": binh.id}, w.hall)
    assert (w.award(binh.id).status, w.award(binh.id).marked_by) == ("absent", me)

    w.run(w.operator, "award_proxy", {"award_id": cuong.id, "proxy_name": "  Nguyễn Văn Bảo "}, w.hall)
    row = w.award(cuong.id)
    assert (row.status, row.proxy_name, row.marked_by) == ("proxy", "Nguyễn Văn Bảo", me)
    sent = {a["id"]: a for a in patches[-1]["awards"]["awards"]}
    assert (sent[cuong.id]["status"], sent[cuong.id]["proxy_name"]) == ("proxy", "Nguyễn Văn Bảo")
    assert (sent[an.id]["status"], sent[binh.id]["status"]) == ("presented", "absent")
    assert [b["id"] for b in patches[-1]["awards"]["batches"]] == [first.id]

    w.run(w.operator, "award_reset", {"award_id": cuong.id}, w.hall)
    row = w.award(cuong.id)
    assert (row.status, row.proxy_name, row.marked_by, row.marked_at) == ("pending", "", "", None)
    # Marks can be changed while the batch is on stage; "present" after a proxy clears the proxy's name.
    w.run(w.operator, "award_proxy", {"award_id": an.id, "proxy_name": "Trần Văn Tư"}, w.hall)
    w.run(w.operator, "award_present", {"award_id": an.id}, w.hall)
    assert (w.award(an.id).status, w.award(an.id).proxy_name) == ("presented", "")


@pytest.mark.parametrize("name", [None, "", "   ", 42, "x" * 201])
def test_a_proxy_needs_the_name_of_who_receives(w, name):
    first = w.hall_batches[0]
    w.run(w.operator, "award_call", {"batch_id": first.id}, w.hall)
    args = {"award_id": w.members(first)[0].id}
    if name is not None:
        args["proxy_name"] = name
    refused(w, Invalid, w.operator, "award_proxy", args, w.hall)


def test_marks_only_in_the_batch_on_stage(w):
    first, second = w.hall_batches
    waiting = w.members(first)[0]
    refused(w, Invalid, w.operator, "award_present", {"award_id": waiting.id}, w.hall)   # nothing called yet
    w.run(w.operator, "award_call", {"batch_id": first.id}, w.hall)
    refused(w, Invalid, w.operator, "award_present", {"award_id": w.members(second)[0].id}, w.hall)
    w.run(w.operator, "award_present", {"award_id": waiting.id}, w.hall)
    w.run(w.operator, "award_batch_done", {"batch_id": first.id}, w.hall)
    for action in ("award_present", "award_absent", "award_reset"):
        refused(w, Invalid, w.operator, action, {"award_id": waiting.id}, w.hall)     # the batch left the stage
    refused(w, Invalid, w.operator, "award_proxy", {"award_id": waiting.id, "proxy_name": "Lê Văn Tư"}, w.hall)
    assert w.award(waiting.id).status == "presented"
    for bad in (99999, "1", None, True, 0, -3):
        refused(w, (Invalid, NotFound), w.operator, "award_present", {"award_id": bad}, w.hall)


def test_true_is_not_award_one(w):
    first = w.hall_batches[0]
    w.run(w.operator, "award_call", {"batch_id": first.id}, w.hall)
    assert w.members(first)[0].id == 1                  # award 1 is on stage: True must not reach it
    refused(w, NotFound, w.operator, "award_present", {"award_id": True}, w.hall)


def test_an_award_with_no_batch_cannot_be_marked(w):
    first = w.hall_batches[0]
    w.run(w.operator, "award_call", {"batch_id": first.id}, w.hall)
    loose = w.members(first)[0]
    loose.batch_id = None
    w.session.commit()
    refused(w, Invalid, w.operator, "award_present", {"award_id": loose.id}, w.hall)


def test_done_closes_the_batch_and_keeps_the_unmarked_pending(w, patches):
    first = w.hall_batches[0]
    w.run(w.operator, "award_call", {"batch_id": first.id}, w.hall)
    an = w.members(first)[0]
    w.run(w.operator, "award_present", {"award_id": an.id}, w.hall)
    change = w.run(w.operator, "award_batch_done", {"batch_id": first.id}, w.hall)
    batch = w.batch(first.id)
    assert batch.status == "done" and batch.done_at is not None
    assert [a.status for a in w.members(first)] == ["presented", "pending", "pending"]
    assert patches[-1]["rev"] == change.rev
    assert patches[-1]["awards"]["batches"][0]["status"] == "done"
    refused(w, Invalid, w.operator, "award_batch_done", {"batch_id": first.id}, w.hall)          # twice
    refused(w, Invalid, w.operator, "award_batch_done", {"batch_id": w.hall_batches[1].id}, w.hall)  # waiting


def test_a_ward_technician_runs_only_their_own_points_batch(w):
    batch = w.p1_batch
    w.run(w.tech1, "award_call", {"batch_id": batch.id}, w.p1)
    giang, ha, khanh = w.members(batch)
    w.run(w.tech1, "award_present", {"award_id": giang.id}, w.p1)
    w.run(w.tech1, "award_absent", {"award_id": ha.id}, w.p1)
    w.run(w.tech1, "award_proxy", {"award_id": khanh.id, "proxy_name": "Hồ Thị Lan"}, w.p1)
    assert w.award(giang.id).marked_by == actor_name(w.tech1)
    # The main hall's batch and another ward's: refused, whichever point is named.
    hall_batch = w.hall_batches[0]
    refused(w, Forbidden, w.tech1, "award_call", {"batch_id": hall_batch.id}, w.hall)
    refused(w, Forbidden, w.tech1, "award_call", {"batch_id": w.p2_batch.id}, w.p2)
    refused(w, Invalid, w.tech1, "award_call", {"batch_id": hall_batch.id}, w.p1)    # their point, not their batch
    refused(w, Invalid, w.tech1, "award_call", {"batch_id": w.p2_batch.id}, w.p1)
    w.run(w.operator, "award_call", {"batch_id": hall_batch.id}, w.hall)
    w.run(w.tech2, "award_call", {"batch_id": w.p2_batch.id}, w.p2)
    hall_award, p2_award = w.members(hall_batch)[0], w.members(w.p2_batch)[0]
    for action in ("award_present", "award_absent", "award_reset"):
        refused(w, Forbidden, w.tech1, action, {"award_id": hall_award.id}, w.hall)
        refused(w, Forbidden, w.tech1, action, {"award_id": p2_award.id}, w.p2)
        refused(w, Invalid, w.tech1, action, {"award_id": p2_award.id}, w.p1)
    refused(w, Forbidden, w.tech1, "award_batch_done", {"batch_id": hall_batch.id}, w.hall)
    refused(w, Forbidden, w.tech1, "award_batch_done", {"batch_id": w.p2_batch.id}, w.p2)
    refused(w, Invalid, w.tech1, "award_batch_done", {"batch_id": w.p2_batch.id}, w.p1)
    w.run(w.tech1, "award_batch_done", {"batch_id": batch.id}, w.p1)
    assert [a.status for a in w.members(batch)] == ["presented", "absent", "proxy"]


def test_the_operator_runs_any_point_and_others_none(w):
    w.run(w.operator, "award_call", {"batch_id": w.p2_batch.id}, w.p2)
    w.run(w.operator, "award_present", {"award_id": w.members(w.p2_batch)[0].id}, w.p2)
    w.run(w.operator, "award_batch_done", {"batch_id": w.p2_batch.id}, w.p2)
    assert w.batch(w.p2_batch.id).status == "done"
    refused(w, Forbidden, w.mc, "award_call", {"batch_id": w.hall_batches[0].id}, w.hall)
    refused(w, Forbidden, w.hall_tech, "award_call", {"batch_id": w.p1_batch.id}, w.p1)
    w.run(w.hall_tech, "award_call", {"batch_id": w.hall_batches[0].id}, w.hall)       # the hall's own technician


def test_a_batch_sent_for_another_point_is_refused(w):
    hall_batch = w.hall_batches[0]
    refused(w, Invalid, w.operator, "award_call", {"batch_id": hall_batch.id}, w.p1)
    refused(w, Invalid, w.operator, "award_call", {"batch_id": w.p1_batch.id}, w.p2)
    w.run(w.operator, "award_call", {"batch_id": hall_batch.id}, w.hall)
    an = w.members(hall_batch)[0]
    refused(w, Invalid, w.operator, "award_present", {"award_id": an.id}, w.p1)
    refused(w, Invalid, w.operator, "award_proxy", {"award_id": an.id, "proxy_name": "Lê Văn Tư"}, w.p1)
    refused(w, Invalid, w.operator, "award_batch_done", {"batch_id": hall_batch.id}, w.p1)
    assert w.batch(hall_batch.id).status == "called"


@pytest.mark.parametrize("bad", [99999, "1", None, True, 0, 2**40])
def test_bad_batch_ids_are_refused(w, bad):
    refused(w, (Invalid, NotFound), w.operator, "award_call", {"batch_id": bad}, w.hall)
    refused(w, (Invalid, NotFound), w.operator, "award_batch_done", {"batch_id": bad}, w.hall)


def test_the_flow_needs_a_point(w):
    before = w.fingerprint()
    with pytest.raises(Invalid):
        commands.run(w.session, w.event.id, w.operator, "award_call", args={"batch_id": w.hall_batches[0].id})
    with pytest.raises(NotFound):
        commands.run(w.session, w.event.id, w.operator, "award_call", args={"batch_id": w.hall_batches[0].id},
                     bridge_point_id=99999)
    assert w.fingerprint() == before


def test_every_accepted_step_is_one_revision_one_cue_and_one_patch(w, patches):
    first = w.hall_batches[0]
    an, binh, cuong = w.members(first)
    steps = [
        (w.operator, "award_call", {"batch_id": first.id}, w.hall),
        (w.tech1, "award_call", {"batch_id": w.p1_batch.id}, w.p1),
        (w.operator, "award_present", {"award_id": an.id}, w.hall),
        (w.tech1, "award_present", {"award_id": w.members(w.p1_batch)[0].id}, w.p1),
        (w.operator, "award_absent", {"award_id": binh.id}, w.hall),
        (w.operator, "award_proxy", {"award_id": cuong.id, "proxy_name": "Nguyễn Văn Bảo"}, w.hall),
        (w.operator, "award_reset", {"award_id": binh.id}, w.hall),
        (w.operator, "award_batch_done", {"batch_id": first.id}, w.hall),
        (w.tech1, "award_batch_done", {"batch_id": w.p1_batch.id}, w.p1),
    ]
    start, cues_before, sent_before = w.rev(), len(w.cues()), len(patches)
    for n, (user, action, args, point) in enumerate(steps, 1):
        change = w.run(user, action, args, point)
        assert change.rev == start + n == w.rev(), action
        cues = w.cues()
        assert len(cues) == cues_before + n, action
        assert (cues[-1].rev, cues[-1].action, cues[-1].actor, cues[-1].bridge_point_id) == \
            (change.rev, action, actor_name(user), point.id)
        assert len(patches) == sent_before + n and patches[-1]["rev"] == change.rev
    assert [p["rev"] for p in patches[sent_before:]] == list(range(start + 1, start + len(steps) + 1))


# --- the followers' merge (sites/follower.py; static/js/show-client.js does the same) -------------

def test_the_flows_patches_applied_to_a_snapshot_give_the_fresh_snapshot(w, patches):
    state = copy.deepcopy(snapshot(w.session, w.event.id))
    first = w.hall_batches[0]
    an, binh, cuong = w.members(first)
    w.run(w.operator, "award_move", {"award_id": w.members(w.hall_batches[1])[0].id, "batch_id": first.id,
                                     "index": 0}, w.hall)
    w.run(w.operator, "award_call", {"batch_id": first.id}, w.hall)
    w.run(w.tech1, "award_call", {"batch_id": w.p1_batch.id}, w.p1)
    w.run(w.operator, "award_present", {"award_id": an.id}, w.hall)
    w.run(w.operator, "award_proxy", {"award_id": cuong.id, "proxy_name": "Nguyễn Văn Bảo"}, w.hall)
    w.run(w.tech1, "award_absent", {"award_id": w.members(w.p1_batch)[2].id}, w.p1)
    w.run(w.operator, "award_batch_done", {"batch_id": first.id}, w.hall)
    for patch in patches:
        apply_patch(state, copy.deepcopy(patch))
    fresh = snapshot(w.session, w.event.id)
    state.pop("server_time"), fresh.pop("server_time")
    assert state == fresh
    assert [a["status"] for a in state["awards"]["awards"] if a["batch_id"] == first.id] == \
        ["pending", "presented", "pending", "proxy"]


def test_an_arrival_is_not_undone_by_a_patch_read_before_it(w, patches):
    """award_arrival travels outside the revisions: a patch built just before the check-in was written
    can reach a screen after the arrival did, and must not bring back "not yet arrived"."""
    state = copy.deepcopy(snapshot(w.session, w.event.id))
    first = w.hall_batches[0]
    an = w.members(first)[0]
    w.run(w.operator, "award_call", {"batch_id": first.id}, w.hall)            # read before the arrival
    w.run(w.operator, "award_batches_build", {"bridge_point_id": w.p2.id, "programme_item_id": None,
                                              "local_item_id": w.p2_batch.local_item_id, "size": 3}, w.hall)
    stale_call, stale_all = copy.deepcopy(patches[-2]), copy.deepcopy(patches[-1])
    assert "awards_all" in stale_all
    award_arrival(state, {"delegate_id": an.delegate_id, "at": 1_700_000_000_000})
    sent = copy.deepcopy(stale_call)
    apply_patch(state, stale_call)
    assert stale_call == sent                                                   # the patch is not altered
    row = next(a for a in state["awards"]["awards"] if a["id"] == an.id)
    assert (row["status"], row["checked_in_at"]) == ("pending", 1_700_000_000_000)
    assert next(b for b in state["awards"]["batches"] if b["id"] == first.id)["status"] == "called"
    apply_patch(state, stale_all)
    row = next(a for a in state["awards"]["awards"] if a["id"] == an.id)
    assert row["checked_in_at"] == 1_700_000_000_000
    others = [a["checked_in_at"] for a in state["awards"]["awards"] if a["delegate_id"] != an.delegate_id]
    assert others and set(others) == {None}
    # An earlier arrival (an offline scan replayed) wins; a later message does not move it back.
    award_arrival(state, {"delegate_id": an.delegate_id, "at": 1_600_000_000_000})
    award_arrival(state, {"delegate_id": an.delegate_id, "at": 1_800_000_000_000})
    assert next(a for a in state["awards"]["awards"] if a["id"] == an.id)["checked_in_at"] == 1_600_000_000_000

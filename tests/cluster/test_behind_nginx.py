"""Two eventlet workers behind nginx, configured as docs/deployment/nginx-diemcau.conf says: clients
spread over both and stay on theirs (long-polling included), pages carry the sticky cookie, and the
show goes on when one worker is killed."""
from __future__ import annotations

import re
import urllib.request
from types import SimpleNamespace

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from server.config import STICKY_COOKIE
from server.demo import SLUG
from server.models import Event, ShowState
from sites.follower import ShowFollower
from tests.browser.conftest import Person
from tests.browser.test_desk_to_site import ITEM_1
from tests.deployment import Cluster, Nginx
from tests.machine_services import need_nginx
from tests.live.checkin_helpers import close_all
from tests.live.conftest import Tokens, comparable

# A script presses Next on purpose faster than a person would: it confirms past the double-press
# guard (show_control._guard), which test_press_guard checks on its own.
SCRIPTED = {"confirm": True}

pytestmark = pytest.mark.cluster


def ok(ack: dict) -> dict:
    assert ack and ack["ok"], ack
    return ack


@pytest.fixture(scope="module")
def deployment(tmp_path_factory, postgres_url, redis_channel):
    need_nginx()
    instance = tmp_path_factory.mktemp("nginx-cluster")
    cluster = Cluster(instance, postgres_url, f"{redis_channel}-nginx", "eventlet").start()
    proxy = Nginx(tmp_path_factory.mktemp("nginx"), [w.port for w in cluster.workers]).start()
    yield cluster, proxy
    proxy.stop()
    cluster.stop()


def current_rev(tokens) -> int:
    with tokens.db.session() as s:
        return s.execute(select(ShowState.rev).join(Event).where(Event.slug == SLUG)).scalar_one()


def worker_of(control: ShowFollower, screen_id: str) -> str | None:
    return next((s["worker"] for s in control.links.get("screens", []) if s["id"] == screen_id), None)


def test_pages_through_nginx_carry_the_sticky_cookie(deployment):
    _cluster, proxy = deployment
    with urllib.request.urlopen(f"{proxy.url}/login") as response:
        assert response.status == 200
        cookies = response.headers.get_all("Set-Cookie")
    assert any(c.startswith(f"{STICKY_COOKIE}=") for c in cookies), cookies
    # A browser that has it is not given another.
    request = urllib.request.Request(f"{proxy.url}/login", headers={"Cookie": f"{STICKY_COOKIE}=abc"})
    with urllib.request.urlopen(request) as response:
        assert not any(c.startswith(f"{STICKY_COOKIE}=") for c in response.headers.get_all("Set-Cookie") or [])


def test_in_browsers_the_desk_through_nginx_drives_site_displays_on_either_worker(deployment, browser):
    """The operator's Chromium goes through nginx; a ward display is opened on each worker's own port,
    so the step crosses workers whichever one nginx chose for the desk. Runs first in the module: the
    show is still in standby."""
    cluster, proxy = deployment
    people = []

    def person(username: str, url: str) -> Person:
        p = Person(browser, SimpleNamespace(url=url, instance=cluster.instance), username)
        people.append(p)
        return p
    try:
        desk = person("dieuhanh", proxy.url).open(f"/e/{SLUG}/desk")
        expect(desk.locator("#rev")).to_have_text(re.compile(r"^\d+$"))
        sites = [person(f"kt-{code}", w.url).open(f"/e/{SLUG}/site/{code}")
                 for code, w in zip(("long-binh", "phu-huu"), cluster.workers)]
        for site in sites:
            expect(site.locator("#site-content")).not_to_have_text("")
        expect(desk.locator("#status")).to_have_text("Chưa bắt đầu")      # a fresh deployment: standby
        desk.locator("#btn-next").click()                                  # GO
        expect(desk.locator("#cur-content")).to_have_text(ITEM_1)          # accepted by the desk's worker
        expect(desk.locator("#command-error")).to_have_text("")
        for site in sites:
            # crosses workers through Redis: a loaded 2-core machine may take more than the default 5 s
            expect(site.locator("#site-content")).to_have_text(ITEM_1, timeout=20_000)
        assert not [p.errors for p in people if p.errors]
    finally:
        for p in people:
            p.context.close()


def test_clients_spread_over_both_workers_stay_on_theirs_and_survive_one_killed(deployment):
    cluster, proxy = deployment
    tokens = Tokens(cluster.database_url)
    made: list[ShowFollower] = []

    def follow(username, **options) -> ShowFollower:
        f = ShowFollower(proxy.url, SLUG, tokens[username], name=username, **options).connect(30)
        made.append(f)
        return f

    try:
        control = follow("dieuhanh", page="control")
        desk = follow("admin")
        # Screens of the wards, half of them on long-polling: every one of their requests must reach
        # the worker holding their session, or the server would answer "invalid session".
        codes = [p["code"] for p in desk.state["bridge_points"]][2:]
        screens = [follow(f"kt-{code}", page="site", point_code=code,
                          transports=("polling",) if i % 2 else ("websocket",)) for i, code in enumerate(codes)]
        # (a screen's id comes with the answer to its hello, just after it connected)
        control.wait_for(lambda f: f.links and all(worker_of(f, s.screen_id) for s in screens), 20)
        placement = {s.screen_id: worker_of(control, s.screen_id) for s in screens}
        assert set(placement.values()) == {"w1", "w2"}, placement       # hashed over both workers

        start = current_rev(tokens)
        desk.wait_for(lambda f: f.rev >= start)
        standby = desk.state["show"]["status"] != "running"
        cursor = desk.state["show"]["cursor"]
        ok(desk.command("go" if standby else "next", SCRIPTED))
        for _ in range(2):
            rev = current_rev(tokens)
            for s in [*screens, desk]:
                s.wait_for(lambda f: f.rev >= rev)
            ok(desk.command("next", SCRIPTED))
        rev = current_rev(tokens)
        for s in screens:
            s.wait_for(lambda f: f.rev >= rev)
            assert s.revs_seen[-3:] == list(range(start + 1, rev + 1)), s.name
            assert s.snapshots == 1, s.name                      # never dropped: polling stayed on its worker

        # kill -9 the first worker: its clients reconnect through nginx to the other and resync.
        victims = [s for s in screens if placement[s.screen_id] == "w1"]
        cluster.workers[0].kill()
        for s in victims:
            s.wait_for(lambda f: f.snapshots >= 2 and f.connected, 60)
        desk.wait_for(lambda f: f.connected, 60)
        desk.wait_for(lambda f: f.rev >= rev, 30)
        ok(desk.command("next", SCRIPTED, expected_rev=desk.state["show"]["cursor_rev"]))
        final = current_rev(tokens)
        reference = None
        for s in [desk, *screens]:
            s.wait_for(lambda f: f.rev >= final, 30)
            reference = reference or comparable(s.state)
            assert comparable(s.state) == reference, s.name
        assert desk.state["show"]["cursor"] == (0 if standby else cursor + 1) + 3
        # The control room (reconnected too if it was on w1) sees every screen on the survivor.
        control.wait_for(lambda f: f.connected, 60)
        control.wait_for(lambda f: f.links and {worker_of(f, s.screen_id) for s in screens} == {"w2"}, 30)
    finally:
        close_all(made)

"""Security headers on every answer; nothing personal kept in a cache."""
from __future__ import annotations

from tests.unit.test_authorisation import login

ALWAYS = {"Content-Security-Policy": "frame-ancestors 'none'", "X-Frame-Options": "DENY",
          "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer"}


def headers_of(response) -> dict:
    return {k: response.headers.get(k) for k in (*ALWAYS, "Cache-Control")}


def test_every_answer_forbids_framing_sniffing_and_referrers(app, make_user, make_event):
    event = make_event(n=1)
    client = app.test_client()
    for path in ("/login", "/setup", "/static/css/app.css", "/i/not-a-code", "/api/v1/events"):
        got = headers_of(client.get(path))
        assert {k: got[k] for k in ALWAYS} == ALWAYS, path
    login(client, make_user("operator").username)
    got = headers_of(client.get(f"/e/{event.slug}/desk"))
    assert {k: got[k] for k in ALWAYS} == ALWAYS


def test_signed_in_pages_the_api_and_token_pages_are_not_cached_static_files_are(app, make_user, make_event):
    event = make_event(n=1)
    client = app.test_client()
    assert client.get("/i/not-a-code").headers.get("Cache-Control") == "no-store"
    assert client.get("/s/not-a-link").headers.get("Cache-Control") == "no-store"
    assert client.get("/api/v1/events").headers.get("Cache-Control") == "no-store"
    assert client.get("/login").headers.get("Cache-Control") != "no-store"
    login(client, make_user("operator").username)
    assert client.get(f"/e/{event.slug}/desk").headers.get("Cache-Control") == "no-store"
    assert client.get("/static/css/app.css").headers.get("Cache-Control") != "no-store"

"""One safe-redirect rule for every `next`: a path on this site, whatever a hostile link carries."""
from __future__ import annotations

import pytest

from tests.unit.test_authorisation import login

# As they stand in a link's query string (the server decodes them once, as it decodes any link).
HOSTILE = ["https://evil.example/", "//evil.example/", "/%09/evil.example/", "/%5Cevil.example", "%5C%5Cevil.example",
           "/%0d%0aSet-Cookie:x=1", "/%0a/evil.example", "javascript:alert(1)", "%20//evil.example",
           "http:/evil.example", "/%2F/evil.example", "%00/", "evil.example", "/%7F/evil.example"]
GOOD = ["/e/test-1/desk", "/e/test-1/delegates/?q=an&point=2", "/admin/#public-url"]


@pytest.mark.parametrize("target", HOSTILE)
def test_a_hostile_next_lands_on_the_index(app, make_user, target):
    user = make_user("operator")
    client = app.test_client()
    response = client.get(f"/lang/en?next={target}")
    assert response.status_code == 302 and response.location == "/", response.location
    page = client.get(f"/login?next={target}")
    csrf = page.get_data(as_text=True).split('name="csrf" value="')[1].split('"')[0]
    response = client.post(f"/login?next={target}",
                           data={"username": user.username, "password": "mat-khau-thu", "csrf": csrf})
    assert response.status_code == 302 and response.location == "/", response.location


@pytest.mark.parametrize("target", GOOD)
def test_a_path_on_this_site_is_kept(app, make_user, target):
    client = app.test_client()
    login(client, make_user("operator").username)
    assert client.get("/lang/vi", query_string={"next": target}).location == target

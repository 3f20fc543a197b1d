"""The printed sheet: one page per bridge point, with its console's address as text and as a QR."""
from __future__ import annotations

from tests.unit.test_authorisation import login


def test_the_sheet_has_a_page_and_a_qr_per_point(app, session, make_event, make_user):
    event = make_event(n=1, wards=3)
    make_user("operator", username="dieu-hanh")
    client = app.test_client()
    login(client, "dieu-hanh")
    html = client.get(f"/e/{event.slug}/sheet").get_data(as_text=True)
    for point in event.bridge_points:
        assert f"http://localhost/e/{event.slug}/console/{point.code}" in html
        assert point.name in html
    assert html.count("<svg") == len(event.bridge_points)

"""The screens' JavaScript writes times of day by the rule the server uses (tests/fixtures/time_vectors.json):
the event's zone, truncated to the minute or second that has begun, whatever the browser's own zone."""
from __future__ import annotations

import json
from pathlib import Path

import pytest


pytestmark = pytest.mark.browser
VECTORS = json.loads((Path(__file__).parents[1] / "fixtures" / "time_vectors.json").read_text())["cases"]


def test_the_browser_formats_every_vector_as_the_server_does(browser, live_server):
    context = browser.new_context(locale="en-US", timezone_id="America/New_York")    # far from the event
    page = context.new_page()
    page.goto(f"{live_server.url}/i/not-a-code")          # any page; the helper is loaded below
    page.add_script_tag(url=f"{live_server.url}/static/js/show-client.js")
    got = page.evaluate("""(cases) => cases.map((c) => [DC.clockFormat(c.timezone, false).format(new Date(c.ms)),
                                                        DC.clockFormat(c.timezone, true).format(new Date(c.ms))])""",
                        VECTORS)
    context.close()
    assert got == [[c["hhmm"], c["hhmmss"]] for c in VECTORS]

"""The English catalogue covers every Vietnamese message, and the pages speak the reader's language.

Message ids come from Babel's extraction (babel.cfg: `_` and `lazy` in server/, `_()` in templates/)
plus the values of `_TEXTS` in server/web/screen_text.py, which are handed to `_()` at run time and
so are invisible to extraction.

Run as a script to write a complete template (extraction + `_TEXTS`) for `pybabel update`, which
would otherwise mark the `_TEXTS` messages obsolete:

    .venv/bin/python tests/unit/test_i18n.py /tmp/messages.pot
    .venv/bin/pybabel update -i /tmp/messages.pot -d server/translations --no-wrap
"""
from __future__ import annotations

import ast
import json
import re
import sys
from collections import Counter
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
PO_PATH = ROOT / "server" / "translations" / "en" / "LC_MESSAGES" / "messages.po"
SCREEN_TEXT = ROOT / "server" / "web" / "screen_text.py"
KEYWORDS = {**DEFAULT_KEYWORDS, "_": None, "lazy": None}     # i18n.lazy(text, **params)
PLACEHOLDER = re.compile(r"%(?:\((\w+)\))?[-#0 +]*\d*(?:\.\d+)?[sdifrx%]")
VIETNAMESE = re.compile(r"[ăâđêôơưáàảãạấầẩẫậắằẳẵặéèẻẽẹếềểễệíìỉĩịóòỏõọốồổỗộớờởỡợúùủũụứừửữựýỳỷỹỵ]",
                        re.IGNORECASE)


def screen_texts() -> list[tuple[str, int]]:
    """(msgid, line) for every value of the `_TEXTS` dict literal in server/web/screen_text.py."""
    tree = ast.parse(SCREEN_TEXT.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        targets = node.targets if isinstance(node, ast.Assign) else \
            [node.target] if isinstance(node, ast.AnnAssign) else []
        if any(isinstance(t, ast.Name) and t.id == "_TEXTS" for t in targets):
            assert isinstance(node.value, ast.Dict), "_TEXTS must stay a dict literal of strings"
            out = []
            for value in node.value.values:
                assert isinstance(value, ast.Constant) and isinstance(value.value, str), \
                    f"_TEXTS value at line {value.lineno} is not a string literal"
                out.append((value.value, value.lineno))
            return out
    raise AssertionError("_TEXTS not found in server/web/screen_text.py")


def collect_messages() -> Catalog:
    """Every msgid the application can ask to translate, with where it is used."""
    with (ROOT / "babel.cfg").open(encoding="utf-8") as fh:
        method_map, options_map = parse_mapping_cfg(fh, filename=str(ROOT / "babel.cfg"))
    catalogue = Catalog(domain="messages", project="Điểm Cầu", charset="utf-8")
    for filename, lineno, message, comments, context in extract_from_dir(
            str(ROOT), method_map, options_map, keywords=KEYWORDS, comment_tags=("TRANSLATORS:",),
            strip_comment_tags=True):
        catalogue.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    for text, line in screen_texts():
        catalogue.add(text, None, [("server/web/screen_text.py", line)])
    return catalogue


def placeholders(text: str) -> Counter:
    return Counter(m.group(0) for m in PLACEHOLDER.finditer(text))


def english_catalogue() -> Catalog:
    with PO_PATH.open("rb") as fh:
        return read_po(fh, locale="en")


# --- the catalogue ---------------------------------------------------------------------------------

def test_extraction_sees_every_kind_of_source():
    ids = {m.id for m in collect_messages() if m.id}
    assert "Đăng xuất" in ids                                     # template
    assert "Sai tên đăng nhập hoặc mật khẩu." in ids              # _() in a blueprint
    assert "Chương trình chưa bắt đầu." in ids                    # lazy() in a service
    assert "Mất kết nối – đang kết nối lại" in ids                # _TEXTS, given to _() at run time
    assert len(ids) > 100


def test_catalogue_header():
    catalogue = english_catalogue()
    assert str(catalogue.locale) == "en"
    assert catalogue.charset.lower() == "utf-8"
    assert not catalogue.fuzzy


def test_every_message_has_an_english_translation():
    english = english_catalogue()
    missing, fuzzy, untranslated, bad_placeholders = [], [], [], []
    for message in collect_messages():
        if not message.id:
            continue
        where = ", ".join(f"{f}:{n}" for f, n in message.locations)
        entry = english.get(message.id, context=message.context)
        if entry is None:
            missing.append(f"{message.id!r} ({where})")
            continue
        if entry.fuzzy:
            fuzzy.append(message.id)                  # write_mo skips fuzzy entries: they would show Vietnamese
        if not isinstance(entry.string, str) or not entry.string.strip():
            untranslated.append(message.id)
            continue
        if VIETNAMESE.search(entry.string) and entry.string == message.id:
            untranslated.append(message.id)
        if placeholders(entry.string) != placeholders(message.id):
            bad_placeholders.append(f"{message.id!r} -> {entry.string!r}")
    problems = [f"{title}:\n  " + "\n  ".join(found) for title, found in (
        ("no English entry", missing), ("fuzzy (skipped when compiled)", fuzzy),
        ("empty or copied translation", untranslated), ("placeholders differ", bad_placeholders)) if found]
    assert not problems, f"{PO_PATH}:\n" + "\n".join(problems)


def test_formatted_messages_translate_with_their_values(app):
    from flask_babel import force_locale

    from server.i18n import _, lazy
    with app.test_request_context("/"):
        with force_locale("en"):
            assert _("Đã nhập %(count)s mục từ %(name)s.", count=3, name="ct.xlsx") == \
                "Imported 3 items from ct.xlsx."
            assert str(lazy("Mục số %(n)s không có trong chương trình (có %(count)s mục).", n=9, count=4)) == \
                "Item number 9 is not in the programme (it has 4 items)."
        assert _("Đăng xuất") == "Đăng xuất"


# --- the pages --------------------------------------------------------------------------------------

def _csrf(html: str) -> str:
    match = re.search(r'name="csrf" value="([^"]+)"', html)
    assert match, "no csrf input on the page"
    return match.group(1)


def _log_in(client, user) -> None:
    page = client.get("/login")
    assert page.status_code == 200
    response = client.post("/login", data={"username": user.username, "password": "mat-khau-thu",
                                           "csrf": _csrf(page.get_data(as_text=True))})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]


def _screen_texts(html: str) -> dict:
    match = re.search(r"window\.DC_I18N = (\{.*?\});</script>", html)
    assert match, "DC_I18N missing from the page"
    return json.loads(match.group(1))


@pytest.fixture
def event(make_event):
    return make_event(n=3)


@pytest.fixture
def operator(event, make_user):
    return make_user("operator")


def test_default_language_is_vietnamese(app, operator):
    client = app.test_client()
    login = client.get("/login").get_data(as_text=True)
    assert "Tên đăng nhập" in login and "Mật khẩu" in login
    _log_in(client, operator)
    html = client.get("/").get_data(as_text=True)
    assert '<html lang="vi">' in html
    assert "Đăng xuất" in html and "Bàn điều hành" in html and "Sân khấu" in html
    assert "Log out" not in html and "Operator desk" not in html
    assert _screen_texts(html)["lost"] == "Mất kết nối – đang kết nối lại"


def test_english_after_choosing_it(app, operator):
    client = app.test_client()
    _log_in(client, operator)
    response = client.get("/lang/en")
    assert response.status_code == 302
    html = client.get("/").get_data(as_text=True)
    assert '<html lang="en">' in html
    assert "Log out" in html and "Operator desk" in html and ">Stage<" in html
    assert "Đăng xuất" not in html and "Bàn điều hành" not in html
    texts = _screen_texts(html)
    assert texts["lost"] == "Connection lost – reconnecting"
    assert not any(VIETNAMESE.search(v) for v in texts.values()), texts


def test_language_choice_survives_login(app, event, operator):
    client = app.test_client()
    client.get("/lang/en")
    assert "Log in" in client.get("/login").get_data(as_text=True)
    _log_in(client, operator)
    desk = client.get(f"/e/{event.slug}/desk").get_data(as_text=True)
    assert "Drift from plan" in desk and "Lệch so với kế hoạch" not in desk


def test_a_browser_set_to_english_still_reads_vietnamese_until_en_is_chosen(app):
    client = app.test_client()      # no account yet: /login leads to the setup page, in the same language
    english_phone = {"Accept-Language": "en-GB,en;q=0.9"}
    page = client.get("/login", headers=english_phone, follow_redirects=True).get_data(as_text=True)
    assert "Tên đăng nhập" in page and "Username" not in page
    client.get("/lang/en", headers=english_phone)
    page = client.get("/login", headers=english_phone, follow_redirects=True).get_data(as_text=True)
    assert "Username" in page and "Tên đăng nhập" not in page
    client.get("/lang/vi")
    page = client.get("/login", headers=english_phone, follow_redirects=True).get_data(as_text=True)
    assert "Tên đăng nhập" in page and "Username" not in page


def test_the_choice_is_kept_for_the_account_and_on_the_device(app, session, operator):
    from server.models import User
    client = app.test_client()
    _log_in(client, operator)
    client.get("/lang/en")
    session.expire_all()
    assert session.get(User, operator.id).language == "en"
    # Another browser, signing in as the same person: English from their account.
    other = app.test_client()
    _log_in(other, operator)
    assert "Log out" in other.get("/").get_data(as_text=True)
    # The same device after its session ended (signed out): English from the device's cookie.
    client.post("/logout", data={"csrf": _csrf(client.get("/").get_data(as_text=True))})
    assert "Username" in client.get("/login").get_data(as_text=True)


def test_service_errors_follow_the_reader(app, session, event, make_user):
    """A lazy() message raised in a service is rendered in the language of the request."""
    from server.services import accounts
    token = accounts.issue_token(session, make_user("operator"), "test")
    session.commit()
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    english = client.post(f"/api/v1/events/{event.slug}/goto", json={"number": 9},
                          headers={**headers, "Accept-Language": "en"})
    assert english.status_code == 400
    assert english.get_json()["error"]["message"] == "Item number 9 is not in the programme (it has 3 items)."
    vietnamese = client.post(f"/api/v1/events/{event.slug}/goto", json={"number": 9}, headers=headers)
    assert vietnamese.get_json()["error"]["message"] == "Mục số 9 không có trong chương trình (có 3 mục)."
    unauthorised = client.get(f"/api/v1/events/{event.slug}/state", headers={"Accept-Language": "en"})
    assert unauthorised.status_code == 401
    assert unauthorised.get_json()["error"]["message"].startswith("Missing or wrong access token")


if __name__ == "__main__":              # write the complete template (see the module docstring)
    from babel.messages.pofile import write_po
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "messages.pot")
    with target.open("wb") as fh:
        write_po(fh, collect_messages(), width=100)
    print(f"wrote {target}")

"""Every page in the README's table, opened as a person would at 1920×1080 (a hall PC, a projector)
and 390×844 (a phone): nothing wider than the screen, no text cut by its box, a checkbox beside its
words, and, read in English, no Vietnamese text left untranslated."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from playwright.sync_api import expect

from tests.browser.conftest import SLUG, demo_passwords
from tests.server_process import ServerProcess

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parents[2]
SIZES = {"desktop": (1920, 1080), "phone": (390, 844)}
POINT = "long-binh"
# Pages that are Vietnamese documents whatever the reader's language, as their PDF and exports are.
VIETNAMESE_DOCUMENTS = {"/e/<event>/report"}

# What a page is checked for, in the page: findings as "what: where" lines.
CHECKS = r"""
() => {
  const out = [];
  const W = window.innerWidth;
  const where = (el) => {
    let s = el.tagName.toLowerCase();
    if (el.id) s += "#" + el.id; else if (el.classList.length) s += "." + [...el.classList].join(".");
    const t = (el.innerText || el.value || el.placeholder || "").trim().slice(0, 40);
    return t ? `${s} «${t}»` : s;
  };
  const visible = (el) => { const r = el.getBoundingClientRect(); const cs = getComputedStyle(el);
    return r.width > 0 && r.height > 0 && cs.visibility !== "hidden" && cs.display !== "none"; };
  const scrolls = (el) => { for (let p = el.parentElement; p; p = p.parentElement) {
      const o = getComputedStyle(p).overflowX; if (o === "auto" || o === "scroll") return true; } return false; };
  // 1. wider than the screen
  if (document.documentElement.scrollWidth > W + 1) {
    const wide = [...document.body.querySelectorAll("*")].filter((el) => visible(el) && !scrolls(el)
      && el.getBoundingClientRect().right > W + 1 && ![...el.children].some((c) => c.getBoundingClientRect().right > W + 1));
    out.push(`wider than the screen (${document.documentElement.scrollWidth}px > ${W}px): ` + wide.slice(0, 5).map(where).join(", "));
  }
  // 2. text cut by its box: a clipped element whose text is wider than it (a deliberate ellipsis aside)
  for (const el of document.body.querySelectorAll("*")) {
    if (!visible(el) || ["INPUT", "SELECT", "TEXTAREA", "svg", "IMG", "VIDEO", "CANVAS"].includes(el.tagName)) continue;
    const cs = getComputedStyle(el);
    if (!["hidden", "clip"].includes(cs.overflowX) || cs.textOverflow === "ellipsis") continue;
    if (el.scrollWidth > el.clientWidth + 2 && [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim()))
      out.push("text cut: " + where(el));
  }
  // 3. a field too narrow for its placeholder or its (short) value
  const ctx = document.createElement("canvas").getContext("2d");
  for (const el of document.querySelectorAll("input:not([type]), input[type=text], input[type=search], input[type=url], input[type=email], input[type=password], input[type=tel]")) {
    if (!visible(el)) continue;
    const cs = getComputedStyle(el);
    ctx.font = `${cs.fontStyle} ${cs.fontWeight} ${cs.fontSize} ${cs.fontFamily}`;
    const room = el.clientWidth - parseFloat(cs.paddingLeft) - parseFloat(cs.paddingRight);
    // a value must fit on a hall PC's screen; on a phone only the placeholder (a long value scrolls)
    for (const [what, text] of [["placeholder", el.placeholder], ["value", W >= 1000 && el.value.length <= 60 ? el.value : ""]]) {
      if (text && ctx.measureText(text).width > room + 1) out.push(`${what} cut: ` + where(el));
    }
  }
  // 4. a value a script forgot to fill ("null", "undefined", "NaN") shown as text
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    if (n.parentElement && !n.parentElement.closest("script, style") && /(^|\W)(null|undefined|NaN)(\W|$)/.test(n.textContent))
      out.push("script placeholder shown: " + where(n.parentElement));
  }
  // 5. a checkbox above (or below) its words instead of before them
  for (const box of document.querySelectorAll("label input[type=checkbox], label input[type=radio]")) {
    if (!visible(box)) continue;
    const text = [...box.parentElement.childNodes].find((n) => n !== box && n.textContent.trim());
    if (!text) continue;
    const range = document.createRange(); range.selectNodeContents(text);
    const first = range.getClientRects()[0], b = box.getBoundingClientRect();
    if (first && (first.top >= b.bottom || first.bottom <= b.top)) out.push("checkbox not beside its words: " + where(box.parentElement));
  }
  return out;
}
"""

# The visible words of a page, for the English run: text nodes and the attributes people read.
WORDS = r"""
() => {
  const out = new Set();
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const p = n.parentElement;
    // data (names, titles) is marked translate="no"; only the product's own words must be English
    if (!p || ["SCRIPT", "STYLE"].includes(p.tagName) || p.closest("[hidden], [translate=no]")) continue;
    const t = n.textContent.trim(); if (t) out.add(t);
  }
  for (const el of document.querySelectorAll("[placeholder], [title], [aria-label], input[type=submit], button")) {
    for (const a of ["placeholder", "title", "aria-label"]) { const v = el.getAttribute(a); if (v) out.add(v.trim()); }
  }
  return [...out];
}
"""


def readme_pages() -> list[str]:
    """The address column of the README's page table (its first path), pages only (not the API)."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    table = text.split("## Pages", 1)[1].split("\n\n", 2)[1]
    paths = []
    for line in table.splitlines()[2:]:
        cells = [c.strip() for c in line.strip("|").split("|")]
        match = re.search(r"`(/[^`]*)`", cells[-1]) if len(cells) >= 3 else None
        if match and not match.group(1).startswith("/api/"):
            paths.append(match.group(1))
    return paths


def english_ui_strings() -> set[str]:
    """The product's own Vietnamese strings that have a different English text."""
    with (ROOT / "server/translations/en/LC_MESSAGES/messages.po").open("rb") as fh:
        catalogue = read_po(fh, locale="en")
    return {m.id for m in catalogue if m.id and isinstance(m.id, str) and m.string and m.string != m.id
            and "%(" not in m.id}


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    server = ServerProcess(tmp_path_factory.mktemp("layout")).start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def blank(tmp_path_factory):
    server = ServerProcess(tmp_path_factory.mktemp("layout-blank"), extra=["--no-demo"]).start()
    yield server
    server.stop()


def signed_in(browser, server, size, language):
    context = browser.new_context(viewport={"width": size[0], "height": size[1]}, locale="vi-VN",
                                  timezone_id="Asia/Ho_Chi_Minh")
    page = context.new_page()
    page.goto(f"{server.url}/lang/{language}")
    page.goto(f"{server.url}/login")
    page.fill("input[name=username]", "admin")
    page.fill("input[name=password]", demo_passwords(server.instance)["admin"])
    with page.expect_navigation():
        page.click("form button.primary")
    return context, page


def address(path: str, invitation: str) -> str:
    return (path.replace("<event>", SLUG).replace("<code>", POINT).replace("<token>", invitation)
            .replace("…", ""))


def settle(page) -> None:
    page.evaluate("document.fonts.ready")
    if page.locator("#clock").count():
        expect(page.locator("#clock").first).not_to_have_text("–")      # the live screens have drawn
    page.wait_for_timeout(300)


@pytest.mark.parametrize("size", list(SIZES))
def test_every_page_fits_its_screen(browser, demo, blank, size):
    paths = readme_pages()
    assert len(paths) >= 20 and "/e/<event>/desk" in paths and "/i/<token>" in paths, paths
    context, page = signed_in(browser, demo, SIZES[size], "vi")
    page.goto(f"{demo.url}/e/{SLUG}/delegates/preview")
    invitation = page.url.rsplit("/i/", 1)[1]
    problems = {}
    for path in paths:
        server = blank if path == "/setup" else demo
        response = page.goto(server.url + address(path, invitation))
        assert response is not None and response.ok, f"{path}: {response and response.status}"
        settle(page)
        found = page.evaluate(CHECKS)
        if found:
            problems[path] = found
    context.close()
    assert not problems, "\n".join(f"{size} {p}:\n  " + "\n  ".join(f) for p, f in problems.items())


def test_no_page_read_in_english_keeps_vietnamese_words(browser, demo, blank):
    ui = english_ui_strings()
    context, page = signed_in(browser, demo, SIZES["desktop"], "en")
    page.goto(f"{demo.url}/e/{SLUG}/delegates/preview")
    invitation = page.url.rsplit("/i/", 1)[1]
    left = {}
    for path in readme_pages():
        if path in VIETNAMESE_DOCUMENTS:
            continue
        server = blank if path == "/setup" else demo
        if server is blank:
            page.goto(f"{blank.url}/lang/en")
        page.goto(server.url + address(path, invitation))
        settle(page)
        assert page.locator("html").get_attribute("lang") == "en", path
        words = [w for w in page.evaluate(WORDS) if w in ui]
        if words:
            left[path] = words
    context.close()
    assert not left, "\n".join(f"{p}: {w}" for p, w in left.items())

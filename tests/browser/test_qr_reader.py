"""static/js/qr-reader.js in Debian's Chromium: the camera (a fake one playing a QR picture) read by the
vendored zxing-wasm with nothing fetched from anywhere but our server, and the keyboard-wedge box."""
from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from tests.browser.fake_camera import write_y4m

CODE_URL = "http://127.0.0.1/i/DC1.3.AAAAAAAAAAAAAAAAAAAAAA.BBBBBBBBBBBBBBBBBBBBBB"
CODE_BARE = "DC1.3.AAAAAAAAAAAAAAAAAAAAAA.BBBBBBBBBBBBBBBBBBBBBB"

START_CAMERA = """async () => {
  const {QrCamera} = await import("/static/js/qr-reader.js");
  const video = document.createElement("video");
  document.body.append(video);
  Object.assign(window, {__codes: [], __errors: [], __status: []});
  const camera = new QrCamera(video, (text) => __codes.push(text),
                              {onError: (m) => __errors.push(m), onStatus: (m) => __status.push(m)});
  window.__camera = camera;
  const started = await camera.start();
  return {started, engine: camera.engine, hasBarcodeDetector: "BarcodeDetector" in window, errors: __errors};
}"""


def open_page(browser, live_server):
    context = browser.new_context(locale="vi-VN")
    page = context.new_page()
    problems = {"errors": [], "requests": [], "console": []}
    page.on("pageerror", lambda exc: problems["errors"].append(str(exc)))
    page.on("request", lambda request: problems["requests"].append(request.url))
    page.on("console", lambda msg: problems["console"].append(msg.text))
    response = page.goto(f"{live_server.url}/login")
    assert response is not None and response.ok
    return context, page, problems


def test_fake_camera_qr_is_read_by_vendored_zxing_offline(camera_browser, live_server, tmp_path):
    browser = camera_browser(write_y4m(tmp_path / "qr.y4m", CODE_URL))
    context, page, problems = open_page(browser, live_server)
    wasm_responses = []
    page.on("response", lambda r: wasm_responses.append(r) if r.url.endswith(".wasm") else None)

    result = page.evaluate(START_CAMERA)
    assert result["started"], result
    assert result["hasBarcodeDetector"] is False        # Linux Chromium has no BarcodeDetector...
    assert result["engine"] == "zxing-wasm"             # ...so the vendored reader did the work
    page.wait_for_function("window.__codes.length > 0", timeout=20_000)
    page.wait_for_timeout(1500)                         # the code stays in front of the camera: still one scan
    assert page.evaluate("window.__codes") == [CODE_URL]
    assert page.evaluate("window.__errors") == []

    # The .wasm came from our static folder, as application/wasm (streaming compile, no fallback).
    assert [urlsplit(r.url).path for r in wasm_responses] == ["/static/vendor/zxing-wasm/zxing_reader.wasm"]
    assert wasm_responses[0].headers["content-type"].startswith("application/wasm")
    assert not [m for m in problems["console"] if "wasm streaming compile failed" in m]
    # Nothing left the machine: every request went to our server on 127.0.0.1.
    hosts = {urlsplit(url).hostname for url in problems["requests"] if urlsplit(url).scheme in ("http", "https")}
    assert hosts == {"127.0.0.1"}, problems["requests"]
    assert any("/static/vendor/zxing-wasm/reader/index.js" in url for url in problems["requests"])

    # stop() releases the camera.
    live = page.evaluate("""() => { const tracks = __camera.stream.getTracks(); __camera.stop();
                                    return tracks.map((t) => t.readyState); }""")
    assert live == ["ended"]
    assert page.evaluate("__camera.running") is False
    assert problems["errors"] == []
    context.close()


def test_barcode_detector_is_preferred_when_the_browser_has_one(camera_browser, live_server, tmp_path):
    browser = camera_browser(write_y4m(tmp_path / "qr.y4m", CODE_BARE, frames=5))
    context, page, problems = open_page(browser, live_server)
    page.evaluate("""() => {
      window.BarcodeDetector = class {
        static async getSupportedFormats() { return ["qr_code", "ean_13"]; }
        constructor(options) { window.__detectorFormats = options.formats; }
        async detect(source) { return [{rawValue: "from-native-detector"}]; }
      };
    }""")
    result = page.evaluate(START_CAMERA)
    assert result["engine"] == "BarcodeDetector"
    page.wait_for_function("window.__codes.length > 0", timeout=10_000)
    page.wait_for_timeout(700)
    assert page.evaluate("window.__codes") == ["from-native-detector"]
    assert page.evaluate("window.__detectorFormats") == ["qr_code"]
    assert not any("zxing" in url for url in problems["requests"])     # the 1 MB reader was never loaded
    page.evaluate("__camera.stop()")
    assert problems["errors"] == []
    context.close()


@pytest.mark.parametrize("error_name, message", [
    ("NotAllowedError", "Trình duyệt không cho dùng camera: hãy cho phép camera cho trang này."),
    ("NotFoundError", "Không tìm thấy camera."),
    ("NotReadableError", "Camera đang được ứng dụng khác dùng."),
    (None, "Camera chỉ dùng được qua HTTPS hoặc localhost; hãy dùng máy quét USB hoặc tìm theo tên."),
])
def test_camera_errors_are_told_in_vietnamese(browser, live_server, error_name, message):
    context, page, problems = open_page(browser, live_server)
    if error_name:
        page.evaluate("""(name) => { navigator.mediaDevices.getUserMedia =
                                       async () => { throw new DOMException("refused", name); }; }""", error_name)
    else:                                            # plain http to another host: no mediaDevices at all
        page.evaluate("() => Object.defineProperty(window, 'isSecureContext', {value: false})")
    result = page.evaluate(START_CAMERA)
    assert result["started"] is False
    assert result["errors"] == [message]
    assert problems["errors"] == []
    context.close()


SET_UP_WEDGE = """async () => {
  const {attachWedge} = await import("/static/js/qr-reader.js");
  document.body.insertAdjacentHTML("beforeend",
    '<div id="gate"><p id="blurb">Quét mã mời</p><input id="scan" autocomplete="off"><button id="other">Khác</button></div>');
  window.__codes = [];
  attachWedge(document.getElementById("scan"), (code) => __codes.push(code));
  document.getElementById("scan").focus();
}"""

STATE = "() => ({codes: __codes, value: scan.value, focused: document.activeElement && document.activeElement.id})"


def test_keyboard_wedge(browser, live_server):
    context, page, problems = open_page(browser, live_server)
    page.evaluate(SET_UP_WEDGE)

    # A scanner types the code then Enter: one code, the box empty and ready for the next guest.
    page.keyboard.type(CODE_URL)
    page.keyboard.press("Enter")
    page.wait_for_timeout(300)
    assert page.evaluate(STATE) == {"codes": [CODE_URL], "value": "", "focused": "scan"}

    # A scanner with no Enter suffix: the pause after a whole code submits it.
    page.keyboard.type(CODE_BARE)
    page.wait_for_function("__codes.length === 2", timeout=2000)
    page.keyboard.press("Enter")                     # a late Enter after the idle submit is swallowed
    page.wait_for_timeout(300)
    assert page.evaluate(STATE) == {"codes": [CODE_URL, CODE_BARE], "value": "", "focused": "scan"}

    # A person typing a name is not interrupted, however slowly they type...
    page.keyboard.type("nguyen van an", delay=80)
    page.wait_for_timeout(500)
    assert page.evaluate(STATE) == {"codes": [CODE_URL, CODE_BARE], "value": "nguyen van an", "focused": "scan"}
    # ...nor is a code typed halfway.
    page.evaluate("scan.value = ''")
    page.keyboard.type(CODE_BARE[:-5])
    page.wait_for_timeout(300)
    assert page.evaluate("__codes.length") == 2
    page.evaluate("scan.value = ''")

    # Clicking the page's text gives the focus back to the box; another control keeps it.
    page.click("#blurb")
    page.wait_for_timeout(100)
    assert page.evaluate("document.activeElement.id") == "scan"
    page.click("#other")
    page.wait_for_timeout(100)
    assert page.evaluate("document.activeElement.id") == "other"
    assert problems["errors"] == []
    context.close()

/* QR reading for the check-in scanner, in the browser, with no network beyond our own server.
 *
 *   QrCamera     — the device camera: BarcodeDetector where the browser has one that reads "qr_code",
 *                  else the vendored zxing-wasm reader (static/vendor/zxing-wasm, loaded on first need).
 *   attachWedge  — a USB "keyboard-wedge" scanner typing into a text box (code, then usually Enter).
 *   looksLikeCode — whether a string is a whole invitation code (mirror of server/services/invitation_tokens.py).
 *
 * Plain ES module, no build step: `import {QrCamera, attachWedge} from "/static/js/qr-reader.js"`. */

const SCAN_INTERVAL_MS = 125;          // at most 8 decodes a second: enough to feel instant, spares phones
const SAME_CODE_QUIET_MS = 3000;       // the same text again within 3 s of last seeing it is the same scan
const MAX_DECODE_SIDE = 960;           // zxing decodes a downscaled frame (a 1080p frame costs several times more)

// Relative to this module, so the app can live under a prefix; never a CDN (closed networks).
const ZXING_MODULE_URL = new URL("../vendor/zxing-wasm/reader/index.js", import.meta.url).href;
const ZXING_WASM_URL = new URL("../vendor/zxing-wasm/zxing_reader.wasm", import.meta.url).href;

export const MESSAGES = {
  denied: "Trình duyệt không cho dùng camera: hãy cho phép camera cho trang này.",
  notFound: "Không tìm thấy camera.",
  busy: "Camera đang được ứng dụng khác dùng.",
  insecure: "Camera chỉ dùng được qua HTTPS hoặc localhost; hãy dùng máy quét USB hoặc tìm theo tên.",
  ended: "Camera đã bị ngắt.",
  decoder: "Không tải được bộ đọc mã QR.",
  other: "Không mở được camera.",
  opening: "Đang mở camera…",
  scanning: "Đang quét mã QR…",
  stopped: "Đã tắt camera.",
};

// DC1.<event id>.<22 base64url>.<22 base64url>, bare or at the end of an invitation URL (…/i/DC1.…).
const CODE = /(?:^|\/i\/)DC1\.\d{1,9}\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{22}\/?$/;

export function looksLikeCode(value) {
  return CODE.test(String(value).trim());
}

let zxingPromise = null;

/** The zxing-wasm reader module, configured to fetch its .wasm from our static folder. Loaded once. */
export function loadZxing() {
  if (!zxingPromise) {
    zxingPromise = (async () => {
      const zxing = await import(ZXING_MODULE_URL);
      // The package's default locateFile points at fastly.jsdelivr.net; overrides replace it entirely.
      // fireImmediately instantiates the module now, so a missing .wasm fails here and not on the first frame.
      await zxing.prepareZXingModule({
        overrides: {locateFile: (path, prefix) => (path.endsWith(".wasm") ? ZXING_WASM_URL : prefix + path)},
        fireImmediately: true,
      });
      return zxing;
    })();
    zxingPromise.catch(() => { zxingPromise = null; });   // let a later start() try again
  }
  return zxingPromise;
}

async function nativeDetector() {
  if (!("BarcodeDetector" in window)) return null;
  try {
    const formats = await window.BarcodeDetector.getSupportedFormats();
    if (!formats.includes("qr_code")) return null;
    return new window.BarcodeDetector({formats: ["qr_code"]});
  } catch (err) {
    return null;
  }
}

function cameraMessage(err) {
  switch (err && err.name) {
    case "NotAllowedError":
    case "PermissionDeniedError":
    case "SecurityError":
      return MESSAGES.denied;
    case "NotFoundError":
    case "DevicesNotFoundError":
    case "OverconstrainedError":
      return MESSAGES.notFound;
    case "NotReadableError":
    case "TrackStartError":
    case "AbortError":
      return MESSAGES.busy;
    default:
      return MESSAGES.other + (err && err.message ? ` (${err.message})` : "");
  }
}

export class QrCamera {
  /**
   * @param {HTMLVideoElement} video   where the camera picture is shown
   * @param {(text: string) => void} onCode  called once per distinct code
   * @param {{onError?: (message: string, err?: any) => void, onStatus?: (message: string) => void}} options
   */
  constructor(video, onCode, {onError = () => {}, onStatus = () => {}} = {}) {
    this.video = video;
    this.onCode = onCode;
    this.onError = onError;
    this.onStatus = onStatus;
    this.stream = null;
    this._engine = null;
    this._detect = null;        // async (video) => [text, …]
    this._timer = null;
    this._session = 0;          // bumped by start/stop: a start still awaiting the camera notices it is stale
    this._lastText = null;
    this._lastSeen = 0;
    this._canvas = null;
  }

  /** "BarcodeDetector" or "zxing-wasm" once started, else null. */
  get engine() {
    return this._engine;
  }

  get running() {
    return this.stream !== null;
  }

  /** Open the camera (the back one by default, or `deviceId`) and scan. Resolves true when scanning. */
  async start(deviceId) {
    this.stop(true);
    const session = ++this._session;
    if (!window.isSecureContext || !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      this.onError(MESSAGES.insecure);
      return false;
    }
    this.onStatus(MESSAGES.opening);
    const video = deviceId ? {deviceId: {exact: deviceId}} : {facingMode: "environment"};
    let stream;
    try {
      stream = await navigator.mediaDevices.getUserMedia({video, audio: false});
    } catch (err) {
      if (session === this._session) this.onError(cameraMessage(err), err);
      return false;
    }
    if (session !== this._session) {               // stop() (or another start) while we waited
      stream.getTracks().forEach((t) => t.stop());
      return false;
    }
    this.stream = stream;
    for (const track of stream.getVideoTracks()) {
      track.addEventListener("ended", () => {
        if (session !== this._session) return;
        this.stop(true);
        this.onError(MESSAGES.ended);
      });
    }
    this.video.muted = true;
    this.video.playsInline = true;
    this.video.setAttribute("playsinline", "");
    this.video.srcObject = stream;
    try {
      await this.video.play();
    } catch (err) {
      // autoplay of a muted inline video is allowed everywhere we care about; keep going regardless
    }
    if (!(await this._prepareEngine(session))) return false;
    this.onStatus(MESSAGES.scanning);
    this._schedule(session, 0);
    return true;
  }

  /** Stop scanning and release the camera (the light goes off). */
  stop(quiet = false) {
    this._session++;
    clearTimeout(this._timer);
    this._timer = null;
    const wasRunning = this.stream !== null;
    if (this.stream) this.stream.getTracks().forEach((t) => t.stop());
    this.stream = null;
    if (this.video) this.video.srcObject = null;
    if (wasRunning && !quiet) this.onStatus(MESSAGES.stopped);
  }

  async _prepareEngine(session) {
    if (this._detect) return true;
    const detector = await nativeDetector();
    if (detector) {
      this._engine = "BarcodeDetector";
      this._detect = async (video) => (await detector.detect(video)).map((b) => b.rawValue);
      return true;
    }
    try {
      const zxing = await loadZxing();
      this._engine = "zxing-wasm";
      this._detect = (video) => this._zxingDetect(zxing, video);
      return true;
    } catch (err) {
      if (session === this._session) {
        this.stop(true);
        this.onError(MESSAGES.decoder + (err && err.message ? ` (${err.message})` : ""), err);
      }
      return false;
    }
  }

  async _zxingDetect(zxing, video) {
    const w = video.videoWidth, h = video.videoHeight;
    if (!w || !h) return [];
    const scale = Math.min(1, MAX_DECODE_SIDE / Math.max(w, h));
    const cw = Math.round(w * scale), ch = Math.round(h * scale);
    if (!this._canvas) {
      this._canvas = document.createElement("canvas");
      this._ctx = this._canvas.getContext("2d", {willReadFrequently: true});
    }
    if (this._canvas.width !== cw || this._canvas.height !== ch) {
      this._canvas.width = cw;
      this._canvas.height = ch;
    }
    this._ctx.drawImage(video, 0, 0, cw, ch);
    const results = await zxing.readBarcodes(this._ctx.getImageData(0, 0, cw, ch),
                                             {formats: ["QRCode"], tryHarder: true, maxNumberOfSymbols: 1});
    return results.filter((r) => r.isValid && r.text).map((r) => r.text);
  }

  _schedule(session, delay) {
    this._timer = setTimeout(() => this._tick(session), delay);
  }

  async _tick(session) {
    if (session !== this._session) return;
    const began = performance.now();
    const video = this.video;
    if (!document.hidden && video.readyState >= 2 && video.videoWidth) {
      let texts = [];
      try {
        texts = await this._detect(video);
      } catch (err) {
        // one bad frame (e.g. the video resizing) is not worth telling anyone about
      }
      if (session !== this._session) return;
      for (const text of texts) this._seen(text);
    }
    this._schedule(session, Math.max(0, SCAN_INTERVAL_MS - (performance.now() - began)));
  }

  _seen(text) {
    const now = performance.now();
    // A code held in front of the camera keeps refreshing _lastSeen: it is one scan until it has been
    // away for SAME_CODE_QUIET_MS.
    const repeat = text === this._lastText && now - this._lastSeen < SAME_CODE_QUIET_MS;
    this._lastText = text;
    this._lastSeen = now;
    if (!repeat) this.onCode(text);
  }
}

const KEEPS_FOCUS = new Set(["INPUT", "BUTTON", "SELECT", "TEXTAREA"]);

/**
 * A keyboard-wedge scanner (or a person) typing into `input`. Enter submits whatever is there; a pause of
 * `idleMs` submits only a whole code (so typing a name to search is never eaten). After a submit the box
 * is cleared and focused again; with `refocus`, it takes the focus back whenever it loses it to something
 * that is not another control. Returns a function that detaches everything.
 */
export function attachWedge(input, onCode, {idleMs = 60, refocus = true} = {}) {
  let idleTimer = null;
  let autoSubmittedAt = -Infinity;

  function submit() {
    clearTimeout(idleTimer);
    idleTimer = null;
    const value = input.value.trim();
    input.value = "";
    input.focus();
    if (value) onCode(value);
  }

  function onKeyDown(event) {
    if (event.isComposing) return;                     // Enter that commits an IME composition
    if (event.key === "Enter") {
      if (input.value.trim()) {
        event.preventDefault();
        submit();
      } else if (performance.now() - autoSubmittedAt < 1000) {
        event.preventDefault();                          // the scanner's Enter after an idle auto-submit
      }
    } else if (event.key === "Tab" && looksLikeCode(input.value)) {
      event.preventDefault();                            // scanners configured with a Tab suffix
      submit();
    }
  }

  function onInput() {
    clearTimeout(idleTimer);
    idleTimer = null;
    if (looksLikeCode(input.value)) {
      idleTimer = setTimeout(() => {
        idleTimer = null;
        if (!looksLikeCode(input.value)) return;
        autoSubmittedAt = performance.now();
        submit();
      }, idleMs);
    }
  }

  function onBlur(event) {
    if (!refocus) return;
    setTimeout(() => {
      if (!input.isConnected || input.disabled || document.hidden) return;
      const active = document.activeElement;
      if (active === input) return;
      if (active && active !== document.body && (KEEPS_FOCUS.has(active.tagName) || active.isContentEditable)) return;
      input.focus({preventScroll: true});
    }, 0);
  }

  input.addEventListener("keydown", onKeyDown);
  input.addEventListener("input", onInput);
  input.addEventListener("blur", onBlur);
  return function detach() {
    clearTimeout(idleTimer);
    input.removeEventListener("keydown", onKeyDown);
    input.removeEventListener("input", onInput);
    input.removeEventListener("blur", onBlur);
  };
}

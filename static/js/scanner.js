/* The scanner at a gate: camera, USB keyboard-wedge scanner or a name, one verdict per scan, readable
 * at arm's length, with a sound of its own. Offline it keeps working: verdicts from the point's roster
 * (token hashes only), scans queued with their own id and time, replayed when the server is back. */
import {QrCamera, attachWedge} from "./qr-reader.js";
import {sha256} from "./sha256.js";

const {ShowClient, el, text} = window.DC;
const CFG = window.DC_SCANNER, T = CFG.texts;
const TOKEN = /(?:^|\/i\/)(DC1\.[1-9]\d{0,8}\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{22})\/?$/;
const ANSWER_MS = 4000;            // no answer by then: treat as offline, keep the scan queued
const REPLAY_BATCH = 200;

let station = null;                // {bridge_point_id, gate, ...} once the server said where we are
let roster = new Map();            // token hash -> {st, d, n, s, c, v, a, in}
const localArrived = new Set();    // delegate ids let in while offline
const storeKey = (what) => `dc-scan-${what}:${DC_EVENT.slug}:${CFG.pointId || "device"}`;
let queue = load("queue", []);
let replaying = false;
let lastCode = null;

function load(what, fallback) {
  try { return JSON.parse(localStorage.getItem(storeKey(what))) || fallback; } catch (e) { return fallback; }
}
function save(what, value) {
  try { localStorage.setItem(storeKey(what), JSON.stringify(value)); } catch (e) { /* private mode: memory only */ }
}

function newScanId() {
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  return "s" + Date.now().toString(36) + "-" + Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

const client = new ShowClient({event: DC_EVENT.slug, timeZone: DC_EVENT.timezone, page: "scanner",
                               pointId: CFG.pointId, onRender: renderNow});
window.dcScanner = {client, queue: () => queue.length, station: () => station};
client.socket.on("connect", () => startStation());
client.socket.on("disconnect", () => showLink());

function renderNow(c) {
  const view = c.pointView(station ? station.bridge_point_id : CFG.pointId);
  text("scan-now", view.number ? `${view.number}. ${view.content}` : view.content);
}

function showLink() {
  const link = document.getElementById("scan-link");
  link.textContent = client.connected ? T.online : T.offline;
  link.className = "tag " + (client.connected ? "good" : "bad");
  const q = document.getElementById("scan-queue");
  q.dataset.count = String(queue.length);
  q.textContent = queue.length ? T.queue.replace("{n}", queue.length) : "";
  q.hidden = !queue.length;
}

function startStation() {
  client.socket.timeout(10000).emit("scanner", where(), (err, ack) => {
    if (err || !ack || !ack.ok) { showLink(); return; }
    station = ack.station;
    text("scan-point", station.bridge_point);
    text("scan-gate", station.gate);
    roster = new Map(ack.roster.map((r) => [r.h, r]));
    save("roster", ack.roster);
    document.getElementById("walk-in-open").hidden = !ack.can_walk_in;
    showLink();
    replay();
  });
}

function where() {
  return {bridge_point_id: CFG.pointId, gate: CFG.gate || null};
}

/* --- one scan ---------------------------------------------------------------------------------- */

async function onCode(raw) {
  const value = raw.trim();
  if (!value) return;
  const match = TOKEN.exec(value);
  if (!match && !/^https?:\/\//.test(value) && !/^DC1\./.test(value)) return search(value);
  submit({scan_id: newScanId(), code: value, scanned_at: client.now()}, match ? match[1] : null);
}

function submit(scan, token) {
  lastCode = scan.code ? scan : null;
  if (!client.connected) return offline(scan, token);
  let answered = false;
  const timer = setTimeout(() => { if (!answered) { answered = true; offline(scan, token); } }, ANSWER_MS);
  client.socket.emit("scan", {...where(), scan}, (ack) => {
    if (answered) return;              // already queued as offline: the replay will apply it once
    answered = true;
    clearTimeout(timer);
    if (ack && ack.ok) show(ack.result);
    else show({verdict: "error", message: ack && ack.error ? ack.error.message : ""});
  });
}

async function offline(scan, token) {
  queue.push({...scan, offline: true});
  save("queue", queue);
  showLink();
  const entry = token ? roster.get(await sha256(token)) : null;
  if (!entry && scan.code) return show({verdict: "unverified", message: T.unverified_detail});
  if (entry && entry.st !== "active") return show({verdict: entry.st, message: T.offline_revoked, local: entry});
  const person = entry || load("roster", []).find((r) => r.d === scan.delegate_id) || {};
  const already = person.in || localArrived.has(person.d);
  if (person.d) localArrived.add(person.d);
  show({verdict: already ? "already" : "welcome", message: T.offline_welcome, local: person});
}

function replay() {
  if (replaying || !queue.length || !client.connected) return;
  replaying = true;
  const batch = queue.slice(0, REPLAY_BATCH);
  client.socket.timeout(30000).emit("scan", {...where(), scans: batch}, (err, ack) => {
    replaying = false;
    if (err || !ack || !ack.ok) { showLink(); return; }
    // Every answered scan id leaves the queue (the server keeps each at most once, and flags conflicts).
    const done = new Set(ack.results.map((r) => r.scan_id));
    queue = queue.filter((s) => !done.has(s.scan_id));
    save("queue", queue);
    showLink();
    if (queue.length) replay();
  });
}

/* --- the verdict, at arm's length ------------------------------------------------------------- */

function show(r) {
  const box = document.getElementById("scan-result");
  box.dataset.verdict = r.verdict === "foreign" ? "invalid" : r.verdict;
  box.classList.remove("pop"); void box.offsetWidth; box.classList.add("pop");
  const d = r.delegate || (r.local && r.local.n ? {full_name: r.local.n, seat: r.local.s, category_label: r.local.c,
                                                    vip: r.local.v, award: r.local.a} : null);
  text("result-title", T[r.verdict] || r.verdict);
  text("result-name", d ? d.full_name : "");
  const detail = [];
  if (d && (d.position_title || d.organisation)) detail.push([d.position_title, d.organisation].filter(Boolean).join(" – "));
  if (d && d.category_label) detail.push(d.category_label);
  if (r.message) detail.push(r.message);
  text("result-detail", detail.join(" · "));
  text("result-seat", d && d.seat ? `${T.seat}: ${d.seat}` : "");
  const extra = [];
  if (d && d.vip) extra.push(T.vip);
  if (d && d.award) extra.push(`${T.award}: ${d.award}`);
  if (r.verdict === "wrong_point" && d) extra.push(`${T.belongs}: ${d.bridge_point}`);
  text("result-extra", extra.join(" · "));
  document.getElementById("result-override").hidden = r.verdict !== "wrong_point";
  beep(r.verdict);
  if (r.verdict === "welcome" && r.delegate) localArrived.add(r.delegate.id);
}

let audio = null;
const TONES = {               // a sound of its own for each verdict, told apart without looking
  welcome: [[880, 0.09], [1320, 0.16]],
  already: [[660, 0.12], [0, 0.06], [660, 0.12]],
  wrong_point: [[520, 0.35]],
  invalid: [[200, 0.15], [0, 0.05], [200, 0.15], [0, 0.05], [200, 0.15]],
};
TONES.revoked = TONES.replaced = TONES.foreign = TONES.error = TONES.invalid;
TONES.unverified = [[440, 0.1]];

function beep(verdict) {
  try {
    audio = audio || new AudioContext();
    let t = audio.currentTime;
    for (const [freq, dur] of TONES[verdict] || []) {
      if (freq) {
        const osc = audio.createOscillator(), gain = audio.createGain();
        osc.type = verdict === "invalid" || TONES[verdict] === TONES.invalid ? "square" : "sine";
        osc.frequency.value = freq;
        gain.gain.setValueAtTime(0.25, t);
        gain.gain.exponentialRampToValueAtTime(0.001, t + dur);
        osc.connect(gain).connect(audio.destination);
        osc.start(t); osc.stop(t + dur);
      }
      t += dur;
    }
  } catch (e) { /* no audio device: the colours still say it */ }
  document.body.dataset.lastVerdict = verdict;
}

/* --- by name, overrides, walk-ins -------------------------------------------------------------- */

function search(q) {
  const list = document.getElementById("search-results");
  list.replaceChildren();
  if (!client.connected) return;
  client.socket.emit("find_delegate", {...where(), q}, (ack) => {
    if (!ack || !ack.ok) return;
    if (!ack.delegates.length) list.append(el("li", {class: "muted"}, T.no_match.replace("{q}", q)));
    for (const d of ack.delegates) {
      const button = el("button", {class: "small primary", onclick: () => {
        list.replaceChildren();
        submit({scan_id: newScanId(), delegate_id: d.id, scanned_at: client.now()}, null);
      }}, T.checked_in);
      list.append(el("li", {"data-delegate": d.id}, el("strong", {}, d.full_name), " ",
                     el("span", {class: "muted"}, [d.position_title, d.organisation, d.bridge_point, d.seat].filter(Boolean).join(" · ")),
                     d.checked_in_at ? el("span", {class: "tag warn"}, T.arrived_at.replace("{time}", client.hhmm(d.checked_in_at))) : null,
                     " ", button));
    }
  });
}

document.getElementById("override-go").addEventListener("click", () => {
  const reason = document.getElementById("override-reason").value.trim();
  if (!reason) { text("result-extra", T.reason_needed); return; }
  if (!lastCode) return;
  document.getElementById("override-reason").value = "";
  submit({scan_id: newScanId(), code: lastCode.code, scanned_at: client.now(), override_reason: reason}, null);
});

const walkIn = document.getElementById("walk-in");
document.getElementById("walk-in-open").addEventListener("click", () => { walkIn.hidden = false; });
document.getElementById("walk-in-close").addEventListener("click", () => { walkIn.hidden = true; });
document.getElementById("walk-in-form").addEventListener("submit", (ev) => {
  ev.preventDefault();
  const form = ev.target, delegate = Object.fromEntries(new FormData(form));
  client.socket.emit("walk_in", {...where(), delegate, scan_id: newScanId()}, (ack) => {
    if (ack && ack.ok) { form.reset(); walkIn.hidden = true; show(ack.result); }
    else show({verdict: "error", message: ack && ack.error ? ack.error.message : ""});
  });
});

/* --- camera and USB scanner -------------------------------------------------------------------- */

const video = document.getElementById("scan-video");
const camera = new QrCamera(video, onCode, {
  onError: (message) => { const box = document.getElementById("camera-error"); box.hidden = false; box.textContent = message; },
  onStatus: () => text("scan-engine", camera.engine ? T.engine.replace("{engine}", camera.engine) : ""),
});
document.getElementById("camera-start").addEventListener("click", async () => {
  beep("none");                          // a click unlocks audio for the verdict sounds
  document.getElementById("camera-error").hidden = true;
  video.hidden = false;
  await camera.start();
  text("scan-engine", camera.engine ? T.engine.replace("{engine}", camera.engine) : "");
  document.getElementById("camera-start").hidden = !!camera.engine;
  document.getElementById("camera-stop").hidden = !camera.engine;
});
document.getElementById("camera-stop").addEventListener("click", () => {
  camera.stop();
  video.hidden = true;
  document.getElementById("camera-start").hidden = false;
  document.getElementById("camera-stop").hidden = true;
});
attachWedge(document.getElementById("scan-input"), onCode);

// Offline from the first load: the last roster is kept, so verdicts work before the server answers.
roster = new Map(load("roster", []).map((r) => [r.h, r]));
showLink();
setInterval(replay, 5000);

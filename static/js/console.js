/* Technician console of one bridge point (trang kỹ thuật điểm cầu), phone first: tally, the current
 * item, messages, roll call, checklist, floor requests, incidents, and a self-test of this device's
 * camera, microphone and speaker, and the point's own award batches during its local segment.
 * Data only ever goes in with textContent. */
(function () {
  "use strict";
  const {ShowClient, fmtDuration, el, text, T, awards: AW} = window.DC;
  const point = window.DC_POINT;
  const CHECKS = window.DC_COORD.checks;
  const MESSAGES_SHOWN = 10;

  const client = new ShowClient({event: DC_EVENT.slug, timeZone: DC_EVENT.timezone, page: "console",
                                 pointId: point.id, onRender: render, onTick: tick});
  window.dcClient = client;

  function fmt(template, values) { return template.replace(/\{(\w+)\}/g, (m, key) => String(values[key])); }

  async function send(action, args) {
    const ack = await client.command(action, args, {bridge_point_id: point.id});
    text("command-error", ack.ok ? "" : ack.error.message);
    return ack.ok;
  }

  function byId(id) { return document.getElementById(id); }

  // --- tally and programme -----------------------------------------------------------------------
  function renderTally(c) {
    const tally = c.tallyOf(point.id);
    document.body.dataset.tally = tally;
    const banner = byId("console-tally");
    banner.hidden = !tally;
    banner.dataset.tally = tally;
    text("console-tally", tally === "program" ? T.on_air : (tally === "preview" ? T.on_standby : ""));
  }

  function renderItem(c) {
    const view = c.pointView(point.id);
    text("console-mode", view.mode);
    text("console-content", view.number ? view.number + ". " + view.content : view.content);
    text("console-performer", view.performer);
    text("console-shared", view.shared);
  }

  // --- awards: this point's batches of what it runs now (its local item during its local segment,
  // else the shared item: the district hall presents its own at item 7), and one still on stage ------
  function renderAwards(c) {
    const cursor = c.siteCursor(point.id), seg = cursor && cursor.status === "running" ? c.segment(cursor) : null;
    const local = seg && seg.local_items[cursor.index], shared = seg ? null : c.current();
    const batches = AW.batchesWhere(c.state, (b) => b.bridge_point_id === point.id && (b.status === "called" ||
      (local && b.local_item_id === local.id) || (shared && b.local_item_id === null && b.programme_item_id === shared.id)));
    byId("awards-box").hidden = batches.length === 0;
    byId("award-batches").replaceChildren(...AW.panel(c, batches, {
      canAct: (b) => b.bridge_point_id === point.id,
      send: (action, args) => send(action, args),
    }));
  }

  function renderMessages(c) {
    const list = byId("console-messages");
    const messages = c.messagesFor(point.id).slice(-MESSAGES_SHOWN).reverse();
    if (!messages.length) { list.replaceChildren(el("li", {class: "empty"}, T.messages_empty)); return; }
    list.replaceChildren(...messages.map((m) => el("li", {"data-message-id": m.id},
      el("span", {class: "muted"}, fmt(T.message_from, {time: c.hhmm(m.sent_at), who: m.sent_by}),
        m.bridge_point_id === null ? " · " + T.message_to_all : ""),
      el("div", {class: "message-text"}, m.text))));
  }

  // --- roll call -----------------------------------------------------------------------------------
  function rollCall(c) {
    const rc = c.state.coord.roll_call;
    if (!rc) return null;
    return {rc: rc, answered: rc.answers[String(point.id)] || null,
            open: !rc.closed_at && c.now() < rc.deadline_at};
  }

  function renderRollCall(c) {
    const r = rollCall(c), waiting = !!r && r.open && !r.answered;
    byId("roll-call-box").hidden = !r;
    byId("roll-call-answer").hidden = !waiting;
    byId("roll-call-left").hidden = !waiting;
    if (!r) return;
    text("roll-call-done", r.answered ? fmt(T.roll_call_confirmed, {time: c.clock(r.answered)})
      : (r.open ? "" : T.roll_call_missed));
    byId("roll-call-done").dataset.answered = r.answered ? "1" : "";
  }
  byId("roll-call-answer").addEventListener("click", () => send("roll_call_answer", {}));

  // --- checklist -----------------------------------------------------------------------------------
  // Rows are made once: a note being typed must survive every update from the server.
  const checkRows = new Map(CHECKS.map((check) => {
    const note = el("input", {class: "check-note", maxlength: 300, placeholder: T.check_note, "aria-label": T.check_note});
    const mark = el("span", {class: "check-mark"});
    // A pass clears the note: what was wrong before no longer applies.
    const button = (status) => el("button", {type: "button", class: "small " + status, "data-status": status,
      onclick: async () => {
        if (await send("check_mark", {check: check, status: status, note: status === "pass" ? "" : note.value})
            && status === "pass") note.value = "";
      }}, T["check_" + status]);
    const row = el("li", {class: "check-row", "data-check": check},
      el("span", {class: "check-name"}, T["check_" + check]), mark,
      el("span", {class: "check-buttons"}, button("pass"), button("fail"), button("note")), note);
    return [check, {row: row, note: note, mark: mark}];
  }));
  byId("checklist").replaceChildren(...[...checkRows.values()].map((r) => r.row));

  function renderChecks(c) {
    const marks = new Map(c.state.coord.checks.filter((k) => k.bridge_point_id === point.id).map((k) => [k.check, k]));
    for (const [check, r] of checkRows) {
      const mark = marks.get(check);
      r.row.dataset.status = mark ? mark.status : "";
      r.mark.textContent = mark ? T["check_" + mark.status] + (mark.note ? ": " + mark.note : "") : T.check_unmarked;
      for (const b of r.row.querySelectorAll("button")) b.setAttribute("aria-pressed", String(!!mark && b.dataset.status === mark.status));
      if (mark && mark.note && !r.note.value && document.activeElement !== r.note) r.note.value = mark.note;
    }
  }

  // --- floor request -------------------------------------------------------------------------------
  function renderFloor(c) {
    const place = c.floorQueue().findIndex((f) => f.bridge_point_id === point.id) + 1;
    byId("floor-form").hidden = place > 0;
    byId("floor-pending").hidden = place === 0;
    text("floor-place", place ? fmt(T.floor_place, {place: place}) : "");
    const last = c.state.coord.floor.filter((f) => f.bridge_point_id === point.id)
      .sort((a, b) => b.requested_at - a.requested_at || b.id - a.id)[0];
    const result = byId("floor-result");
    const decided = last && last.status !== "pending" ? last : null;
    result.dataset.status = decided ? decided.status : "";
    result.replaceChildren(...(decided ? [
      el("strong", {}, T["floor_" + decided.status] + " (" + c.hhmm(decided.decided_at) + ")"),
      decided.reason ? el("div", {}, fmt(T.floor_reason, {reason: decided.reason})) : null] : []));
  }

  byId("floor-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    if (await send("floor_request", {note: byId("floor-note").value})) byId("floor-note").value = "";
  });
  byId("floor-withdraw").addEventListener("click", () => send("floor_withdraw", {}));

  // --- incidents -----------------------------------------------------------------------------------
  function renderIncidents(c) {
    const list = byId("console-incidents");
    const mine = c.state.coord.incidents.filter((i) => i.bridge_point_id === point.id)
      .sort((a, b) => b.reported_at - a.reported_at);
    list.replaceChildren(...mine.map((i) => el("li", {class: "incident", "data-incident-id": i.id, "data-status": i.status},
      el("div", {class: "incident-head"}, el("strong", {}, T["incident_" + i.kind] || i.kind),
        el("span", {class: "incident-status"}, T["incident_status_" + i.status])),
      i.note ? el("div", {class: "incident-note"}, i.note) : null,
      el("ol", {class: "timeline"}, i.entries.map((e) => el("li", {},
        el("span", {class: "mono"}, c.hhmm(e.at)), " ", el("strong", {}, T["incident_action_" + e.action] || e.action),
        " · ", e.actor, e.note ? el("span", {class: "entry-note"}, e.note) : null))))));
  }

  byId("incident-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    if (await send("incident_report", {kind: byId("incident-kind").value, note: byId("incident-note").value})) {
      byId("incident-note").value = "";
    }
  });

  function render(c) {
    renderTally(c);
    renderItem(c);
    renderAwards(c);
    renderMessages(c);
    renderRollCall(c);
    renderChecks(c);
    renderFloor(c);
    renderIncidents(c);
  }

  function tick(c) {
    text("clock", c.clock(c.now()));
    const state = c.connected ? (c.linkState || "unknown") : "lost";
    const link = byId("link-state");
    link.dataset.state = state;
    text("link-state", T.link_label + ": " + T["link_" + state] +
      (c.connected && c.lastRtt !== null ? " · " + fmt(T.rtt_single, {rtt: c.lastRtt}) : ""));
    const cursor = c.siteCursor(point.id), local = cursor && c.localTiming(cursor);
    const remaining = local ? local.remaining : c.timing().remaining;
    text("console-timer", remaining === null ? "" : fmtDuration(remaining));
    const r = rollCall(c), waiting = !!r && r.open && !r.answered;
    if (waiting === byId("roll-call-answer").hidden) renderRollCall(c);      // the deadline passed since the last render
    if (waiting) text("roll-call-left", fmt(T.roll_call_left, {time: fmtDuration(Math.max(0, r.rc.deadline_at - c.now()))}));
  }

  // --- self-test of this device ------------------------------------------------------------------
  const media = navigator.mediaDevices;
  let audio = null;

  /* One AudioContext for the meter and the tone, made on a tap: browsers keep audio silent until then. */
  function audioContext() {
    const Context = window.AudioContext || window.webkitAudioContext;
    if (!Context) return null;
    if (!audio) audio = new Context();
    if (audio.state === "suspended") audio.resume();
    return audio;
  }

  function status(id, message, kind) {
    const node = byId(id);
    node.textContent = message;
    node.dataset.kind = kind;
  }

  function mediaError(err, device) {
    const name = err && err.name;
    if (name === "NotAllowedError" || name === "SecurityError") return T["selftest_denied_" + device];
    if (name === "NotFoundError" || name === "OverconstrainedError") return T["selftest_none_" + device];
    if (name === "NotReadableError" || name === "AbortError") return T["selftest_busy_" + device];
    return fmt(T.selftest_failed, {error: name || String(err)});
  }

  async function openDevice(constraints, statusId, device) {
    if (!media || !media.getUserMedia) { status(statusId, T.selftest_insecure, "error"); return null; }
    const button = byId(device + "-btn");
    button.disabled = true;                            // one request at a time, however often it is tapped
    try {
      const stream = await media.getUserMedia(constraints);
      listDevices();                                   // device names are only given once access is allowed
      return stream;
    } catch (err) {
      status(statusId, mediaError(err, device), "error");
      return null;
    } finally {
      button.disabled = false;
    }
  }

  /* Camera and microphone are switched off again by the same button: the video-call software on
   * this machine may need them back. */
  const streams = {camera: null, mic: null};
  function release(device) {
    if (streams[device]) streams[device].getTracks().forEach((t) => t.stop());
    streams[device] = null;
    byId(device + "-btn").textContent = T["selftest_" + device + "_on"];
    byId(device + "-btn").setAttribute("aria-pressed", "false");
  }
  function hold(device, stream) {
    streams[device] = stream;
    byId(device + "-btn").textContent = T["selftest_" + device + "_off"];
    byId(device + "-btn").setAttribute("aria-pressed", "true");
  }

  byId("camera-btn").addEventListener("click", async () => {
    const video = byId("selftest-video");
    if (streams.camera) { release("camera"); video.srcObject = null; status("camera-status", "", ""); return; }
    const stream = await openDevice({video: true}, "camera-status", "camera");
    if (!stream) return;
    hold("camera", stream);
    video.onresize = () => status("camera-status", fmt(T.selftest_camera_ok, {width: video.videoWidth, height: video.videoHeight}), "ok");
    video.srcObject = stream;
    video.play().catch(() => {});                    // autoplay + muted plays anyway; play() may race a new stream
  });

  let meterTimer = null;
  function showLevel(level) {
    const meter = byId("mic-level");
    meter.dataset.level = level;
    meter.setAttribute("aria-valuenow", level);
    meter.querySelector(".meter-bar").style.width = level + "%";
  }

  byId("mic-btn").addEventListener("click", async () => {
    if (streams.mic) { release("mic"); clearInterval(meterTimer); showLevel(0); status("mic-status", "", ""); return; }
    const ctx = audioContext();
    if (!ctx) { status("mic-status", T.selftest_no_audio, "error"); return; }
    const stream = await openDevice({audio: true}, "mic-status", "mic");
    if (!stream) return;
    hold("mic", stream);
    const analyser = ctx.createAnalyser();
    analyser.fftSize = 2048;
    ctx.createMediaStreamSource(stream).connect(analyser);
    const samples = new Float32Array(analyser.fftSize);
    let level = 0;
    meterTimer = setInterval(() => {
      analyser.getFloatTimeDomainData(samples);
      let sum = 0;
      for (const x of samples) sum += x * x;
      const db = 20 * Math.log10(Math.sqrt(sum / samples.length) || 1e-6);
      const now = Math.max(0, Math.min(100, Math.round((db + 60) * 100 / 60)));    // -60..0 dBFS -> 0..100
      level = Math.max(now, Math.floor(level * 0.85));   // falls slowly, so a short sound stays visible
      showLevel(level);
    }, 100);
    status("mic-status", T.selftest_mic_ok, "ok");
  });

  byId("tone-btn").addEventListener("click", () => {
    const ctx = audioContext(), button = byId("tone-btn");
    if (!ctx) { status("tone-status", T.selftest_no_audio, "error"); return; }
    const tone = ctx.createOscillator(), gain = ctx.createGain();
    tone.frequency.value = 1000;
    gain.gain.value = 0.25;
    tone.connect(gain).connect(ctx.destination);
    tone.onended = () => {
      button.disabled = false;
      button.dataset.played = "1";
      status("tone-status", T.selftest_tone_done, "ok");
    };
    button.disabled = true;
    status("tone-status", T.selftest_tone_playing, "");
    tone.start();
    tone.stop(ctx.currentTime + 1);
  });

  async function listDevices() {
    const list = byId("device-list");
    if (!media || !media.enumerateDevices) { list.replaceChildren(el("li", {class: "error"}, T.selftest_insecure)); return; }
    const devices = await media.enumerateDevices();
    list.replaceChildren(...(devices.length ? devices.map((d) => el("li", {"data-kind": d.kind},
      el("strong", {}, T["device_" + d.kind] || d.kind), " ", d.label || T.device_unnamed))
      : [el("li", {class: "error"}, T.selftest_no_devices)]));
  }
  listDevices();
  if (media && media.addEventListener) media.addEventListener("devicechange", listDevices);
})();

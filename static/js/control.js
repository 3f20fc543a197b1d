/* Control room (phòng điều phối điểm cầu): a tile per bridge point (link, tally, incidents, readiness,
 * delegates arrived, roll call, a ward's local position, award progress), actions on the selected
 * point, the floor queue, incidents, readiness matrix, roll call, messages, the screens registry and
 * the link thresholds. Data only ever goes in with textContent. */
(function () {
  "use strict";
  const {ShowClient, fmtDuration, el, text, T, awards: AW} = window.DC;
  const {checks: CHECKS, targets: TARGETS} = window.DC_COORD;
  const SVG_NS = "http://www.w3.org/2000/svg";
  const MARKS = {pass: "✓", fail: "✗", note: "✎"};
  const INCIDENT_ORDER = {open: 0, acknowledged: 1, resolved: 2};
  const SENT_SHOWN = 5;

  let selected = null;                                  // bridge point id of the selected tile
  let links = {server_time: 0, tiles: [], screens: []};
  const tiles = new Map();                              // point id -> tile; kept so focus survives updates
  const screenRows = new Map();                         // screen id -> {row, cells}; kept so a half-made choice survives

  // Delegates arrived / expected per point (server/services/attendance.py point_counts): read whole with
  // every snapshot (connect, a gap, a rehearsal reset), then an arrival's point as it comes. Each count
  // keeps the server time it was read at, so an answer overtaken by a later arrival puts no older number back.
  const counts = new Map();                             // point id (string) -> {n: [arrived, expected], at}
  let countsRead = false;

  const client = new ShowClient({event: DC_EVENT.slug, timeZone: DC_EVENT.timezone, page: "control",
                                 onRender: render, onTick: tick, onLinks: onLinks, onSnapshot: readCounts});
  window.dcClient = client;
  client.socket.on("point_attendance", (msg) => takeCounts(msg, false));

  function readCounts() {
    client.socket.timeout(10000).emit("point_attendance", {}, (err, ack) => {
      if (!err && ack && ack.ok) takeCounts(ack, true);
    });
  }

  function takeCounts(msg, whole) {
    if (whole) {             // a point missing from a whole reading has nobody (any more)
      for (const [id, c] of counts) if (c.at <= msg.server_time) counts.delete(id);
      countsRead = true;
    }
    for (const [id, n] of Object.entries(msg.points)) {
      const known = counts.get(id);
      if (!known || known.at <= msg.server_time) counts.set(id, {n: n, at: msg.server_time});
    }
    renderTiles();
  }

  function fmt(template, values) { return template.replace(/\{(\w+)\}/g, (m, key) => String(values[key])); }

  async function send(action, args) {
    const ack = await client.command(action, args);
    text("command-error", ack.ok ? "" : ack.error.message);
    return ack.ok;
  }

  function pointName(id) { const p = client.point(id); return p ? p.short_name : "–"; }

  // --- tiles ---------------------------------------------------------------------------------------
  function sparkline(rtts, limit) {
    const w = 120, h = 28;
    const svg = document.createElementNS(SVG_NS, "svg");
    svg.setAttribute("class", "spark");
    svg.setAttribute("viewBox", `0 0 ${w} ${h}`);
    svg.setAttribute("preserveAspectRatio", "none");
    svg.setAttribute("aria-hidden", "true");
    if (rtts.length < 2) return svg;
    const top = Math.max(limit, ...rtts) * 1.1;        // the threshold always fits, so slow is visibly high
    const y = (v) => (h - 1 - (v / top) * (h - 2)).toFixed(1);
    const line = (tag, attrs) => {
      const node = document.createElementNS(SVG_NS, tag);
      for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
      svg.append(node);
    };
    line("line", {x1: 0, x2: w, y1: y(limit), y2: y(limit), class: "spark-limit"});
    line("polyline", {class: "spark-line",
                      points: rtts.map((v, i) => (i * w / (rtts.length - 1)).toFixed(1) + "," + y(v)).join(" ")});
    return svg;
  }

  function rttText(link) {
    if (link.rtt_ms === null || link.rtt_ms === undefined) return "";
    return fmt(T.rtt_value, {rtt: link.rtt_ms, jitter: link.jitter_ms || 0});
  }

  function rollCallMark(c, pointId) {
    const rc = c.state.coord.roll_call;
    if (!rc) return null;
    if (rc.answers[String(pointId)]) return el("span", {class: "tile-roll present"}, T.roll_call_present);
    if (rc.closed_at) return el("span", {class: "tile-roll absent"}, T.roll_call_absent);
    return el("span", {class: "tile-roll pending"}, T.roll_call_pending);
  }

  function attendance(pointId) {
    if (!countsRead) return el("span", {class: "tile-attendance"}, T.attendance_placeholder);
    const c = counts.get(String(pointId)), [arrived, expected] = c ? c.n : [0, 0];
    return el("span", {class: "tile-attendance", "data-arrived": arrived, "data-expected": expected},
              fmt(T.attendance_count, {arrived: arrived, expected: expected}));
  }

  /* A ward's place in its local segment, as the desk shows it (ShowClient.localPosition). */
  function localPosition(c, pointId) {
    const cursor = c.siteCursor(pointId);
    if (!cursor) return null;
    return el("span", {class: "tile-row"}, el("span", {class: "tile-local", "data-status": cursor.status},
                                              T.local + " " + c.localPosition(cursor)));
  }

  /* "Khen thưởng: đợt 1/1 đang trao · 2/3 đã trao", for the points that present awards. */
  function awardProgress(c, pointId) {
    const p = AW.progress(c.state, pointId);
    if (!p) return null;
    const state = p.called ? "called" : (p.done === p.total ? "done" : "waiting");
    return el("span", {class: "tile-row"}, el("span", {class: "tile-awards", "data-awards": state}, AW.progressText(p)));
  }

  function renderTiles() {
    const c = client;
    if (!c.state) return;
    const coord = c.state.coord;
    const byPoint = new Map(links.tiles.map((t) => [t.bridge_point_id, t]));
    const grid = document.getElementById("tiles");
    const nodes = c.state.bridge_points.map((p) => {
      let tile = tiles.get(p.id);
      if (!tile) {
        tile = el("button", {type: "button", class: "tile", "data-point-code": p.code, onclick: () => select(p.id)});
        tiles.set(p.id, tile);
      }
      const link = byPoint.get(p.id) || {state: "unknown", rtts: [], screens: 0, last_seen: null, rtt_ms: null};
      const tally = c.tallyOf(p.id);
      const open = coord.incidents.filter((i) => i.bridge_point_id === p.id && i.status !== "resolved").length;
      const passed = coord.checks.filter((k) => k.bridge_point_id === p.id && k.status === "pass").length;
      tile.dataset.state = link.state;
      tile.dataset.tally = tally;
      tile.dataset.screens = link.screens;
      tile.setAttribute("aria-pressed", String(selected === p.id));
      tile.replaceChildren(...[
        el("span", {class: "tile-head"},
          el("span", {class: "tile-name"}, p.short_name),
          tally ? el("span", {class: "tile-tally"}, tally === "program" ? T.tally_program_short : T.tally_preview_short) : null),
        el("span", {class: "tile-link"}, el("span", {class: "tile-state"}, T["link_" + link.state] || link.state),
          el("span", {class: "tile-rtt mono"}, rttText(link))),
        sparkline(link.rtts, c.state.coord.policy.rtt_degraded_ms),
        el("span", {class: "tile-row"},
          el("span", {class: "tile-seen mono"}, fmt(T.last_seen, {time: link.last_seen ? c.clock(link.last_seen) : "–"})),
          el("span", {class: "tile-screens"}, fmt(T.screens_count, {n: link.screens}))),
        el("span", {class: "tile-row"},
          el("span", {class: "tile-incidents" + (open ? " alert" : "")}, fmt(T.open_incidents, {n: open})),
          el("span", {class: "tile-ready" + (passed === CHECKS.length ? " ready" : "")},
            fmt(T.readiness, {n: passed, total: CHECKS.length}))),
        el("span", {class: "tile-row"}, attendance(p.id), rollCallMark(c, p.id)),
        localPosition(c, p.id),
        awardProgress(c, p.id)].filter(Boolean));   // a part a point lacks is left out, not "null"
      return tile;
    });
    // Re-inserting nodes would blur a focused tile: only when the set of points changed.
    if (grid.children.length !== nodes.length || nodes.some((n, i) => grid.children[i] !== n)) grid.replaceChildren(...nodes);
  }

  function select(pointId) {
    selected = selected === pointId ? null : pointId;
    renderSelection();
    renderTiles();
  }

  function renderSelection() {
    text("selected-name", selected === null ? T.no_point_selected : client.point(selected).name);
    for (const id of ["btn-program", "btn-preview", "btn-flash", "btn-message", "point-message"]) {
      document.getElementById(id).disabled = selected === null;
    }
    document.getElementById("btn-clear").disabled = selected === null || !client.tallyOf(selected);
  }

  document.getElementById("btn-program").addEventListener("click", () => send("tally_program", {bridge_point_id: selected}));
  document.getElementById("btn-preview").addEventListener("click", () => send("tally_preview", {bridge_point_id: selected}));
  document.getElementById("btn-flash").addEventListener("click", () => send("flash", {bridge_point_id: selected}));
  // "Tắt" takes the selected point off whichever tally it holds, never another point's.
  document.getElementById("btn-clear").addEventListener("click", () => {
    const tally = client.tallyOf(selected);
    if (tally) send(tally === "program" ? "tally_program" : "tally_preview", {bridge_point_id: null});
  });

  function messageForm(formId, inputId, target) {
    document.getElementById(formId).addEventListener("submit", async (e) => {
      e.preventDefault();
      const input = document.getElementById(inputId);
      if (await send("message", {bridge_point_id: target(), text: input.value})) input.value = "";
    });
  }
  messageForm("point-message-form", "point-message", () => selected);
  messageForm("message-all-form", "message-all", () => null);

  // --- floor queue -----------------------------------------------------------------------------
  function renderFloor(c) {
    const queue = c.floorQueue();
    const list = document.getElementById("floor-queue");
    if (!queue.length) { list.replaceChildren(el("li", {class: "empty"}, T.floor_empty)); return; }
    list.replaceChildren(...queue.map((f, i) => el("li", {"data-request-id": f.id, "data-point-code": c.point(f.bridge_point_id).code},
      el("span", {class: "place"}, String(i + 1)),
      el("span", {class: "floor-body"},
        el("strong", {class: "floor-point"}, pointName(f.bridge_point_id)),
        el("span", {class: "floor-note"}, f.note)),
      el("span", {class: "waited mono", "data-since": f.requested_at}, fmtDuration(c.now() - f.requested_at)),
      el("span", {class: "floor-buttons"},
        el("button", {type: "button", class: "small go grant", onclick: () => send("floor_grant", {request_id: f.id})}, T.floor_grant),
        el("button", {type: "button", class: "small decline", onclick: () => decline(f)}, T.floor_decline)))));
  }

  function decline(request) {
    const reason = window.prompt(T.floor_decline_prompt, "");
    if (reason !== null) send("floor_decline", {request_id: request.id, reason: reason});
  }

  // --- incidents ---------------------------------------------------------------------------------
  function timeline(c, entries) {
    return el("ol", {class: "timeline"}, entries.map((e) => el("li", {},
      el("span", {class: "mono"}, c.hhmm(e.at)), " ",
      el("strong", {}, T["incident_action_" + e.action] || e.action), " · ", e.actor,
      e.note ? el("span", {class: "entry-note"}, e.note) : null)));
  }

  function renderIncidents(c) {
    const rows = c.state.coord.incidents.slice()
      .sort((a, b) => INCIDENT_ORDER[a.status] - INCIDENT_ORDER[b.status] || b.reported_at - a.reported_at);
    const list = document.getElementById("incidents");
    if (!rows.length) { list.replaceChildren(el("li", {class: "empty"}, T.incidents_empty)); return; }
    list.replaceChildren(...rows.map((i) => el("li", {class: "incident", "data-incident-id": i.id, "data-status": i.status,
                                                      "data-point-code": c.point(i.bridge_point_id).code},
      el("div", {class: "incident-head"},
        el("strong", {}, pointName(i.bridge_point_id)), " · ", T["incident_" + i.kind] || i.kind,
        el("span", {class: "incident-status"}, T["incident_status_" + i.status])),
      i.note ? el("div", {class: "incident-note"}, i.note) : null,
      timeline(c, i.entries),
      i.status === "resolved" ? null : el("div", {class: "incident-buttons"},
        i.status === "open" ? el("button", {type: "button", class: "small acknowledge",
                                            onclick: () => moveIncident("incident_acknowledge", i)}, T.incident_acknowledge) : null,
        el("button", {type: "button", class: "small resolve", onclick: () => moveIncident("incident_resolve", i)}, T.incident_resolve)))));
  }

  function moveIncident(action, incident) {
    const note = window.prompt(T.incident_note_prompt, "");
    if (note !== null) send(action, {incident_id: incident.id, note: note});
  }

  // --- readiness matrix ------------------------------------------------------------------------
  function renderReadiness(c) {
    const marks = new Map(c.state.coord.checks.map((k) => [k.id, k]));
    document.querySelector("#readiness tbody").replaceChildren(...c.state.bridge_points.map((p) => {
      let passed = 0;
      const cells = CHECKS.map((check) => {
        const mark = marks.get(p.id + ":" + check);
        if (!mark) return el("td", {class: "mark", "data-check": check, title: T.check_unmarked}, "·");
        if (mark.status === "pass") passed += 1;
        const by = fmt(T.check_marked_by, {who: mark.marked_by, time: c.hhmm(mark.marked_at)});
        const title = T["check_" + mark.status] + (mark.note ? ": " + mark.note : "") + " (" + by + ")";
        return el("td", {class: "mark", "data-check": check, "data-status": mark.status, title: title}, MARKS[mark.status]);
      });
      return el("tr", {"data-point-code": p.code, class: passed === CHECKS.length ? "ready" : ""},
        el("th", {scope: "row"}, p.short_name), cells, el("td", {class: "mono"}, passed + "/" + CHECKS.length));
    }));
  }

  // --- roll call -----------------------------------------------------------------------------------
  function renderRollCall(c) {
    const rc = c.state.coord.roll_call, box = document.getElementById("roll-call");
    const points = c.state.bridge_points;
    box.dataset.state = !rc ? "none" : (rc.closed_at ? "closed" : "open");
    document.getElementById("roll-call-start").disabled = !!rc && !rc.closed_at;
    document.getElementById("roll-call-close").disabled = !rc || !!rc.closed_at;
    const list = document.getElementById("roll-call-missing");
    if (!rc) {
      text("roll-call-progress", "–");
      text("roll-call-list-label", T.roll_call_none);
      list.replaceChildren();
      return;
    }
    text("roll-call-progress", Object.keys(rc.answers).length + "/" + points.length);
    // While open: who is still awaited; once closed: who never answered, in red.
    const missing = rc.closed_at ? rc.missing : points.filter((p) => !rc.answers[String(p.id)]).map((p) => p.id);
    text("roll-call-list-label", !missing.length ? T.roll_call_all_present
      : (rc.closed_at ? T.roll_call_missing : T.roll_call_waiting));
    list.replaceChildren(...missing.map((id) => el("li", {class: rc.closed_at ? "missing" : "waiting",
                                                           "data-point-code": c.point(id).code}, pointName(id))));
  }

  document.getElementById("roll-call-form").addEventListener("submit", (e) => {
    e.preventDefault();
    send("roll_call_start", {timeout_s: parseInt(document.getElementById("roll-call-seconds").value, 10)});
  });
  document.getElementById("roll-call-close").addEventListener("click", () => send("roll_call_close", {}));

  // --- messages sent ---------------------------------------------------------------------------------
  function renderMessages(c) {
    const recent = c.state.coord.messages.slice(-SENT_SHOWN).reverse();
    document.getElementById("sent-messages").replaceChildren(...recent.map((m) => el("li", {},
      el("span", {class: "muted mono"}, c.hhmm(m.sent_at)), " ",
      el("strong", {}, m.bridge_point_id === null ? T.message_to_all : pointName(m.bridge_point_id)), ": ", m.text)));
  }

  // --- screens registry ----------------------------------------------------------------------------
  function screenRow(s) {
    const target = el("select", {class: "nav-page", "aria-label": T.navigate},
      TARGETS.map((t) => el("option", {value: t}, T["page_" + t] || t)));
    const point = el("select", {class: "nav-point", "aria-label": T.page_site},
      client.state.bridge_points.map((p) => el("option", {value: p.id, selected: p.id === s.bridge_point_id}, p.short_name)));
    const cells = {point: el("td"), page: el("td"), name: el("td"), actor: el("td"),
                   state: el("td", {class: "screen-state"}), rtt: el("td", {class: "mono"}), seen: el("td", {class: "mono"}),
                   worker: el("td", {class: "mono muted"})};   // which server worker holds its socket
    const row = el("tr", {"data-screen-id": s.id}, Object.values(cells),
      el("td", {class: "nav"}, target, point,
        el("button", {type: "button", class: "small", onclick: () => send("screen_navigate",
          {screen_id: s.id, page: target.value, bridge_point_id: parseInt(point.value, 10)})}, T.navigate)));
    return {row, cells};
  }

  function renderScreens() {
    if (!client.state) return;
    const body = document.getElementById("screens-body");
    const empty = body.querySelector(".empty");
    if (empty && links.screens.length) empty.remove();
    const seen = new Set();
    links.screens.forEach((s, i) => {
      seen.add(s.id);
      if (!screenRows.has(s.id)) screenRows.set(s.id, screenRow(s));
      const {row, cells} = screenRows.get(s.id);
      row.dataset.state = s.state;
      row.dataset.page = s.page;
      cells.point.textContent = s.bridge_point_id === null ? "–" : pointName(s.bridge_point_id);
      cells.page.textContent = T["page_" + s.page] || s.page;
      cells.name.textContent = s.name;
      cells.actor.textContent = s.actor;
      cells.state.textContent = T["link_" + s.state] || s.state;
      cells.rtt.textContent = rttText(s);
      cells.seen.textContent = client.clock(s.last_seen);
      cells.worker.textContent = s.worker || "–";
      if (body.children[i] !== row) body.insertBefore(row, body.children[i] || null);
    });
    for (const [id, entry] of screenRows) if (!seen.has(id)) { entry.row.remove(); screenRows.delete(id); }
    if (!links.screens.length && !body.querySelector(".empty")) {
      body.append(el("tr", {class: "empty"}, el("td", {colspan: 9}, T.screens_empty)));
    }
  }

  // --- link thresholds -------------------------------------------------------------------------------
  const policyForm = document.getElementById("link-policy");
  let shownPolicy = "";
  function renderPolicy(c) {
    const policy = JSON.stringify(c.state.coord.policy);
    // Never overwrite what the operator is typing.
    if (policy === shownPolicy || policyForm.contains(document.activeElement)) return;
    shownPolicy = policy;
    for (const [key, value] of Object.entries(c.state.coord.policy)) {
      const input = policyForm.elements.namedItem(key);
      if (input) input.value = value;
    }
  }
  policyForm.addEventListener("submit", (e) => {
    e.preventDefault();
    const values = {};
    for (const input of policyForm.querySelectorAll("input")) values[input.name] = parseInt(input.value, 10);
    shownPolicy = "";
    send("link_policy", values);
  });

  // --- drawing -------------------------------------------------------------------------------------
  function onLinks(data) {
    links = data;
    renderTiles();
    renderScreens();
  }

  function render(c) {
    if (selected !== null && !c.point(selected)) selected = null;
    renderSelection();
    renderTiles();
    renderFloor(c);
    renderIncidents(c);
    renderReadiness(c);
    renderRollCall(c);
    renderMessages(c);
    renderPolicy(c);
  }

  function tick(c) {
    const now = c.now();
    text("clock", c.clock(now));
    for (const node of document.querySelectorAll("#floor-queue .waited")) {
      node.textContent = fmtDuration(now - Number(node.dataset.since));
    }
    const rc = c.state.coord.roll_call;
    if (!rc) text("roll-call-countdown", "");
    else if (rc.closed_at) text("roll-call-countdown", fmt(T.roll_call_closed_at, {time: c.clock(rc.closed_at)}));
    else text("roll-call-countdown", fmt(T.roll_call_left, {time: fmtDuration(Math.max(0, rc.deadline_at - now))}));
  }
})();

/* Operator desk: rundown, current/next, commands. Space = Next, guarded against a double press.
 * The award segment of the current item is run from here for the main hall. */
(function () {
  "use strict";
  const {ShowClient, fmtDuration, el, text, T, awards: AW} = window.DC;
  let busy = false;

  const client = new ShowClient({event: DC_EVENT.slug, timeZone: DC_EVENT.timezone, page: "desk", onRender: render, onTick: tick});
  window.dcClient = client;

  async function send(action, args, extra) {
    if (busy) return;                       // one command in flight at a time
    busy = true;
    document.body.classList.add("busy");
    const ack = await client.command(action, args, extra);
    busy = false;
    document.body.classList.remove("busy");
    const box = document.getElementById("command-error");
    box.textContent = ack.ok ? "" : ack.error.message;
    // A second GO/Next right after one (show_control._guard): only a click on this button sends it
    // anyway; another Space press is exactly the double press being guarded against.
    if (!ack.ok && ack.error.code === "too_soon") {
      box.append(" ", el("button", {class: "small warn-btn", id: "btn-confirm-next", onclick: () =>
        send(action, Object.assign({}, args, {confirm: true}), extra)}, T.confirm_next));
    }
  }

  function nextAction() { return client.state && client.state.show.status === "standby" ? "go" : "next"; }

  document.getElementById("btn-next").addEventListener("click", () => send(nextAction()));
  document.getElementById("btn-prev").addEventListener("click", () => send("previous"));
  document.getElementById("btn-pause").addEventListener("click", () =>
    send(client.state.show.status === "paused" ? "resume" : "pause"));
  document.getElementById("btn-end-segment").addEventListener("click", () => send("end_segment"));
  document.querySelectorAll("[data-add]").forEach((b) =>
    b.addEventListener("click", () => send("add_time", {seconds: parseInt(b.dataset.add, 10)})));
  // A clicked button loses focus, so Space never also "clicks" it a second time.
  document.addEventListener("click", (e) => { if (e.target.tagName === "BUTTON") e.target.blur(); });
  document.addEventListener("keydown", (e) => {
    if (e.code !== "Space" || e.repeat) return;
    if (["INPUT", "TEXTAREA", "SELECT"].includes(document.activeElement.tagName)) return;
    e.preventDefault();
    send(nextAction());
  });

  function plannedStarts(s) {
    let t = s.event.starts_at || 0;
    return s.items.map((i) => { const start = t; t += i.duration_s * 1000; return start; });
  }

  function render(c) {
    const s = c.state, show = s.show;
    text("rev", String(s.rev));
    text("status", T[show.status] || show.status);
    document.body.dataset.status = show.status;
    document.getElementById("btn-next").textContent = show.status === "standby" ? T.go : T.next;
    document.getElementById("btn-pause").textContent = show.status === "paused" ? T.resume : T.pause;
    const cur = c.current(), nxt = c.next();
    text("cur-number", cur ? cur.number + "." : "");
    text("cur-content", cur ? cur.content : (show.status === "ended" ? T.show_ended : T.not_started));
    text("cur-performer", cur ? cur.performer : "");
    text("next-content", nxt ? nxt.number + ". " + nxt.content : "–");
    text("next-performer", nxt ? nxt.performer : "");

    const starts = plannedStarts(s);
    const body = document.getElementById("rundown");
    body.replaceChildren(...s.items.map((item, idx) => {
      const state = idx === show.cursor && show.status !== "ended" ? "current" : (item.actual_end ? "done" : "");
      const actual = item.actual_start
        ? c.hhmm(item.actual_start) + (item.actual_end ? " · " + fmtDuration(item.actual_end - item.actual_start) : "")
        : "";
      const row = el("tr", {class: state + (item.is_local_segment ? " local" : ""), "data-item": item.id},
        el("td", {class: "num"}, String(item.number)),
        el("td", {}, item.content, item.is_local_segment
          ? el("ol", {class: "local-items"}, item.local_items.map((li) => el("li", {}, li.content + " (" + fmtDuration(li.duration_s * 1000) + ")")))
          : null),
        el("td", {}, item.performer),
        el("td", {class: "mono"}, fmtDuration(item.duration_s * 1000)),
        el("td", {class: "mono"}, s.event.starts_at ? c.hhmm(starts[idx]) : "–"),
        el("td", {class: "mono " + (item.actual_end && item.actual_end - item.actual_start > item.duration_s * 1000 ? "overran" : "")}, actual),
        el("td", {}, el("button", {class: "small", onclick: () => send("goto", {index: idx})}, T.goto)));
      return row;
    }));

    const wards = s.sites.filter((x) => x.status !== "closed");
    document.getElementById("wards").hidden = wards.length === 0;
    document.getElementById("ward-list").replaceChildren(...wards.map((x) => {
      const p = c.point(x.bridge_point_id);
      return el("div", {class: "ward " + x.status, "data-point": p.code}, el("strong", {}, p.short_name), " ",
                c.localPosition(x));
    }));
    renderAwards(c);
  }

  /* The current item's batches: the main hall's to run, other halls' to watch; and a main-hall batch
   * still on stage after the programme moved on, so it can be closed. */
  function renderAwards(c) {
    const cur = c.current(), main = AW.mainPoint(c.state);
    const batches = AW.batchesWhere(c.state, (b) => (cur && b.programme_item_id === cur.id && b.local_item_id === null) ||
      (main && b.bridge_point_id === main.id && b.status === "called"));
    document.getElementById("awards").hidden = batches.length === 0;
    document.getElementById("award-batches").replaceChildren(...AW.panel(c, batches, {
      showPoint: true,
      canAct: (b) => !!main && b.bridge_point_id === main.id,
      send: (action, args, b) => send(action, args, {bridge_point_id: b.bridge_point_id}),
    }));
  }

  function tick(c) {
    const t = c.timing();
    text("clock", c.clock(t.now));
    text("expected-end", c.hhmm(t.expectedEnd));
    const drift = document.getElementById("drift");
    if (t.drift === null) text("drift", "–");
    else {
      const mins = Math.round(t.drift / 60000);
      // "trễ 6:04" / "sớm 6:04": the word says which way, so no sign as well
      text("drift", Math.abs(mins) < 1 ? T.on_time : (t.drift > 0 ? T.late : T.early) + " " + fmtDuration(Math.abs(t.drift)));
      drift.className = "big mono " + (t.drift > 60000 ? "late" : "");
    }
    const timer = document.getElementById("cur-timer");
    if (t.remaining === null) { text("cur-timer", "–"); text("cur-allowed", "–"); timer.className = "timer mono"; return; }
    text("cur-timer", t.remaining >= 0 ? fmtDuration(t.remaining) : T.over + " " + fmtDuration(-t.remaining));
    text("cur-allowed", fmtDuration(t.allowed));
    timer.className = "timer mono " + ShowClient.timerClass(t.remaining, t.allowed) + (c.state.show.status === "paused" ? " paused" : "");
  }
})();

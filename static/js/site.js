/* Site display for one bridge point: the shared programme, or this point's own local item during a
 * local segment; local controls for whoever may drive this point. */
(function () {
  "use strict";
  const {ShowClient, fmtDuration, text, T} = window.DC;
  const pointId = DC_POINT.id;

  const client = new ShowClient({event: DC_EVENT.slug, timeZone: DC_EVENT.timezone, page: "site", pointId: pointId,
                                 onRender: render, onTick: tick});
  window.dcClient = client;

  const MESSAGE_SHOWN_MS = 10 * 60 * 1000;     // a message stays up ten minutes

  function renderCoordination(c) {
    // The tally is unmistakable: a red (on air) or green (standby) frame round the whole screen.
    const tally = c.tallyOf(pointId);
    document.body.dataset.tally = tally;
    const badge = document.getElementById("site-tally");
    badge.hidden = !tally;
    text("site-tally", tally === "program" ? T.on_air : (tally === "preview" ? T.on_standby : ""));
    const latest = c.messagesFor(pointId).slice(-1)[0];
    const box = document.getElementById("site-message");
    box.hidden = !latest || c.now() - latest.sent_at > MESSAGE_SHOWN_MS;
    if (latest) text("site-message", T.message_from_control + ": " + latest.text);
  }

  function render(c) {
    renderCoordination(c);
    const cursor = c.siteCursor(pointId), view = c.pointView(pointId);
    document.body.dataset.status = c.state.show.status;
    document.body.dataset.mode = view.local ? "local" : "shared";
    text("site-mode", view.mode);
    text("site-content", view.content);
    text("site-performer", view.performer);
    text("site-shared", view.shared);
    const controls = document.getElementById("site-controls");
    if (controls) controls.hidden = !cursor;
  }

  function tick(c) {
    text("clock", c.clock(c.now()));
    const cursor = c.siteCursor(pointId);
    const local = cursor && c.localTiming(cursor);
    if (local) { text("site-timer", fmtDuration(local.remaining)); return; }
    const t = c.timing();
    text("site-timer", t.remaining === null ? "" : fmtDuration(t.remaining));
  }

  async function step(action) {
    const ack = await client.command(action, {}, {bridge_point_id: pointId});
    const box = document.getElementById("command-error");
    if (box) box.textContent = ack.ok ? "" : ack.error.message;
  }
  if (DC_POINT.can_control) {
    document.getElementById("local-next").addEventListener("click", () => step("local_next"));
    document.getElementById("local-prev").addEventListener("click", () => step("local_previous"));
  }
})();

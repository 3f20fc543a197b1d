/* Stage display for the projector: banner, current item and performer, clock. */
(function () {
  "use strict";
  const {ShowClient, text, T} = window.DC;
  new ShowClient({
    event: DC_EVENT.slug, timeZone: DC_EVENT.timezone, page: "stage",
    onRender(c) {
      const cur = c.current(), st = c.state.show.status;
      text("stage-content", cur ? cur.content : (st === "ended" ? T.show_ended : T.not_started));
      text("stage-performer", cur ? cur.performer : "");
      text("stage-status", st === "paused" ? T.paused : "");
      document.body.dataset.status = st;
    },
    onTick(c) { text("clock", c.clock(c.now())); },
  });
})();

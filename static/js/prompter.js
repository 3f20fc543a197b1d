/* MC prompter: the current item's script in large type, the next item, time left. */
(function () {
  "use strict";
  const {ShowClient, fmtDuration, text, T} = window.DC;
  new ShowClient({
    event: DC_EVENT.slug, timeZone: DC_EVENT.timezone, page: "prompter",
    onRender(c) {
      const cur = c.current(), nxt = c.next(), st = c.state.show.status;
      text("p-number", cur ? cur.number + "." : "");
      text("p-content", cur ? cur.content : (st === "ended" ? T.show_ended : T.not_started));
      text("p-script", cur ? (cur.script || T.no_script) : "");
      text("p-next", nxt ? nxt.number + ". " + nxt.content + (nxt.performer ? " — " + nxt.performer : "") : "–");
    },
    onTick(c) {
      const t = c.timing();
      const timer = document.getElementById("p-timer");
      text("p-timer", t.remaining === null ? "" : (t.remaining >= 0 ? fmtDuration(t.remaining) : T.over + " " + fmtDuration(-t.remaining)));
      timer.className = "p-timer mono " + ShowClient.timerClass(t.remaining, t.allowed);
    },
  });
})();

/* Stage display for the projector: banner, current item and performer, clock. While a batch is on
 * stage at the main hall: the award and the recipients' names in stage order instead of the item. */
(function () {
  "use strict";
  const {ShowClient, el, text, T, awards: AW} = window.DC;
  const MANY = 6;               // more names than this go in two columns

  function renderAwards(c, batch) {
    const awards = AW.awardsOf(c.state, batch), list = document.getElementById("stage-award-names");
    text("stage-award-title", AW.kindTitle(awards));
    list.classList.toggle("many", awards.length > MANY);
    list.replaceChildren(...awards.map((a) => el("li", {"data-award-id": a.id},
      el("span", {class: "stage-name"}, a.collective || a.name),
      a.collective ? el("span", {class: "stage-receiver"}, AW.fmt(AW.texts.receiver, {name: a.name})) : null)));
  }

  new ShowClient({
    event: DC_EVENT.slug, timeZone: DC_EVENT.timezone, page: "stage",
    onRender(c) {
      const cur = c.current(), st = c.state.show.status;
      text("stage-content", cur ? cur.content : (st === "ended" ? T.show_ended : T.not_started));
      text("stage-performer", cur ? cur.performer : "");
      text("stage-status", st === "paused" ? T.paused : "");
      document.body.dataset.status = st;
      const main = AW.mainPoint(c.state), batch = main && AW.called(c.state, main.id);
      document.getElementById("stage-now").hidden = !!batch;
      document.getElementById("stage-awards").hidden = !batch;
      document.body.dataset.awards = batch ? "called" : "";
      if (batch) renderAwards(c, batch);
    },
    onTick(c) { text("clock", c.clock(c.now())); },
  });
})();

/* MC prompter: the current item's script in large type, the next item, time left. While a batch is
 * on stage at the main hall: its decision(s), then the names to read in stage order, marked as the
 * desk marks them. */
(function () {
  "use strict";
  const {ShowClient, fmtDuration, el, text, T, awards: AW} = window.DC;
  const A = AW.texts;

  function renderAwards(c, batch) {
    const awards = AW.awardsOf(c.state, batch), {n, total} = AW.number(c.state, batch);
    text("p-award-head", AW.fmt(A.batch_of, {n: n, total: total}) +
      (batch.presenter ? " · " + AW.fmt(A.presenter, {name: batch.presenter}) : ""));
    document.getElementById("p-decisions").replaceChildren(...AW.kindGroups(awards).map((g) =>
      el("div", {class: "p-decision", "data-kind-id": g.kind_id}, g.decision)));
    document.getElementById("p-names").replaceChildren(...awards.map((a) => el("li", {"data-award-id": a.id, "data-status": a.status},
      el("span", {class: "p-name"}, AW.readName(a)),
      a.status === "absent" ? el("span", {class: "p-mark absent"}, A.absent_mark) : null,
      a.status === "proxy" ? el("span", {class: "p-mark proxy"}, AW.fmt(A.proxy_reads, {name: a.proxy_name})) : null,
      AW.flag(a),
      a.position_title || a.organisation
        ? el("span", {class: "p-role"}, [a.position_title, a.organisation].filter(Boolean).join(" · ")) : null)));
    // a long batch scrolls: keep the next name to read in view
    const next = document.querySelector('#p-names li[data-status="pending"]');
    if (next) next.scrollIntoView({block: "nearest"});
  }

  new ShowClient({
    event: DC_EVENT.slug, timeZone: DC_EVENT.timezone, page: "prompter",
    onRender(c) {
      const cur = c.current(), nxt = c.next(), st = c.state.show.status;
      text("p-number", cur ? cur.number + "." : "");
      text("p-content", cur ? cur.content : (st === "ended" ? T.show_ended : T.not_started));
      text("p-script", cur ? (cur.script || T.no_script) : "");
      text("p-next", nxt ? nxt.number + ". " + nxt.content + (nxt.performer ? " — " + nxt.performer : "") : "–");
      const main = AW.mainPoint(c.state), batch = main && AW.called(c.state, main.id);
      document.getElementById("p-script").hidden = !!batch;
      document.getElementById("p-awards").hidden = !batch;
      document.body.dataset.awards = batch ? "called" : "";
      if (batch) renderAwards(c, batch);
    },
    onTick(c) {
      const t = c.timing();
      const timer = document.getElementById("p-timer");
      text("p-timer", t.remaining === null ? "" : (t.remaining >= 0 ? fmtDuration(t.remaining) : T.over + " " + fmtDuration(-t.remaining)));
      timer.className = "p-timer mono " + ShowClient.timerClass(t.remaining, t.allowed);
    },
  });
})();

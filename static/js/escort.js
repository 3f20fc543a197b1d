/* Escort view (đưa đón người nhận khen thưởng), phone first: at one bridge point, the batch on stage
 * and the next one to fetch; for each recipient where they sit, whether they came, what happened. */
(function () {
  "use strict";
  const {ShowClient, el, text, awards: AW} = window.DC;
  const A = AW.texts, point = window.DC_AWARDS.point;

  const client = new ShowClient({event: DC_EVENT.slug, timeZone: DC_EVENT.timezone, page: "escort",
                                 onRender: render, onTick: (c) => text("clock", c.clock(c.now()))});
  window.dcClient = client;

  function card(c, batch) {
    const awards = AW.awardsOf(c.state, batch), {n, total} = AW.number(c.state, batch);
    return el("article", {class: "escort-batch", "data-batch-id": batch.id, "data-status": batch.status},
      el("div", {class: "escort-batch-head"}, AW.fmt(A.batch_of, {n: n, total: total}) + " · " + AW.kindTitle(awards)),
      el("div", {class: "escort-item"}, AW.itemText(c.state, batch)),
      batch.seat_block ? el("div", {class: "escort-block"}, AW.fmt(A.seat_block, {block: batch.seat_block})) : null,
      el("div", {class: "muted"}, AW.fmt(A.presenter, {name: batch.presenter || "–"})),
      el("ol", {class: "escort-list"}, awards.map((a, i) => el("li", {"data-award-id": a.id, "data-status": a.status},
        el("span", {class: "escort-order"}, String(i + 1)),
        el("span", {class: "escort-who"}, AW.who(a)),
        el("span", {class: "escort-seat"}, a.seat || A.no_seat),
        el("span", {class: "escort-state"}, el("span", {class: "award-status"}, AW.statusText(a)), AW.flag(a))))));
  }

  function render(c) {
    const on = AW.called(c.state, point.id), next = AW.nextWaiting(c.state, point.id);
    document.body.dataset.awards = on ? "called" : "";
    document.getElementById("escort-called").replaceChildren(on ? card(c, on) : el("p", {class: "empty"}, A.none_called));
    document.getElementById("escort-next").replaceChildren(next ? card(c, next) : el("p", {class: "empty"}, A.none_next));
  }
})();

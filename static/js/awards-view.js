/* The award segment on the screens (desk, site console, prompter, stage, escort view, control room):
 * which batches are where, in what order, what the MC reads, and the panel that runs a batch.
 * A classic script after show-client.js; adds DC.awards. Strings are the "award_" screen texts
 * (server/web/screen_text.py, translated on the server); data only ever goes in as text. */
(function () {
  "use strict";
  const {el} = window.DC;
  const A = {};
  for (const [key, value] of Object.entries(window.DC.T)) if (key.startsWith("award_")) A[key.slice(6)] = value;

  function fmt(template, values) {
    return String(template || "").replace(/\{(\w+)\}/g, (m, key) => (key in values ? String(values[key]) : m));
  }

  function mainPoint(state) { return state.bridge_points.find((p) => p.kind === "main") || null; }

  /* Where a batch falls in the day: its bridge point, its programme item (a local item counts at its
   * segment), the local item, then the batch's own position. */
  function sortBatches(state, batches) {
    const at = new Map(), pointAt = new Map(state.bridge_points.map((p, i) => [p.id, i]));
    state.items.forEach((item, i) => {
      at.set("p" + item.id, [i, -1]);
      item.local_items.forEach((li, j) => at.set("l" + li.id, [i, j]));
    });
    const key = (b) => [pointAt.has(b.bridge_point_id) ? pointAt.get(b.bridge_point_id) : Infinity,
      ...(at.get(b.local_item_id !== null ? "l" + b.local_item_id : "p" + b.programme_item_id) || [Infinity, 0]),
      b.position, b.id];
    const keyed = batches.map((b) => [key(b), b]);
    keyed.sort(([x], [y]) => {
      const i = x.findIndex((v, n) => v !== y[n]);
      return i < 0 ? 0 : (x[i] < y[i] ? -1 : 1);
    });
    return keyed.map((k) => k[1]);
  }

  function batchesWhere(state, test) { return sortBatches(state, state.awards.batches.filter(test)); }

  function awardsOf(state, batch) {
    return state.awards.awards.filter((a) => a.batch_id === batch.id)
      .sort((a, b) => a.stage_order - b.stage_order || a.id - b.id);
  }

  /* The batch on stage at a point (the server allows one at a time), and the next one to fetch. */
  function called(state, pointId) {
    return state.awards.batches.find((b) => b.bridge_point_id === pointId && b.status === "called") || null;
  }

  function nextWaiting(state, pointId) {
    return batchesWhere(state, (b) => b.bridge_point_id === pointId && b.status === "waiting")[0] || null;
  }

  /* "Đợt n/total" within the batch's own item at its point. */
  function number(state, batch) {
    const scope = batchesWhere(state, (b) => b.bridge_point_id === batch.bridge_point_id &&
      b.programme_item_id === batch.programme_item_id && b.local_item_id === batch.local_item_id);
    return {n: scope.findIndex((b) => b.id === batch.id) + 1, total: scope.length};
  }

  /* The kinds in a batch in stage order, each with the decision the MC reads (its first award's). */
  function kindGroups(awards) {
    const groups = [];
    for (const a of awards) {
      const g = groups.find((x) => x.kind_id === a.kind_id);
      if (g) g.awards.push(a);
      else groups.push({kind_id: a.kind_id, kind: a.kind, decision: a.decision, awards: [a]});
    }
    return groups;
  }

  function kindTitle(awards) { return kindGroups(awards).map((g) => g.kind).join(" · "); }

  /* The programme item (or ward's local item) a batch belongs to, as text. */
  function itemText(state, batch) {
    for (const item of state.items) {
      if (batch.local_item_id === null && item.id === batch.programme_item_id) return item.number + ". " + item.content;
      const li = item.local_items.find((x) => x.id === batch.local_item_id);
      if (li) return li.content;
    }
    return "";
  }

  function given(a) { return a.status === "presented" || a.status === "proxy"; }
  function notArrived(a) { return !a.checked_in_at && a.status === "pending"; }
  function readName(a) { return a.collective ? fmt(A.collective_reads, {collective: a.collective, name: a.name}) : a.name; }
  function statusText(a) {
    return a.status === "proxy" ? fmt(A.status_proxy, {name: a.proxy_name}) : (A["status_" + a.status] || a.status);
  }

  /* Who comes up: the person, or the collective and who receives for it. */
  function who(a) {
    return [el("strong", {class: "award-name"}, a.collective || a.name),
            a.collective ? el("span", {class: "award-receiver"}, " " + fmt(A.receiver, {name: a.name})) : null];
  }

  function flag(a) { return notArrived(a) ? el("span", {class: "award-flag"}, A.not_checked_in) : null; }

  /* A point's progress for the control room, or null when nothing is presented there. */
  function progress(state, pointId) {
    const batches = batchesWhere(state, (b) => b.bridge_point_id === pointId);
    if (!batches.length) return null;
    const awards = state.awards.awards.filter((a) => a.bridge_point_id === pointId);
    const on = batches.findIndex((b) => b.status === "called");
    return {total: batches.length, done: batches.filter((b) => b.status === "done").length, called: on + 1,
            count: awards.length, given: awards.filter(given).length};
  }

  function progressText(p) {
    return p.called ? fmt(A.progress_called, {n: p.called, total: p.total, given: p.given, count: p.count})
      : fmt(A.progress_idle, {done: p.done, total: p.total, given: p.given, count: p.count});
  }

  // --- the panel that runs batches (operator desk for the main hall, a ward's console for itself) ---
  /* opts: canAct(batch) -> bool; send(action, args, batch); showPoint: name the point of each batch. */
  function panel(c, batches, opts) { return batches.map((b) => batchCard(c, b, opts)); }

  function batchCard(c, batch, opts) {
    const s = c.state, awards = awardsOf(s, batch), act = opts.canAct(batch), point = c.point(batch.bridge_point_id);
    const live = act && batch.status === "called";
    const rows = awards.map((a) => el("li", {class: "award-row", "data-award-id": a.id, "data-status": a.status},
      el("span", {class: "award-who"}, who(a)),
      el("span", {class: "award-seat mono"}, a.seat),
      el("span", {class: "award-status"}, statusText(a)),
      flag(a),
      live ? el("span", {class: "award-buttons"}, markButtons(a, batch, opts)) : null));
    let action = null;
    if (act && batch.status === "waiting") {
      action = el("button", {type: "button", class: "go award-call", onclick: () => callBatch(c, batch, opts)}, A.call);
    } else if (live) {
      action = el("button", {type: "button", class: "primary award-done",
                             onclick: () => opts.send("award_batch_done", {batch_id: batch.id}, batch)}, A.done);
    }
    const {n, total} = number(s, batch);
    return el("article", {class: "award-batch", "data-batch-id": batch.id, "data-status": batch.status,
                          "data-point-code": point ? point.code : "", "data-editable": act ? "1" : ""},
      el("div", {class: "award-batch-head"},
        el("strong", {class: "award-batch-no"}, fmt(A.batch_of, {n: n, total: total})),
        el("span", {class: "award-kinds"}, kindTitle(awards)),
        opts.showPoint && point ? el("span", {class: "award-point"}, point.short_name) : null,
        el("span", {class: "award-batch-status"}, A["batch_" + batch.status] || batch.status)),
      el("div", {class: "award-batch-meta"},
        el("span", {}, fmt(A.presenter, {name: batch.presenter || "–"})),
        batch.seat_block ? el("span", {}, fmt(A.seat_block, {block: batch.seat_block})) : null),
      el("ol", {class: "award-recipients"}, rows),
      action ? el("div", {class: "award-batch-buttons"}, action) : null);
  }

  function markButtons(a, batch, opts) {
    const send = (action, args) => opts.send(action, Object.assign({award_id: a.id}, args || {}), batch);
    if (a.status !== "pending") {
      return [el("button", {type: "button", class: "small award-reset", onclick: () => send("award_reset")}, A.reset)];
    }
    return [
      el("button", {type: "button", class: "small go award-present", onclick: () => send("award_present")}, A.present),
      el("button", {type: "button", class: "small award-absent", onclick: () => send("award_absent")}, A.absent),
      el("button", {type: "button", class: "small award-proxy", onclick: () => {
        const name = window.prompt(fmt(A.proxy_prompt, {name: readName(a)}), "");
        if (name !== null) send("award_proxy", {proxy_name: name});
      }}, A.proxy),
    ];
  }

  /* Before calling a batch, name whoever has not checked in. With another batch on stage the server
   * refuses anyway, and says why. */
  function callBatch(c, batch, opts) {
    const missing = awardsOf(c.state, batch).filter(notArrived).map((a) => a.collective ? readName(a) : a.name);
    if (!called(c.state, batch.bridge_point_id) && missing.length &&
        !window.confirm(fmt(A.confirm_call, {n: number(c.state, batch).n, names: missing.join(", ")}))) return;
    opts.send("award_call", {batch_id: batch.id}, batch);
  }

  window.DC.awards = {texts: A, fmt, mainPoint, sortBatches, batchesWhere, awardsOf, called, nextWaiting, number,
                      kindGroups, kindTitle, itemText, given, notArrived, readName, statusText, who, flag,
                      progress, progressText, panel};
})();

/* Attendance dashboard: the whole picture on connect, then every arrival as it happens. Each arrival
 * carries the arrived counts of every cell, so a missed message is made good by the next. A list or
 * chart with nothing in it says so in words. */
(function () {
  "use strict";
  const {ShowClient, el, text} = window.DC;
  const T = window.DC_ATTENDANCE.texts;
  const RECENT = 20;            // as many as the server sends (server/services/attendance.py RECENT)
  let summary = null;
  let recent = [];              // newest first, by arrival time: the same 20 a reload would show

  const client = new ShowClient({event: DC_EVENT.slug, timeZone: DC_EVENT.timezone, page: "attendance",
                                 onRender: () => {}});
  window.dcAttendance = {client, summary: () => summary};
  client.socket.on("connect", subscribe);
  client.socket.on("arrival", onArrival);

  function subscribe() {
    client.socket.timeout(10000).emit("attendance", {}, (err, ack) => {
      if (err || !ack || !ack.ok) return;
      summary = ack.summary;
      recent = summary.recent;
      render();
    });
  }

  function onArrival(msg) {
    if (!summary) return;
    summary.arrived = msg.arrived;
    if (msg.expected) summary.expected = msg.expected;   // a walk-in, or someone with no point, came in
    const r = msg.result;
    if (r.verdict === "welcome" && r.delegate) {
      summary.missing = summary.missing.filter((d) => d.id !== r.delegate.id);
      addRecent({delegate_id: r.delegate.id, name: r.delegate.full_name, point: r.delegate.bridge_point,
                 at: r.check_in ? r.check_in.at : r.scanned_at});
      addToCurve(r.check_in ? r.check_in.at : r.scanned_at);
    }
    if (msg.flag) summary.flagged.unshift(msg.flag);
    render();
  }

  /* In arrival-time order, so a queue replayed after an outage lands where a reload would put it. */
  function addRecent(entry) {
    recent = recent.filter((r) => r.delegate_id !== entry.delegate_id);
    recent.push(entry);
    recent.sort((a, b) => b.at - a.at);
    recent.splice(RECENT);
  }

  function addToCurve(at) {
    const step = 60000, bucket = at - (at % step) + step, curve = summary.curve;
    for (const point of curve) if (point[0] >= bucket) point[1] += 1;
    if (!curve.some((p) => p[0] === bucket)) {
      const before = curve.filter((p) => p[0] < bucket);
      curve.push([bucket, (before.length ? before[before.length - 1][1] : 0) + 1]);
      curve.sort((a, b) => a[0] - b[0]);
    }
  }

  function cell(pointId, category) { return `${pointId}|${category}`; }
  function pct(a, e) { return e ? Math.round((100 * a) / e) + " %" : "–"; }

  function render() {
    const s = summary, cats = s.categories.filter((c) => s.points.some((p) => s.expected[cell(p.id, c.code)]));
    let totalE = 0, totalA = 0;
    const head = el("tr", {}, el("th", {}, T.point), cats.map((c) => el("th", {}, c.label)), el("th", {}, T.total));
    const rows = s.points.map((p) => {
      let e = 0, a = 0;
      const cells = cats.map((c) => {
        const ce = s.expected[cell(p.id, c.code)] || 0, ca = s.arrived[cell(p.id, c.code)] || 0;
        e += ce; a += ca;
        return el("td", {class: "mono" + (ce && ca === ce ? " full" : ""), "data-cell": cell(p.id, c.code)},
                  ce ? `${ca} / ${ce}` : "");
      });
      totalE += e; totalA += a;
      return el("tr", {"data-point": p.id}, el("th", {}, p.short_name || T.unassigned), cells,
                el("td", {class: "mono total", "data-point-total": p.id}, `${a} / ${e} · ${pct(a, e)}`));
    });
    const foot = el("tr", {class: "totals"}, el("th", {}, T.total), cats.map((c) => {
      const e = s.points.reduce((n, p) => n + (s.expected[cell(p.id, c.code)] || 0), 0);
      const a = s.points.reduce((n, p) => n + (s.arrived[cell(p.id, c.code)] || 0), 0);
      return el("td", {class: "mono"}, `${a} / ${e}`);
    }), el("td", {class: "mono total"}, `${totalA} / ${totalE} · ${pct(totalA, totalE)}`));
    const table = document.getElementById("att-table");
    if (cats.length) {
      table.tHead.replaceChildren(head);
      table.tBodies[0].replaceChildren(...rows, foot);
    } else {
      table.tHead.replaceChildren();
      table.tBodies[0].replaceChildren(el("tr", {class: "empty"}, el("td", {class: "muted"}, T.no_delegates)));
    }
    text("att-arrived", String(totalA));
    text("att-expected", String(totalE));
    text("att-percent", pct(totalA, totalE));
    text("att-missing-count", String(s.missing.length));
    list("att-missing", s.missing, T.none_missing, (d) => el("li", {"data-delegate": d.id},
      d.vip ? el("span", {class: "tag vip"}, T.vip) : null, " ", el("strong", {}, d.full_name), " ",
      el("span", {class: "muted"}, [d.position_title, d.bridge_point, d.seat, d.award].filter(Boolean).join(" · "))));
    list("att-recent", recent, T.none_arrived, (r) => el("li", {"data-delegate": r.delegate_id},
      el("span", {class: "mono"}, client.hhmm(r.at)), " ", el("strong", {}, r.name), " ", el("span", {class: "muted"}, r.point)));
    list("att-flagged", s.flagged, T.none_flagged, (f) => el("li", {},
      el("span", {class: "mono"}, client.hhmm(f.scanned_at)), " ", el("strong", {}, f.full_name || f.verdict), " ",
      el("span", {class: "muted"}, `${f.bridge_point} – ${f.gate}: ${f.conflict}`)));
    drawCurve(s.curve, totalE);
  }

  function list(id, rows, empty, row) {
    document.getElementById(id).replaceChildren(...(rows.length ? rows.map(row) : [el("li", {class: "empty muted"}, empty)]));
  }

  function drawCurve(curve, expected) {
    const svg = document.getElementById("att-curve");
    svg.style.display = curve.length ? "" : "none";      // no empty box: the label says why
    if (!curve.length) { svg.replaceChildren(); text("att-curve-label", T.none_arrived); return; }
    const t0 = curve[0][0] - 60000, t1 = Math.max(curve[curve.length - 1][0], t0 + 600000);
    const top = Math.max(expected, curve[curve.length - 1][1], 1);
    const x = (t) => (600 * (t - t0)) / (t1 - t0), y = (n) => 118 - (116 * n) / top;
    let d = `M0,${y(0)}`;
    for (const [t, n] of curve) d += ` L${x(t).toFixed(1)},${y(n).toFixed(1)}`;
    const ns = "http://www.w3.org/2000/svg";
    const path = document.createElementNS(ns, "path");
    path.setAttribute("d", d); path.setAttribute("class", "curve");
    const goal = document.createElementNS(ns, "line");
    goal.setAttribute("x1", 0); goal.setAttribute("x2", 600); goal.setAttribute("y1", y(expected)); goal.setAttribute("y2", y(expected));
    goal.setAttribute("class", "goal");
    svg.replaceChildren(goal, path);
    const last = curve[curve.length - 1];
    text("att-curve-label", T.arrivals.replace("{n}", last[1]).replace("{time}", client.hhmm(last[0])));
  }
})();

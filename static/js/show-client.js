/* Điểm Cầu show client: one connection per screen.
 * Snapshot on connect, then patches in revision order; a gap or a reconnect triggers a resync.
 * Timers come from timestamps and a server clock offset estimated from ping round trips. */
(function () {
  "use strict";
  const T = window.DC_I18N || {};

  function pad(n) { return String(n).padStart(2, "0"); }

  function fmtDuration(ms, signed) {
    if (ms === null || ms === undefined || isNaN(ms)) return "–";
    const neg = ms < 0;
    let s = Math.floor(Math.abs(ms) / 1000);
    const h = Math.floor(s / 3600); s -= h * 3600;
    const m = Math.floor(s / 60); s -= m * 60;
    const body = (h ? h + ":" + pad(m) : String(m)) + ":" + pad(s);
    return (neg ? "−" : (signed ? "+" : "")) + body;
  }

  /* A time of day in the event's zone, the minute (or second) that has begun, as
   * server/services/local_time.clock writes it: tests/fixtures/time_vectors.json holds both to it. */
  function clockFormat(timeZone, seconds) {
    return new Intl.DateTimeFormat("en-GB", Object.assign({hour: "2-digit", minute: "2-digit", hourCycle: "h23",
                                                           timeZone: timeZone || "Asia/Ho_Chi_Minh"},
                                                          seconds ? {second: "2-digit"} : {}));
  }

  class ShowClient {
    constructor(opts) {
      this.event = opts.event;
      // What this screen is, for the control room: its page, its bridge point, a name people know.
      this.page = opts.page || "other";
      this.pointId = opts.pointId === undefined ? null : opts.pointId;
      this.screenId = null;
      this.linkState = null;      // how the server rates this screen's link: good / degraded / lost
      this.lastRtt = null;
      this.beatSeq = 0;
      this.onRender = opts.onRender || (() => {});
      this.onFlash = opts.onFlash || (() => flashScreen());
      this.onLinks = opts.onLinks || null;
      this.onTick = opts.onTick || (() => {});
      this.onSnapshot = opts.onSnapshot || (() => {});   // a whole new state: on connect, a gap, a reset
      this.state = null;
      this.rev = -1;
      this.offset = 0;            // server clock minus local clock, ms
      this.bestRtt = Infinity;    // the sample with the smallest round trip wins (error <= rtt/2)
      this.connected = false;
      this.everConnected = false;
      this.banner = document.getElementById("conn-banner");
      this.timeFormat = clockFormat(opts.timeZone, true);
      this.shortTime = clockFormat(opts.timeZone, false);
      this.socket = io({
        auth: {event: this.event}, transports: ["websocket", "polling"],
        reconnectionDelay: 500, reconnectionDelayMax: 5000, randomizationFactor: 0.5,
      });
      this.socket.on("connect", () => this._connected());
      this.socket.on("disconnect", () => this._lost());
      // A refusal from our server carries a code and a message for people; a network error doesn't.
      this.socket.on("connect_error", (err) => this._lost(err && err.data && err.data.code ? err.message : null));
      this.socket.on("snapshot", (snap) => this.applySnapshot(snap));
      this.socket.on("patch", (patch) => this.applyPatch(patch));
      // A change made outside the server (the command line): the server saw the revision move.
      this.socket.on("resync", (msg) => { if (this.rev === null || msg.rev > this.rev) this.resync(); });
      if (this.onLinks) this.socket.on("links", (links) => this.onLinks(links));
      // A recipient checked in: the desk, the prompter and the escorts stop flagging them.
      // It travels outside the revisions, so a patch read just before the check-in may come after it:
      // an arrival is never undone, so the earliest known one is kept (sites/follower.py does the same).
      this.arrivals = {};
      this.socket.on("award_arrival", (msg) => {
        this.arrivals[msg.delegate_id] = Math.min(msg.at, this.arrivals[msg.delegate_id] || Infinity);
        if (!this.state) return;
        this._keepArrivals();
        this.onRender(this);
      });
      setInterval(() => this.state && this.onTick(this), 250);
      setInterval(() => this.connected && this.syncClock(3), 30000);
    }

    _connected() {
      this.connected = true;
      this.syncClock(5);
      this.socket.timeout(5000).emit("hello", {page: this.page, bridge_point_id: this.pointId,
                                               name: screenName()}, (err, ack) => {
        if (!err && ack && ack.ok) this.screenId = ack.screen_id;
      });
      clearTimeout(this._beatTimer);
      this._beat();                // the first beat at once: the control room hears from us now
      if (this.everConnected) this._showBanner(T.reconnected || "Đã kết nối lại", "ok", 3000);
      else this._hideBanner();
      this.everConnected = true;
      document.body.classList.remove("stale");
    }

    _lost(message) {
      this.connected = false;
      document.body.classList.add("stale");
      this._showBanner(message || T.lost || "Mất kết nối – đang kết nối lại", "lost");
    }

    _showBanner(text, kind, hideAfter) {
      if (!this.banner) return;
      this.banner.textContent = text;
      this.banner.className = "conn-banner " + kind;
      this.banner.hidden = false;
      clearTimeout(this._bannerTimer);
      if (hideAfter) this._bannerTimer = setTimeout(() => this._hideBanner(), hideAfter);
    }

    _hideBanner() { if (this.banner) this.banner.hidden = true; }

    syncClock(samples) {
      let left = samples, roundBest = Infinity;   // each round keeps its own best sample
      const ping = () => {
        const t0 = Date.now();
        this.socket.timeout(5000).emit("clock", {}, (err, ack) => {
          const t1 = Date.now();
          if (!err && ack && ack.ok) {
            const rtt = t1 - t0;
            if (rtt < roundBest) {
              roundBest = this.bestRtt = rtt;
              this.offset = ack.server_time - (t0 + rtt / 2);
            }
          }
          if (--left > 0) setTimeout(ping, 100);
        });
      };
      ping();
    }

    /* A heartbeat every interval of the event's policy, carrying the round trip of the previous one. */
    _beat() {
      const policy = this.state && this.state.coord && this.state.coord.policy;
      const interval = (policy && policy.beat_interval_ms) || 5000;
      this._beatTimer = setTimeout(() => this._beat(), interval);
      if (!this.connected) return;
      const t0 = Date.now(), seq = this.beatSeq++;
      this.socket.timeout(Math.max(2 * interval, 2000)).emit("heartbeat", {seq: seq, rtt_ms: this.lastRtt}, (err, ack) => {
        if (err || !ack || !ack.ok) return;
        this.lastRtt = Date.now() - t0;
        this.linkState = ack.state;
      });
    }

    now() { return Date.now() + this.offset; }

    _keepArrivals() {
      for (const a of this.state.awards.awards) {
        const known = this.arrivals[a.delegate_id];
        if (known && (!a.checked_in_at || known < a.checked_in_at)) a.checked_in_at = known;
      }
    }

    applySnapshot(snap) {
      this.state = snap;
      this.rev = snap.rev;
      this._keepArrivals();
      this.onSnapshot(this);
      this.onRender(this);
      this.onTick(this);
    }

    resync() {
      this.socket.timeout(5000).emit("snapshot", {}, (err, ack) => {
        if (!err && ack && ack.ok) this.applySnapshot(ack.snapshot);
      });
    }

    applyPatch(patch) {
      if (!this.state || patch.rev <= this.rev) return;
      if (patch.rev !== this.rev + 1) { this.resync(); return; }   // a gap: we missed something
      const st = this.state;
      if (patch.items) st.items = patch.items;
      if (patch.show) st.show = patch.show;
      for (const t of patch.timings || []) {
        const item = st.items.find((i) => i.id === t.id);
        if (item) { item.actual_start = t.actual_start; item.actual_end = t.actual_end; }
      }
      for (const c of patch.sites || []) {
        const i = st.sites.findIndex((o) => o.bridge_point_id === c.bridge_point_id && o.segment_id === c.segment_id);
        if (i >= 0) st.sites[i] = c; else st.sites.push(c);
      }
      // Coordination and awards: lists take changed rows by id, objects are replaced (sites/follower.py
      // does the same); "awards_all" replaces the awards after the batches were re-arranged.
      mergeById(st.coord, patch.coord);
      if (patch.awards_all) st.awards = patch.awards_all;
      mergeById(st.awards, patch.awards);
      this._keepArrivals();
      st.rev = this.rev = patch.rev;
      const coord = patch.coord || {};
      if (coord.navigate && this.screenId && coord.navigate.screen_id === this.screenId) {
        window.location.assign(coord.navigate.path);
        return;
      }
      if (coord.flash && this.pointId !== null && coord.flash.bridge_point_id === this.pointId) this.onFlash(this);
      this.onRender(this);
      this.onTick(this);
    }

    command(action, args, extra) {
      return new Promise((resolve) => {
        const payload = Object.assign({action: action, expected_rev: this.rev, args: args || {}}, extra || {});
        this.socket.timeout(8000).emit("command", payload, (err, ack) => {
          if (err) resolve({ok: false, error: {code: "timeout", message: T.timeout || "Máy chủ không trả lời; lệnh có thể chưa được thực hiện."}});
          else resolve(ack);
        });
      });
    }

    // --- what the screens show ---------------------------------------------------------------
    /* "program" (on air), "preview" (standby) or "" for a point. */
    tallyOf(pointId) {
      const t = this.state.coord.tally;
      return t.program === pointId ? "program" : (t.preview === pointId ? "preview" : "");
    }

    /* Messages for this point (or for all), newest last. */
    messagesFor(pointId) {
      return this.state.coord.messages.filter((m) => m.bridge_point_id === null || m.bridge_point_id === pointId);
    }

    floorQueue() {
      return this.state.coord.floor.filter((f) => f.status === "pending")
        .sort((a, b) => a.requested_at - b.requested_at || a.id - b.id);
    }

    current() { const s = this.state; return s && s.items[s.show.cursor] || null; }
    next() { const s = this.state; return s && s.items[s.show.cursor + 1] || null; }
    point(id) { return this.state.bridge_points.find((p) => p.id === id); }

    siteCursor(pointId) {
      const open = this.state.sites.filter((c) => c.bridge_point_id === pointId && c.status !== "closed");
      open.sort((a, b) => (b.opened_at || 0) - (a.opened_at || 0));
      return open[0] || null;
    }

    segment(cursor) { return this.state.items.find((i) => i.id === cursor.segment_id) || null; }

    /* What a bridge point shows now: its own local item while its local segment runs there, else
     * the shared item (the site agent applies the same rule: sites/agent.py view_of). */
    pointView(pointId) {
      const cursor = this.siteCursor(pointId), cur = this.current(), st = this.state.show.status;
      if (cursor && cursor.status === "running") {
        const seg = this.segment(cursor), item = seg.local_items[cursor.index];
        return {local: true, mode: T.local_title + " · " + this.localPosition(cursor),
                number: null, content: item.content, performer: item.performer,
                shared: cur ? T.main_hall + ": " + cur.number + ". " + cur.content : ""};
      }
      return {local: false, mode: cursor && cursor.status === "done" ? T.local_done : "",
              number: cur ? cur.number : null,
              content: cur ? cur.content : (st === "ended" ? T.show_ended : T.not_started),
              performer: cur ? cur.performer : "", shared: ""};
    }

    /* Where a ward stands in its local segment: "2/3", or "✓ 3/3" once done. The one rule for the
     * desk's ward list, the control room's tiles and pointView. */
    localPosition(cursor) {
      const seg = this.segment(cursor), total = seg ? seg.local_items.length : 0;
      return cursor.status === "done" ? "✓ " + total + "/" + total : (cursor.index + 1) + "/" + total;
    }

    /* Same rules as server/services/show_timing.py. */
    timing() {
      const s = this.state, show = s.show, now = this.now();
      const total = s.items.reduce((a, i) => a + i.duration_s * 1000, 0);
      const out = {now: now, elapsed: null, remaining: null, over: 0, allowed: null,
                   plannedEnd: s.event.starts_at ? s.event.starts_at + total : null, expectedEnd: null, drift: null};
      const cur = this.current();
      if (show.status === "standby") out.expectedEnd = Math.max(now, s.event.starts_at || now) + total;
      else if (show.status === "ended") out.expectedEnd = show.show_ended_at;
      else if (cur) {
        const until = show.paused_at || now;
        out.elapsed = until - show.item_started_at - show.paused_ms;
        out.allowed = cur.duration_s * 1000 + show.extra_ms;
        out.remaining = out.allowed - out.elapsed;
        out.over = Math.max(0, out.elapsed - out.allowed);
        const later = s.items.slice(show.cursor + 1).reduce((a, i) => a + i.duration_s * 1000, 0);
        out.expectedEnd = now + Math.max(0, out.remaining) + later;
      }
      if (out.plannedEnd !== null && out.expectedEnd !== null) out.drift = out.expectedEnd - out.plannedEnd;
      return out;
    }

    localTiming(cursor) {
      const seg = this.segment(cursor);
      const item = seg && seg.local_items[cursor.index];
      if (!item || cursor.status !== "running") return null;
      const elapsed = this.now() - cursor.item_started_at;
      return {item: item, elapsed: elapsed, remaining: item.duration_s * 1000 - elapsed};
    }

    /* ok / warn (last minute or last 10 %) / over */
    static timerClass(remaining, allowed) {
      if (remaining === null) return "";
      if (remaining < 0) return "over";
      if (remaining <= Math.max(60000, (allowed || 0) * 0.1)) return "warn";
      return "ok";
    }

    clock(ms) { return ms ? this.timeFormat.format(new Date(ms)) : "–"; }
    hhmm(ms) { return ms ? this.shortTime.format(new Date(ms)) : "–"; }
  }

  function mergeById(part, changes) {
    for (const [key, value] of Object.entries(changes || {})) {
      const known = part[key];
      if (Array.isArray(known) && Array.isArray(value)) {
        for (const row of value) {
          const i = known.findIndex((o) => o.id === row.id);
          if (i >= 0) known[i] = row; else known.push(row);
        }
      } else part[key] = value;
    }
  }

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === "class") node.className = v;
      else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
      else if (v !== null && v !== undefined && v !== false) node.setAttribute(k, v === true ? "" : v);
    }
    for (const c of children.flat()) if (c !== null && c !== undefined) node.append(c);
    return node;
  }

  /* The name a screen is known by in the control room, kept per browser ("Máy chiếu phòng họp"). */
  function screenName() {
    const params = new URLSearchParams(window.location.search);
    const given = params.get("screen");
    try {
      if (given) localStorage.setItem("dc-screen-name", given.slice(0, 60));
      return localStorage.getItem("dc-screen-name") || "";
    } catch (e) { return (given || "").slice(0, 60); }
  }

  /* Blink the whole screen for a few seconds to catch the technician's eye. */
  function flashScreen() {
    document.body.classList.remove("flash");
    void document.body.offsetWidth;          // restart the animation if a flash is already running
    document.body.classList.add("flash");
    setTimeout(() => document.body.classList.remove("flash"), 4000);
  }

  function text(id, value) { const n = document.getElementById(id); if (n && n.textContent !== value) n.textContent = value; }

  window.DC = {ShowClient, fmtDuration, clockFormat, el, text, flashScreen, T};
})();

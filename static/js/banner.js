/* Banner display (băng rôn): the event's banner full screen. It connects like every screen so the
 * control room sees it and can send it elsewhere; a banner edited later shows after a reconnect. */
(function () {
  "use strict";
  const {ShowClient, el, text} = window.DC;
  let shown = null;

  function lineClass(i, count) {
    if (i === 0 && count > 1) return "banner-org";
    return i === count - 1 && count > 2 ? "banner-date" : "banner-line";
  }

  function render(c) {
    const banner = c.state.event.banner || c.state.event.title;
    if (banner === shown) return;
    shown = banner;
    const lines = banner.split(/\r?\n/).filter((l) => l.trim());
    document.getElementById("banner-lines").replaceChildren(
      ...lines.map((line, i) => el("div", {class: lineClass(i, lines.length)}, line)));
  }

  window.dcClient = new ShowClient({event: DC_EVENT.slug, timeZone: DC_EVENT.timezone, page: "banner",
                                    onRender: render, onTick: (c) => text("clock", c.clock(c.now()))});
})();

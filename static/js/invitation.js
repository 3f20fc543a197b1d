/* The delegate's invitation page: the item running now, asked every 20 s (a phone needs no socket). */
(function () {
  "use strict";
  const cfg = window.DC_INVITATION;
  async function refresh() {
    try {
      const res = await fetch(cfg.now, {cache: "no-store"});
      if (!res.ok) return;
      const now = await res.json();
      const box = document.getElementById("inv-now");
      box.textContent = now.current ? `${now.current.number}. ${now.current.content}`
        : (now.status === "ended" ? cfg.ended : cfg.not_started);
      box.dataset.cursor = now.cursor;
      document.querySelectorAll(".inv-programme li").forEach((li) =>
        li.classList.toggle("current", !!now.current && Number(li.dataset.index) === now.cursor));
    } catch (e) { /* offline: keep what is shown */ }
  }
  setInterval(refresh, 20000);
})();

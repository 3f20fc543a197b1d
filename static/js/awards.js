/* Awards page: drag a recipient to another place in a waiting batch, or into another waiting batch of
 * the same scope (same bridge point and item). On drop the page posts {award_id, batch_id, index} to
 * the move route (the award_move command) and reloads, so what is shown is always the server's order.
 * Without a mouse, the ↑/↓ buttons on each recipient do the same as forms. */
(function () {
  "use strict";
  const root = document.getElementById("award-registry");
  if (!root) return;
  const errorBox = document.getElementById("award-move-error");
  let dragged = null;           // the <li> being dragged
  let busy = false;

  function showError(message) {
    errorBox.textContent = message || root.dataset.error;
    errorBox.hidden = false;
    errorBox.scrollIntoView({block: "nearest"});
  }

  function clearMarks() {
    root.querySelectorAll(".drop-before, .drop-after").forEach((li) => li.classList.remove("drop-before", "drop-after"));
    root.querySelectorAll(".drop-target").forEach((list) => list.classList.remove("drop-target"));
  }

  /* A list accepts the drop when it is a waiting batch of the dragged recipient's scope. */
  function accepts(list) {
    return dragged && list && list.dataset.waiting === "1" && list.dataset.batch &&
      list.dataset.scope === dragged.closest(".aw-list").dataset.scope;
  }

  /* The place among the list's other recipients (the dragged one left out, as the server counts). */
  function dropIndex(list, y) {
    const others = Array.from(list.querySelectorAll(":scope > li.aw-award")).filter((li) => li !== dragged);
    for (let i = 0; i < others.length; i++) {
      const box = others[i].getBoundingClientRect();
      if (y < box.top + box.height / 2) return {index: i, before: others[i], after: null};
    }
    return {index: others.length, before: null, after: others[others.length - 1] || null};
  }

  async function move(awardId, batchId, index) {
    busy = true;
    try {
      const res = await fetch(root.dataset.moveUrl, {
        method: "POST", credentials: "same-origin",
        headers: {"Content-Type": "application/json", "X-CSRF-Token": root.dataset.csrf},
        body: JSON.stringify({award_id: awardId, batch_id: batchId, index: index}),
      });
      let body = null;
      try { body = await res.json(); } catch (e) { body = null; }
      if (res.ok && body && body.ok) {
        window.location.reload();
        return;
      }
      showError(body && body.error && body.error.message);
    } catch (e) {
      showError();
    } finally {
      busy = false;
    }
  }

  root.addEventListener("dragstart", (ev) => {
    const li = ev.target.closest && ev.target.closest("li.aw-award[draggable='true']");
    if (!li || busy) return;
    dragged = li;
    li.classList.add("dragging");
    ev.dataTransfer.effectAllowed = "move";
    ev.dataTransfer.setData("text/plain", li.dataset.award);
  });

  root.addEventListener("dragend", () => {
    if (dragged) dragged.classList.remove("dragging");
    dragged = null;
    clearMarks();
  });

  root.addEventListener("dragover", (ev) => {
    const list = ev.target.closest && ev.target.closest(".aw-list");
    if (!accepts(list)) return;
    ev.preventDefault();                      // allows the drop here
    ev.dataTransfer.dropEffect = "move";
    clearMarks();
    list.classList.add("drop-target");
    const spot = dropIndex(list, ev.clientY);
    if (spot.before) spot.before.classList.add("drop-before");
    else if (spot.after) spot.after.classList.add("drop-after");
  });

  root.addEventListener("dragleave", (ev) => {
    const list = ev.target.closest && ev.target.closest(".aw-list");
    if (list && !list.contains(ev.relatedTarget)) list.classList.remove("drop-target");
  });

  root.addEventListener("drop", (ev) => {
    const list = ev.target.closest && ev.target.closest(".aw-list");
    if (!accepts(list)) return;
    ev.preventDefault();
    const awardId = Number(dragged.dataset.award);
    const batchId = Number(list.dataset.batch);
    const {index} = dropIndex(list, ev.clientY);
    clearMarks();
    move(awardId, batchId, index);
  });

  window.dcAwards = {move};                   // for tests and the console
})();

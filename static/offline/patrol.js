/* The patrol page with the outbox (issue #16): ending a patrol where the server is out of reach
 * keeps the end — its track and note — in the outbox for POST /api/patrols/{id}/end/, sent by
 * itself with its Idempotency-Key when the connection returns, after the findings queued before it
 * (the outbox keeps their order). With a connection the form is posted as always. */
(function () {
  "use strict";
  var outbox = window.geogridOutbox, form = document.getElementById("patrol-end");
  if (!outbox || !form) return;
  var OT = outbox.text, busy = false, url = form.dataset.apiUrl;

  function waiting(text) {
    var p = document.getElementById("patrol-end-queued");
    if (!p) {
      p = document.createElement("p");
      p.id = "patrol-end-queued"; p.className = "notice"; p.setAttribute("role", "status");
      form.parentNode.insertBefore(p, form);
    }
    p.textContent = text;
    form.querySelector("button[type=submit]").disabled = true;
  }
  form.addEventListener("submit", function (ev) {
    if (ev.defaultPrevented) return;
    ev.preventDefault();  // patrols.js has put the track in the form already
    if (busy) return;
    busy = true;
    outbox.probe().then(function (up) {
      if (up) { HTMLFormElement.prototype.submit.call(form); return null; }
      var body = { crs: form.elements.crs.value, note: form.elements.note.value };
      if (form.elements.track.value) body.track = JSON.parse(form.elements.track.value);
      return outbox.add({ kind: "patrol-end", url: url, json: body, label: OT.patrolEndLabel }).then(function () { waiting(OT.queued); });
    }).then(function () { busy = false; }, function (err) { busy = false; waiting(err.message); });
  });
  outbox.on("change", function (items) {
    items.forEach(function (it) {
      if (it.kind === "patrol-end" && it.url === url) waiting(it.state === "refused" ? OT.stateRefused.replace("%s", it.error) : OT.queued);
    });
  });
  // Ended on the server: the page shows the ended patrol and its track from there.
  outbox.on("sent", function (ev) { if (ev.item.kind === "patrol-end" && ev.item.url === url) location.reload(); });
})();

/* The sign patrol (phone, plain JS over Leaflet from django-leaflet): the roads and their signs in
 * order, coloured by condition, and the user's own position (navigator.geolocation) with the distance
 * to each sign as a hint. Each record goes through the phone pages' outbox (static/offline/outbox.js):
 * sent at once when there is a network, else kept on the phone and sent when it returns, always with
 * one Idempotency-Key, so a resend, a double tap or a second tab makes no second record; the photo is
 * resized on the phone first. What the server refuses stays in the outbox with its reason. */
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("sign-walk-config").textContent);
  var T = config.text || {};
  var state = { map: null, here: null, herePos: null, signs: {} };
  var outbox = window.geogridOutbox, OT = outbox.text;
  window.geogridSignWalk = state;  // for the browser tests
  var walk = window.geogridFieldWalk(state, T), fmt = walk.fmt, drawHere = walk.drawHere;  // static/geogrid/fieldwalk.js
  function colour(c) { return config.colours[c] || "#555"; }

  window.geogridSignWalkInit = function (map) {
    state.map = map;
    var roads = L.geoJSON(config.roads, { style: { color: "#555", weight: 4, opacity: 0.6 } }).addTo(map);
    var bounds = roads.getBounds();
    config.signs.forEach(function (s, i) {
      state.signs[s.code] = L.circleMarker([s.lat, s.lon], { radius: 8, color: s.done ? "#000" : "#fff", weight: 2, fillColor: colour(s.condition), fillOpacity: 1 })
        .bindTooltip(window.geogridUtil.esc((i + 1) + ". " + s.code), { permanent: false }).addTo(map);
      bounds.extend([s.lat, s.lon]);
    });
    if (bounds.isValid()) map.fitBounds(bounds, { padding: [16, 16], maxZoom: 18, animate: false });
    drawHere();
    map.getContainer().setAttribute("data-ready", "1");
  };


  function saved(signId, d) {  // a record the server has: the sign's colour and the next sign
    var li = document.querySelector(".walk-item[data-sign='" + signId + "']");
    if (!li) return;
    var text = fmt(T.saved, d.condition_label) + (d.cleaned ? " · " + T.cleaned : "");
    if (d.repair) text += " · " + fmt(d.repair_created ? T.repair : T.repairOpen, d.repair);
    li.querySelector(".walk-result").textContent = text;
    li.classList.remove("queued");
    li.classList.add("done");
    li.dataset.condition = d.sign_condition;
    li.querySelector(".current").textContent = d.sign_condition_label;
    li.querySelector(".dot").style.background = colour(d.sign_condition);
    var form = li.querySelector(".walk-form");
    if (form) form.remove();
    var n = document.getElementById("done-count");
    if (n) n.textContent = document.querySelectorAll(".walk-item.done").length;
    var mk = state.signs[d.sign];
    if (mk) mk.setStyle({ fillColor: colour(d.sign_condition), color: "#000" });
    var next = document.querySelector(".walk-item:not(.done):not(.queued)");  // on to the next sign in order
    if (next && next.scrollIntoView) next.scrollIntoView({ block: "start", behavior: "smooth" });
  }

  document.querySelectorAll(".walk-form").forEach(function (form) {
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var li = form.closest(".walk-item"), result = li.querySelector(".walk-result");
      var fields = [["sign", form.dataset.sign], ["condition", form.condition.value],
                    ["cleaned", form.cleaned.checked ? "true" : "false"], ["note", form.note.value]];
      var photo = form.photo.files && form.photo.files[0];
      var button = form.querySelector("button");
      button.disabled = true;
      Promise.resolve(photo ? outbox.resizePhoto(photo) : null).then(function (resized) {
        if (resized) fields.push(["photo", resized]);
        return outbox.submit({ kind: "sign", url: config.inspectionsUrl, form: fields,
                               label: fmt(OT.signLabel, form.dataset.sign), meta: { sign: form.dataset.sign } });
      }).then(function (res) {
        button.disabled = false;
        if (res.outcome === "queued") { li.classList.add("queued"); result.textContent = OT.queued; return; }
        if (res.outcome === "refused") { result.textContent = fmt(T.failed, res.reason); return; }
        if (res.data) saved(form.dataset.sign, res.data);
      }).catch(function (err) {
        button.disabled = false;
        result.textContent = fmt(T.failed, err.message);
      });
    });
  });
  // Records of this patrol sent from the outbox (now, or by another tab), and those still waiting.
  outbox.on("sent", function (ev) {
    if (ev.item.kind === "sign" && ev.item.url === config.inspectionsUrl && ev.data) saved(ev.item.meta.sign, ev.data);
  });
  outbox.on("change", function (items) {
    var mine = items.filter(function (it) { return it.kind === "sign" && it.url === config.inspectionsUrl; });
    var kept = mine.map(function (it) { return String(it.meta.sign); });
    document.querySelectorAll(".walk-item.queued").forEach(function (li) {  // deleted from the outbox by the member
      if (kept.indexOf(li.dataset.sign) < 0) li.classList.remove("queued");
    });
    mine.forEach(function (it) {
      var li = document.querySelector(".walk-item[data-sign='" + it.meta.sign + "']");
      if (!li || li.classList.contains("done")) return;
      li.classList.add("queued");
      li.querySelector(".walk-result").textContent = it.state === "refused" ? fmt(OT.stateRefused, it.error) : OT.queued;
    });
  });
})();

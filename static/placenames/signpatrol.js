/* The sign patrol (phone, plain JS over Leaflet from django-leaflet): the roads and their signs in
 * order, coloured by condition, and the user's own position (navigator.geolocation) with the distance
 * to each sign as a hint. Each record is posted to the API (…/inspections/, multipart with the photo)
 * with an Idempotency-Key kept until the server has answered, so a resend after a timeout or a
 * double tap makes no second record. Offline queueing is not here (issue #16). */
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("sign-walk-config").textContent);
  var T = config.text || {};
  var state = { map: null, here: null, herePos: null, signs: {} };
  window.geogridSignWalk = state;  // for the browser tests
  function fmt(s, v) { return String(s || "").replace("%s", v); }
  function metres(a, b) {  // haversine: a hint only
    var R = 6371008.8, rad = Math.PI / 180, dLat = (b[1] - a[1]) * rad, dLon = (b[0] - a[0]) * rad;
    var h = Math.pow(Math.sin(dLat / 2), 2) + Math.cos(a[1] * rad) * Math.cos(b[1] * rad) * Math.pow(Math.sin(dLon / 2), 2);
    return 2 * R * Math.asin(Math.min(1, Math.sqrt(h)));
  }
  function uuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return "k" + Date.now().toString(36) + Math.random().toString(36).slice(2);
  }
  function colour(c) { return config.colours[c] || "#555"; }
  function showDistances() {
    if (!state.herePos) return;
    document.querySelectorAll(".walk-item").forEach(function (li) {
      var d = metres(state.herePos, [parseFloat(li.dataset.lon), parseFloat(li.dataset.lat)]);
      li.querySelector(".walk-distance").textContent = fmt(T.distance, d < 1000 ? Math.round(d) + " " + T.m : (d / 1000).toFixed(2) + " " + T.km);
    });
  }

  window.geogridSignWalkInit = function (map) {
    state.map = map;
    var roads = L.geoJSON(config.roads, { style: { color: "#555", weight: 4, opacity: 0.6 } }).addTo(map);
    var bounds = roads.getBounds();
    config.signs.forEach(function (s, i) {
      state.signs[s.code] = L.circleMarker([s.lat, s.lon], { radius: 8, color: s.done ? "#000" : "#fff", weight: 2, fillColor: colour(s.condition), fillOpacity: 1 })
        .bindTooltip((i + 1) + ". " + s.code, { permanent: false }).addTo(map);
      bounds.extend([s.lat, s.lon]);
    });
    if (bounds.isValid()) map.fitBounds(bounds, { padding: [16, 16], maxZoom: 18, animate: false });
    drawHere();
    map.getContainer().setAttribute("data-ready", "1");
  };

  function drawHere() {  // the fix may come before the map is ready: drawn by whichever comes last
    if (!state.map || !state.herePos) return;
    var ll = [state.herePos[1], state.herePos[0]];
    if (!state.here) state.here = L.circleMarker(ll, { radius: 6, color: "#0b5394", fillColor: "#3d85c6", fillOpacity: 0.9 }).bindTooltip(T.here).addTo(state.map);
    else state.here.setLatLng(ll);
  }
  function located(pos) {
    state.herePos = [pos.coords.longitude, pos.coords.latitude];
    document.getElementById("walk-gps").textContent = fmt(T.accuracy, Math.round(pos.coords.accuracy || 0));
    drawHere();
    showDistances();
  }
  if (navigator.geolocation) {
    navigator.geolocation.watchPosition(located, function (err) {
      document.getElementById("walk-gps").textContent = fmt(T.noGeo, err.message);
    }, { enableHighAccuracy: true, maximumAge: 5000, timeout: 30000 });
  }

  document.querySelectorAll(".walk-form").forEach(function (form) {
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var li = form.closest(".walk-item"), result = li.querySelector(".walk-result");
      var key = form.dataset.key || uuid();
      form.dataset.key = key;  // the same key if the user presses again before an answer
      var body = new FormData();
      body.append("sign", form.dataset.sign);
      body.append("condition", form.condition.value);
      body.append("cleaned", form.cleaned.checked ? "true" : "false");
      body.append("note", form.note.value);
      if (form.photo.files && form.photo.files[0]) body.append("photo", form.photo.files[0]);
      var button = form.querySelector("button");
      button.disabled = true;
      fetch(config.inspectionsUrl, {
        method: "POST", credentials: "same-origin",
        headers: { Accept: "application/json", "X-CSRFToken": document.getElementById("csrf").value, "Idempotency-Key": key },
        body: body,
      }).then(function (r) {
        return r.json().then(function (data) { return { ok: r.ok, data: data }; });
      }).then(function (res) {
        button.disabled = false;
        if (!res.ok) {
          delete form.dataset.key;  // refused: a corrected request is a new one
          result.textContent = fmt(T.failed, res.data.error || JSON.stringify(res.data));
          return;
        }
        var d = res.data, text = fmt(T.saved, d.condition_label) + (d.cleaned ? " · " + T.cleaned : "");
        if (d.repair) text += " · " + fmt(d.repair_created ? T.repair : T.repairOpen, d.repair);
        result.textContent = text;
        li.classList.add("done");
        li.dataset.condition = d.sign_condition;
        li.querySelector(".current").textContent = d.sign_condition_label;
        li.querySelector(".dot").style.background = colour(d.sign_condition);
        form.remove();
        var n = document.getElementById("done-count");
        if (n) n.textContent = document.querySelectorAll(".walk-item.done").length;
        var mk = state.signs[d.sign];
        if (mk) mk.setStyle({ fillColor: colour(d.sign_condition), color: "#000" });
        var next = document.querySelector(".walk-item:not(.done)");  // on to the next sign in order
        if (next && next.scrollIntoView) next.scrollIntoView({ block: "start", behavior: "smooth" });
      }).catch(function (err) {
        button.disabled = false;  // the key is kept: pressing again resends safely
        result.textContent = fmt(T.failed, err.message);
      });
    });
  });
})();

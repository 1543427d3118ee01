/* The marker walk (phone, plain JS over Leaflet from django-leaflet): the line and its markers in
 * order, each marker's registered position and the user's own (navigator.geolocation, WGS84), the
 * distance between them as a hint; a check is posted to the API (POST …/checks/ with crs WGS84 and a
 * client_id, so a repeated send makes no duplicate) and the server measures the displacement in
 * the Gauss-Krüger zone. Offline queueing is not here (issue #16). */
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("walk-config").textContent);
  var T = config.text || {};
  var state = { map: null, here: null, herePos: null, markers: {} };
  window.geogridWalk = state;  // for the browser tests
  function fmt(s, v) { return String(s || "").replace("%s", v); }
  function metres(a, b) {  // haversine: a hint only
    var R = 6371008.8, rad = Math.PI / 180, dLat = (b[1] - a[1]) * rad, dLon = (b[0] - a[0]) * rad;
    var h = Math.pow(Math.sin(dLat / 2), 2) + Math.cos(a[1] * rad) * Math.cos(b[1] * rad) * Math.pow(Math.sin(dLon / 2), 2);
    return 2 * R * Math.asin(Math.min(1, Math.sqrt(h)));
  }
  function uuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return "c" + Date.now().toString(36) + Math.random().toString(36).slice(2);
  }
  function showDistances() {
    if (!state.herePos) return;
    document.querySelectorAll(".walk-item").forEach(function (li) {
      var d = metres(state.herePos, [parseFloat(li.dataset.lon), parseFloat(li.dataset.lat)]);
      li.querySelector(".walk-distance").textContent = fmt(T.distance, d < 1000 ? Math.round(d) + " " + T.m : (d / 1000).toFixed(2) + " " + T.km);
    });
  }
  function colour(c) { return config.colours[c || "unchecked"]; }

  window.geogridWalkMapInit = function (map) {
    state.map = map;
    var line = L.geoJSON(config.line, { style: { color: "#000", weight: 3, dashArray: "10 4 2 4" } }).addTo(map);
    config.markers.forEach(function (m) {
      state.markers[m.number] = L.circleMarker([m.lat, m.lon], { radius: 7, color: "#000", weight: 2, fillColor: colour(m.condition), fillOpacity: 1 })
        .bindTooltip(m.number + " · " + T.registered).addTo(map);
    });
    var b = line.getBounds();
    if (b.isValid()) map.fitBounds(b, { padding: [16, 16], animate: false });
    map.getContainer().setAttribute("data-ready", "1");
  };

  function located(pos) {
    state.herePos = [pos.coords.longitude, pos.coords.latitude];
    document.getElementById("walk-gps").textContent = fmt(T.accuracy, Math.round(pos.coords.accuracy || 0));
    if (state.map) {
      var ll = [pos.coords.latitude, pos.coords.longitude];
      if (!state.here) state.here = L.circleMarker(ll, { radius: 6, color: "#0b5394", fillColor: "#3d85c6", fillOpacity: 0.9 }).bindTooltip(T.here).addTo(state.map);
      else state.here.setLatLng(ll);
    }
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
      var body = new FormData();
      var clientId = form.dataset.clientId || uuid();
      form.dataset.clientId = clientId;  // the same id if the user presses again
      body.append("marker", form.dataset.marker);
      body.append("condition", form.condition.value);
      body.append("notes", form.notes.value);
      body.append("client_id", clientId);
      if (form.lon.value.trim() && form.lat.value.trim()) {  // typed coordinates win over the phone's fix
        body.append("lon", form.lon.value.trim()); body.append("lat", form.lat.value.trim()); body.append("crs", form.crs.value);
      } else if (form.use_gps.checked && state.herePos) {
        body.append("lon", state.herePos[0]); body.append("lat", state.herePos[1]); body.append("crs", "WGS84");
      }
      Array.prototype.forEach.call(form.photos.files || [], function (f) { body.append("photos", f); });
      var button = form.querySelector("button");
      button.disabled = true;
      fetch(config.checksUrl, {
        method: "POST", credentials: "same-origin",
        headers: { Accept: "application/json", "X-CSRFToken": document.getElementById("csrf").value },
        body: body,
      }).then(function (r) {
        return r.json().then(function (data) { return { ok: r.ok, data: data }; });
      }).then(function (res) {
        button.disabled = false;
        if (!res.ok) { result.textContent = fmt(T.failed, res.data.error || JSON.stringify(res.data)); return; }
        delete form.dataset.clientId;  // saved: a later change is a new request
        var d = res.data.displacement_m;
        result.textContent = d === null || d === undefined ? T.savedNoPos : fmt(T.saved, d.toFixed(2));
        li.classList.add("done");
        li.dataset.displacement = d === null || d === undefined ? "" : d;
        var mk = state.markers[form.dataset.marker];
        if (mk) mk.setStyle({ fillColor: colour(res.data.condition) });
      }).catch(function (err) {
        button.disabled = false;
        result.textContent = fmt(T.failed, err.message);
      });
    });
  });

  document.querySelectorAll(".section-form").forEach(function (form) {
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var li = form.closest(".walk-section"), result = form.querySelector(".section-result");
      fetch(config.sectionsUrl, {
        method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": document.getElementById("csrf").value },
        body: JSON.stringify({ from_marker: li.dataset.from, to_marker: li.dataset.to, references_complete: form.references_complete.checked,
                               identifiable: form.identifiable.checked, references_notes: form.references_notes.value }),
      }).then(function (r) {
        return r.json().then(function (data) { return { ok: r.ok, data: data }; });
      }).then(function (res) {
        result.textContent = res.ok ? T.savedNoPos : fmt(T.failed, res.data.error || JSON.stringify(res.data));
        if (res.ok) li.classList.add("done");
      }).catch(function (err) { result.textContent = fmt(T.failed, err.message); });
    });
  });
})();

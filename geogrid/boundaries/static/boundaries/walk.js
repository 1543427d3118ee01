/* The marker walk (phone, plain JS over Leaflet from django-leaflet): the line and its markers in
 * order, each marker's registered position and the user's own (navigator.geolocation, WGS84), the
 * distance between them as a hint; a check is posted to the API (POST …/checks/ with crs WGS84 and a
 * client_id, so a repeated send makes no duplicate) and the server measures the displacement in
 * the Gauss-Krüger zone. Without a network the check waits in the phone's outbox (static/offline/
 * outbox.js, issue #16) and is sent by itself when the connection returns; the client_id and the
 * outbox's Idempotency-Key make a replay create nothing twice. The walk itself (a patrol of the
 * line's markers) also starts and ends without a network: the start waits in the outbox with the
 * phone's client key (POST …/walk/), the end behind it (POST /api/patrols/<client key>/end/); the
 * checks entered between them are replayed while the walk is open, so their markers count as visited. */
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("walk-config").textContent);
  var T = config.text || {};
  var outbox = window.geogridOutbox, OT = outbox.text;
  var state = { map: null, here: null, herePos: null, markers: {} };
  window.geogridWalk = state;  // for the browser tests
  var walk = window.geogridFieldWalk(state, T), fmt = walk.fmt, drawHere = walk.drawHere;  // static/geogrid/fieldwalk.js
  function uuid() {  // a UUID (v4): the server takes the walk's client key only in that shape
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var a = new Uint8Array(16); crypto.getRandomValues(a);
    a[6] = (a[6] & 0x0f) | 0x40; a[8] = (a[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(a, function (b) { return (b + 256).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }
  function colour(c) { return config.colours[c || "unchecked"]; }

  window.geogridWalkMapInit = function (map) {
    state.map = map;
    var line = L.geoJSON(config.line, { style: { color: "#000", weight: 3, dashArray: "10 4 2 4" } }).addTo(map);
    config.markers.forEach(function (m) {
      state.markers[m.number] = L.circleMarker([m.lat, m.lon], { radius: 7, color: "#000", weight: 2, fillColor: colour(m.condition), fillOpacity: 1 })
        .bindTooltip(window.geogridUtil.esc(m.number + " · " + T.registered)).addTo(map);
    });
    var b = line.getBounds();
    if (b.isValid()) map.fitBounds(b, { padding: [16, 16], animate: false });
    drawHere();
    map.getContainer().setAttribute("data-ready", "1");
  };



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
      var button = form.querySelector("button");
      button.disabled = true;
      var photos = Array.prototype.slice.call(form.photos.files || []);
      Promise.all(photos.map(outbox.resizePhoto)).then(function (resized) {
        var fields = [];
        body.forEach(function (v, k) { fields.push([k, v]); });
        resized.forEach(function (f) { fields.push(["photos", f]); });
        return outbox.submit({ kind: "check", url: config.checksUrl, form: fields, label: fmt(OT.checkLabel, form.dataset.marker),
                               meta: { marker: form.dataset.marker } });
      }).then(function (res) {
        button.disabled = false;
        delete form.dataset.clientId;  // kept or saved: a later change is a new request
        if (res.outcome === "queued") { li.classList.add("queued"); result.textContent = OT.queued; return; }
        if (res.outcome === "refused") { result.textContent = fmt(T.failed, res.reason); return; }
        if (res.data) saved(form.dataset.marker, res.data);
      }).catch(function (err) {
        button.disabled = false;
        result.textContent = fmt(T.failed, err.message);
      });
    });
  });

  function saved(marker, data) {  // a check the server has: its displacement, and the marker's colour
    var li = document.querySelector(".walk-item[data-marker='" + marker + "']");
    if (!li) return;
    var d = data.displacement_m;
    li.querySelector(".walk-result").textContent = (d === null || d === undefined ? T.savedNoPos : fmt(T.saved, d.toFixed(2)))
      + (data.far_from_marker ? " · " + T.far : "");  // kept, but the report waits for a re-measure
    li.classList.toggle("far-off", !!data.far_from_marker);
    li.classList.remove("queued");
    li.classList.add("done");
    li.dataset.displacement = d === null || d === undefined ? "" : d;
    var mk = state.markers[marker];
    if (mk) mk.setStyle({ fillColor: colour(data.condition) });
  }
  // Checks of this inspection sent from the outbox (now, or by another tab), and those still waiting.
  outbox.on("sent", function (ev) {
    if (ev.item.kind === "check" && ev.item.url === config.checksUrl && ev.data) saved(ev.item.meta.marker, ev.data);
  });
  outbox.on("change", function (items) {
    var kept = items.filter(function (it) { return it.kind === "check" && it.url === config.checksUrl; }).map(function (it) { return it.meta.marker; });
    document.querySelectorAll(".walk-item.queued").forEach(function (li) {  // deleted from the outbox by the member
      if (kept.indexOf(li.dataset.marker) < 0) li.classList.remove("queued");
    });
    items.forEach(function (it) {
      if (it.kind !== "check" || it.url !== config.checksUrl) return;
      var li = document.querySelector(".walk-item[data-marker='" + it.meta.marker + "']");
      if (!li) return;
      li.classList.add("queued");
      li.querySelector(".walk-result").textContent = it.state === "refused" ? fmt(OT.stateRefused, it.error) : OT.queued;
    });
  });

  // --- the walk (a patrol of the markers), started and ended without a network if need be ---------------
  var startForm = document.getElementById("walk-start"), endForm = document.getElementById("walk-end");
  var LOCAL = "geogrid.walk-local." + config.checksUrl;  // the walk this phone started offline, per inspection
  var walkKey = null;
  function local(v) {
    try {
      if (v === undefined) return localStorage.getItem(LOCAL);
      if (v === null) localStorage.removeItem(LOCAL); else localStorage.setItem(LOCAL, v);
    } catch (e) { return null; }
    return v;
  }
  function walkNotice(text) {
    var p = document.getElementById("walk-queued");
    if (!p) {
      p = document.createElement("p"); p.id = "walk-queued"; p.className = "notice"; p.setAttribute("role", "status");
      endForm.parentNode.insertBefore(p, endForm);
    }
    p.textContent = text;
  }
  function walking(key) {  // the end form of the walk this phone started offline
    walkKey = key;
    endForm.dataset.apiUrl = config.patrolsUrl + key + "/end/";
    startForm.hidden = true;
    endForm.hidden = false;
  }
  function inWalk(it) { return it.meta && it.meta.chain && (it.meta.chain === walkKey || it.url === endForm.dataset.apiUrl); }
  if (startForm && endForm) {
    startForm.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var button = startForm.querySelector("button");
      button.disabled = true;
      outbox.probe().then(function (up) {
        if (up) { HTMLFormElement.prototype.submit.call(startForm); return null; }
        var key = uuid();
        return outbox.add({ kind: "walk-start", url: startForm.dataset.apiUrl, json: { client_key: key, started_at: new Date().toISOString() }, label: T.walkStartLabel,
                            meta: { chain: key, head: true } }).then(function () {
          local(key);
          walking(key);
          walkNotice(T.walkStarted);
        });
      }).then(function () { button.disabled = false; }, function (err) { button.disabled = false; walkNotice(fmt(T.failed, err.message)); });
    });
    endForm.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var button = endForm.querySelector("button");
      button.disabled = true;
      outbox.list().then(function (items) {
        var behind = items.some(inWalk);  // its start still waits: the end goes behind it
        return (behind ? Promise.resolve(false) : outbox.probe()).then(function (up) {
          if (up && !walkKey) { HTMLFormElement.prototype.submit.call(endForm); return null; }
          return outbox.add({ kind: "walk-end", url: endForm.dataset.apiUrl, json: { ended_at: new Date().toISOString() }, label: T.walkEndLabel,
                              meta: { chain: walkKey || endForm.dataset.apiUrl } }).then(function () {
            walkNotice(OT.queued);
            if (navigator.onLine) outbox.flush();
          });
        });
      }).catch(function (err) { button.disabled = false; walkNotice(fmt(T.failed, err.message)); });
    });
    var kept = local();
    if (kept && !endForm.hidden) local(null);  // the server has an open walk: the page's own end form
    else if (kept) {
      outbox.list().then(function (items) {
        if (!items.some(function (it) { return it.kind === "walk-start" && it.meta && it.meta.chain === kept; })) { local(null); return; }
        walking(kept);
        outbox.refresh();
      });
    }
    outbox.on("change", function (items) {
      items.forEach(function (it) {
        if (!inWalk(it)) return;
        if (it.kind === "walk-end") { endForm.querySelector("button").disabled = true; }
        if (it.state === "refused") walkNotice(fmt(OT.stateRefused, it.error));
        else if (it.kind === "walk-end") walkNotice(OT.queued);
      });
    });
    outbox.on("sent", function (ev) {  // the walk ended on the server: its page from there
      if (ev.item.kind === "walk-end" && inWalk(ev.item)) { local(null); location.reload(); }
    });
  }

  document.querySelectorAll(".section-form").forEach(function (form) {
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var li = form.closest(".walk-section"), result = form.querySelector(".section-result");
      outbox.submit({ kind: "section", url: config.sectionsUrl, label: fmt(OT.sectionLabel, li.dataset.from + "—" + li.dataset.to),
                      json: { from_marker: li.dataset.from, to_marker: li.dataset.to, references_complete: form.references_complete.checked,
                              identifiable: form.identifiable.checked, references_notes: form.references_notes.value } }).then(function (res) {
        if (res.outcome === "queued") { result.textContent = OT.queued; return; }
        result.textContent = res.outcome === "sent" ? T.savedNoPos : fmt(T.failed, res.reason);
        if (res.outcome === "sent") li.classList.add("done");
      }).catch(function (err) { result.textContent = fmt(T.failed, err.message); });
    });
  });
})();

/* The report page with the outbox (issue #16). Photos are resized on the phone first (long side
 * 2000 px, re-encoded, so EXIF with its GPS and camera data stays on the phone). Then one small
 * request asks whether the server is there: if it is, the form is posted as always (the server's
 * page says what is wrong, or opens the new case); if not, the report — point, category,
 * description, photos — is kept in the outbox for the incidents API (or the patrol's findings) and
 * sent by itself with its Idempotency-Key when the connection returns; "my reports" lists it as
 * waiting until then. A report the server refused on replay is fixed here (?outbox=<id>, from the
 * item's 修改 link) and replaces the refused one. */
(function () {
  "use strict";
  var outbox = window.geogridOutbox, form = document.getElementById("report-form");
  if (!outbox || !form) return;
  var OT = outbox.text, busy = false;
  var photos = form.querySelector("input[name=photos]");
  // Opened offline from the patrol's link, the kept copy of this page may be another URL's: the
  // patrol the finding belongs to comes from this one.
  var query = new URLSearchParams(location.search);
  if (query.get("patrol") && form.elements.patrol && !form.elements.patrol.value) form.elements.patrol.value = query.get("patrol");

  function value(name) { var el = form.elements[name]; return el ? String(el.value || "").trim() : ""; }
  function notice(text, withLink) {
    var p = document.getElementById("report-queued");
    if (!p) {
      p = document.createElement("p");
      p.id = "report-queued"; p.className = "notice"; p.setAttribute("role", "status");
      form.parentNode.insertBefore(p, form);
    }
    p.textContent = text + " ";
    if (withLink) {
      var a = document.createElement("a"); a.href = form.dataset.mineUrl; a.textContent = OT.mine; p.appendChild(a);
    }
    p.scrollIntoView({ block: "nearest" });
  }
  function postAsAlways(resized) {
    if (photos && resized.length && window.DataTransfer) {
      var dt = new DataTransfer();
      resized.forEach(function (f) { dt.items.add(f); });
      photos.files = dt.files;
    }
    if (!form.elements.outbox_user) {  // lets the worker keep the form if the network drops on the way
      var who = document.createElement("input");
      who.type = "hidden"; who.name = "outbox_user"; who.value = outbox.user || "";
      form.appendChild(who);
    }
    if (!form.elements.outbox_key) {  // one key for this report: a resend, or the worker's replay after
      var key = document.createElement("input");  // a lost answer, is the same request to the server
      key.type = "hidden"; key.name = "outbox_key";
      key.value = window.crypto && crypto.randomUUID ? crypto.randomUUID() : "k" + Date.now().toString(36) + Math.random().toString(36).slice(2);
      form.appendChild(key);
    }
    HTMLFormElement.prototype.submit.call(form);  // no second submit event
  }
  function buildItem(photoFiles) {  // the report as an outbox item, or null (and a hint) when incomplete
    var category = value("category"), description = value("description"), lon = value("lon"), lat = value("lat");
    if (!category || !description || !lon || !lat) { notice(OT.incomplete, false); return null; }
    var fields = [["category", category], ["description", description], ["lon", lon], ["lat", lat]];
    if (value("crs")) fields.push(["crs", value("crs")]);
    if (value("address")) fields.push(["address", value("address")]);
    photoFiles.forEach(function (f) { fields.push(["photos", f]); });
    var patrol = value("patrol"), select = form.elements.category;
    var label = select.options[select.selectedIndex].text + " · " + (description.length > 40 ? description.slice(0, 40) + "…" : description);
    return {
      kind: patrol ? "finding" : "incident", label: OT.reportLabel.replace("%s", label), form: fields,
      url: patrol ? form.dataset.findingsUrl.replace("/0/", "/" + patrol + "/") : form.dataset.apiUrl,
      meta: { category: category, patrol: patrol || null, editUrl: location.pathname, chain: patrol || undefined },
    };
  }
  function behindItsPatrol() {  // does something of this finding's patrol (its start, its track) still wait on the phone?
    var patrol = value("patrol");
    if (!patrol) return Promise.resolve(false);
    function waits() {
      return outbox.list().then(function (items) {
        return items.some(function (it) { return it.meta && String(it.meta.chain) === patrol && it.state === "waiting"; });
      });
    }
    // With a network, what waits is usually a track batch on its way: let it go first.
    return waits().then(function (w) { return w && navigator.onLine ? outbox.flush().then(waits) : w; });
  }
  function cleared() {
    form.elements.description.value = "";
    if (form.elements.address) form.elements.address.value = "";
    if (photos) photos.value = "";
    notice(OT.queued, true);
  }
  var pageConfig = JSON.parse((document.getElementById("incident-config") || { textContent: "{}" }).textContent);
  function keep(resized) {
    if (pageConfig.maxPhotos && resized.length > pageConfig.maxPhotos) {  // the server would refuse it on replay
      notice(pageConfig.text.tooMany.replace("%s", pageConfig.maxPhotos), false);
      return null;
    }
    var item = buildItem(resized);
    return item && outbox.add(item).then(cleared);
  }

  // --- a refused report, fixed by the member (my reports → 修改): ?outbox=<id> ------------------
  var editing = null;
  function prefill(it) {
    var kept = 0;
    it.form.forEach(function (pair) {
      var name = pair[0], v = pair[1];
      if (v instanceof Blob) { kept += 1; return; }
      if (form.elements[name]) form.elements[name].value = v;
    });
    if (it.meta && it.meta.patrol && form.elements.patrol) form.elements.patrol.value = it.meta.patrol;
    notice(OT.editing.replace("%s", kept) + " " + OT.stateRefused.replace("%s", it.error), false);
    showPoint(parseFloat(value("lon")), parseFloat(value("lat")));
  }
  function showPoint(lon, lat) {  // the kept point on the map; a tap moves it as usual
    var state = window.geogridIncidentMap;
    if (!state || !state.map || !isFinite(lon) || !isFinite(lat)) { setTimeout(function () { if (editing) showPoint(lon, lat); }, 200); return; }
    if (state.marker) state.marker.setLatLng([lat, lon]);
    else state.marker = L.circleMarker([lat, lon], { radius: 10, color: "#fff", weight: 3, fillColor: "#c62828", fillOpacity: 1 }).addTo(state.map);
    state.map.setView([lat, lon], Math.max(state.map.getZoom(), 15), { animate: false });
  }
  var editId = parseInt(query.get("outbox"), 10);
  if (editId) {
    outbox.get(editId).then(function (it) {
      if (it && it.user === outbox.user && it.form && (it.kind === "incident" || it.kind === "finding")) { editing = it; prefill(it); }
    });
  }
  /* The fixed report replaces the refused one: a new item (its body changed, so a new key). */
  function resend(resized) {
    var photoFiles = resized.length ? resized : editing.form.filter(function (p) { return p[1] instanceof Blob; }).map(function (p) { return p[1]; });
    var item = buildItem(photoFiles);
    if (!item) return null;
    return outbox.submit(item).then(function (res) {
      if (res.outcome === "refused") { notice(OT.stateRefused.replace("%s", res.reason), false); return null; }
      return outbox.remove(editing.id).then(function () {
        editing = null;
        if (res.outcome === "sent" && res.data) { location.href = form.dataset.caseUrl.replace("/0/", "/" + res.data.id + "/"); return; }
        cleared();
      });
    });
  }

  form.addEventListener("submit", function (ev) {
    if (ev.defaultPrevented) return;  // the page's own checks said no
    ev.preventDefault();
    if (busy) return;  // a double tap saves once
    busy = true;
    var files = Array.prototype.slice.call((photos && photos.files) || []);
    Promise.all(files.map(outbox.resizePhoto)).then(function (resized) {
      if (editing) return resend(resized);
      return behindItsPatrol().then(function (behind) {
        // A finding of a patrol whose start or track still waits on the phone goes behind them.
        if (behind) return Promise.resolve(keep(resized)).then(function () { if (navigator.onLine) outbox.flush(); });
        return outbox.probe().then(function (up) { return up ? postAsAlways(resized) : keep(resized); });
      });
    }).then(function () { busy = false; }, function (err) { busy = false; notice(err.message, false); });
  });
})();

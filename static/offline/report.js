/* The report page with the outbox (issue #16). Photos are resized on the phone first (long side
 * 2000 px, re-encoded, so EXIF with its GPS and camera data stays on the phone). Then one small
 * request asks whether the server is there: if it is, the form is posted as always (the server's
 * page says what is wrong, or opens the new case); if not, the report — point, category,
 * description, photos — is kept in the outbox for the incidents API (or the patrol's findings) and
 * sent by itself with its Idempotency-Key when the connection returns; "my reports" lists it as
 * waiting until then. */
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
    HTMLFormElement.prototype.submit.call(form);  // no second submit event
  }
  function keep(resized) {
    var category = value("category"), description = value("description"), lon = value("lon"), lat = value("lat");
    if (!category || !description || !lon || !lat) { notice(OT.incomplete, false); return null; }
    var fields = [["category", category], ["description", description], ["lon", lon], ["lat", lat]];
    if (value("crs")) fields.push(["crs", value("crs")]);
    if (value("address")) fields.push(["address", value("address")]);
    resized.forEach(function (f) { fields.push(["photos", f]); });
    var patrol = value("patrol"), select = form.elements.category;
    var label = select.options[select.selectedIndex].text + " · " + (description.length > 40 ? description.slice(0, 40) + "…" : description);
    return outbox.add({
      kind: patrol ? "finding" : "incident", label: OT.reportLabel.replace("%s", label), form: fields,
      url: patrol ? form.dataset.findingsUrl.replace("/0/", "/" + patrol + "/") : form.dataset.apiUrl,
      meta: { category: category, patrol: patrol || null },
    }).then(function () {
      form.elements.description.value = "";
      if (form.elements.address) form.elements.address.value = "";
      if (photos) photos.value = "";
      notice(OT.queued, true);
    });
  }

  form.addEventListener("submit", function (ev) {
    if (ev.defaultPrevented) return;  // the page's own checks said no
    ev.preventDefault();
    if (busy) return;  // a double tap saves once
    busy = true;
    var files = Array.prototype.slice.call((photos && photos.files) || []);
    Promise.all(files.map(outbox.resizePhoto)).then(function (resized) {
      return outbox.probe().then(function (up) { return up ? postAsAlways(resized) : keep(resized); });
    }).then(function () { busy = false; }, function (err) { busy = false; notice(err.message, false); });
  });
})();

/* Care visits (plain JS over Leaflet from django-leaflet): the households of the page on a map,
 * coloured by the deadline rule the server computed (green / yellow / red, days overdue), and the
 * visit form, which is ONE plain JSON POST to the API (/api/care/visits/) so that an offline queue
 * can later replay it. On 201 the subject's colour comes from the answer (subject_status) and the
 * household is redrawn with the worst colour of its subjects; a refusal shows the server's words. */
(function () {
  "use strict";

  var el = document.getElementById("care-config");
  var config = el ? JSON.parse(el.textContent) : {};
  var T = config.text || {};
  var outbox = window.geogridOutbox, OT = outbox ? outbox.text : {};  // the outbox is on the visit form's page
  var COLOURS = { green: "#2e9e44", yellow: "#f2c200", red: "#d7301f" };
  var RANK = { green: 0, yellow: 1, red: 2 };
  var state = { map: null, markers: {}, households: {}, bySubject: {}, saved: 0 };
  window.geogridCare = state;  // for the browser tests

  function fmt(s, v) { return String(s || "").replace("%s", v); }
  var esc = window.geogridUtil.esc;

  function worst(subjects) {
    return subjects.reduce(function (w, s) {
      return !w || RANK[s.status] > RANK[w.status] || (RANK[s.status] === RANK[w.status] && s.days > w.days) ? s : w;
    }, null);
  }

  // Red deepens with the days overdue (the list says how many): a week, a month.
  function fill(status, days) {
    if (status === "red" && days > 30) return "#7f0000";
    if (status === "red" && days > 7) return "#b30000";
    return COLOURS[status] || "#999";
  }

  function style(status, days) {
    return { radius: 8, color: "#333", weight: 1, fillColor: fill(status, days), fillOpacity: 0.95 };
  }

  function tooltip(h) {
    return esc(h.address) + "<br>" + h.subjects.map(function (s) {
      return esc(s.name) + (s.days ? " · " + esc(fmt(T.overdue, s.days)) : "");
    }).join("<br>");
  }

  function paint(id) {
    var h = state.households[id], m = state.markers[id], w = worst(h.subjects);
    h.status = w.status;
    m.setStyle(style(w.status, w.days));
    m.setTooltipContent(tooltip(h));
    m.getElement && m.getElement() && m.getElement().setAttribute("data-status", w.status);
  }

  window.geogridCareMapInit = function (map) {
    state.map = map;
    var gm = window.geogridGridMap;
    if (config.area) gm.draw(map, config.area);
    gm.roads(map);  // the streets a member knows, under the households
    var group = L.featureGroup().addTo(map);
    ((config.households || {}).features || []).forEach(function (f) {
      var p = f.properties, c = f.geometry.coordinates;
      state.households[p.id] = { address: p.address, subjects: p.subjects, status: p.status };
      p.subjects.forEach(function (s) { state.bySubject[s.id] = p.id; });
      var m = L.circleMarker([c[1], c[0]], style(p.status, p.days)).bindTooltip(tooltip(state.households[p.id]));
      m.addTo(group);
      state.markers[p.id] = m;
      if (m.getElement && m.getElement()) m.getElement().setAttribute("data-status", p.status);
    });
    var b = group.getBounds();
    if (b.isValid()) map.fitBounds(b, { padding: [24, 24], maxZoom: 17, animate: false });
    state.count = group.getLayers().length;
    map.getContainer().setAttribute("data-ready", "1");
  };

  /* The status of the household a subject lives in, as drawn now (for the tests and the page). */
  state.statusOf = function (subjectId) {
    var h = state.households[state.bySubject[subjectId]];
    return h ? h.status : null;
  };

  var form = document.getElementById("care-visit-form");
  if (!form) return;
  var result = document.getElementById("care-result");

  function csrf() {
    var i = form.querySelector("input[name=csrfmiddlewaretoken]");
    return i ? i.value : "";
  }

  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    var subject = parseInt(form.subject.value, 10);
    var body = {
      subject: subject,
      seen: form.querySelector("input[name=seen]:checked").value === "true",
      situation: form.situation.value,
      needs: form.needs.value,
      need_mode: form.need_mode.value,
      visited_at: new Date().toISOString(),
    };
    var button = form.querySelector("button[type=submit]");
    button.disabled = true;
    // JSON, or multipart when photos are chosen (resized on the phone first): either way one request
    // to the API, through the outbox (static/offline/outbox.js): kept on the phone without a network.
    var files = Array.prototype.slice.call((form.photos && form.photos.files) || []);
    var who = form.subject.options ? form.subject.options[form.subject.selectedIndex].text : String(subject);
    Promise.all(files.map(outbox.resizePhoto)).then(function (resized) {
      var item = { kind: "visit", url: config.api.visits, label: fmt(OT.visitLabel, who), meta: { subject: subject } };
      if (resized.length) {
        item.form = Object.keys(body).map(function (k) { return [k, String(body[k])]; });
        resized.forEach(function (f) { item.form.push(["photos", f]); });
      } else {
        item.json = body;
      }
      return outbox.submit(item);
    }).then(function (res) {
      button.disabled = false;
      if (res.outcome === "queued") {
        result.textContent = OT.queued;
        result.setAttribute("data-state", "queued");
      } else if (res.outcome === "refused") {
        result.textContent = fmt(T.failed, res.reason);
        result.setAttribute("data-state", "error");
        return;
      } else {
        savedVisit(subject, res.data);
      }
      form.situation.value = "";
      form.needs.value = "";
      if (form.photos) form.photos.value = "";
    }).catch(function (err) {
      button.disabled = false;
      result.textContent = fmt(T.failed, String(err && err.message));
      result.setAttribute("data-state", "error");
    });
  });

  function savedVisit(subject, v) {
    if (!v) return;
    state.saved += 1;
    result.textContent = T.saved + (v.incident ? "；" + fmt(T.incident, v.incident) : "");
    result.setAttribute("data-state", "saved");
    var hid = state.bySubject[subject];
    if (hid !== undefined) {
      state.households[hid].subjects.forEach(function (s) { if (s.id === subject) { s.status = v.subject_status; s.days = 0; } });
      paint(hid);
    }
    var item = document.querySelector(".care-item[data-subject='" + subject + "']");
    if (item) {
      item.className = "care-item status-" + v.subject_status;
      item.setAttribute("data-status", v.subject_status);
      var badge = item.querySelector(".badge");
      if (badge) { badge.className = "badge badge-" + v.subject_status; badge.textContent = T.saved; }
    }
  }
  // A visit kept offline and sent later (by this tab or another): the map and the list follow.
  if (outbox) outbox.on("sent", function (ev) { if (ev.item.kind === "visit" && ev.item.url === config.api.visits) savedVisit(ev.item.meta.subject, ev.data); });
})();

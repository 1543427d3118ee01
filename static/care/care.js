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
  var COLOURS = { green: "#2e9e44", yellow: "#f2c200", red: "#d7301f" };
  var RANK = { green: 0, yellow: 1, red: 2 };
  var state = { map: null, markers: {}, households: {}, bySubject: {}, saved: 0 };
  window.geogridCare = state;  // for the browser tests

  function fmt(s, v) { return String(s || "").replace("%s", v); }
  var esc = function (s) { return window.geogridGridMap ? window.geogridGridMap.esc(s) : String(s); };

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
      return esc(s.name) + (s.days ? " · " + fmt(T.overdue, s.days) : "");
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
    // JSON, or multipart when photos are chosen: either way one request to the API.
    var files = form.photos ? form.photos.files : [];
    var headers = { Accept: "application/json", "X-CSRFToken": csrf() }, payload;
    if (files && files.length) {
      payload = new FormData();
      Object.keys(body).forEach(function (k) { payload.append(k, body[k]); });
      for (var i = 0; i < files.length; i++) payload.append("photos", files[i]);
    } else {
      headers["Content-Type"] = "application/json";
      payload = JSON.stringify(body);
    }
    fetch(config.api.visits, { method: "POST", credentials: "same-origin", headers: headers, body: payload }).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (data) { return { ok: r.ok, status: r.status, data: data }; });
    }).then(function (res) {
      button.disabled = false;
      if (!res.ok) {
        var d = res.data || {};
        var why = d.error || Object.keys(d).map(function (k) { return k + ": " + [].concat(d[k]).join(" "); }).join("；") || res.status;
        result.textContent = fmt(T.failed, why);
        result.setAttribute("data-state", "error");
        return;
      }
      var v = res.data;
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
      form.situation.value = "";
      form.needs.value = "";
      if (form.photos) form.photos.value = "";
    }).catch(function (err) {
      button.disabled = false;
      result.textContent = fmt(T.failed, String(err && err.message));
      result.setAttribute("data-state", "error");
    });
  });
})();

/* Place-name pages: the small maps (work queue, application, announcement) and the live name check
 * of the batch page's new-application form. Features come from the server in #placename-config. */
(function () {
  "use strict";

  var el = document.getElementById("placename-config");
  var config = el ? JSON.parse(el.textContent) : {};
  var STYLES = {
    unnamed: { color: "#c62828", weight: 5, dashArray: "8 6" },
    proposed: { color: "#ef6c00", weight: 5, dashArray: "8 6" },
    application: { color: "#1565c0", weight: 6, opacity: 0.8 },
  };

  var esc = window.geogridUtil.esc;

  window.geogridPlacenameMapInit = function (map) {
    var layer = L.geoJSON(config.features || { type: "FeatureCollection", features: [] }, {
      style: function (f) {
        var p = f.properties || {};
        return STYLES[p.kind === "road" ? p.status : p.kind] || STYLES.application;
      },
      pointToLayer: function (f, latlng) {
        var p = f.properties || {};
        // A sign: its condition's colour; a sign whose text is not the standard name gets a magenta ring.
        return L.circleMarker(latlng, { radius: 6, fillColor: p.colour || "#555", fillOpacity: 0.95,
                                        color: p.mismatch ? "#d81b60" : "#fff", weight: p.mismatch ? 3 : 1 });
      },
      onEachFeature: function (f, l) {
        var p = f.properties || {};
        l.bindTooltip(esc(p.name || "") + (p.code ? "（" + esc(p.code) + "）" : ""));
      },
    }).addTo(map);
    var b = layer.getBounds();
    if (b.isValid()) map.fitBounds(b, { padding: [16, 16], maxZoom: 16, animate: false });
    var state = { map: map, layer: layer, count: layer.getLayers().length };
    // The named roads around, with their names (the road's new name shows here once announced).
    if (window.geogridGridMap && config.page !== "announcement-bare") state.roads = window.geogridGridMap.roads(map);
    window.geogridPlacename = state;
    if (config.page === "batch") drawing(map, state);
    map.getContainer().setAttribute("data-ready", "1");
  };

  /* A new road's centreline, clicked vertex by vertex (batch page, road "new"): GeoJSON into #app-geom. */
  function drawing(map, state) {
    var select = document.getElementById("app-road"), out = document.getElementById("app-geom");
    var count = document.getElementById("draw-count");
    var points = [], line = L.polyline([], STYLES.application).addTo(map);
    state.drawn = points;
    function sync() {
      line.setLatLngs(points);
      out.value = points.length >= 2 ? JSON.stringify({ type: "LineString", coordinates: points.map(function (p) { return [p.lng, p.lat]; }) }) : "";
      count.setAttribute("data-n", points.length);
      count.textContent = points.length ? points.length + " ·" : "";
    }
    map.on("click", function (e) {
      if (select.value) return;  // an existing road is chosen: nothing to draw
      points.push(e.latlng);
      sync();
    });
    document.getElementById("draw-clear").addEventListener("click", function () { points.length = 0; sync(); });
    select.addEventListener("change", function () { if (select.value) { points.length = 0; sync(); } });
  }

  // --- live check of a proposed name (batch page) ----------------------------------------------------------
  var input = document.getElementById("app-name");
  var box = document.getElementById("name-check");
  if (input && box && config.checkUrl) {
    var timer = null, asked = 0;
    var show = function (r) {
      var html = '<p class="pinyin">' + esc(r.pinyin) + ' · <span class="sign">' + esc(r.sign_text) + "</span></p>";
      if (r.problems.length) {
        html += "<ul>" + r.problems.map(function (p) {
          return '<li class="sev-' + esc(p.severity) + '" data-code="' + esc(p.code) + '">' + esc(p.message) + "</li>";
        }).join("") + "</ul>";
      }
      box.innerHTML = html;
      box.setAttribute("data-errors", r.errors);
      box.setAttribute("data-warnings", r.warnings);
    };
    input.addEventListener("input", function () {
      clearTimeout(timer);
      var name = input.value.trim();
      if (!name) { box.innerHTML = ""; return; }
      timer = setTimeout(function () {
        var ask = ++asked;
        fetch(config.checkUrl + "?name=" + encodeURIComponent(name), { credentials: "same-origin", headers: { Accept: "application/json" } })
          .then(function (r) { return r.ok ? r.json() : null; })
          .then(function (r) { if (r && ask === asked) show(r); })
          .catch(function () { /* the server checks again on saving */ });
      }, 250);
    });
  }
})();

/* Public gazetteer: ask /api/gazetteer, list the standard names, draw them on the map. */
(function () {
  "use strict";
  var form = document.getElementById("gazetteer-form");
  if (!form) return;
  var config = JSON.parse(document.getElementById("placename-config").textContent);
  var list = document.getElementById("gazetteer-results");
  var esc = window.geogridUtil.esc;
  var drawn = null;
  form.addEventListener("submit", function (e) {
    e.preventDefault();
    var q = document.getElementById("gazetteer-q").value.trim();
    if (!q) return;
    fetch(config.apiUrl + "?q=" + encodeURIComponent(q), { headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : []; })
      .then(function (rows) {
        list.innerHTML = rows.length ? rows.map(function (r) {
          return '<li data-code="' + esc(r.code) + '"><strong>' + esc(r.name) + "</strong> " + esc(r.pinyin) + " · " + esc(r.category) +
            (r.area ? " · " + esc(r.area) : "") + "</li>";
        }).join("") : "<li>" + esc(config.text.none) + "</li>";
        var state = window.geogridPlacename;
        if (!state) return;
        if (drawn) state.map.removeLayer(drawn);
        drawn = L.geoJSON({ type: "FeatureCollection", features: rows.map(function (r) {
          return { type: "Feature", geometry: r.geometry, properties: { name: r.name } }; }) },
          { style: { color: "#1565c0", weight: 6 }, onEachFeature: function (f, l) { l.bindTooltip(esc(f.properties.name)); } }).addTo(state.map);
        var b = drawn.getBounds();
        if (b.isValid()) state.map.fitBounds(b, { padding: [16, 16], maxZoom: 16 });
        list.setAttribute("data-count", rows.length);
      });
  });
})();

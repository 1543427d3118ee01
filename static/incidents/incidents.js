/* The incident pages' maps and the report form's helpers (plain JS, Leaflet from django-leaflet).
 * The server renders the pages and checks everything; this only places the point, fills the hidden
 * lon/lat/crs fields, warns about likely duplicates and too many photos, and draws the maps (on the
 * report and case pages over the project's roads, from gridmap.js). */
(function () {
  "use strict";

  var el = document.getElementById("incident-config");
  var config = el ? JSON.parse(el.textContent) : {};
  var T = config.text || {};
  var COLOURS = { green: "#2e7d32", yellow: "#e0a000", red: "#c62828", none: "#52606d" };

  function fmt(s, v) { return String(s || "").replace("%s", v); }

  var esc = window.geogridUtil.esc;

  function fit(map, layer, maxZoom) {
    var b = layer.getBounds();
    if (b.isValid()) map.fitBounds(b, { padding: [16, 16], maxZoom: maxZoom || 17, animate: false });
  }

  /* The project's roads with their names under the point (gridmap.js, where the page loads it):
   * without a base-map server, the streets that tell a member where the map is. */
  function roads(map) {
    return window.geogridGridMap ? window.geogridGridMap.roads(map) : null;
  }

  function ready(map, state) {
    window.geogridIncidentMap = state;  // for the browser tests and the console
    map.getContainer().setAttribute("data-ready", "1");
  }

  // --- report page ------------------------------------------------------------------------------
  function initReport(map) {
    var form = document.getElementById("report-form");
    var f = form.elements;
    var where = document.getElementById("report-where");
    var similarBox = document.getElementById("similar");
    var modeHint = document.getElementById("mode-hint");
    var state = { map: map, marker: null, similar: [] };
    var area = L.geoJSON(config.area, {
      interactive: false,
      style: { color: "#0b5394", weight: 3, fillColor: "#0b5394", fillOpacity: 0.08 },
    }).addTo(map);
    var nearby = L.layerGroup().addTo(map);
    fit(map, area);
    state.roads = roads(map);

    var asked = 0;
    function checkSimilar() {
      var category = f.category.value;
      if (!category || !f.lon.value || !f.lat.value) return;
      var ask = ++asked;
      var q = new URLSearchParams({ category: category, lon: f.lon.value, lat: f.lat.value, crs: f.crs.value || "EPSG:4490" });
      fetch(config.similarUrl + "?" + q.toString(), { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) { return r.ok ? r.json() : []; })
        .then(function (cases) {
          if (ask !== asked) return;  // a newer point or category was chosen meanwhile
          state.similar = cases;
          nearby.clearLayers();
          similarBox.hidden = false;
          if (!cases.length) {
            similarBox.className = "similar none";
            similarBox.textContent = T.noSimilar;
            return;
          }
          similarBox.className = "similar found";
          similarBox.innerHTML = "<p>" + esc(fmt(T.similar, cases.length)) + "</p><ul>" + cases.map(function (c) {
            L.circleMarker([c.location.lat, c.location.lon], { radius: 6, color: "#fff", weight: 2, fillColor: "#e0a000", fillOpacity: 1 })
              .bindTooltip(esc(c.number)).addTo(nearby);
            return "<li><b>" + esc(c.number) + "</b> " + esc(c.state_label) + " · " + esc(Math.round(c.distance_m)) + " " + esc(T.meters) + "</li>";
          }).join("") + "</ul>";
        })
        .catch(function () { /* the hint is optional: the dispatcher still sees duplicates */ });
    }

    function place(lon, lat, crs, note) {
      f.lon.value = lon.toFixed(7);
      f.lat.value = lat.toFixed(7);
      f.crs.value = crs;
      if (!state.marker) {
        state.marker = L.circleMarker([lat, lon], { radius: 10, color: "#fff", weight: 3, fillColor: "#c62828", fillOpacity: 1 }).addTo(map);
      } else {
        state.marker.setLatLng([lat, lon]);
      }
      where.textContent = fmt(T.picked, lon.toFixed(5) + ", " + lat.toFixed(5)) + (note ? "（" + note + "）" : "");
      checkSimilar();
    }

    // A tap on the map is in the frame of the drawn data: CGCS2000 (EPSG:4490).
    map.on("click", function (e) { place(e.latlng.lng, e.latlng.lat, "EPSG:4490"); });

    document.getElementById("use-location").addEventListener("click", function () {
      if (!navigator.geolocation) { where.textContent = fmt(T.noGeo, "-"); return; }
      where.textContent = T.locating;
      navigator.geolocation.getCurrentPosition(function (pos) {
        var c = pos.coords;
        // The browser gives WGS84; the server converts (EPSG:4326).
        place(c.longitude, c.latitude, "EPSG:4326", fmt(T.located, Math.round(c.accuracy)));
        map.setView([c.latitude, c.longitude], Math.max(map.getZoom(), 16));
      }, function (err) {
        where.textContent = fmt(T.noGeo, err.message);
      }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
    });

    function showMode() {
      var mode = config.modes[f.category.value];
      modeHint.textContent = mode ? fmt(T.defaultMode, mode) : "";
    }
    f.category.addEventListener("change", function () { showMode(); checkSimilar(); });
    showMode();

    var photos = f.photos, photoHint = document.getElementById("photo-hint"), hintText = photoHint.textContent;
    photos.addEventListener("change", function () {
      var tooMany = photos.files.length > config.maxPhotos;
      photoHint.textContent = tooMany ? fmt(T.tooMany, config.maxPhotos) : hintText;
      photoHint.classList.toggle("field-error", tooMany);
    });

    // A form sent back with errors keeps its point.
    if (f.lon.value && f.lat.value) {
      place(parseFloat(f.lon.value), parseFloat(f.lat.value), f.crs.value || "EPSG:4490");
      map.setView([parseFloat(f.lat.value), parseFloat(f.lon.value)], Math.max(map.getZoom(), 15), { animate: false });
    }
    ready(map, state);
  }

  // --- console ----------------------------------------------------------------------------------
  function initConsole(map) {
    var area = L.geoJSON(config.area, {
      interactive: false,
      style: { color: "#0b5394", weight: 2, fillColor: "#0b5394", fillOpacity: 0.05 },
    }).addTo(map);
    var layer = L.geoJSON(config.cases, {
      pointToLayer: function (feature, latlng) {
        var colour = COLOURS[feature.properties.status] || COLOURS.none;
        return L.circleMarker(latlng, { radius: 8, color: "#fff", weight: 2, fillColor: colour, fillOpacity: 0.95 });
      },
      onEachFeature: function (feature, marker) {
        var p = feature.properties;
        marker.bindPopup("<b>" + esc(p.number) + "</b><br>" + esc(p.category) + " · " + esc(p.state) +
          '<br><a href="' + esc(p.url) + '">' + esc(T.open) + "</a>");
      },
    }).addTo(map);
    fit(map, config.cases.features.length ? layer : area, 15);
    ready(map, { map: map, cases: layer, count: config.cases.features.length });
  }

  // --- case page ----------------------------------------------------------------------------------
  function initCase(map) {
    var layer = L.geoJSON(config.features, {
      // Polygons only: a style given for every feature would repaint the case point too.
      style: function (feature) {
        return feature.geometry.type === "Point" ? {} : { color: "#0b5394", weight: 2, fillColor: "#0b5394", fillOpacity: 0.08 };
      },
      pointToLayer: function (feature, latlng) {
        return L.circleMarker(latlng, { radius: 9, color: "#fff", weight: 3, fillColor: "#c62828", fillOpacity: 1 });
      },
      onEachFeature: function (feature, l) {
        var p = feature.properties;
        l.bindTooltip(esc(p.kind === "grid" ? p.name + "（" + p.code + "）" : p.number));
      },
    }).addTo(map);
    fit(map, layer);
    ready(map, { map: map, layer: layer, roads: roads(map) });
  }

  window.geogridIncidentMapInit = function (map) {
    if (config.page === "report") initReport(map);
    else if (config.page === "console") initConsole(map);
    else if (config.page === "case") initCase(map);
  };
})();

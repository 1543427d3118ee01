/* Map code shared by the pages (plain JS over Leaflet from django-leaflet):
 * - draw(): the user's grid(s) on a small map (home page, patrol page); the features come from the
 *   server (grids.views.home_area / feature: CGCS2000 lon/lat, drawn as WGS84, as on the incident pages);
 * - layerList() / fetchLayer(): the published layers of the registry (/layers/, /layers/<name>.geojson
 *   with an optional bbox), as the /map/ page (map.js) and the road drawing read them;
 * - roads(): the project's own roads with their names, and road-name signs at close zoom, under the
 *   other features of a small map: without a base-map server, the streets a member knows.
 * The /layers/ URL comes from the data-layers-url attribute of this script's tag (default /layers/). */
(function () {
  "use strict";

  var STYLE = { color: "#0b5394", weight: 3, fillColor: "#0b5394", fillOpacity: 0.08 };
  var script = document.currentScript;
  var LAYERS_URL = (script && script.dataset.layersUrl) || "/layers/";

  var esc = window.geogridUtil.esc;

  function draw(map, collection, maxZoom) {
    var layer = L.geoJSON(collection, {
      style: STYLE,
      onEachFeature: function (feature, l) {
        var p = feature.properties || {};
        if (p.name) l.bindTooltip(esc(p.name + (p.code ? "（" + p.code + "）" : "")));
      },
    }).addTo(map);
    var b = layer.getBounds();
    if (b.isValid()) map.fitBounds(b, { padding: [12, 12], maxZoom: maxZoom || 17, animate: false });
    return layer;
  }

  // --- the published layers ------------------------------------------------------------------
  function getJSON(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); });
  }

  var lists = {};
  /* {layers: [info]} of the registry (titles, styles, property labels, geojson_url…), read once. */
  function layerList(url) {
    url = url || LAYERS_URL;
    if (!lists[url]) lists[url] = getJSON(url).catch(function (err) { delete lists[url]; throw err; });
    return lists[url];
  }

  function bboxParam(bounds) {
    var w = Math.max(-180, bounds.getWest()), s = Math.max(-90, bounds.getSouth());
    var e = Math.min(180, bounds.getEast()), n = Math.min(90, bounds.getNorth());
    return [w, s, e, n].map(function (v) { return v.toFixed(6); }).join(",");
  }

  /* A layer's FeatureCollection (info from layerList), only the features meeting bounds if given. */
  function fetchLayer(info, bounds) {
    var url = info.geojson_url + (bounds ? "?bbox=" + bboxParam(bounds) : "");
    return getJSON(url);
  }

  // --- roads under a small map -----------------------------------------------------------------
  var SIGN_ZOOM = 16;
  var CASING = { color: "#7b8794", weight: 7, opacity: 0.9, lineCap: "round", lineJoin: "round" };
  var ROAD = { color: "#ffffff", weight: 4, opacity: 1, lineCap: "round", lineJoin: "round" };

  /* The longest run of a line inside the view and the point halfway along it, so a road's name
   * sits on the part the user sees (a road's centre may lie far outside a phone's map). */
  function labelPoint(map, latlngs) {
    var size = map.getSize(), view = L.bounds([0, 0], [size.x, size.y]);
    var lines = L.LineUtil.isFlat(latlngs) ? [latlngs] : latlngs;
    var best = null, bestLen = 0;
    lines.forEach(function (line) {
      var pts = line.map(function (ll) { return map.latLngToContainerPoint(ll); });
      var run = [], len = 0;
      function close() {
        if (run.length > 1 && len > bestLen) { best = run; bestLen = len; }
        run = []; len = 0;
      }
      for (var i = 0; i + 1 < pts.length; i++) {
        var seg = L.LineUtil.clipSegment(pts[i], pts[i + 1], view, false, true);
        if (!seg) { close(); continue; }
        if (!run.length || !run[run.length - 1].equals(seg[0])) { close(); run.push(seg[0]); }
        run.push(seg[1]);
        len += seg[0].distanceTo(seg[1]);
        if (!seg[1].equals(pts[i + 1])) close();
      }
      close();
    });
    if (!best) return null;
    var half = bestLen / 2;
    for (var j = 0; j + 1 < best.length; j++) {
      var d = best[j].distanceTo(best[j + 1]);
      if (d >= half && d > 0) return map.containerPointToLatLng(best[j].add(best[j + 1].subtract(best[j]).multiplyBy(half / d)));
      half -= d;
    }
    return map.containerPointToLatLng(best[best.length - 1]);
  }

  function roadName(p) { return p.name || p.working_name || ""; }

  /* Draw the project's roads (named, with permanent labels) and, from zoom 16, its road-name signs
   * under the other features of `map`, fetched for the area in view (and again when the user moves
   * beyond it). Nothing here takes a click: taps still reach the map. Returns a state object
   * (roads, signs, counts; `ready` a promise of the first drawing). */
  function roads(map, options) {
    options = options || {};
    if (!map.getPane("roads")) {
      map.createPane("roads").style.zIndex = 350;  // above tiles, under the grids and points (400)
      map.getPane("roads").style.pointerEvents = "none";
    }
    var renderer = L.svg({ pane: "roads", padding: 0.3 });
    var state = { roads: L.featureGroup().addTo(map), signs: L.featureGroup().addTo(map), roadCount: 0, signCount: 0, loads: 0,
                  labelled: [] };
    var infos = {}, loaded = { roads: null, road_signs: null }, asked = { roads: 0, road_signs: 0 };

    function placeLabels() {
      state.labelled.forEach(function (line) {
        var at = labelPoint(map, line.getLatLngs());
        if (at) line.openTooltip(at);
        else line.closeTooltip();
      });
    }

    function drawRoads(fc) {
      state.roads.clearLayers();
      state.labelled = [];
      L.geoJSON(fc, { style: function () { return L.extend({ renderer: renderer, interactive: false }, CASING); } })
        .eachLayer(function (l) { state.roads.addLayer(l); });
      L.geoJSON(fc, {
        style: function () { return L.extend({ renderer: renderer, interactive: false }, ROAD); },
        onEachFeature: function (feature, line) {
          var name = roadName(feature.properties || {});
          if (!name) return;
          line.bindTooltip(esc(name), { permanent: true, direction: "center", className: "road-label" });
          state.labelled.push(line);
        },
      }).eachLayer(function (l) { state.roads.addLayer(l); });
      state.roadCount = fc.features.length;
      placeLabels();
    }

    function drawSigns(fc) {
      state.signs.clearLayers();
      var style = L.extend({}, (infos.road_signs && infos.road_signs.style) || {}, { radius: 4, renderer: renderer, interactive: false });
      L.geoJSON(fc, {
        pointToLayer: function (feature, latlng) { return L.circleMarker(latlng, style); },
      }).eachLayer(function (l) { state.signs.addLayer(l); });
      state.signCount = fc.features.length;
    }

    function refresh(name, draw, wanted) {
      var info = infos[name];
      if (!info) return Promise.resolve();
      if (!wanted) {
        loaded[name] = null;
        draw({ features: [] });
        return Promise.resolve();
      }
      var view = map.getBounds();
      if (loaded[name] && loaded[name].contains(view)) return Promise.resolve();
      var bounds = view.pad(0.5), ask = ++asked[name];
      return fetchLayer(info, bounds).then(function (fc) {
        if (ask !== asked[name]) return;  // the user moved on meanwhile: a newer answer is coming
        loaded[name] = bounds;
        draw(fc);
        state.loads += 1;
      });
    }

    function update() {
      var z = map.getZoom();
      return Promise.all([
        refresh("roads", drawRoads, z >= ((infos.roads && infos.roads.min_zoom) || 0)),
        refresh("road_signs", drawSigns, z >= Math.max(SIGN_ZOOM, (infos.road_signs && infos.road_signs.min_zoom) || 0)),
      ]).then(placeLabels);
    }

    state.ready = layerList(options.layersUrl)
      .then(function (data) {
        data.layers.forEach(function (info) { if (info.name in loaded) infos[info.name] = info; });
        map.on("moveend", function () { update().catch(function () { /* roads are a help, not the page */ }); });
        return update();
      })
      .then(function () { state.done = true; return state; })
      .catch(function (err) { state.error = String(err && err.message); return state; });
    return state;
  }

  window.geogridGridMap = { draw: draw, getJSON: getJSON, layerList: layerList, fetchLayer: fetchLayer, roads: roads,
                            labelPoint: labelPoint };

  // Home page: the member's grids, or the area a staff user works for.
  window.geogridHomeMapInit = function (map) {
    var el = document.getElementById("home-map-config");
    var layer = draw(map, el ? JSON.parse(el.textContent) : { type: "FeatureCollection", features: [] });
    window.geogridHome = { map: map, layer: layer, count: layer.getLayers().length };
    map.getContainer().setAttribute("data-ready", "1");
  };
})();

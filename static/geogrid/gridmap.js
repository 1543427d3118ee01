/* The user's grid(s) on a small Leaflet map: one drawing shared by the home page and the patrol
 * page. The features come from the server (grids.views.home_area / feature: CGCS2000 lon/lat,
 * drawn as WGS84, as on the incident pages). */
(function () {
  "use strict";

  var STYLE = { color: "#0b5394", weight: 3, fillColor: "#0b5394", fillOpacity: 0.08 };

  function draw(map, collection, maxZoom) {
    var layer = L.geoJSON(collection, {
      style: STYLE,
      onEachFeature: function (feature, l) {
        var p = feature.properties || {};
        if (p.name) l.bindTooltip(p.name + (p.code ? "（" + p.code + "）" : ""));
      },
    }).addTo(map);
    var b = layer.getBounds();
    if (b.isValid()) map.fitBounds(b, { padding: [12, 12], maxZoom: maxZoom || 17, animate: false });
    return layer;
  }

  window.geogridGridMap = { draw: draw };

  // Home page: the member's grids, or the area a staff user works for.
  window.geogridHomeMapInit = function (map) {
    var el = document.getElementById("home-map-config");
    var layer = draw(map, el ? JSON.parse(el.textContent) : { type: "FeatureCollection", features: [] });
    window.geogridHome = { map: map, layer: layer, count: layer.getLayers().length };
    map.getContainer().setAttribute("data-ready", "1");
  };
})();

/* The coverage page's map: level-5 grids coloured by the share of households covered (classes and
 * colours come from the server, /facilities/coverage/map.geojson with the page's query), the
 * facilities counted with their service circles, and the legend (geogridUtil.choropleth, the
 * stats page's map too). */
(function () {
  "use strict";

  var config = JSON.parse(document.getElementById("coverage-config").textContent);
  var T = config.text;

  var U = window.geogridUtil, esc = U.esc;

  window.geogridCoverageInit = function (map) {
    var state = { map: map, grids: null, facilities: null, count: 0, facilityCount: 0 };
    window.geogridCoverage = state;  // for the browser tests and people at the console
    U.choropleth(map, {
      url: config.geojsonUrl, fields: config.fields, text: T, stroke: { color: "#666", weight: 0.6 },
      tooltip: function (p) { return p.name + "：" + p.share_pct + "%"; },
      more: function (fc, grids) {
        var t = fc.facility_type;
        var icon = L.divIcon({ className: "", html: '<span class="fac-marker" style="background:' + esc(t.color) + '">' + esc(t.icon) + "</span>",
                               iconSize: [20, 20], iconAnchor: [10, 10] });
        state.facilities = L.layerGroup(fc.facilities.features.map(function (f) {
          var ll = [f.geometry.coordinates[1], f.geometry.coordinates[0]];
          return L.layerGroup([
            L.circle(ll, { radius: fc.radius_m, color: t.color, weight: 1, fill: false, dashArray: "4 4", interactive: false }),
            L.marker(ll, { icon: icon, title: f.properties.name }).bindPopup('<div class="feature-popup"><h3>' + esc(f.properties.name) +
              "</h3>" + esc(f.properties.address || "") + "</div>"),
          ]);
        })).addTo(map);
        state.grids = grids;
        state.count = grids.getLayers().length;
        state.facilityCount = fc.facilities.features.length;
        var overlays = {};
        overlays[esc(t.name)] = state.facilities;
        L.control.layers(null, overlays).addTo(map);
      },
      legend: function (fc) {
        var t = fc.facility_type;
        U.legend(map, "map-legend stats-legend coverage-legend", T.legend, fc.legend,
                 '<li><span class="fac-marker" style="background:' + esc(t.color) + '">' + esc(t.icon) + "</span>&nbsp;" +
                 esc(t.name) + " · " + esc(T.radius) + " " + esc(fc.radius_m) + " m</li>");
      },
    });
  };
})();

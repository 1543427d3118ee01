/* The coverage page's map: level-5 grids coloured by the share of households covered (classes and
 * colours come from the server, /facilities/coverage/map.geojson with the page's query), the
 * facilities counted with their service circles, and the legend. */
(function () {
  "use strict";

  var config = JSON.parse(document.getElementById("coverage-config").textContent);
  var T = config.text;

  function esc(s) {
    return String(s).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }

  function popupHtml(props) {
    var rows = config.fields.map(function (f) {
      var v = props[f[0]];
      return "<tr><th>" + esc(f[1]) + "</th><td>" + (v === null || v === undefined || v === "" ? "—" : esc(v)) + "</td></tr>";
    }).join("");
    return '<div class="feature-popup"><h3>' + esc(props.name) + "</h3><table>" + rows + "</table></div>";
  }

  function addLegend(map, fc) {
    var control = L.control({ position: "bottomright" });
    control.onAdd = function () {
      var div = L.DomUtil.create("div", "map-legend stats-legend coverage-legend");
      var t = fc.facility_type;
      div.innerHTML = "<h4>" + esc(T.legend) + "</h4><ul>" + fc.legend.map(function (c) {
        return '<li><i class="swatch" style="background:' + esc(c.color) + '"></i>' + esc(c.label) + "</li>";
      }).join("") + '<li><span class="fac-marker" style="background:' + esc(t.color) + '">' + esc(t.icon) + "</span>&nbsp;" +
        esc(t.name) + " · " + esc(T.radius) + " " + esc(fc.radius_m) + " m</li></ul>";
      return div;
    };
    control.addTo(map);
  }

  window.geogridCoverageInit = function (map) {
    var container = map.getContainer();
    var state = { map: map, grids: null, facilities: null, count: 0, facilityCount: 0 };
    window.geogridCoverage = state;  // for the browser tests and people at the console
    fetch(config.geojsonUrl, { credentials: "same-origin" })
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
      .then(function (fc) {
        state.grids = L.geoJSON(fc, {
          style: function (f) { return { fillColor: f.properties.color, color: "#666", weight: 0.6, fillOpacity: 0.75 }; },
          onEachFeature: function (f, layer) {
            layer.bindPopup(popupHtml(f.properties), { maxWidth: 360 });
            layer.bindTooltip(esc(f.properties.name) + "：" + esc(f.properties.share_pct) + "%", { sticky: true });
          },
        }).addTo(map);
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
        state.count = state.grids.getLayers().length;
        state.facilityCount = fc.facilities.features.length;
        L.control.layers(null, (function () { var o = {}; o[esc(t.name)] = state.facilities; return o; })()).addTo(map);
        addLegend(map, fc);
        if (state.count) {
          map.fitBounds(state.grids.getBounds(), { padding: [10, 10], animate: false });
        } else {
          container.insertAdjacentHTML("beforeend", '<p class="stats-map-msg">' + esc(T.none) + "</p>");
        }
        container.dataset.ready = "1";
      })
      .catch(function () {
        container.insertAdjacentHTML("beforeend", '<p class="stats-map-msg">' + esc(T.loadFailed) + "</p>");
        container.dataset.ready = "error";
      });
  };
})();

/* The /stats/ page: the choropleth map (features, colours and legend come classed from the server,
 * /stats/map.geojson with the page's filter) and click-to-sort tables. */
(function () {
  "use strict";

  var config = JSON.parse(document.getElementById("stats-config").textContent);
  var T = config.text;

  function esc(s) {
    return String(s).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }

  function popupHtml(props) {
    var rows = config.fields.map(function (f) {
      var v = props[f[0]];
      return "<tr><th>" + esc(f[1]) + "</th><td>" + (v === null || v === undefined ? "—" : esc(v)) + "</td></tr>";
    }).join("");
    return '<div class="feature-popup"><h3>' + esc(props.name) + "</h3><table>" + rows + "</table></div>";
  }

  function addLegend(map, legend) {
    var control = L.control({ position: "bottomright" });
    control.onAdd = function () {
      var div = L.DomUtil.create("div", "map-legend stats-legend");
      div.innerHTML = "<h4>" + esc(T.legend) + " · " + esc(config.metricLabel) + "</h4><ul>" + legend.map(function (c) {
        return '<li><i class="swatch" style="background:' + esc(c.color) + '"></i>' + esc(c.label) + "</li>";
      }).join("") + "</ul>";
      return div;
    };
    control.addTo(map);
    return control;
  }

  window.geogridStatsInit = function (map) {
    var container = map.getContainer();
    var state = { map: map, layer: null, count: 0, legend: null };
    window.geogridStats = state;  // for the browser tests and for people poking at the console
    fetch(config.geojsonUrl, { credentials: "same-origin" })
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
      .then(function (fc) {
        state.layer = L.geoJSON(fc, {
          style: function (f) { return { fillColor: f.properties.color, color: "#555", weight: 1, fillOpacity: 0.75 }; },
          onEachFeature: function (f, layer) {
            layer.bindPopup(popupHtml(f.properties), { maxWidth: 360 });
            layer.bindTooltip(esc(f.properties.name) + "：" + esc(f.properties.value === null ? "—" : f.properties.value), { sticky: true });
          },
        }).addTo(map);
        state.count = state.layer.getLayers().length;
        state.legend = addLegend(map, fc.legend);
        if (state.count) {
          map.fitBounds(state.layer.getBounds(), { padding: [10, 10] });
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

  // Click a header to sort by it (numbers as numbers, missing figures last); again to reverse.
  Array.prototype.forEach.call(document.querySelectorAll("table.stats-table"), function (table) {
    var heads = table.querySelectorAll("thead th");
    Array.prototype.forEach.call(heads, function (th, col) {
      th.addEventListener("click", function () {
        var numeric = th.dataset.kind !== "text";
        var dir = th.dataset.dir === "asc" ? "desc" : "asc";
        Array.prototype.forEach.call(heads, function (h) { delete h.dataset.dir; });
        th.dataset.dir = dir;
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (a, b) {
          var x = a.cells[col].dataset.sort, y = b.cells[col].dataset.sort;
          if (x === "" || y === "") return (x === "") - (y === "");
          var c = numeric ? parseFloat(x) - parseFloat(y) : x.localeCompare(y, "zh-Hans-CN");
          return dir === "asc" ? c : -c;
        });
        rows.forEach(function (r) { body.appendChild(r); });
      });
    });
  });
})();

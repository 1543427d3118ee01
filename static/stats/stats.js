/* The /stats/ page: the choropleth map (geogridUtil.choropleth: features, colours and legend come
 * classed from the server, /stats/map.geojson with the page's filter) and click-to-sort tables. */
(function () {
  "use strict";

  var config = JSON.parse(document.getElementById("stats-config").textContent);
  var T = config.text;

  var U = window.geogridUtil;

  window.geogridStatsInit = function (map) {
    var state = { map: map, layer: null, count: 0, legend: null };
    window.geogridStats = state;  // for the browser tests and for people poking at the console
    U.choropleth(map, {
      url: config.geojsonUrl, fields: config.fields, text: T,
      tooltip: function (p) { return p.name + "：" + (p.value === null ? "—" : p.value); },
      legend: function (fc) { state.legend = U.legend(map, "map-legend stats-legend", T.legend + " · " + config.metricLabel, fc.legend); },
      more: function (fc, layer) { state.layer = layer; state.count = layer.getLayers().length; },
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

/* The staff list of patrols (/patrols/all/): the tracks of the listed page on a map over the
 * project's roads (gridmap.js), opening on the tracks (or on the staff area when none has a track).
 * A track's pop-up names the grid, the member, the start, the length and the findings; a click
 * on a row of the table shows its track. */
(function () {
  "use strict";

  var el = document.getElementById("patrol-tracks-config");
  var config = el ? JSON.parse(el.textContent) : {};
  var T = config.text || {};
  var G = window.geogridGridMap, esc = window.geogridUtil.esc;
  var STYLE = { color: "#6a1b9a", weight: 4, opacity: 0.85 };

  window.geogridPatrolTracksInit = function (map) {
    var area = L.geoJSON(config.area, {
      interactive: false, style: { color: "#0b5394", weight: 2, fillColor: "#0b5394", fillOpacity: 0.04 },
    }).addTo(map);
    var byId = {};
    var tracks = L.geoJSON(config.tracks, {
      style: function () { return STYLE; },
      onEachFeature: function (feature, line) {
        var p = feature.properties;
        byId[p.id] = line;
        line.bindPopup("<b>" + esc(p.grid) + "</b>（" + esc(p.code) + "）<br>" + esc(p.member) + " · " + esc(p.started) +
          "<br>" + esc(p.length) + " · " + esc(String(T.findings || "").replace("%s", p.findings)));
      },
    }).addTo(map);
    var shown = tracks.getLayers().length ? tracks : area;
    var b = shown.getBounds();
    if (b.isValid()) map.fitBounds(b, { padding: [16, 16], maxZoom: 17, animate: false });
    var roads = G.roads(map);

    document.querySelectorAll("#patrol-table tr[data-patrol]").forEach(function (row) {
      var line = byId[row.dataset.patrol];
      if (!line) return;
      row.classList.add("has-track");
      row.addEventListener("click", function () {
        document.querySelectorAll("#patrol-table tr.on").forEach(function (r) { r.classList.remove("on"); });
        row.classList.add("on");
        map.fitBounds(line.getBounds(), { padding: [24, 24], maxZoom: 17 });
        line.openPopup();
      });
    });
    window.geogridPatrolTracks = { map: map, tracks: tracks, count: tracks.getLayers().length, roads: roads };
    map.getContainer().setAttribute("data-ready", "1");
  };
})();

/* What the phone walks share (the boundary marker walk, the road-sign walk): the phone's position
 * watched (navigator.geolocation, WGS84), drawn on the walk's map by whichever of the fix and the
 * map comes last, and each .walk-item's distance from it (haversine: a hint only). The page's state
 * holds map, here and herePos; T its texts (distance, m, km, accuracy, noGeo, here). */
window.geogridFieldWalk = function (state, T) {
  "use strict";
  function fmt(s, v) { return String(s || "").replace("%s", v); }
  function metres(a, b) {
    var R = 6371008.8, rad = Math.PI / 180, dLat = (b[1] - a[1]) * rad, dLon = (b[0] - a[0]) * rad;
    var h = Math.pow(Math.sin(dLat / 2), 2) + Math.cos(a[1] * rad) * Math.cos(b[1] * rad) * Math.pow(Math.sin(dLon / 2), 2);
    return 2 * R * Math.asin(Math.min(1, Math.sqrt(h)));
  }
  function showDistances() {
    if (!state.herePos) return;
    document.querySelectorAll(".walk-item").forEach(function (li) {
      var d = metres(state.herePos, [parseFloat(li.dataset.lon), parseFloat(li.dataset.lat)]);
      li.querySelector(".walk-distance").textContent = fmt(T.distance, d < 1000 ? Math.round(d) + " " + T.m : (d / 1000).toFixed(2) + " " + T.km);
    });
  }
  function drawHere() {
    if (!state.map || !state.herePos) return;
    var ll = [state.herePos[1], state.herePos[0]];
    if (!state.here) state.here = L.circleMarker(ll, { radius: 6, color: "#0b5394", fillColor: "#3d85c6", fillOpacity: 0.9 }).bindTooltip(window.geogridUtil.esc(T.here)).addTo(state.map);
    else state.here.setLatLng(ll);
  }
  function located(pos) {
    state.herePos = [pos.coords.longitude, pos.coords.latitude];
    document.getElementById("walk-gps").textContent = fmt(T.accuracy, Math.round(pos.coords.accuracy || 0));
    drawHere();
    showDistances();
  }
  if (navigator.geolocation) {
    navigator.geolocation.watchPosition(located, function (err) {
      document.getElementById("walk-gps").textContent = fmt(T.noGeo, err.message);
    }, { enableHighAccuracy: true, maximumAge: 5000, timeout: 30000 });
  }
  return { fmt: fmt, drawHere: drawHere };
};

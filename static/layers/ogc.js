// The OGC API HTML pages: draw this page's features (CRS84 only) on a small map, no base map.
(function () {
  var el = document.getElementById("ogc-map"), data = document.getElementById("ogc-features");
  if (!el || !data || !window.L) return;
  var fc = JSON.parse(data.textContent);
  if (!fc || !fc.features || !fc.features.length) { el.hidden = true; return; }
  var map = L.map(el, { preferCanvas: true });
  var layer = L.geoJSON(fc, {
    pointToLayer: function (f, latlng) { return L.circleMarker(latlng, { radius: 5 }); },
    style: { color: "#1f78b4", weight: 1.5, fillOpacity: 0.2 }
  }).addTo(map);
  map.fitBounds(layer.getBounds(), { padding: [10, 10], maxZoom: 17, animate: false });
  el.dataset.ready = "1";
})();

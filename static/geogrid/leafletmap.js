/* django-leaflet's inline scripts, as a file: the Content-Security-Policy allows no inline code.
   templates/leaflet/_leaflet_map.html ({% leaflet_map %}) and templates/leaflet/widget.html (the
   admin's geometry fields) include this file where django-leaflet wrote its <script> block, with what
   that block held as data-* attributes of the including element; it runs at the same moment. */
(function () {
  "use strict";
  var d = document.currentScript.dataset;

  // A global by name ("window.geogridMapInit", "L.GeometryField"): what the inline code named.
  function global(path) {
    var value = window;
    path.replace(/^window\./, "").split(".").forEach(function (part) { value = value == null ? value : value[part]; });
    return value;
  }

  function startMap() {
    var globals = d.globals === "1";
    function loadmap() {
      var callback = d.callback ? global(d.callback) : null;
      var options = {djoptions: JSON.parse(d.djoptions), initfunc: loadmap, globals: globals,
                     callback: callback === undefined ? null : callback};
      var map = L.Map.djangoMap(d.map, options);
      if (globals) window["leafletmap" + d.map] = map;
    }
    var loadevents = JSON.parse(d.loadevents);
    if (loadevents.length === 0) loadmap();
    else loadevents.forEach(function (name) { window.addEventListener(name, loadmap, false); });
    if (globals) window["loadmap" + d.map] = loadmap;
  }

  function startWidget() {
    var module = window[d.widget] = {fieldid: d.fieldid, modifiable: d.modifiable === "1", geom_type: d.geomType, srid: Number(d.srid)};
    function callback(map, options) {
      module.field_store_class = global(d.fieldStoreClass);
      module.precision = options.djoptions.precision;
      var GeometryField = global(d.geometryFieldClass);
      (new GeometryField(module)).addTo(map);
    }
    window[d.callback] = callback;
    if (d.targetMap) {
      window.addEventListener("map:init", function (e) {
        var target = e.detail.map;
        target.on("map:loadfield", function (me) {
          if (me.fieldid === "id_" + d.targetMap) setTimeout(function () { callback(target, e.detail.options); }, 0);
        });
      }, false);
    }
  }

  if (d.widget) startWidget();
  else startMap();
})();

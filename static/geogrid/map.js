/* The /map/ page: every registered layer as a switchable overlay, a legend, pop-ups and a search box.
 * The layer list (titles, styles, property labels, URLs) comes from /layers/, so adding a layer to
 * the registry adds it here. Layers marked visible load at once; the others (level-5 grids, ~10³
 * polygons) load the first time they are switched on, so the page opens fast. The layer list and
 * the GeoJSON fetches are gridmap.js's, shared with the small maps of the other pages. */
(function () {
  "use strict";

  var config = JSON.parse(document.getElementById("map-config").textContent);
  var T = config.text;
  var G = window.geogridGridMap;  // gridmap.js: the layer list and GeoJSON fetches shared with the small maps
  var esc = G.esc;

  function swatch(info) {
    var s = info.style, stroke = s.color || "#333";
    var fill = s.fill === false ? "transparent" : (s.fillColor || stroke);
    var kind = info.geometry_type;
    var css = kind === "line"
      ? "border-top:" + (s.weight || 2) + "px " + (s.dashArray ? "dashed " : "solid ") + stroke + ";height:0;margin-top:7px"
      : "border:2px " + (s.dashArray ? "dashed " : "solid ") + stroke + ";background:" + fill;
    return '<i class="swatch swatch-' + kind + '" style="' + css + '"></i>';
  }

  function popupHtml(info, props, detailBody) {
    var rows = info.properties.map(function (p) {
      var v = props[p.key];
      if (v === null || v === undefined || v === "") return "";
      if (typeof v === "number" && !Number.isInteger(v)) v = v.toFixed(1);
      return "<tr><th>" + esc(p.label) + "</th><td>" + esc(v) + "</td></tr>";
    }).join("");
    var detail = info.detail ? '<div class="feature-detail"><h4>' + esc(info.detail.title) + "</h4>" + (detailBody || "") + "</div>" : "";
    return '<div class="feature-popup"><h3>' + esc(info.title) + "</h3><table>" + rows + "</table>" + detail + "</div>";
  }

  // A related detail the layer declares (registry PopupDetail, e.g. a grid's 4+N team): fetched
  // from its URL filled with the feature's properties when the pop-up first opens. A visitor who is
  // not signed in gets the declared sign-in line instead of a request that would be refused.
  function detailHtml(detail, data) {
    var items = (data && data[detail.items]) || [];
    if (!items.length) return '<p class="detail-empty">' + esc(detail.empty) + "</p>";
    return '<ul class="detail-items">' + items.map(function (item) {
      var values = detail.fields.map(function (f) { return item[f]; })
        .filter(function (v) { return v !== null && v !== undefined && v !== ""; });
      return "<li>" + values.map(esc).join(" · ") + "</li>";
    }).join("") + "</ul>";
  }

  function detailForbidden(detail) {
    return detail.login_required && !config.signedIn;
  }

  function initialDetail(info) {
    if (!info.detail || !detailForbidden(info.detail)) return "";
    return '<p class="detail-login"><a href="' + esc(config.loginUrl) + '">' + esc(info.detail.login_text) + "</a></p>";
  }

  function loadDetail(info, feature, layer) {
    var detail = info.detail;
    if (detailForbidden(detail) || layer.detailState) return;
    var props = feature.properties;
    function put(body) { layer.setPopupContent(popupHtml(info, props, body)); }
    var url = detail.url.replace(/\{(\w+)\}/g, function (m, key) { return encodeURIComponent(props[key]); });
    layer.detailState = "loading";
    put('<p class="detail-loading">…</p>');
    G.getJSON(url)
      .then(function (data) { layer.detailState = "done"; put(detailHtml(detail, data)); })
      .catch(function (err) {
        layer.detailState = null;  // the next opening tries again
        put('<p class="detail-failed">' + esc(T.detailFailed) + " (" + esc(err.message) + ")</p>");
      });
  }

  var renderer = null;  // one canvas for all layers: ~10³ polygons draw faster than as SVG paths

  function makeGroup(info) {
    return L.geoJSON(null, {
      renderer: renderer,
      style: function () { return info.style; },
      pointToLayer: function (feature, latlng) { return L.circleMarker(latlng, L.extend({ renderer: renderer }, info.style)); },
      onEachFeature: function (feature, layer) {
        layer.bindPopup(popupHtml(info, feature.properties, initialDetail(info)), { maxWidth: 360 });
        if (info.detail) layer.on("popupopen", function () { loadDetail(info, feature, layer); });
      },
    });
  }

  window.geogridMapInit = function (map) {
    var container = map.getContainer();
    var form = document.getElementById("map-search");
    var msg = form.querySelector(".map-search-msg");
    function message(text) { msg.textContent = text; }
    renderer = L.canvas({ padding: 0.2 });
    var state = { map: map, layers: {}, loaded: 0 };
    window.geogridMap = state;  // for the browser tests and for people poking at the console

    var control = L.control.layers(null, null, { collapsed: false, position: "topright" }).addTo(map);
    var legend = L.control({ position: "bottomright" });
    legend.onAdd = function () {
      var div = L.DomUtil.create("div", "map-legend");
      div.innerHTML = "<h4>" + esc(T.legend) + "</h4><ul></ul>";
      return div;
    };
    legend.addTo(map);
    var legendList = legend.getContainer().querySelector("ul");

    function load(entry) {
      if (!entry.promise) {
        entry.promise = G.fetchLayer(entry.info)
          .then(function (fc) {
            entry.group.addData(fc);
            entry.count = fc.features.length;
            restack();
            state.loaded += 1;
            container.dataset.loaded = String(state.loaded);
          })
          .catch(function (err) {
            entry.promise = null;  // a later switch-on retries
            message(T.loadFailed + "：" + entry.info.title + " (" + err.message + ")");
          });
      }
      return entry.promise;
    }

    // Features reach the canvas in the order their fetches finish; keep the registry's order
    // instead (areas under grids under lines under points), so clicks find the finer feature.
    function restack() {
      Object.values(state.layers).forEach(function (entry) {
        if (map.hasLayer(entry.group)) entry.group.bringToFront();
      });
    }

    map.on("overlayadd", function (e) {
      Object.values(state.layers).forEach(function (entry) { if (entry.group === e.layer) load(entry); });
    });

    message(T.loading);
    G.layerList(config.layersUrl)
      .then(function (data) {
        var first = [];
        data.layers.forEach(function (info) {
          var entry = { info: info, group: makeGroup(info), count: 0 };
          state.layers[info.name] = entry;
          var label = swatch(info) + '<span class="layer-title">' + esc(info.title) + "</span>";
          control.addOverlay(entry.group, label);
          var li = document.createElement("li");
          li.innerHTML = label;
          legendList.appendChild(li);
          if (info.visible) {
            entry.group.addTo(map);
            first.push(load(entry));
          }
        });
        return Promise.all(first).then(function () { fitDistrict(data.layers); });
      })
      .then(function () {
        message("");
        container.dataset.ready = "1";
      })
      .catch(function (err) { message(T.loadFailed + " (" + err.message + ")"); });

    function fitDistrict(infos) {
      var bounds = null;
      infos.forEach(function (info) {
        var b = state.layers[info.name].group.getBounds();
        if (info.fit && b.isValid()) bounds = bounds ? bounds.extend(b) : L.latLngBounds(b.getSouthWest(), b.getNorthEast());
      });
      if (!bounds) {  // no district loaded: fall back to everything drawn
        infos.forEach(function (info) {
          var b = state.layers[info.name].group.getBounds();
          if (b.isValid()) bounds = bounds ? bounds.extend(b) : L.latLngBounds(b.getSouthWest(), b.getNorthEast());
        });
      }
      if (bounds) map.fitBounds(bounds, { padding: [12, 12], animate: false });  // ready means in place
    }

    // --- search: codes and names of the searchable layers; lazy layers load on the first search --
    function find(q) {
      var hits = [];
      Object.values(state.layers).forEach(function (entry) {
        var fields = entry.info.search_fields;
        if (!fields.length || !entry.promise) return;
        entry.group.eachLayer(function (layer) {
          var p = layer.feature.properties;
          if (fields.some(function (f) { return p[f] && String(p[f]).indexOf(q) !== -1; })) hits.push({ entry: entry, layer: layer });
        });
      });
      return hits;
    }

    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var q = form.q.value.trim();
      if (!q) return;
      var lazy = Object.values(state.layers).filter(function (e) { return e.info.search_fields.length && !e.promise; });
      Promise.all(lazy.map(load)).then(function () {
        var hits = find(q);
        if (!hits.length) { message(T.notFound.replace("%s", q)); return; }
        var hit = hits[0];
        if (!map.hasLayer(hit.entry.group)) hit.entry.group.addTo(map);
        if (hit.layer.getBounds) map.fitBounds(hit.layer.getBounds(), { maxZoom: 17 });
        else map.setView(hit.layer.getLatLng(), Math.max(map.getZoom(), 16));
        hit.layer.openPopup();
        message(T.found.replace("%s", hits.length));
      });
    });
  };
})();

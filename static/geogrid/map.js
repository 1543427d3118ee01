/* The /map/ page: every registered layer as a switchable overlay, a legend, pop-ups, a search box
 * and, for those an app allows, actions at a clicked point ("report here").
 * The layer list (titles, styles, property labels, URLs, extents) comes from /layers/, so adding a
 * layer to the registry adds it here. Large layers (polygons and lines: areas, grids, roads,
 * boundaries) are drawn from vector tiles (Leaflet.VectorGrid, vendored by scripts/vendor.sh) on
 * canvas, so 10^5 grids cost what one screen of tiles costs; a click on them asks /layers/at for
 * the feature there. Small layers (points) come as GeoJSON; those not visible at first load the
 * first time they are switched on. Search asks the server (/layers/search), not the loaded data. */
(function () {
  "use strict";

  // Leaflet 1.8 dropped L.DomEvent.fakeStop, which VectorGrid 1.3 still calls on a canvas click.
  if (window.L && L.DomEvent && !L.DomEvent.fakeStop) L.DomEvent.fakeStop = function (e) { e._stopped = true; return true; };

  var config = JSON.parse(document.getElementById("map-config").textContent);
  var T = config.text;
  var G = window.geogridGridMap;  // gridmap.js: the layer list and GeoJSON fetches shared with the small maps
  var esc = window.geogridUtil.esc;

  function swatch(info) {
    var s = info.style, stroke = s.color || "#333";
    var fill = s.fill === false ? "transparent" : (s.fillColor || stroke);
    var kind = info.geometry_type;
    var css = kind === "line"
      ? "border-top:" + (s.weight || 2) + "px " + (s.dashArray ? "dashed " : "solid ") + stroke + ";height:0;margin-top:7px"
      : "border:2px " + (s.dashArray ? "dashed " : "solid ") + stroke + ";background:" + fill;
    return '<i class="swatch swatch-' + kind + '" style="' + css + '"></i>';
  }

  function actionsHtml(latlng) {
    if (!latlng || !config.actions.length) return "";
    return '<p class="map-actions">' + config.actions.map(function (a) {
      var url = a.url + "?lon=" + latlng.lng.toFixed(7) + "&lat=" + latlng.lat.toFixed(7);
      return '<a class="map-action" href="' + esc(url) + '">' + esc(a.title) + "</a>";
    }).join(" ") + "</p>";
  }

  function popupHtml(info, props, detailBody, extra) {
    var rows = info.properties.map(function (p) {
      var v = props[p.key];
      if (v === null || v === undefined || v === "") return "";
      if (typeof v === "number" && !Number.isInteger(v)) v = v.toFixed(1);
      return "<tr><th>" + esc(p.label) + "</th><td>" + esc(v) + "</td></tr>";
    }).join("");
    var detail = info.detail ? '<div class="feature-detail"><h4>' + esc(info.detail.title) + "</h4>" + (detailBody || "") + "</div>" : "";
    return '<div class="feature-popup"><h3>' + esc(info.title) + "</h3><table>" + rows + "</table>" + detail + (extra || "") + "</div>";
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

  function loadDetail(info, feature, layer, extra) {
    var detail = info.detail;
    if (detailForbidden(detail) || layer.detailState) return;
    var props = feature.properties;
    function put(body) { layer.setPopupContent(popupHtml(info, props, body, extra)); }
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

  // A layer may fill each feature with the colour a property holds (registry color_property: a
  // facility's type colour); otherwise the layer's one style.
  function featureStyle(info, feature) {
    var c = info.color_property && feature && feature.properties[info.color_property];
    return c ? L.extend({}, info.style, { fillColor: c }) : info.style;
  }

  /* A small layer from GeoJSON. Its points take their own clicks; its lines and polygons do not
   * (a district polygon drawn above the tiled grids would swallow every click on them): a click
   * on the map is answered by /layers/at for all lines and polygons alike, tiled or not. */
  function makeGroup(info) {
    var point = info.geometry_type === "point";
    return L.geoJSON(null, {
      renderer: renderer,
      interactive: point,
      style: function (feature) { return featureStyle(info, feature); },
      pointToLayer: function (feature, latlng) { return L.circleMarker(latlng, L.extend({ renderer: renderer }, featureStyle(info, feature))); },
      onEachFeature: function (feature, layer) {
        if (!point) return;
        layer.options.bubblingMouseEvents = false;  // the map's click is for the lines and polygons under it
        layer.bindPopup(function () {
          var at = layer.getLatLng ? layer.getLatLng() : null;
          return popupHtml(info, feature.properties, initialDetail(info), actionsHtml(at));
        }, { maxWidth: 360 });
        if (info.detail) layer.on("popupopen", function () { loadDetail(info, feature, layer); });
      },
    });
  }

  var HIGHLIGHT = { color: "#ff7f00", weight: 3, fill: true, fillColor: "#ff7f00", fillOpacity: 0.25 };

  /* A large layer from vector tiles, drawn on canvas; not interactive itself (a click anywhere is
   * answered by /layers/at), so layers above never hide the ones below from the pointer. */
  function makeTiled(info, zIndex) {
    var style = L.extend({}, info.style);
    if (info.geometry_type === "polygon" && style.fill === undefined) style.fill = true;
    if (info.geometry_type !== "polygon") style.fill = false;
    var styles = {};
    styles[info.name] = style;
    return L.vectorGrid.protobuf(info.tiles_url, {
      rendererFactory: L.canvas.tile,
      vectorTileLayerStyles: styles,
      interactive: false,
      getFeatureId: function (f) { return f.id; },
      minZoom: info.min_zoom,
      maxNativeZoom: 16,  // deeper zooms scale the z16 tile (0.6 m a unit): fewer requests, same drawing
      zIndex: zIndex,
      fetchOptions: { credentials: "same-origin" },
    });
  }

  function drawnIds(group) {  // feature ids on the loaded tiles (for tests and the search highlight)
    var ids = {};
    Object.values(group._vectorTiles || {}).forEach(function (t) {
      Object.keys(t._features || {}).forEach(function (id) { ids[id] = true; });
    });
    return Object.keys(ids).length;
  }

  window.geogridMapInit = function (map) {
    var container = map.getContainer();
    var form = document.getElementById("map-search");
    var msg = form.querySelector(".map-search-msg");
    function message(text) { msg.textContent = text; }
    renderer = L.canvas({ padding: 0.2 });
    var state = { map: map, layers: {}, loaded: 0, tiles: 0 };
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
      if (entry.info.tiled) return Promise.resolve();
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

    // GeoJSON features reach the canvas in the order their fetches finish; keep the registry's
    // order instead (areas under grids under lines under points), so clicks find the finer feature.
    function restack() {
      Object.values(state.layers).forEach(function (entry) {
        if (!entry.info.tiled && map.hasLayer(entry.group)) entry.group.bringToFront();
      });
    }

    map.on("overlayadd", function (e) {
      Object.values(state.layers).forEach(function (entry) { if (entry.group === e.layer) load(entry); });
    });

    // --- a click on the tiled layers: the finest feature there (last in registry order) --------
    var clickSeq = 0;
    function tiledAt(zoom) {  // the lines and polygons a click on the map may hit
      return Object.values(state.layers).filter(function (e) {
        return e.info.geometry_type !== "point" && map.hasLayer(e.group) && zoom >= e.info.min_zoom;
      });
    }
    function showAt(latlng, features, popup) {
      var actions = actionsHtml(latlng);
      if (!features.length) {
        if (!actions) { map.closePopup(popup); return; }
        popup.setContent('<div class="feature-popup"><h3>' + esc(T.here) + "</h3>" + actions + "</div>");
        return;
      }
      var top = features[features.length - 1], info = state.layers[top.layer].info;
      var within = features.slice(0, -1).reverse().map(function (f) {
        var p = f.properties;
        return esc(state.layers[f.layer].info.title) + " " + esc(p.name || p.code || "");
      });
      var extra = (within.length ? '<p class="feature-within">' + within.join(" · ") + "</p>" : "") + actions;
      popup.setContent(popupHtml(info, top.properties, initialDetail(info), extra));
      state.clicked = top;
      if (info.detail) {
        popup.setPopupContent = popup.setContent;  // loadDetail speaks to a layer's popup API
        loadDetail(info, { properties: top.properties }, popup, extra);
      }
    }
    map.on("click", function (e) {
      var zoom = map.getZoom(), entries = tiledAt(zoom);
      if (!entries.length && !config.actions.length) return;
      var seq = ++clickSeq;
      var popup = L.popup({ maxWidth: 360 }).setLatLng(e.latlng).setContent('<p class="detail-loading">…</p>').openOn(map);
      if (!entries.length) { showAt(e.latlng, [], popup); return; }
      var url = config.atUrl + "?lon=" + e.latlng.lng.toFixed(7) + "&lat=" + e.latlng.lat.toFixed(7) + "&z=" + zoom +
        "&layers=" + entries.map(function (x) { return x.info.name; }).join(",");
      G.getJSON(url)
        .then(function (data) { if (seq === clickSeq) showAt(e.latlng, data.features, popup); })
        .catch(function (err) { popup.setContent('<p class="detail-failed">' + esc(T.detailFailed) + " (" + esc(err.message) + ")</p>"); });
    });

    message(T.loading);
    G.layerList(config.layersUrl)
      .then(function (data) {
        var first = [];
        data.layers.forEach(function (info, i) {
          var entry = { info: info, group: info.tiled ? makeTiled(info, 10 + i) : makeGroup(info), count: 0 };
          if (info.tiled) {
            entry.tilesLoaded = 0;
            entry.group.on("tileload", function () { entry.tilesLoaded += 1; state.tiles += 1; });
            entry.drawn = function () { return drawnIds(entry.group); };
          }
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
        fitDistrict(data.layers);
        return Promise.all(first);
      })
      .then(function () {
        message("");
        container.dataset.ready = "1";
      })
      .catch(function (err) { message(T.loadFailed + " (" + err.message + ")"); });

    function fitDistrict(infos) {
      function union(list) {
        var b = null;
        list.forEach(function (info) {
          var x = info.extent;
          if (!x) return;
          var lb = L.latLngBounds([x[1], x[0]], [x[3], x[2]]);
          b = b ? b.extend(lb) : lb;
        });
        return b;
      }
      var bounds = union(infos.filter(function (i) { return i.fit; })) || union(infos);
      if (bounds) map.fitBounds(bounds, { padding: [12, 12], animate: false });  // ready means in place
    }

    // --- search: codes and names of the searchable layers, asked of the server ----------------
    var lastHighlight = null;
    function highlight(entry, id) {
      if (lastHighlight) lastHighlight.reset();
      lastHighlight = null;
      if (entry.info.tiled) {
        entry.group.setFeatureStyle(id, HIGHLIGHT);
        lastHighlight = { reset: function () { entry.group.resetFeatureStyle(id); } };
        return;
      }
      entry.group.eachLayer(function (layer) {
        if (layer.feature.id !== id || !layer.setStyle) return;
        layer.setStyle(HIGHLIGHT);
        lastHighlight = { reset: function () { entry.group.resetStyle(layer); } };
      });
    }

    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var q = form.q.value.trim();
      if (!q) return;
      message(T.searching);
      G.getJSON(config.searchUrl + "?q=" + encodeURIComponent(q))
        .then(function (data) {
          var hits = data.results;
          if (!hits.length) { message(T.notFound.replace("%s", q)); return; }
          var hit = hits[0], entry = state.layers[hit.layer], b = hit.bbox;
          if (!map.hasLayer(entry.group)) entry.group.addTo(map);
          var bounds = L.latLngBounds([b[1], b[0]], [b[3], b[2]]);
          var zoom = Math.max(entry.info.min_zoom, Math.min(17, map.getBoundsZoom(bounds.pad(0.2))));
          map.setView(bounds.getCenter(), zoom, { animate: false });
          message(T.found.replace("%s", hits.length));
          if (entry.info.geometry_type !== "point") {
            load(entry).then(function () { highlight(entry, hit.id); });
            var popup = L.popup({ maxWidth: 360 }).setLatLng(bounds.getCenter()).openOn(map);
            showAt(bounds.getCenter(), [hit], popup);
            return;
          }
          load(entry).then(function () {
            entry.group.eachLayer(function (layer) { if (layer.feature.id === hit.id) layer.openPopup(); });
          });
        })
        .catch(function (err) { message(T.loadFailed + " (" + err.message + ")"); });
    });
  };
})();

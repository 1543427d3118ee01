/* What the pages' scripts share (loaded by templates/base.html before every page's own scripts):
 * - esc(s): text for HTML. Leaflet's bindTooltip/bindPopup and innerHTML take HTML, and the names in
 *   them (grids, areas, roads, facilities, people) are typed by people: every one goes through esc.
 * - choropleth(map, options): the classed maps of /stats/ and /facilities/coverage/ (features,
 *   colours and legend classes come from the server), with popups, tooltips and the legend.
 * window.geogridUtil = {esc, popupHtml, legend, choropleth}. */
(function () {
  "use strict";

  var ENTITIES = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

  function esc(s) {
    return String(s === null || s === undefined ? "" : s).replace(/[&<>"']/g, function (c) { return ENTITIES[c]; });
  }

  function blank(v) { return v === null || v === undefined || v === ""; }

  /* A feature's popup: its name, then a table of fields ([[property, label], ...]); "—" for none. */
  function popupHtml(fields, props) {
    var rows = fields.map(function (f) {
      var v = props[f[0]];
      return "<tr><th>" + esc(f[1]) + "</th><td>" + (blank(v) ? "—" : esc(v)) + "</td></tr>";
    }).join("");
    return '<div class="feature-popup"><h3>' + esc(props.name) + "</h3><table>" + rows + "</table></div>";
  }

  /* A legend control: a title and the classes [{color, label}], plus items already written as HTML. */
  function legend(map, className, title, classes, extraHtml) {
    var control = L.control({ position: "bottomright" });
    control.onAdd = function () {
      var div = L.DomUtil.create("div", className);
      div.innerHTML = "<h4>" + esc(title) + "</h4><ul>" + classes.map(function (c) {
        return '<li><i class="swatch" style="background:' + esc(c.color) + '"></i>' + esc(c.label) + "</li>";
      }).join("") + (extraHtml || "") + "</ul>";
      return div;
    };
    control.addTo(map);
    return control;
  }

  /* The classed map: options {url, fields, text: {none, loadFailed}, stroke: {color, weight},
   * tooltip(props) → plain text, legend(fc) → the legend control, more(fc, layer) for what a page adds
   * (before the map is fitted)}. Marks the map's container data-ready="1" (or "error") when done;
   * resolves to {fc, layer}. */
  function choropleth(map, o) {
    var container = map.getContainer();
    var stroke = o.stroke || {};
    return fetch(o.url, { credentials: "same-origin" })
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
      .then(function (fc) {
        var layer = L.geoJSON(fc, {
          style: function (f) { return { fillColor: f.properties.color, color: stroke.color || "#555", weight: stroke.weight || 1, fillOpacity: 0.75 }; },
          onEachFeature: function (f, l) {
            l.bindPopup(popupHtml(o.fields, f.properties), { maxWidth: 360 });
            l.bindTooltip(esc(o.tooltip(f.properties)), { sticky: true });
          },
        }).addTo(map);
        if (o.more) o.more(fc, layer);
        if (o.legend) o.legend(fc);
        if (layer.getLayers().length) {
          map.fitBounds(layer.getBounds(), { padding: [10, 10], animate: false });
        } else {
          container.insertAdjacentHTML("beforeend", '<p class="stats-map-msg">' + esc(o.text.none) + "</p>");
        }
        container.dataset.ready = "1";
        return { fc: fc, layer: layer };
      })
      .catch(function (err) {
        container.insertAdjacentHTML("beforeend", '<p class="stats-map-msg">' + esc(o.text.loadFailed) + "</p>");
        container.dataset.ready = "error";
        if (window.console) console.error(err);
      });
  }

  window.geogridUtil = { esc: esc, popupHtml: popupHtml, legend: legend, choropleth: choropleth };
})();

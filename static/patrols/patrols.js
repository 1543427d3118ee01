/* The patrol page (plain JS, Leaflet from django-leaflet). While a patrol is open: the elapsed time,
 * the GPS track from navigator.geolocation.watchPosition (WGS84, posted as EPSG:4326), kept in
 * localStorage under the patrol's id so a reload or a trip to the report page loses nothing, drawn
 * on the map; the report link carries the last position; the end form carries the track. The
 * server measures and stores it (patrols.end_patrol); the length shown here is only a hint. */
(function () {
  "use strict";

  var el = document.getElementById("patrol-config");
  var config = el ? JSON.parse(el.textContent) : {};
  var T = config.text || {};
  var patrol = config.patrol;
  var prefix = config.storagePrefix || "geogrid.patrol.";
  var key = patrol ? prefix + patrol.id : null;
  var state = { map: null, line: null, here: null, points: [], watching: false, centred: false };
  window.geogridPatrol = state;  // for the browser tests

  function fmt(s, v) { return String(s || "").replace("%s", v); }
  function byId(id) { return document.getElementById(id); }

  // --- storage: {points: [[lon, lat, ms]], note} per open patrol --------------------------------
  var store = {
    get: function (k) { try { return window.localStorage.getItem(k); } catch (e) { return null; } },
    set: function (k, v) { try { window.localStorage.setItem(k, v); } catch (e) { /* full or disabled: keep in memory */ } },
    keys: function () {
      try { return Object.keys(window.localStorage); } catch (e) { return []; }
    },
    remove: function (k) { try { window.localStorage.removeItem(k); } catch (e) { /* nothing to forget */ } },
  };

  // Tracks of patrols that are no longer open were posted (or refused as ended): forget them.
  store.keys().forEach(function (k) { if (k.indexOf(prefix) === 0 && k !== key) store.remove(k); });
  if (!patrol) {
    window.geogridPatrolMapInit = function (map) {
      state.map = map;
      window.geogridGridMap.draw(map, config.grids);
      map.getContainer().setAttribute("data-ready", "1");
    };
    return;
  }

  var saved = {};
  try { saved = JSON.parse(store.get(key) || "{}") || {}; } catch (e) { saved = {}; }
  state.points = Array.isArray(saved.points) ? saved.points.filter(function (p) { return Array.isArray(p) && p.length >= 2; }) : [];
  function save(note) {
    if (note !== undefined) saved.note = note;
    saved.points = state.points;
    store.set(key, JSON.stringify(saved));
  }

  // --- figures ---------------------------------------------------------------------------------
  function metres(a, b) {  // haversine on the mean sphere: a hint only, the server measures in GK
    var R = 6371008.8, rad = Math.PI / 180;
    var dLat = (b[1] - a[1]) * rad, dLon = (b[0] - a[0]) * rad;
    var h = Math.pow(Math.sin(dLat / 2), 2) + Math.cos(a[1] * rad) * Math.cos(b[1] * rad) * Math.pow(Math.sin(dLon / 2), 2);
    return 2 * R * Math.asin(Math.min(1, Math.sqrt(h)));
  }
  function trackLength() {
    var m = 0;
    for (var i = 1; i < state.points.length; i++) m += metres(state.points[i - 1], state.points[i]);
    return m;
  }
  function two(n) { return (n < 10 ? "0" : "") + n; }
  function showFigures() {
    var m = trackLength();
    byId("patrol-points").textContent = state.points.length;
    byId("patrol-length").textContent = m < 1000 ? Math.round(m) + " " + T.meters : (m / 1000).toFixed(2) + " " + T.km;
  }
  var loadedAt = Date.now();
  function tick() {
    var s = patrol.elapsed + Math.floor((Date.now() - loadedAt) / 1000);
    byId("patrol-elapsed").textContent = two(Math.floor(s / 3600)) + ":" + two(Math.floor(s / 60) % 60) + ":" + two(s % 60);
  }
  tick();
  setInterval(tick, 1000);
  showFigures();

  // --- map ---------------------------------------------------------------------------------------
  function latlngs() { return state.points.map(function (p) { return [p[1], p[0]]; }); }
  function drawTrack() {
    if (!state.map) return;
    state.line.setLatLngs(latlngs());
    var last = state.points[state.points.length - 1];
    if (last) {
      if (!state.here) {
        state.here = L.circleMarker([last[1], last[0]], { radius: 8, color: "#fff", weight: 3, fillColor: "#1565c0", fillOpacity: 1 })
          .bindTooltip(T.here).addTo(state.map);
      } else {
        state.here.setLatLng([last[1], last[0]]);
      }
      // Follow the walker: close in on the first fix, then keep the position in view.
      if (!state.centred) {
        state.centred = true;
        state.map.setView([last[1], last[0]], Math.max(state.map.getZoom(), 15), { animate: false });
      } else if (!state.map.getBounds().pad(-0.1).contains([last[1], last[0]])) {
        state.map.panTo([last[1], last[0]], { animate: false });
      }
    }
  }
  window.geogridPatrolMapInit = function (map) {
    state.map = map;
    window.geogridGridMap.draw(map, config.grids);
    state.line = L.polyline([], { color: "#c62828", weight: 4, opacity: 0.9 }).addTo(map);
    drawTrack();
    map.getContainer().setAttribute("data-ready", "1");
  };

  // --- GPS ---------------------------------------------------------------------------------------
  var gps = byId("patrol-gps");
  function onPosition(pos) {
    var c = pos.coords;
    var point = [Number(c.longitude.toFixed(7)), Number(c.latitude.toFixed(7)), pos.timestamp || Date.now()];
    if (c.accuracy > config.maxAccuracyM) {
      gps.textContent = fmt(T.vague, Math.round(c.accuracy));
      return;
    }
    gps.textContent = fmt(T.located, Math.round(c.accuracy));
    var last = state.points[state.points.length - 1];
    if (last && metres(last, point) < config.minStepM) return;
    state.points.push(point);
    save();
    showFigures();
    drawTrack();
  }
  if (navigator.geolocation) {
    navigator.geolocation.watchPosition(onPosition, function (err) {
      gps.textContent = fmt(T.noGeo, err.message);
    }, { enableHighAccuracy: true, maximumAge: 5000, timeout: 30000 });
    state.watching = true;
  } else {
    gps.textContent = T.unsupported;
  }
  // Keep the screen (and so the GPS) awake where the browser allows it.
  function wake() {
    if (navigator.wakeLock && document.visibilityState === "visible") navigator.wakeLock.request("screen").catch(function () {});
  }
  document.addEventListener("visibilitychange", wake);
  wake();

  // --- report a finding, end ---------------------------------------------------------------------
  byId("patrol-report").addEventListener("click", function () {
    var last = state.points[state.points.length - 1];
    var url = patrol.reportUrl;
    if (last) url += "&lon=" + last[0] + "&lat=" + last[1] + "&crs=EPSG:4326";  // the finding starts where I am
    this.href = url;
  });

  var form = byId("patrol-end");
  var note = form.elements.note;
  if (!note.value && saved.note) note.value = saved.note;
  note.addEventListener("input", function () { save(note.value); });
  form.addEventListener("submit", function () {
    // One fix is no line: end without a track then (the server would refuse a one-point track).
    form.elements.track.value = state.points.length >= 2
      ? JSON.stringify(state.points.map(function (p) { return [p[0], p[1]]; })) : "";
  });
})();

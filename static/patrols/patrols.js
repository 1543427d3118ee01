/* The patrol page (plain JS, Leaflet from django-leaflet). While a patrol is open: the elapsed time,
 * the GPS track from navigator.geolocation.watchPosition (WGS84, posted as EPSG:4326), kept in
 * localStorage under the patrol's key so a reload or a trip to the report page loses nothing, drawn
 * on the map; the report link carries the last position; the end form carries the track. The
 * server measures and stores it (patrols.end_patrol / append_track); the length shown here is only a hint.
 *
 * window.geogridPatrol (state) also serves static/offline/patrol.js, which sends the track in
 * batches and may start a patrol on the phone alone: state.begin(patrol) opens the live view for
 * {id?, key?, grid, name?, elapsed | startedMs, reportUrl}; state.saved is the stored record
 * {points: [[lon, lat, ms]], note, sent}; state.save(); state.onPoint is called after each new point;
 * state.local() / state.local(record | null) is the patrol started on this phone without a network. */
(function () {
  "use strict";

  var el = document.getElementById("patrol-config");
  var config = el ? JSON.parse(el.textContent) : {};
  var T = config.text || {};
  var prefix = config.storagePrefix || "geogrid.patrol.";
  var LOCAL = "geogrid.patrol-local";  // not under prefix: the record of a patrol started offline
  var state = { map: null, line: null, here: null, points: [], watching: false, centred: false, patrol: null, saved: {}, onPoint: null };
  window.geogridPatrol = state;  // for the browser tests and static/offline/patrol.js

  function fmt(s, v) { return String(s || "").replace("%s", v); }
  function byId(id) { return document.getElementById(id); }

  // --- storage: {points: [[lon, lat, ms]], note, sent} per open patrol ---------------------------
  var store = {
    get: function (k) { try { return window.localStorage.getItem(k); } catch (e) { return null; } },
    set: function (k, v) { try { window.localStorage.setItem(k, v); } catch (e) { /* full or disabled: keep in memory */ } },
    keys: function () {
      try { return Object.keys(window.localStorage); } catch (e) { return []; }
    },
    remove: function (k) { try { window.localStorage.removeItem(k); } catch (e) { /* nothing to forget */ } },
  };
  function storageKey(p) { return prefix + (p.key || p.id); }
  state.local = function (record) {
    if (record === undefined) {
      try { return JSON.parse(store.get(LOCAL) || "null"); } catch (e) { return null; }
    }
    if (record === null) store.remove(LOCAL); else store.set(LOCAL, JSON.stringify(record));
    return record;
  };
  state.forget = function (p) { store.remove(storageKey(p)); };

  // Tracks of patrols that are no longer open were sent (or refused as ended): forget them. The
  // patrol started on this phone alone keeps its track until static/offline/patrol.js settles it.
  var keep = [];
  if (config.patrol) keep.push(storageKey(config.patrol));
  var local = state.local();
  if (local && local.key) keep.push(prefix + local.key);
  store.keys().forEach(function (k) { if (k.indexOf(prefix) === 0 && keep.indexOf(k) < 0) store.remove(k); });

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

  // --- map ---------------------------------------------------------------------------------------
  function latlngs() { return state.points.map(function (p) { return [p[1], p[0]]; }); }
  function drawTrack() {
    if (!state.map || !state.patrol) return;
    if (!state.line) state.line = L.polyline([], { color: "#c62828", weight: 4, opacity: 0.9 }).addTo(state.map);
    state.line.setLatLngs(latlngs());
    var last = state.points[state.points.length - 1];
    if (last) {
      if (!state.here) {
        state.here = L.circleMarker([last[1], last[0]], { radius: 8, color: "#fff", weight: 3, fillColor: "#1565c0", fillOpacity: 1 })
          .bindTooltip(window.geogridUtil.esc(T.here)).addTo(state.map);
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
    state.save();
    showFigures();
    drawTrack();
    if (state.onPoint) state.onPoint(point);
  }
  // Keep the screen (and so the GPS) awake where the browser allows it.
  function wake() {
    if (navigator.wakeLock && document.visibilityState === "visible") navigator.wakeLock.request("screen").catch(function () {});
  }

  // --- the live patrol ---------------------------------------------------------------------------
  state.save = function (note) {
    if (!state.patrol) return;
    if (note !== undefined) state.saved.note = note;
    state.saved.points = state.points;
    store.set(storageKey(state.patrol), JSON.stringify(state.saved));
  };
  state.begin = function (patrol) {
    if (state.patrol) return;
    state.patrol = patrol;
    var saved = {};
    try { saved = JSON.parse(store.get(storageKey(patrol)) || "{}") || {}; } catch (e) { saved = {}; }
    state.saved = saved;
    state.points = Array.isArray(saved.points) ? saved.points.filter(function (p) { return Array.isArray(p) && p.length >= 2; }) : [];
    var live = byId("patrol-live"), start = byId("patrol-start"), box = byId("patrol-map-box");
    if (start) start.hidden = true;
    live.hidden = false;
    if (box && box.parentNode !== live) {  // the start view's map becomes the patrol's
      box.classList.remove("small");
      live.insertBefore(box, byId("patrol-report"));
      if (state.map) state.map.invalidateSize();
    }
    if (patrol.name) byId("patrol-title").textContent = fmt(T.title, patrol.name);
    if (patrol.startedMs) {
      var d = new Date(patrol.startedMs), t = byId("patrol-started");
      t.textContent = two(d.getMonth() + 1) + "-" + two(d.getDate()) + " " + two(d.getHours()) + ":" + two(d.getMinutes());
      t.setAttribute("datetime", d.toISOString());
    }
    var loadedAt = Date.now();
    function tick() {
      var s = patrol.startedMs ? Math.max(0, Math.floor((Date.now() - patrol.startedMs) / 1000))
        : patrol.elapsed + Math.floor((Date.now() - loadedAt) / 1000);
      byId("patrol-elapsed").textContent = two(Math.floor(s / 3600)) + ":" + two(Math.floor(s / 60) % 60) + ":" + two(s % 60);
    }
    tick();
    setInterval(tick, 1000);
    showFigures();
    drawTrack();
    if (navigator.geolocation) {
      navigator.geolocation.watchPosition(onPosition, function (err) {
        gps.textContent = fmt(T.noGeo, err.message);
      }, { enableHighAccuracy: true, maximumAge: 5000, timeout: 30000 });
      state.watching = true;
    } else {
      gps.textContent = T.unsupported;
    }
    document.addEventListener("visibilitychange", wake);
    wake();
    var note = byId("patrol-end").elements.note;
    if (!note.value && saved.note) note.value = saved.note;
    note.addEventListener("input", function () { state.save(note.value); });
  };

  // --- report a finding, end ---------------------------------------------------------------------
  byId("patrol-report").addEventListener("click", function () {
    if (!state.patrol) return;
    var last = state.points[state.points.length - 1];
    var url = state.patrol.reportUrl;
    if (last) url += "&lon=" + last[0] + "&lat=" + last[1] + "&crs=EPSG:4326";  // the finding starts where I am
    this.href = url;
  });
  byId("patrol-end").addEventListener("submit", function () {
    // One fix is no line: end without a track then (the server would refuse a one-point track).
    this.elements.track.value = state.points.length >= 2
      ? JSON.stringify(state.points.map(function (p) { return [p[0], p[1]]; })) : "";
  });
  if (config.patrol) state.begin(config.patrol);
})();

/* The service worker of the phone pages (served by geogrid/offline/views.py at /sw.js, which puts
 * self.GEOGRID_OFFLINE in front of this file). Only GET requests of this site are handled:
 * - assets under /static/: from the cache, fetched and kept when missing (kept on install for the
 *   phone pages);
 * - the phone pages (GEOGRID_OFFLINE.pages): from the network, their last HTML kept for offline use;
 * - the map data of those pages (GEOGRID_OFFLINE.data: the layer list, the grid outlines and roads
 *   as GeoJSON): from the network, the last answer per layer kept (whatever the bbox asked);
 * - everything else, and every write request, goes to the network untouched: writes are queued by
 *   the pages themselves (outbox.js), never here. */
"use strict";
var CONFIG = self.GEOGRID_OFFLINE;
var ASSETS = "geogrid-assets-" + CONFIG.version;
var PAGES = "geogrid-pages";  // kept across versions: the member's last pages
var DATA = "geogrid-data";  // and the last map layers they saw
var DATA_RES = (CONFIG.data || []).map(function (p) { return new RegExp(p); });
var PAGE_RES = CONFIG.pages.map(function (p) { return new RegExp(p); });

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(ASSETS).then(function (cache) {
    // One by one: a missing asset must not stop the others from being kept.
    return Promise.all(CONFIG.assets.map(function (url) { return cache.add(url).catch(function () {}); }));
  }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (keys) {
    return Promise.all(keys.filter(function (k) { return k.indexOf("geogrid-assets-") === 0 && k !== ASSETS; })
      .map(function (k) { return caches.delete(k); }));
  }).then(function () { return self.clients.claim(); }));
});

function isPage(url) { return PAGE_RES.some(function (re) { return re.test(url.pathname); }); }

function fromCacheFirst(request) {
  return caches.open(ASSETS).then(function (cache) {
    return cache.match(request).then(function (hit) {
      if (hit) return hit;
      return fetch(request).then(function (res) {
        if (res.ok) cache.put(request, res.clone());
        return res;
      });
    });
  });
}

function fromNetworkFirst(request) {
  return fetch(request).then(function (res) {
    // Only a page served as itself (not a redirect to the login page) is kept.
    if (res.ok && !res.redirected && res.type === "basic") {
      var copy = res.clone();
      caches.open(PAGES).then(function (cache) { cache.put(request.url, copy); });
    }
    return res;
  }).catch(function () {
    return caches.open(PAGES).then(function (cache) {
      return cache.match(request.url).then(function (hit) { return hit || cache.match(request.url, { ignoreSearch: true }); });
    }).then(function (hit) {
      return hit || new Response("<!DOCTYPE html><meta charset=utf-8><meta name=viewport content='width=device-width'><p>" +
        CONFIG.offlineText + "</p>", { status: 503, headers: { "Content-Type": "text/html; charset=utf-8" } });
    });
  });
}

function fromNetworkKeepLast(request, url) {
  var key = url.origin + url.pathname;  // one copy per layer: the last area seen
  return fetch(request).then(function (res) {
    if (res.ok && !res.redirected) {
      var copy = res.clone();
      caches.open(DATA).then(function (cache) { cache.put(key, copy); });
    }
    return res;
  }).catch(function (err) {
    return caches.open(DATA).then(function (cache) { return cache.match(key); }).then(function (hit) {
      if (hit) return hit;
      throw err;
    });
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") return;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname.indexOf(CONFIG.staticPrefix) === 0) { event.respondWith(fromCacheFirst(request)); return; }
  if (request.mode === "navigate" && isPage(url)) { event.respondWith(fromNetworkFirst(request)); return; }
  if (DATA_RES.some(function (re) { return re.test(url.pathname); })) { event.respondWith(fromNetworkKeepLast(request, url)); return; }
});

self.addEventListener("message", function (event) {
  // outbox.js on logout: the member's pages leave the phone with them.
  if (event.data === "forget-pages") event.waitUntil(Promise.all([caches.delete(PAGES), caches.delete(DATA)]));
});

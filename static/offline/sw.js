/* The service worker of the phone pages (served by geogrid/offline/views.py at /sw.js, which puts
 * self.GEOGRID_OFFLINE in front of this file). Only GET requests of this site are handled:
 * - assets under /static/: from the cache at once, and fetched again behind it to keep the copy fresh
 *   (the phone pages' assets are kept on install; a deploy that changes one changes the version,
 *   and the new worker starts from a fresh cache);
 * - the phone pages (GEOGRID_OFFLINE.pages): from the network, their last HTML kept for offline use;
 * - the map data of those pages (GEOGRID_OFFLINE.data: the layer list, the grid outlines and roads
 *   as GeoJSON): from the network, the last answer per layer kept (whatever the bbox asked);
 * - everything else, and every write request, goes to the network untouched: writes are queued by
 *   the pages themselves (outbox.js) — with one exception: the report form, posted as a page when
 *   the server answered a moment before, that finds no network after all. Its fields are kept in
 *   the same outbox (IndexedDB, same item shape as outbox.js) and "my reports" opens instead. */
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

function fromCacheFirst(event) {
  var request = event.request;
  return caches.open(ASSETS).then(function (cache) {
    return cache.match(request).then(function (hit) {
      var fresh = fetch(request).then(function (res) {
        if (res.ok) return cache.put(request, res.clone()).then(function () { return res; });
        return res;
      });
      if (!hit) return fresh;
      event.waitUntil(fresh.catch(function () {}));  // offline: the copy is all there is
      return hit;
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

// --- the report form that lost the network on its way ------------------------------------------
function keepItem(item) {
  return new Promise(function (resolve, reject) {
    var req = indexedDB.open("geogrid-outbox", 1);
    req.onupgradeneeded = function () { req.result.createObjectStore("items", { keyPath: "id", autoIncrement: true }); };
    req.onerror = function () { reject(req.error); };
    req.onsuccess = function () {
      var tx = req.result.transaction("items", "readwrite");
      tx.objectStore("items").add(item);
      tx.oncomplete = function () { resolve(); };
      tx.onerror = tx.onabort = function () { reject(tx.error); };
    };
  });
}
function postOrKeep(request, url) {
  var copy = request.clone();
  return fetch(request).catch(function (err) {
    return copy.formData().then(function (fd) {
      var user = parseInt(fd.get("outbox_user"), 10);
      if (!user) throw err;  // not a page wired to the outbox: the browser's own error
      var fields = [];
      ["category", "description", "lon", "lat", "crs", "address"].forEach(function (k) {
        var v = fd.get(k);
        if (v) fields.push([k, String(v)]);
      });
      fd.getAll("photos").forEach(function (f) { if (f instanceof Blob && f.size) fields.push(["photos", f]); });
      var patrol = fd.get("patrol") || null, description = String(fd.get("description") || "");
      return keepItem({
        // The form's own key: if the server did save it before the answer was lost, the replay gets that case back.
        key: String(fd.get("outbox_key") || "") || self.crypto.randomUUID(), user: user, kind: patrol ? "finding" : "incident", method: "POST", form: fields,
        label: CONFIG.report.label.replace("%s", description.length > 40 ? description.slice(0, 40) + "…" : description),
        url: patrol ? CONFIG.report.findings.replace("/0/", "/" + patrol + "/") : CONFIG.report.api,
        meta: { category: fd.get("category"), patrol: patrol, editUrl: url.pathname, chain: patrol || undefined }, created: Date.now(), state: "waiting", error: "",
      }).then(function () { return Response.redirect(CONFIG.report.mine, 303); });
    });
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (request.method === "POST" && request.mode === "navigate" && url.origin === self.location.origin && url.pathname === CONFIG.report.page) {
    event.respondWith(postOrKeep(request, url));
    return;
  }
  if (request.method !== "GET") return;
  if (url.origin !== self.location.origin) return;
  if (url.pathname.indexOf(CONFIG.staticPrefix) === 0) { event.respondWith(fromCacheFirst(event)); return; }
  if (request.mode === "navigate" && isPage(url)) { event.respondWith(fromNetworkFirst(request)); return; }
  if (DATA_RES.some(function (re) { return re.test(url.pathname); })) { event.respondWith(fromNetworkKeepLast(request, url)); return; }
});

self.addEventListener("message", function (event) {
  // outbox.js on logout: the member's pages leave the phone with them.
  if (event.data === "forget-pages") event.waitUntil(Promise.all([caches.delete(PAGES), caches.delete(DATA)]));
});

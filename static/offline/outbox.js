/* The outbox of the phone pages: write requests kept on the phone (IndexedDB) while there is no
 * network, and sent by themselves, in order, when it returns (the online event, every page opening,
 * and retries from 4 s up to every 30 s while something waits). Each item carries an Idempotency-Key fixed when it was
 * queued, so a retry, a second tab or a lost answer never makes the server do the work twice
 * (geogrid/workflow/idempotency.py). What the server refuses (a 4xx) stays on the phone with its
 * reason until the member fixes it, sends it again or deletes it: nothing is dropped silently. A
 * signed-out answer (401, or a stale CSRF token) keeps the item waiting until the member signs in.
 *
 * Loaded by `{% load offline %}{% outbox %}` (texts in #outbox-config); pages use window.geogridOutbox:
 *   submit(item)  send now, or keep it when the network is missing → {outcome: sent|refused|queued, data}
 *   add(item) · list() · remove(id) · flush() · resizePhoto(file) · probe()
 *   on("change", fn(items)) · on("sent", fn({item, data})) for queued items sent later
 * An item: {kind, label, url, json: {...}} or {kind, label, url, form: [[name, string | File], ...]},
 * optional meta: {...} for the page's own display. Items that belong together (a patrol started
 * offline, its findings, track and end) share meta.chain, and the one that makes the others
 * possible has meta.head: when the server refuses the head, the rest of its chain is not sent but
 * kept as refused with the head's reason, and sending the head again sends them again too.
 * Also registers the service worker (/sw.js). */
(function () {
  "use strict";
  var el = document.getElementById("outbox-config");
  var CFG = el ? JSON.parse(el.textContent) : { text: {}, user: null };
  var T = CFG.text || {};
  var DB_NAME = "geogrid-outbox", STORE = "items", PERIOD = 30000, FIRST_RETRY = 4000, MAX_SIDE = 2000;
  var listeners = { change: [], sent: [] };
  var sentThisVisit = 0, flushing = null, dbPromise = null;
  // navigator.onLine says "online" on a network that carries nothing (a basement, a captive portal):
  // what counts is whether the last request got an answer.
  var reachable = true, needLogin = false;
  function isOffline() { return !navigator.onLine || !reachable; }

  function fmt(s, v) { return String(s || "").replace("%s", v); }
  function uuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var a = new Uint8Array(16); crypto.getRandomValues(a);
    return Array.prototype.map.call(a, function (b) { return (b + 256).toString(16).slice(1); }).join("");
  }
  function emit(name, arg) { listeners[name].forEach(function (fn) { try { fn(arg); } catch (e) { setTimeout(function () { throw e; }); } }); }

  // --- IndexedDB -------------------------------------------------------------------------------
  function db() {
    if (!dbPromise) {
      dbPromise = new Promise(function (resolve, reject) {
        var req = indexedDB.open(DB_NAME, 1);
        req.onupgradeneeded = function () { req.result.createObjectStore(STORE, { keyPath: "id", autoIncrement: true }); };
        req.onsuccess = function () { resolve(req.result); };
        req.onerror = function () { reject(req.error); };
      });
    }
    return dbPromise;
  }
  function run(mode, fn) {
    return db().then(function (d) {
      return new Promise(function (resolve, reject) {
        var tx = d.transaction(STORE, mode), out;
        tx.oncomplete = function () { resolve(out); };
        tx.onerror = tx.onabort = function () { reject(tx.error); };
        var req = fn(tx.objectStore(STORE));
        if (req) req.onsuccess = function () { out = req.result; };
      });
    });
  }
  function list() {  // this user's items, oldest first (the order they are sent in)
    return run("readonly", function (s) { return s.getAll(); }).then(function (all) {
      return all.filter(function (it) { return it.user === CFG.user; }).sort(function (a, b) { return a.id - b.id; });
    });
  }
  function get(id) { return run("readonly", function (s) { return s.get(id); }); }
  function put(item) { return run("readwrite", function (s) { return s.put(item); }).then(function (id) { item.id = id; return item; }); }
  function remove(id) { return run("readwrite", function (s) { return s.delete(id); }).then(changed); }

  function add(item) {
    var stored = {
      key: uuid(), user: CFG.user, kind: item.kind, label: item.label || "", url: item.url, method: item.method || "POST",
      json: item.json, form: item.form, meta: item.meta || {}, created: Date.now(), state: "waiting", error: "",
    };
    if (stored.json === undefined) delete stored.json;
    if (stored.form === undefined) delete stored.form;
    return put(stored).then(function (it) { changed(); return it; });
  }

  // --- sending ---------------------------------------------------------------------------------
  function csrfToken() {
    var input = document.querySelector("input[name=csrfmiddlewaretoken]") || document.getElementById("csrf");
    if (input && input.value) return input.value;
    var m = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return m ? decodeURIComponent(m[1]) : "";
  }
  function reasonOf(status, data) {
    if (data && typeof data === "object") {
      if (data.error) return String(data.error);
      if (data.detail) return String(data.detail);
      var parts = [];
      Object.keys(data).forEach(function (k) { parts.push(k + ": " + [].concat(data[k]).join(" ")); });
      if (parts.length) return parts.join("；");
    }
    return "HTTP " + status;
  }
  /* One request of one item → {outcome: "sent" | "refused" | "retry" | "network", status, data}. */
  function send(item) {
    var headers = { Accept: "application/json", "X-CSRFToken": csrfToken(), "Idempotency-Key": item.key };
    var body;
    if (item.form) {
      body = new FormData();
      item.form.forEach(function (pair) {
        var v = pair[1];
        if (v instanceof Blob) body.append(pair[0], v, v.name || "photo.jpg");
        else body.append(pair[0], v);
      });
    } else {
      headers["Content-Type"] = "application/json";
      body = JSON.stringify(item.json || {});
    }
    return fetch(item.url, { method: item.method || "POST", credentials: "same-origin", headers: headers, body: body }).then(function (r) {
      return r.text().then(function (text) {
        var data = null;
        try { data = text ? JSON.parse(text) : null; } catch (e) { data = null; }
        var outcome = r.ok ? "sent" : (r.status === 408 || r.status === 425 || r.status === 429 || r.status >= 500) ? "retry" : "refused";
        // Signed out (401), or a page older than the session (CSRF): the item is fine, the member
        // signs in again and it goes by itself.
        var csrf = r.status === 403 && data && !data.error && /CSRF/i.test(String(data.detail || ""));
        if (r.status === 401 || csrf) outcome = "auth";
        needLogin = outcome === "auth";
        reachable = true;
        return { outcome: outcome, status: r.status, data: data };
      });
    }, function () { reachable = false; return { outcome: "network", status: 0, data: null }; });
  }
  /* Send one stored item and record what came back. */
  function sendStored(item) {
    return send(item).then(function (res) {
      if (res.outcome === "sent") {
        sentThisVisit += 1; delay = FIRST_RETRY;
        return remove(item.id).then(function () { emit("sent", { item: item, data: res.data }); return res; });
      }
      if (res.outcome === "refused") {
        item.state = "refused"; item.error = reasonOf(res.status, res.data);
        return put(item).then(function () { changed(); return res; });
      }
      return res;
    });
  }
  function withLock(fn) {  // one tab sends at a time; the key covers browsers without Web Locks
    if (navigator.locks && navigator.locks.request) return navigator.locks.request("geogrid-outbox", fn);
    return fn();
  }
  /* Send every waiting item in order; stop at the first that finds no network (the rest would too).
   * A flush asked for while one runs runs again after it (it may have come with a new item). */
  var again = false;
  function chainOf(it) { return it.meta && it.meta.chain ? String(it.meta.chain) : null; }
  function flush() {
    if (flushing) { again = true; return flushing; }
    again = false;
    flushing = withLock(function () {
      return list().then(function (items) {
        var waiting = items.filter(function (it) { return it.state === "waiting"; });
        var blocked = {};  // chain → the reason its head was refused
        items.forEach(function (it) { if (it.state === "refused" && it.meta && it.meta.head && chainOf(it)) blocked[chainOf(it)] = it.error; });
        var i = 0;
        function next() {
          if (i >= waiting.length) return null;
          var item = waiting[i++];
          // Another tab may have sent it while this one waited for the lock.
          return get(item.id).then(function (fresh) {
            if (!fresh || fresh.state !== "waiting") return next();
            var chain = chainOf(fresh);
            if (chain && blocked[chain] !== undefined && !(fresh.meta && fresh.meta.head)) {
              fresh.state = "refused"; fresh.error = fmt(T.blocked, blocked[chain]);
              return put(fresh).then(next);
            }
            return sendStored(fresh).then(function (res) {
              if (res.outcome === "refused" && chain && fresh.meta.head) blocked[chain] = fresh.error;
              return res.outcome === "sent" || res.outcome === "refused" ? next() : null;
            });
          });
        }
        return next();
      });
    }).then(function () {
      flushing = null; changed();
      if (again && reachable) return flush();
      again = false;
      return null;
    }, function (err) { flushing = null; again = false; changed(); throw err; });
    return flushing;
  }
  /* A page's write: sent at once when possible; kept for later when the network is missing. A
   * refusal while the member is on the page goes back to the page (the form shows it), not to the queue. */
  function submit(item) {
    return add(item).then(function (stored) {
      if (!navigator.onLine) { reachable = false; changed(); schedule(); return { outcome: "queued", item: stored }; }
      return withLock(function () {
        return get(stored.id).then(function (fresh) {
          if (!fresh) return { outcome: "sent", data: null };  // another tab's flush sent it meanwhile
          return send(fresh).then(function (res) {
            if (res.outcome === "sent" || res.outcome === "refused") {
              return run("readwrite", function (s) { return s.delete(fresh.id); }).then(function () {
                if (res.outcome === "sent") sentThisVisit += 1;  // the calling page shows it: no "sent" event
                changed();
                res.reason = reasonOf(res.status, res.data);
                return res;
              });
            }
            changed(); schedule();
            return { outcome: "queued", item: fresh };
          });
        });
      });
    });
  }

  // --- photos: resized and re-encoded on the phone (long side 2000 px; re-encoding drops EXIF) ---
  function resizePhoto(file) {
    if (!(file instanceof Blob) || !/^image\//.test(file.type) || !window.createImageBitmap) return Promise.resolve(file);
    return createImageBitmap(file, { imageOrientation: "from-image" }).then(function (bmp) {
      var scale = Math.min(1, MAX_SIDE / Math.max(bmp.width, bmp.height));
      var canvas = document.createElement("canvas");
      canvas.width = Math.max(1, Math.round(bmp.width * scale)); canvas.height = Math.max(1, Math.round(bmp.height * scale));
      var ctx = canvas.getContext("2d");
      ctx.fillStyle = "#fff"; ctx.fillRect(0, 0, canvas.width, canvas.height);  // JPEG has no transparency
      ctx.drawImage(bmp, 0, 0, canvas.width, canvas.height);
      if (bmp.close) bmp.close();
      return new Promise(function (resolve) { canvas.toBlob(resolve, "image/jpeg", 0.85); }).then(function (blob) {
        if (!blob) return file;
        var name = (file.name || "photo").replace(/\.[^.]*$/, "") + ".jpg";
        return new File([blob], name, { type: "image/jpeg", lastModified: Date.now() });
      });
    }, function () { return file; });  // not decodable here: the server says what is wrong with it
  }

  // --- banner and lists ------------------------------------------------------------------------
  var banner = null, bannerText = null, toggle = null, panel = null;
  function build() {
    banner = document.createElement("div");
    banner.id = "outbox-banner"; banner.className = "outbox-banner"; banner.hidden = true;
    banner.setAttribute("role", "status"); banner.setAttribute("aria-live", "polite");
    bannerText = document.createElement("span"); bannerText.className = "outbox-state";
    toggle = document.createElement("button"); toggle.type = "button"; toggle.className = "outbox-toggle"; toggle.textContent = T.show;
    panel = document.createElement("div"); panel.className = "outbox-panel"; panel.hidden = true;
    panel.innerHTML = "<b></b><ul class='outbox-list' data-outbox-list></ul>";
    panel.querySelector("b").textContent = T.listTitle;
    toggle.addEventListener("click", function () {
      panel.hidden = !panel.hidden; toggle.textContent = panel.hidden ? T.show : T.hide;
    });
    banner.appendChild(bannerText); banner.appendChild(toggle); banner.appendChild(panel);
    var main = document.querySelector("main") || document.body;
    main.insertBefore(banner, main.firstChild);
  }
  function itemNode(it) {
    var li = document.createElement("li");
    li.className = "outbox-item card"; li.dataset.state = it.state; li.dataset.key = it.key; li.dataset.kind = it.kind;
    var title = document.createElement("div"); title.className = "outbox-label"; title.textContent = it.label;
    var info = document.createElement("div"); info.className = "outbox-info muted";
    var bits = [fmt(T.queuedAt, new Date(it.created).toLocaleString())];
    var nPhotos = (it.form || []).filter(function (p) { return p[1] instanceof Blob; }).length;
    if (nPhotos) bits.push(fmt(T.photos, nPhotos));
    info.textContent = bits.join(" · ");
    var state = document.createElement("div");
    state.className = "outbox-item-state " + (it.state === "refused" ? "form-error" : "badge");
    state.textContent = it.state === "refused" ? fmt(T.stateRefused, it.error) : T.stateWaiting;
    var actions = document.createElement("div"); actions.className = "outbox-actions";
    if (it.state === "refused" && it.meta && it.meta.editUrl) {
      var edit = document.createElement("a"); edit.className = "btn small outbox-edit"; edit.textContent = T.edit;
      edit.href = it.meta.editUrl + "?outbox=" + it.id;
      actions.appendChild(edit);
    }
    if (it.state === "refused") {
      var retry = document.createElement("button"); retry.type = "button"; retry.className = "btn small outbox-retry"; retry.textContent = T.retry;
      retry.addEventListener("click", function () {
        list().then(function (items) {
          var fresh = items.filter(function (x) { return x.id === it.id; })[0];
          if (!fresh) return null;
          // A head sent again takes the rest of its chain (refused because of it) along.
          var chain = fresh.meta && fresh.meta.head ? chainOf(fresh) : null;
          var again = items.filter(function (x) { return x === fresh || (chain && x.state === "refused" && chainOf(x) === chain); });
          return Promise.all(again.map(function (x) { x.state = "waiting"; x.error = ""; return put(x); })).then(function () { changed(); return flush(); });
        });
      });
      actions.appendChild(retry);
    }
    var del = document.createElement("button"); del.type = "button"; del.className = "btn small secondary outbox-delete"; del.textContent = T.delete;
    del.addEventListener("click", function () {  // two steps: a deletion is the member's explicit choice
      if (del.dataset.armed) { remove(it.id); return; }
      del.dataset.armed = "1"; del.textContent = T.confirmDelete;
    });
    actions.appendChild(del);
    li.appendChild(title); li.appendChild(info); li.appendChild(state); li.appendChild(actions);
    return li;
  }
  var rendering = null, dirty = false;
  function changed() {  // one render at a time; a change during one renders again after it
    if (rendering) { dirty = true; return rendering; }
    rendering = Promise.resolve().then(list).then(function (items) {
      if (!banner) build();
      var waiting = items.filter(function (it) { return it.state === "waiting"; }).length;
      var refused = items.length - waiting, bits = [];
      if (isOffline()) bits.push(T.offline);
      if (waiting) bits.push(fmt(T.waiting, waiting));
      if (refused) bits.push(fmt(T.refusedN, refused));
      if (needLogin && waiting) bits.push(T.login);
      if (!bits.length && sentThisVisit) bits.push(T.allSent);
      bannerText.textContent = bits.join(" · ");
      banner.hidden = !bits.length;
      banner.dataset.waiting = waiting; banner.dataset.refused = refused; banner.dataset.online = isOffline() ? "0" : "1";
      banner.classList.toggle("offline", isOffline());
      banner.classList.toggle("problem", refused > 0);
      toggle.hidden = !items.length;
      document.querySelectorAll("[data-outbox-list]").forEach(function (ul) {
        var kinds = ul.dataset.kinds ? ul.dataset.kinds.split(",") : null;
        var mine = items.filter(function (it) { return !kinds || kinds.indexOf(it.kind) >= 0; });
        ul.textContent = "";
        mine.forEach(function (it) { ul.appendChild(itemNode(it)); });
        var section = ul.closest("[data-outbox-section]");
        if (section) section.hidden = !mine.length;
      });
      emit("change", items);
      rendering = null;
      if (dirty) { dirty = false; return changed(); }
      return items;
    }, function (err) { rendering = null; throw err; });
    return rendering;
  }

  // --- wiring ----------------------------------------------------------------------------------
  window.geogridOutbox = {
    add: add, list: list, get: get, remove: remove, flush: flush, submit: submit, send: send, resizePhoto: resizePhoto, refresh: changed,
    probe: function () { return probe().then(function () { changed(); if (!reachable) schedule(); return reachable; }); },
    on: function (name, fn) { listeners[name].push(fn); }, text: T, user: CFG.user,
  };
  /* Retries while something waits: soon after a failure, then less often (4 s doubling to 30 s) —
   * whether the failure was no network or an answer that says "later" (5xx, 429): waiting the full
   * 30 s after a server's passing hiccup would leave the member looking at "1 waiting" for no reason.
   * A sent item starts the schedule again from 4 s. */
  var timer = null, delay = FIRST_RETRY;
  function schedule() {
    if (timer) return;
    timer = setTimeout(function () {
      timer = null;
      list().then(function (items) {
        if (!items.some(function (it) { return it.state === "waiting"; })) { delay = FIRST_RETRY; return; }
        flush().then(function () {
          delay = Math.min(PERIOD, delay * 2);
          schedule();
        });
      });
    }, delay);
  }
  /* Is the server there? One small request when the page opens or the phone says it is back. */
  function probe() {
    return fetch(CFG.worker, { method: "HEAD", cache: "no-store", credentials: "same-origin" }).then(
      function () { reachable = true; }, function () { reachable = false; });
  }
  function wake() { return probe().then(changed).then(function () { if (reachable) return flush(); }).then(schedule, schedule); }
  window.addEventListener("online", wake);
  window.addEventListener("offline", changed);
  document.addEventListener("visibilitychange", function () { if (document.visibilityState === "visible") wake(); });
  listeners.sent.push(function (ev) {
    var section = document.querySelector("[data-outbox-reload]");
    if (section && section.dataset.outboxReload.split(",").indexOf(ev.item.kind) >= 0) {
      clearTimeout(window.__outboxReload);
      window.__outboxReload = setTimeout(function () { location.reload(); }, 300);  // the server's list now has it
    }
  });
  function start() { changed().then(wake); }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start); else start();

  if ("serviceWorker" in navigator && CFG.worker) {
    navigator.serviceWorker.register(CFG.worker, { scope: "/" }).catch(function () {});
  }
  // Logging out: the member's kept pages leave the phone (their queue stays, bound to their user).
  document.querySelectorAll("form[action$='/logout/']").forEach(function (f) {
    f.addEventListener("submit", function () { if (window.caches) { caches.delete("geogrid-pages"); caches.delete("geogrid-data"); } });
  });
})();

/* The sign patrol (phone, plain JS over Leaflet from django-leaflet): the roads and their signs in
 * order, coloured by condition, and the user's own position (navigator.geolocation) with the distance
 * to each sign as a hint. Each record goes through the phone pages' outbox (static/offline/outbox.js):
 * sent at once when there is a network, else kept on the phone and sent when it returns, always with
 * one Idempotency-Key, so a resend, a double tap or a second tab makes no second record; the photo is
 * resized on the phone first. What the server refuses stays in the outbox with its reason.
 *
 * The walk also starts without a network (issue #16): the start page carries every sign of the
 * scope in walking order (road by road, along each road) and each area's signs. With a network the
 * start form is posted as always (with the phone's client key); without one the walk is drawn on the
 * phone from that list, its start waits in the outbox (POST /api/placenames/sign-patrols/ {road|area,
 * client_key, started_at}: the head of its chain), its records and its end are addressed by the
 * client key (…/sign-patrols/<key>/inspections/, …/<key>/end/) and go behind it, in order. A start
 * the server refuses marks what waits behind it refused with its reason; sent again, they go too. */
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("sign-walk-config").textContent);
  var T = config.text || {};
  var state = { map: null, here: null, herePos: null, signs: {}, local: null };
  var outbox = window.geogridOutbox, OT = outbox.text;
  window.geogridSignWalk = state;  // for the browser tests
  var walk = window.geogridFieldWalk(state, T), fmt = walk.fmt, drawHere = walk.drawHere;  // static/geogrid/fieldwalk.js
  function colour(c) { return config.colours[c] || "#555"; }
  function uuid() {  // a UUID (v4): the server takes the walk's client key only in that shape
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var a = new Uint8Array(16); crypto.getRandomValues(a);
    a[6] = (a[6] & 0x0f) | 0x40; a[8] = (a[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(a, function (b) { return (b + 256).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }

  // This walk's records are addressed by its id (the server's page) or by the phone's key (a walk
  // started offline; records queued before it had an id keep that address).
  var inspectionsUrl = config.inspectionsUrl || null;
  var urls = [config.inspectionsUrl, config.keyUrl].filter(Boolean);
  var chain = config.key || null;
  function mine(it) { return it.kind === "sign" && urls.indexOf(it.url) >= 0; }
  function inChain(it) { return !!chain && !!(it.meta && it.meta.chain) && String(it.meta.chain) === chain; }

  // --- the map ------------------------------------------------------------------------------------
  function draw(roads, signs) {
    var map = state.map;
    var layer = L.geoJSON(roads, { style: { color: "#555", weight: 4, opacity: 0.6 } }).addTo(map);
    var bounds = layer.getBounds();
    signs.forEach(function (s, i) {
      state.signs[s.code] = L.circleMarker([s.lat, s.lon], { radius: 8, color: s.done ? "#000" : "#fff", weight: 2, fillColor: colour(s.condition), fillOpacity: 1 })
        .bindTooltip(window.geogridUtil.esc((i + 1) + ". " + s.code), { permanent: false }).addTo(map);
      bounds.extend([s.lat, s.lon]);
    });
    if (bounds.isValid()) map.fitBounds(bounds, { padding: [16, 16], maxZoom: 18, animate: false });
    drawHere();
    map.getContainer().setAttribute("data-ready", "1");
  }
  function drawLocal() {  // the walk started on this phone, once both it and the map are there
    if (!state.map || !state.local || state.drawn) return;
    state.drawn = true;
    state.map.invalidateSize();  // the map was laid out while its section was hidden
    var roads = {}, signs = localSigns(state.local);
    signs.forEach(function (s) { roads[s.road] = true; });
    draw({ type: "FeatureCollection", features: config.roads.features.filter(function (f) { return roads[f.properties.code]; }) }, signs);
  }
  window.geogridSignWalkInit = function (map) {
    state.map = map;
    if (config.inspectionsUrl) draw(config.roads, config.signs);  // the server's walk
    else drawLocal();
  };

  // --- a record at a sign --------------------------------------------------------------------------
  function saved(signId, d) {  // a record the server has: the sign's colour and the next sign
    var li = document.querySelector(".walk-item[data-sign='" + signId + "']");
    if (!li) return;
    var text = fmt(T.saved, d.condition_label) + (d.cleaned ? " · " + T.cleaned : "");
    if (d.repair) text += " · " + fmt(d.repair_created ? T.repair : T.repairOpen, d.repair);
    li.querySelector(".walk-result").textContent = text;
    li.classList.remove("queued");
    li.classList.add("done");
    li.dataset.condition = d.sign_condition;
    li.querySelector(".current").textContent = d.sign_condition_label;
    li.querySelector(".dot").style.background = colour(d.sign_condition);
    var form = li.querySelector(".walk-form");
    if (form) form.remove();
    countDone();
    var mk = state.signs[d.sign];
    if (mk) mk.setStyle({ fillColor: colour(d.sign_condition), color: "#000" });
    var next = document.querySelector(".walk-item:not(.done):not(.queued)");  // on to the next sign in order
    if (next && next.scrollIntoView) next.scrollIntoView({ block: "start", behavior: "smooth" });
  }
  function countDone() {
    var n = document.getElementById("done-count");
    if (n) n.textContent = document.querySelectorAll(".walk-item.done, .walk-item.queued").length;
  }

  function wire(form) {
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var li = form.closest(".walk-item"), result = li.querySelector(".walk-result");
      var fields = [["sign", form.dataset.sign], ["condition", form.condition.value],
                    ["cleaned", form.cleaned.checked ? "true" : "false"], ["note", form.note.value],
                    ["inspected_at", new Date().toISOString()]];  // when it was seen, not when it arrives
      var photo = form.photo.files && form.photo.files[0];
      var button = form.querySelector("button");
      button.disabled = true;
      Promise.resolve(photo ? outbox.resizePhoto(photo) : null).then(function (resized) {
        if (resized) fields.push(["photo", resized]);
        var item = { kind: "sign", url: inspectionsUrl, form: fields, label: fmt(OT.signLabel, form.dataset.sign),
                     meta: { sign: form.dataset.sign, chain: chain || undefined } };
        // A walk started on the phone: its records wait behind its start in the outbox (sent in order).
        if (state.local) return outbox.add(item).then(function () { if (navigator.onLine) outbox.flush(); return { outcome: "queued" }; });
        return outbox.submit(item);
      }).then(function (res) {
        button.disabled = false;
        if (res.outcome === "queued") { li.classList.add("queued"); result.textContent = OT.queued; countDone(); return; }
        if (res.outcome === "refused") { result.textContent = fmt(T.failed, res.reason); return; }
        if (res.data) saved(form.dataset.sign, res.data);
      }).catch(function (err) {
        button.disabled = false;
        result.textContent = fmt(T.failed, err.message);
      });
    });
  }
  document.querySelectorAll(".walk-form").forEach(wire);

  // Records of this patrol sent from the outbox (now, or by another tab), and those still waiting.
  outbox.on("sent", function (ev) {
    if (mine(ev.item) && ev.data) saved(ev.item.meta.sign, ev.data);
    if (ev.item.kind === "sign-walk-end" && inChain(ev.item)) { keep(null); location.reload(); }  // ended on the server: its page from there
    if (ev.item.kind === "sign-walk-start" && state.local && inChain(ev.item)) { state.local.sent = true; keep(state.local); }
  });
  outbox.on("change", function (items) {
    var kept = items.filter(mine).map(function (it) { return String(it.meta.sign); });
    document.querySelectorAll(".walk-item.queued").forEach(function (li) {  // deleted from the outbox by the member
      if (kept.indexOf(li.dataset.sign) < 0) li.classList.remove("queued");
    });
    items.filter(mine).forEach(function (it) {
      var li = document.querySelector(".walk-item[data-sign='" + it.meta.sign + "']");
      if (!li || li.classList.contains("done")) return;
      li.classList.add("queued");
      li.querySelector(".walk-result").textContent = it.state === "refused" ? fmt(OT.stateRefused, it.error) : OT.queued;
    });
    countDone();
    items.forEach(function (it) {
      if (!inChain(it)) return;
      if (it.kind === "sign-walk-start") notice(it.state === "refused" ? fmt(T.startRefused, it.error) : T.startQueued, it.state === "refused");
      if (it.kind === "sign-walk-end") {
        var end = document.querySelector("#walk-end-local button");
        if (end) end.disabled = true;
        if (it.state === "refused" && !items.some(function (x) { return x.kind === "sign-walk-start" && inChain(x); })) notice(fmt(OT.stateRefused, it.error), true);
      }
    });
  });

  // --- the walk started on this phone (no network) ----------------------------------------------------
  var LOCAL = "geogrid.sign-walk-local." + outbox.user;
  function keep(record) {  // the walk this phone started offline, kept across page openings
    try {
      if (record === undefined) return JSON.parse(localStorage.getItem(LOCAL) || "null");
      if (record === null) localStorage.removeItem(LOCAL); else localStorage.setItem(LOCAL, JSON.stringify(record));
    } catch (e) { return null; }
    return record;
  }
  function notice(text, refused) {
    var p = document.getElementById("sign-walk-state");
    if (!p) return;
    p.hidden = !text;
    p.textContent = text || "";
    p.className = refused ? "form-error" : "notice";
  }
  function localSigns(record) {
    var byCode = {};
    config.signs.forEach(function (s) { byCode[s.code] = s; });
    return record.codes.map(function (c) { return byCode[c]; }).filter(Boolean);
  }
  function item(s, i) {
    var li = document.getElementById("walk-item-template").content.firstElementChild.cloneNode(true);
    li.dataset.sign = s.code; li.dataset.lon = s.lon; li.dataset.lat = s.lat; li.dataset.condition = s.condition;
    li.querySelector(".walk-title").textContent = (i + 1) + ". " + s.code;
    li.querySelector(".walk-road").textContent = s.roadName;
    li.querySelector(".walk-text").textContent = [s.name, s.pinyin, s.direction, s.door].filter(Boolean).join(" · ");
    li.querySelector(".current").textContent = config.conditions[s.condition] || s.condition;
    li.querySelector(".dot").style.background = colour(s.condition);
    li.querySelector(".walk-form").dataset.sign = s.code;
    return li;
  }
  function begin(record) {
    state.local = record;
    chain = record.key;
    inspectionsUrl = config.apiUrl + record.key + "/inspections/";
    urls = [inspectionsUrl];
    var signs = localSigns(record), list = document.getElementById("walk-list");
    list.textContent = "";
    signs.forEach(function (s, i) { var li = item(s, i); list.appendChild(li); wire(li.querySelector(".walk-form")); });
    document.getElementById("sign-walk-what").textContent = fmt(T.label, record.what);
    document.getElementById("sign-walk-total").textContent = signs.length;
    document.getElementById("sign-walk-start").hidden = true;
    document.getElementById("sign-walk-local").hidden = false;
    if (record.ended) document.querySelector("#walk-end-local button").disabled = true;
    drawLocal();
  }

  var startForms = document.querySelectorAll("#patrol-road, #patrol-area");
  var busy = false;
  startForms.forEach(function (form) {
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      if (busy) return;
      busy = true;
      var key = uuid(), select = form.querySelector("select"), option = select.options[select.selectedIndex];
      var what = option ? option.dataset.name || option.textContent : select.value;
      outbox.probe().then(function (up) {
        if (up) {  // posted as always, with the phone's key: a second post is the same walk
          var input = document.createElement("input");
          input.type = "hidden"; input.name = "client_key"; input.value = key;
          form.appendChild(input);
          HTMLFormElement.prototype.submit.call(form);
          return null;
        }
        var codes = select.name === "road" ? config.signs.filter(function (s) { return s.road === select.value; }).map(function (s) { return s.code; })
                                           : (config.areas[select.value] || []);
        if (!codes.length) { notice(fmt(T.noSigns, what), true); return null; }
        var startedMs = Date.now(), body = { client_key: key, started_at: new Date(startedMs).toISOString() };
        body[select.name] = select.value;
        var record = { key: key, what: what, codes: codes, startedMs: startedMs };
        return outbox.add({ kind: "sign-walk-start", url: config.apiUrl, json: body, label: fmt(T.startLabel, what),
                            meta: { chain: key, head: true } }).then(function () {
          keep(record);
          begin(record);
          notice(T.startQueued, false);
        });
      }).then(function () { busy = false; }, function (err) { busy = false; notice(fmt(T.failed, err.message), true); });
    });
  });

  var endLocal = document.getElementById("walk-end-local");
  if (endLocal) {
    endLocal.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var record = state.local;
      if (!record || record.ended) return;
      endLocal.querySelector("button").disabled = true;
      outbox.add({ kind: "sign-walk-end", url: config.apiUrl + record.key + "/end/", json: { ended_at: new Date().toISOString() },
                   label: T.endLabel, meta: { chain: record.key } }).then(function () {
        record.ended = true;
        keep(record);
        notice(OT.queued, false);
        if (navigator.onLine) outbox.flush();
      }, function (err) { endLocal.querySelector("button").disabled = false; notice(fmt(T.failed, err.message), true); });
    });
  }

  var kept = keep();
  if (kept && config.inspectionsUrl) {
    if (kept.key === config.key) keep(null);  // the server has the walk open: its page from here on
  } else if (kept && startForms.length) {
    // Resumed while something of the walk waits on the phone, or while offline after its start went
    // (this copy of the page is the phone's); otherwise the server has no open walk of it: forgotten.
    outbox.list().then(function (items) {
      if (items.some(function (it) { return it.meta && String(it.meta.chain) === kept.key; })) return true;
      if (!kept.sent) return false;  // its start was deleted from the phone: nothing of it will arrive
      return outbox.probe().then(function (up) { return !up; });  // offline: this copy of the page is the phone's
    }).then(function (resume) {
      if (resume) { begin(kept); outbox.refresh(); } else keep(null);
    });
  }
})();

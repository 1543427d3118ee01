/* The patrol page with the outbox (issue #16). Everything a patrol sends goes through the one outbox
 * (outbox.js), in order, each item with its Idempotency-Key:
 * - the start: with a network the form is posted as always (with the phone's client key); without
 *   one the start waits in the outbox (POST /api/patrols/ {grid, client_key}) and the patrol runs on
 *   the phone at once — its findings, track and end are addressed to /api/patrols/<client key>/…,
 *   so they replay behind the start; if the server refuses the start, they show its reason;
 * - the track, in batches while walking (every batchPoints points or batchSeconds seconds:
 *   POST …/track/ {offset, points}), so a phone that dies mid-patrol loses at most the last batch;
 *   a batch replayed appends once (its key, and its offset on the server);
 * - the end: the last batch, then the end. With a network and nothing of the patrol left on the
 *   phone the form is posted as always (the server has the track); otherwise the end waits in the
 *   outbox behind the rest and the page reloads once it is sent. */
(function () {
  "use strict";
  var outbox = window.geogridOutbox, state = window.geogridPatrol, form = document.getElementById("patrol-end");
  if (!outbox || !state || !form) return;
  var el = document.getElementById("patrol-config");
  var config = el ? JSON.parse(el.textContent) : {};
  var OT = outbox.text, T = config.text || {};
  var base = null, chain = null, endUrl = null, busy = false, chains = [];
  state.batchPoints = config.batchPoints || 12;
  state.batchSeconds = config.batchSeconds || 60;

  function fmt(s, v) { return String(s || "").replace("%s", v); }
  function uuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var a = new Uint8Array(16); crypto.getRandomValues(a);
    a[6] = (a[6] & 0x0f) | 0x40; a[8] = (a[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(a, function (b) { return (b + 256).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }
  function notice(id, text, before) {
    var p = document.getElementById(id);
    if (!p) {
      p = document.createElement("p");
      p.id = id; p.className = "notice"; p.setAttribute("role", "status");
      before.parentNode.insertBefore(p, before);
    }
    p.textContent = text;
    return p;
  }
  function waiting(text) {
    notice("patrol-end-queued", text, form);
    form.querySelector("button[type=submit]").disabled = true;
  }
  function startNotice(text, refused) {
    var p = notice("patrol-start-state", text, document.querySelector("#patrol-live .patrol-figures"));
    p.className = refused ? "form-error" : "notice";
  }
  function address(patrol) {  // the API's URLs of this patrol: its id, or the phone's key before it has one
    var ref = patrol.id || patrol.key;
    chain = String(ref);
    chains = [patrol.id, patrol.key].filter(Boolean).map(String);  // items queued before it had an id have its key
    base = config.apiUrl + ref + "/";
    endUrl = base + "end/";
  }
  function inChain(it) { return !!(it.meta && it.meta.chain) && chains.indexOf(String(it.meta.chain)) >= 0; }

  // --- the track, in batches -----------------------------------------------------------------------
  var batching = null;
  function queueTrack(force) {
    if (!state.patrol || !base || state.saved.ended) return Promise.resolve();
    if (batching) return batching.then(function () { return queueTrack(force); });
    var sent = state.saved.sent || 0, pts = state.points, pending = pts.length - sent;
    if (pending <= 0 || pts.length < 2) return Promise.resolve();  // the server's track starts with two points
    var oldest = pts[sent][2] || Date.now();
    if (!force && pending < state.batchPoints && Date.now() - oldest < state.batchSeconds * 1000) return Promise.resolve();
    var batch = pts.slice(sent);
    batching = outbox.add({
      kind: "patrol-track", label: fmt(OT.patrolTrackLabel, batch.length), url: base + "track/",
      json: { offset: sent, points: batch, crs: "EPSG:4326" }, meta: { chain: chain },
    }).then(function () {
      // Counted once queued: a page closed before this line queues the batch again, and the
      // server's offset check takes it once.
      state.saved.sent = sent + batch.length;
      state.save();
      batching = null;
      if (navigator.onLine) outbox.flush();
    }, function (err) { batching = null; throw err; });
    return batching;
  }
  state.onPoint = function () { queueTrack(false); };
  setInterval(function () { queueTrack(false); }, 5000);

  // --- the end ---------------------------------------------------------------------------------------
  form.addEventListener("submit", function (ev) {
    if (ev.defaultPrevented) return;
    ev.preventDefault();  // patrols.js has put the whole track in the form already
    if (busy || !state.patrol || state.saved.ended) return;
    busy = true;
    queueTrack(true).then(function () {
      if (!state.patrol.id) return false;  // started on the phone: the page form has no patrol to post to
      return outbox.probe().then(function (up) {
        if (!up) return false;
        return outbox.flush().then(outbox.list).then(function (items) {
          if (items.some(inChain)) return false;  // something of this patrol is still on the phone: the end waits behind it
          form.elements.track.value = "";  // the server has the whole track from the batches
          HTMLFormElement.prototype.submit.call(form);
          return true;
        });
      });
    }).then(function (posted) {
      if (posted) return null;
      var body = { crs: form.elements.crs.value, note: form.elements.note.value, ended_at: new Date().toISOString() };  // when it ended, not when it arrives
      return outbox.add({ kind: "patrol-end", url: endUrl, json: body, label: OT.patrolEndLabel, meta: { chain: chain } }).then(function () {
        state.saved.ended = true;
        state.save();
        waiting(OT.queued);
        if (navigator.onLine) outbox.flush();
      });
    }).then(function () { busy = false; }, function (err) { busy = false; waiting(err.message); });
  });
  outbox.on("change", function (items) {
    items.forEach(function (it) {
      if (!chain || !inChain(it)) return;
      if (it.kind === "patrol-end") waiting(it.state === "refused" ? fmt(OT.stateRefused, it.error) : OT.queued);
      if (it.kind === "patrol-start" && it.state === "refused") startNotice(fmt(T.startRefused, it.error), true);
    });
  });
  // Ended on the server: the page shows the ended patrol and its track from there.
  outbox.on("sent", function (ev) {
    if (ev.item.kind !== "patrol-end" || !inChain(ev.item)) return;
    var local = state.local();
    if (local && chains.indexOf(String(local.key)) >= 0) state.local(null);
    location.reload();
  });

  // --- the start ---------------------------------------------------------------------------------------
  function beginLocal(record) {
    address({ key: record.key });
    state.begin({ key: record.key, grid: record.grid, name: record.name, startedMs: record.startedMs,
                  reportUrl: config.reportUrl + "?patrol=" + record.key });
  }
  var startForm = document.querySelector("#patrol-start form");
  if (startForm) {
    startForm.addEventListener("submit", function (ev) {
      if (ev.defaultPrevented) return;
      ev.preventDefault();
      if (busy) return;
      busy = true;
      var key = uuid(), grid = startForm.elements.grid;
      var name = grid.tagName === "SELECT" ? grid.options[grid.selectedIndex].dataset.name : grid.dataset.name;
      outbox.probe().then(function (up) {
        if (up) {
          var input = document.createElement("input");
          input.type = "hidden"; input.name = "client_key"; input.value = key;
          startForm.appendChild(input);
          HTMLFormElement.prototype.submit.call(startForm);
          return null;
        }
        var record = { key: key, grid: grid.value, name: name || grid.value, startedMs: Date.now() };
        return outbox.add({
          kind: "patrol-start", url: config.apiUrl, json: { grid: grid.value, client_key: key, started_at: new Date(record.startedMs).toISOString() },
          label: fmt(OT.patrolStartLabel, record.name),
          meta: { chain: key, head: true },
        }).then(function () {
          state.local(record);
          beginLocal(record);
          startNotice(T.startQueued, false);
        });
      }).then(function () { busy = false; }, function (err) { busy = false; startNotice(err.message, true); });
    });
  }

  if (state.patrol) {
    address(state.patrol);
  } else {
    // A patrol started on this phone without a network: shown while its start is in the outbox.
    var local = state.local();
    if (local && (config.knownKeys || []).indexOf(local.key) >= 0) {  // the server has it (and it has ended)
      state.forget(local); state.local(null);
    } else if (local) {
      outbox.list().then(function (items) {
        if (!items.some(function (it) { return it.kind === "patrol-start" && it.meta && it.meta.chain === local.key; })) {
          state.forget(local); state.local(null);  // its start was deleted from the phone: nothing of it will arrive
          return;
        }
        beginLocal(local);
        if (state.saved.ended) waiting(OT.queued);
        outbox.refresh();
      });
    }
  }
})();

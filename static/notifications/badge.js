// The top bar's unread count stays current without reloading the page: while the page is visible it
// asks /api/notifications/unread-count/ every minute (and when the tab comes back into view).
(function () {
  "use strict";
  var badge = document.querySelector("[data-notifications]");
  if (!badge || !window.fetch) return;
  var count = badge.querySelector(".count");
  var url = badge.getAttribute("data-count-url");

  function show(n) {
    count.textContent = String(n);
    count.hidden = n === 0;
    badge.classList.toggle("unread", n > 0);
    badge.setAttribute("data-unread", String(n));
  }

  function poll() {
    if (document.visibilityState !== "visible") return;
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (d) { if (d && typeof d.unread === "number") show(d.unread); })
      .catch(function () {});
  }

  setInterval(poll, 60000);
  document.addEventListener("visibilitychange", poll);
})();

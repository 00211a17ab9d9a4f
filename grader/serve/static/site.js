// Live pages: ask the server for a status, which answers when it changes (long polling),
// and reload the page when it did. No timers of our own beyond a pause after an error.
(function () {
  "use strict";
  var box = document.querySelector("[data-status-url]");
  if (!box) return;
  var url = box.getAttribute("data-status-url");
  var known = box.getAttribute("data-known") || "";
  function ask() {
    fetch(url + "?known=" + encodeURIComponent(known), { credentials: "same-origin", cache: "no-store" })
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
      .then(function (s) {
        if (s.etag !== known) { window.location.reload(); return; }
        ask();
      })
      .catch(function () { window.setTimeout(ask, 5000); });
  }
  ask();
})();

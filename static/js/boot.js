/* Every page: register the service worker (served from the root, so it covers the app),
 * and say at once when a tap cannot reach the server. A file, not an inline script: the
 * Content-Security-Policy allows no inline scripts. */
if ("serviceWorker" in navigator) {
  window.addEventListener("load", function () {
    navigator.serviceWorker.register("/sw.js");
  });
}

/* Offline, an action is stopped before anything is sent (nothing half-done) and the
 * page's #offline-notice says so in the page's language; back online, it goes away. */
(function () {
  "use strict";
  function notice() {
    return document.getElementById("offline-notice");
  }
  function showOffline() {
    var element = notice();
    if (!element) return;
    element.textContent = element.getAttribute("data-text");
    element.hidden = false;
  }
  function hideOffline() {
    var element = notice();
    if (element) element.hidden = true;
  }
  // Capturing, so a plain form, a boosted one and app.js's sign-out all stop here first.
  document.addEventListener(
    "submit",
    function (event) {
      if (navigator.onLine) return;
      event.preventDefault();
      event.stopImmediatePropagation();
      showOffline();
    },
    true
  );
  document.addEventListener("htmx:beforeRequest", function (event) {
    if (navigator.onLine) return;
    event.preventDefault();
    // Polling runs by itself; only what a person tapped is worth a message.
    var config = event.detail && event.detail.requestConfig;
    if (config && config.triggeringEvent) showOffline();
  });
  // The connection dropped while the request was on its way.
  document.addEventListener("htmx:sendError", showOffline);
  window.addEventListener("online", hideOffline);
  // A page restored from the back-forward cache may show an answer that is no longer
  // possible (a declined offer): load it again from the server instead.
  window.addEventListener("pageshow", function (event) {
    if (event.persisted) window.location.reload();
  });
})();

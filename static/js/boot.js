/* Every page: register the service worker (served from the root, so it covers the app).
 * A file, not an inline script: the Content-Security-Policy allows no inline scripts. */
if ("serviceWorker" in navigator) {
  window.addEventListener("load", function () {
    navigator.serviceWorker.register("/sw.js");
  });
}

/* The offline page: retry on a tap, and by itself when the connection is back.
 * Precached by the service worker beside /offline. */
(function () {
  "use strict";
  function retry() {
    window.location.reload();
  }
  document.getElementById("retry").addEventListener("click", retry);
  window.addEventListener("online", retry, { once: true });
})();

/* LeadRelay dealer app: the few things plain HTML and htmx cannot do alone.
 *
 * - [data-sheet="ID"] links open <dialog id="ID"> as a bottom sheet (the link's href
 *   still leads to a full page when this script does not run).
 * - [data-push] sections: "Enable notifications" asks for permission only on a tap,
 *   subscribes with the server's VAPID key and posts the subscription; what it says is
 *   read from the section's data-text-* attributes, which the server writes in the
 *   page's language; after it subscribes or unsubscribes, the list of devices reloads
 *   (htmx, on the "devices-changed" event).
 * - form[data-sign-out]: forgets this device's push subscription before signing out.
 *
 * Listeners sit on the document (once), so pages swapped in by htmx need no rebinding.
 */
(function () {
  "use strict";
  if (window.leadRelayApp) {
    window.leadRelayApp.refresh();
    return;
  }

  function csrfToken() {
    var headers = document.body.getAttribute("hx-headers");
    try {
      return JSON.parse(headers)["X-CSRFToken"];
    } catch (error) {
      return "";
    }
  }

  /* --- bottom sheets ---------------------------------------------------------------- */

  document.addEventListener("click", function (event) {
    var opener = event.target.closest("[data-sheet]");
    if (opener) {
      var sheet = document.getElementById(opener.getAttribute("data-sheet"));
      if (sheet && typeof sheet.showModal === "function") {
        event.preventDefault();
        sheet.showModal();
        var first = sheet.querySelector("input, textarea, button");
        if (first) first.focus();
      }
      return;
    }
    var closer = event.target.closest("[data-close-sheet]");
    if (closer) {
      var dialog = closer.closest("dialog");
      if (dialog) dialog.close();
      return;
    }
    if (event.target.tagName === "DIALOG" && event.target.open) {
      // A tap on the backdrop (outside the sheet's box) closes it.
      var box = event.target.getBoundingClientRect();
      var inside =
        event.clientX >= box.left && event.clientX <= box.right &&
        event.clientY >= box.top && event.clientY <= box.bottom;
      if (!inside) event.target.close();
    }
  });

  /* --- web push ----------------------------------------------------------------------- */

  function pushSupported() {
    return "serviceWorker" in navigator && "PushManager" in window && "Notification" in window;
  }

  function keyBytes(base64url) {
    var padded = (base64url + "===".slice((base64url.length + 3) % 4))
      .replace(/-/g, "+")
      .replace(/_/g, "/");
    var raw = atob(padded);
    var bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
    return bytes;
  }

  function currentSubscription() {
    if (!pushSupported()) return Promise.resolve(null);
    return navigator.serviceWorker.ready.then(function (registration) {
      return registration.pushManager.getSubscription();
    });
  }

  function sendSubscription(url, method, body) {
    return fetch(url, {
      method: method,
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
      body: JSON.stringify(body),
    }).then(function (response) {
      if (!response.ok) throw new Error("server answered " + response.status);
      return response;
    });
  }

  /* The words come from the page (data-text-NAME on the section), in the page's language. */
  function showPushState(section, state, textName) {
    var status = section.querySelector("[data-push-status]");
    var enable = section.querySelector("[data-push-enable]");
    var disable = section.querySelector("[data-push-disable]");
    if (status) status.textContent = section.getAttribute("data-text-" + textName) || "";
    if (enable) {
      enable.hidden = state === "on";
      enable.disabled = state === "unsupported" || state === "blocked" || state === "busy";
    }
    if (disable) {
      disable.hidden = state !== "on";
      disable.disabled = state === "busy";
    }
  }

  function refreshPush(section) {
    if (!pushSupported()) {
      showPushState(section, "unsupported", "unsupported");
      return;
    }
    if (Notification.permission === "denied") {
      showPushState(section, "blocked", "blocked");
      return;
    }
    currentSubscription().then(function (subscription) {
      if (subscription && Notification.permission === "granted") {
        showPushState(section, "on", "on");
        // Signed in again since it subscribed: tell the server which device this is,
        // so the list of devices can mark it.
        if (!section.querySelector("[data-this-device]")) {
          var body = typeof subscription.toJSON === "function" ? subscription.toJSON() : subscription;
          sendSubscription(section.getAttribute("data-url"), "POST", body)
            .then(devicesChanged)
            .catch(function () {});
        }
      } else {
        showPushState(section, "off", "off");
      }
    });
  }

  /** The settings page's list of devices (#devices) reloads itself on this event. */
  function devicesChanged() {
    document.body.dispatchEvent(new CustomEvent("devices-changed"));
  }

  function enablePush(section) {
    showPushState(section, "busy", "asking");
    Notification.requestPermission()
      .then(function (permission) {
        if (permission !== "granted") {
          throw new Error(permission === "denied" ? "blocked" : "dismissed");
        }
        return navigator.serviceWorker.ready;
      })
      .then(function (registration) {
        return registration.pushManager.subscribe({
          userVisibleOnly: true,
          applicationServerKey: keyBytes(section.getAttribute("data-key")),
        });
      })
      .then(function (subscription) {
        var body = typeof subscription.toJSON === "function" ? subscription.toJSON() : subscription;
        return sendSubscription(section.getAttribute("data-url"), "POST", body);
      })
      .then(function () {
        showPushState(section, "on", "on");
        devicesChanged();
      })
      .catch(function (error) {
        if (error && error.message === "blocked") {
          showPushState(section, "blocked", "blocked");
        } else if (error && error.message === "dismissed") {
          showPushState(section, "off", "dismissed");
        } else {
          showPushState(section, "off", "failed");
        }
      });
  }

  function disablePush(section) {
    showPushState(section, "busy", "turning-off");
    currentSubscription()
      .then(function (subscription) {
        if (!subscription) return null;
        var endpoint = subscription.endpoint;
        return subscription.unsubscribe().then(function () {
          return sendSubscription(section.getAttribute("data-url"), "DELETE", { endpoint: endpoint });
        });
      })
      .then(function () {
        showPushState(section, "off", "off");
        devicesChanged();
      })
      .catch(function () {
        refreshPush(section);
      });
  }

  document.addEventListener("click", function (event) {
    var section = event.target.closest("[data-push]");
    if (!section) return;
    if (event.target.closest("[data-push-enable]")) enablePush(section);
    if (event.target.closest("[data-push-disable]")) disablePush(section);
  });

  /* --- sign out: this device stops receiving the user's notifications ---------------- */

  document.addEventListener("submit", function (event) {
    var form = event.target.closest("form[data-sign-out]");
    if (!form || form.dataset.leaving) return;
    event.preventDefault();
    form.dataset.leaving = "1";
    var done = function () { form.submit(); };
    var url = form.getAttribute("data-push-url");
    var cleanup = currentSubscription()
      .then(function (subscription) {
        if (!subscription) return null;
        var endpoint = subscription.endpoint;
        return subscription.unsubscribe().then(function () {
          return sendSubscription(url, "DELETE", { endpoint: endpoint });
        });
      })
      .catch(function () { /* signing out matters more */ });
    // Never hold the user back for long: sign out after at most two seconds.
    Promise.race([cleanup, new Promise(function (resolve) { setTimeout(resolve, 2000); })]).then(done);
  });

  function refresh() {
    document.querySelectorAll("[data-push]").forEach(refreshPush);
  }

  window.leadRelayApp = { refresh: refresh };
  document.addEventListener("htmx:load", function (event) {
    if (event.target.querySelector && event.target.querySelector("[data-push]")) refresh();
  });
  refresh();
})();

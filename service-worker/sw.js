/* LeadRelay service worker, served at /sw.js (scope "/").
 *
 * What it caches: the app shell only (CSS, htmx, the app script, the icons a notification
 * or the offline page shows, the /offline page), in one cache per VERSION. What it never
 * caches: HTML pages of signed-in users, htmx partials, API responses, anything that is
 * not a GET. So nothing of one user survives a sign-out; the pages themselves always
 * come from the network, with /offline as the fallback.
 *
 * Updating: bump VERSION whenever a file in SHELL changes. The browser sees the new
 * worker (sw.js is served no-cache), installs it, and it takes over at once
 * (skipWaiting + clients.claim) and deletes the caches of older versions. Static files
 * are served stale-while-revalidate, so even a forgotten bump costs one stale load,
 * never a user stuck on an old version.
 */
const VERSION = "2026-11-27.4";
const CACHE_PREFIX = "leadrelay-shell-";
const CACHE = CACHE_PREFIX + VERSION;
const OFFLINE_URL = "/offline";
const HOME_URL = "/inbox";
// Icons are left out: the browser fetches the install icons itself, a notification's icon
// and badge load when a push arrives (online by definition), and the offline page draws
// its logo inline. That keeps a phone's first visit, install included, under 40 KB.
const SHELL = [
  OFFLINE_URL,
  "/static/css/app.css",
  "/static/htmx.min.js",
  "/static/js/app.js",
  "/static/js/boot.js",
  "/static/js/offline.js",
  // The favicon is the app icon's SVG: the manifest points the browser at it anyway.
  "/static/icons/icon.svg",
];
const NOTIFICATION_ICON = "/static/icons/icon-192.png";
const NOTIFICATION_BADGE = "/static/icons/badge-96.png";

self.addEventListener("install", (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(CACHE);
      // "no-cache" revalidates with the server: never a stale file, yet what the page
      // has just downloaded comes back as a small 304 instead of a second download.
      await cache.addAll(SHELL.map((url) => new Request(url, { cache: "no-cache" })));
      await self.skipWaiting();
    })(),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    (async () => {
      const names = await caches.keys();
      await Promise.all(
        names
          .filter((name) => name.startsWith("leadrelay-") && name !== CACHE)
          .map((name) => caches.delete(name)),
      );
      if (self.registration.navigationPreload) {
        // The page request starts while the worker boots: network-first costs no extra time.
        await self.registration.navigationPreload.enable();
      }
      await self.clients.claim();
    })(),
  );
});

self.addEventListener("message", (event) => {
  if (event.data && event.data.type === "SKIP_WAITING") {
    self.skipWaiting();
  }
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return; // the network handles it, uncached
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;

  if (request.mode === "navigate") {
    event.respondWith(networkOrOfflinePage(event));
  } else if (request.headers.get("HX-Boosted") === "true") {
    // hx-boost turns link clicks into fetches; offline, they get the offline page too.
    event.respondWith(networkOrOfflinePage(event));
  } else if (url.pathname.startsWith("/static/")) {
    event.respondWith(staleWhileRevalidate(event));
  }
  // Everything else (htmx partials, JSON): straight to the network, never cached.
});

/** Fetch a page from the network; when that fails, answer with the cached offline page. */
async function networkOrOfflinePage(event) {
  try {
    const preloaded = await event.preloadResponse;
    const response = preloaded || (await fetch(event.request));
    event.waitUntil(restoreOfflinePage());
    return response;
  } catch (error) {
    const cache = await caches.open(CACHE);
    const offline = await cache.match(OFFLINE_URL);
    return (
      offline ||
      new Response("You're offline. Reconnect and try again.", {
        status: 503,
        headers: { "Content-Type": "text/plain; charset=utf-8" },
      })
    );
  }
}

/** Put /offline back if something wiped the cache (a sign-out's Clear-Site-Data). */
async function restoreOfflinePage() {
  const cache = await caches.open(CACHE);
  if (!(await cache.match(OFFLINE_URL))) {
    try {
      await cache.add(new Request(OFFLINE_URL, { cache: "reload" }));
    } catch (error) {
      // Still offline or the server is down: try again on the next page.
    }
  }
}

/** Static files: from the cache at once when there, refreshed from the network behind. */
async function staleWhileRevalidate(event) {
  const request = event.request;
  const cache = await caches.open(CACHE);
  const cached = await cache.match(request);
  const refresh = fetch(request).then(async (response) => {
    if (response.ok && response.type === "basic") {
      await cache.put(request, response.clone());
    }
    return response;
  });
  if (cached) {
    event.waitUntil(refresh.catch(() => undefined)); // offline: the cached copy will do
    return cached;
  }
  return refresh;
}

/** A same-origin URL from a push payload, or the inbox: a notification never leaves the app. */
function sameOriginUrl(value) {
  try {
    const url = new URL(value, self.location.origin);
    if (url.origin === self.location.origin) return url.href;
  } catch (error) {
    // not a URL at all
  }
  return new URL(HOME_URL, self.location.origin).href;
}

function readPushData(event) {
  if (!event.data) return {};
  try {
    const data = event.data.json();
    return data && typeof data === "object" ? data : {};
  } catch (error) {
    return {}; // not JSON: show the generic notification
  }
}

self.addEventListener("push", (event) => {
  const data = readPushData(event);
  const title = typeof data.title === "string" && data.title ? data.title : "LeadRelay";
  const options = {
    body: typeof data.body === "string" && data.body ? data.body : "You have an update in LeadRelay.",
    data: { url: sameOriginUrl(typeof data.url === "string" ? data.url : HOME_URL) },
    icon: NOTIFICATION_ICON,
    badge: NOTIFICATION_BADGE,
  };
  if (typeof data.tag === "string" && data.tag) {
    // Same tag (same lead) replaces the older notification, and still buzzes the phone.
    options.tag = data.tag;
    options.renotify = true;
  }
  event.waitUntil(self.registration.showNotification(title, options));
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const target = sameOriginUrl(event.notification.data && event.notification.data.url);
  event.waitUntil(openOrFocus(target));
});

/** Focus an open LeadRelay window and show target in it, or open a new window. */
async function openOrFocus(target) {
  const windows = await self.clients.matchAll({ type: "window", includeUncontrolled: true });
  const ours = windows.filter((client) => new URL(client.url).origin === self.location.origin);
  // A focused window first; matchAll already lists the rest by most recent focus.
  ours.sort((a, b) => Number(b.focused) - Number(a.focused));
  if (ours.length) {
    let client = ours[0];
    try {
      client = (await client.focus()) || client;
    } catch (error) {
      // Focusing needs the click's window interaction; still show the lead in that window.
    }
    if (client.url === target) return client;
    try {
      const navigated = await client.navigate(target);
      if (navigated) return navigated;
    } catch (error) {
      // An uncontrolled window cannot be navigated: open a new one instead.
    }
  }
  return self.clients.openWindow(target);
}

/*
 * The service worker of the installable app (served as /sw.js by web/pwa.py).
 *
 * Offline, the pages a member uses most open with the last content they saw: home, a forum
 * thread, the mailbox and a conversation, the meeting list. Those pages are fetched from the
 * network first and the copy kept; without a network the copy is served, and the page's own
 * script says it is offline and keeps what is written in the outbox until the link returns.
 * The site's files (CSS, modules, icons) are served from the cache and refreshed behind.
 *
 * Pages are private: they are kept per user (the X-Epa-Member header of every response says
 * whose a page is), and as soon as a response says the user changed (a logout, another login)
 * every other user's pages are deleted; the logout button deletes them too (site.js). Nothing
 * else is kept: no API, no socket, no uploaded file, no other page.
 */
const VERSION = "1";
const SHELL = "epa-shell-" + VERSION;
const PAGES = "epa-pages-"; // + the user's id
const META = "epa-meta";
const WHO = "/__epa_member";
const OFFLINE = "/static/offline.html";
const SHELL_FILES = [
  "/static/css/site.css",
  "/static/js/site.js",
  "/static/js/dom.js",
  "/static/js/realtime.js",
  "/static/js/outbox.js",
  "/static/forum/forum.js",
  "/static/forum/forum.css",
  "/static/mailbox/mailbox.js",
  "/static/mailbox/mailbox.css",
  "/static/meetings/notices.js",
  "/static/meetings/meetings.css",
  "/static/img/icon.svg",
  "/static/img/icon-192.png",
  OFFLINE,
];
const KEPT_PAGES = [/^\/$/, /^\/forum\/t\/\d+\/$/, /^\/mailbox\/$/, /^\/mailbox\/c\/\d+\/$/, /^\/meetings\/$/];

self.addEventListener("install", (event) => {
  // One missing file must not stop the worker: each is added on its own.
  event.waitUntil(caches.open(SHELL).then((cache) => Promise.all(SHELL_FILES.map((f) => cache.add(f).catch(() => null)))));
  self.skipWaiting();
});

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) {
      if (name.startsWith("epa-shell-") && name !== SHELL) await caches.delete(name);
    }
    await self.clients.claim();
  })());
});

self.addEventListener("message", (event) => {
  if (event.data && event.data.type === "forget") event.waitUntil(rememberUser(""));
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === "navigate") {
    event.respondWith(page(request, url));
  } else if (url.pathname.startsWith("/static/")) {
    event.respondWith(shellFile(event, request));
  }
});

async function page(request, url) {
  const kept = !url.search && KEPT_PAGES.some((pattern) => pattern.test(url.pathname));
  let response;
  try {
    response = await fetch(request);
  } catch (error) {
    const user = await currentUser();
    const copy = kept && user ? await (await caches.open(PAGES + user)).match(url.pathname) : null;
    return copy || (await caches.match(OFFLINE)) || Response.error();
  }
  const user = response.headers.get("X-Epa-Member") || "";
  await rememberUser(user);
  if (kept && user && response.ok && !response.redirected && response.type === "basic") {
    const cache = await caches.open(PAGES + user);
    await cache.put(url.pathname, response.clone());
  }
  return response;
}

async function shellFile(event, request) {
  const cache = await caches.open(SHELL);
  const hit = await cache.match(request, { ignoreSearch: true });
  const fresh = fetch(request).then((response) => {
    if (response.ok) cache.put(request, response.clone());
    return response;
  });
  if (hit) {
    event.waitUntil(fresh.catch(() => null)); // refreshed for next time
    return hit;
  }
  return fresh;
}

async function currentUser() {
  const hit = await (await caches.open(META)).match(WHO);
  return hit ? hit.text() : "";
}

/* The user changed (or signed out): every other user's pages go. */
async function rememberUser(user) {
  if ((await currentUser()) === user) return;
  for (const name of await caches.keys()) {
    if (name.startsWith(PAGES) && name !== PAGES + user) await caches.delete(name);
  }
  await (await caches.open(META)).put(WHO, new Response(user));
}

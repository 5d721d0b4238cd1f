/*
 * Shared helpers of the branch pages' modules: one realtime connection per page (the shared
 * client in web/static/js/realtime.js) and server-rendered fragments fetched and swapped in, so
 * that what arrives live is drawn by the same templates as the page.
 */
import { Connection } from "../js/realtime.js";

let shared = null;

/* The page's one connection for the branch's modules (a module is evaluated once per page). */
export function connection(indicator = null) {
  if (!shared) shared = new Connection({ indicator });
  return shared;
}

export async function fragment(url) {
  const response = await fetch(url, { credentials: "same-origin", headers: { Accept: "text/html" } });
  if (!response.ok) return null;
  const template = document.createElement("template");
  template.innerHTML = (await response.text()).trim();
  return template.content.firstElementChild;
}

/* Re-read the page and put the current contents of the elements with these ids in place. */
export async function refresh(ids) {
  const response = await fetch(window.location.href, { credentials: "same-origin" });
  if (!response.ok) return;
  const fresh = new DOMParser().parseFromString(await response.text(), "text/html");
  for (const id of ids) {
    const now = document.getElementById(id);
    const next = fresh.getElementById(id);
    if (now && next) now.replaceWith(document.adoptNode(next));
  }
}

/* A URL the server rendered with 0 in place of an id: the last "/0/" becomes "/<id>/". */
export function urlFor(template, id) {
  const at = template.lastIndexOf("/0/");
  return at < 0 ? template : template.slice(0, at) + "/" + id + "/" + template.slice(at + 3);
}

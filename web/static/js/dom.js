/*
 * The one DOM helper of the site's modules.
 *
 *   el("li", { class: "message", "data-seq": 7 }, el("span", { text: "名字" }), "text", null)
 *
 * Attributes: `text` sets the text content, `onclick` adds a click listener, null, undefined and
 * false are left out, anything else is set as an attribute. Children: nodes and strings (as
 * text, never HTML); null and undefined are skipped.
 */
export function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (key === "text") node.textContent = value;
    else if (key === "onclick") node.addEventListener("click", value);
    else if (value !== null && value !== undefined && value !== false) node.setAttribute(key, value);
  }
  for (const child of children) if (child !== null && child !== undefined) node.append(child);
  return node;
}

export const $ = (id) => document.getElementById(id);

/* The JSON a template put in <script type="application/json" id="…"> (Django's json_script). */
export function jsonData(id, fallback = null) {
  const node = document.getElementById(id);
  return node ? JSON.parse(node.textContent) : fallback;
}

/* Django's CSRF token for a request the page makes itself: the form's, else the cookie's. */
export function csrfToken() {
  const input = document.querySelector("input[name=csrfmiddlewaretoken]");
  if (input) return input.value;
  const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
  return match ? decodeURIComponent(match[1]) : "";
}

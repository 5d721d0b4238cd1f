// One clock (kernel/times.py writes the same strings on the server): a moment is shown in the
// site's time zone (<html data-tz>) as "14:05" on the day it is shown, else "2026-12-03 14:05".

const parts = new Map();

function formatter(zone) {
  if (!parts.has(zone)) {
    parts.set(zone, new Intl.DateTimeFormat("en-CA", {
      timeZone: zone, year: "numeric", month: "2-digit", day: "2-digit",
      hour: "2-digit", minute: "2-digit", hourCycle: "h23",
    }));
  }
  return parts.get(zone);
}

function fields(date, zone) {
  const out = {};
  for (const part of formatter(zone).formatToParts(date)) out[part.type] = part.value;
  return out;
}

export function siteZone(doc = globalThis.document) {
  return (doc && doc.documentElement && doc.documentElement.dataset.tz) || "Asia/Shanghai";
}

export function when(value, { zone = siteZone(), now = new Date() } = {}) {
  const date = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(date.getTime())) return "";
  const f = fields(date, zone);
  const today = fields(now, zone);
  const time = f.hour + ":" + f.minute;
  if (f.year === today.year && f.month === today.month && f.day === today.day) return time;
  return f.year + "-" + f.month + "-" + f.day + " " + time;
}

export function day(value, { zone = siteZone() } = {}) {
  const date = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(date.getTime())) return "";
  const f = fields(date, zone);
  return f.year + "-" + f.month + "-" + f.day;
}

// A <time> element as {{ value|when }} renders it on the server.
export function timeElement(value, options, doc = globalThis.document) {
  const node = doc.createElement("time");
  const date = value instanceof Date ? value : new Date(value);
  if (!Number.isNaN(date.getTime())) node.setAttribute("datetime", date.toISOString().replace(/\.\d{3}Z$/, "+00:00"));
  node.textContent = when(date, options);
  return node;
}

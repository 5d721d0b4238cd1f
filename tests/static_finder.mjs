// Node finds a browser module's imports as the site serves them: every app's static/ folder is
// one tree under /static/ (Django's app directories finder), so meetings/static/meetings/room/x.js
// importing "../../js/dom.js" gets web/static/js/dom.js. Loaded with `node --import` by
// tests/nodejs.py; it registers itself as the resolve hook (hooks run off the main thread).
import { existsSync, readdirSync } from "node:fs";
import { register } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";
import { isMainThread } from "node:worker_threads";

if (isMainThread) register(import.meta.url);

const STATIC = /^(.*)\/[^/]+\/static\/(.*)$/;

export async function resolve(specifier, context, next) {
  try {
    return await next(specifier, context);
  } catch (error) {
    if (error.code !== "ERR_MODULE_NOT_FOUND" || !context.parentURL || !/^\.\.?\//.test(specifier)) throw error;
    const match = fileURLToPath(new URL(specifier, context.parentURL)).match(STATIC);
    if (!match) throw error;
    const [, root, rest] = match;
    for (const app of readdirSync(root)) {
      const candidate = `${root}/${app}/static/${rest}`;
      if (existsSync(candidate)) return next(pathToFileURL(candidate).href, context);
    }
    throw error;
  }
}

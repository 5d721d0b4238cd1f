// Drives web/static/js/flag.js in Node: what a page keeps of a chat line or question that
// moderation took away. Exits non-zero on failure, prints "ok" on success.
import assert from "node:assert";

import { afterModeration } from "../../web/static/js/flag.js";

const line = { id: 7, author: 3, name: "张发言", text: "散会后去钓鱼", status: "published", reason: "" };

// Anyone but the author keeps nothing of it.
assert.strictEqual(afterModeration(line, 4, "hidden"), null);
assert.strictEqual(afterModeration(undefined, 3, "hidden"), null);

// Its author keeps it, told why.
const hidden = afterModeration(line, 3, "hidden");
assert.deepStrictEqual(hidden, { ...line, status: "hidden", reason: "" });
const rejected = afterModeration(hidden, 3, "rejected", "离题");
assert.deepStrictEqual([rejected.status, rejected.reason, rejected.text], ["rejected", "离题", "散会后去钓鱼"]);

// A rejection arrives on the author's own stream, the room's "hidden" may come after it: the
// rejection and its reason stay.
assert.strictEqual(afterModeration(rejected, 3, "hidden"), rejected);
assert.strictEqual(line.status, "published"); // the page's copy is replaced, never changed

console.log("ok");

// Drives the room page's logic (meetings/static/meetings/room/*.js, ES modules) in Node: the
// votes a page keeps as vote events arrive and how a result reads, the hand queue, ad-hoc
// breakout rooms, each room's chat, the participants' marks and co-hosts, the link quality, and a
// fresh room state that is older than an event which came while it was read.
// Exits non-zero on failure, prints "ok" on success.
import assert from "node:assert";

const room = "../../meetings/static/meetings/room/";
const { applyVoteEvent, countsText, outcomeText } = await import(room + "votes.js");
const { isRaised } = await import(room + "hands.js");
const { dealRooms } = await import(room + "breakouts.js");
const { linesOf, addLine } = await import(room + "chat.js");
const { marks, cohostsWith } = await import(room + "participants.js");
const { assessLink, gradeLink, worse, readStats } = await import(room + "link.js");
const { lifecycle } = await import(room + "lifecycle.js");

const T = {
  eligible: "Eligible", turnout: "Turnout", quorum: "Quorum met", outcome_adopted: "Adopted",
  outcome_no_quorum: "No quorum", outcome_elected: "Elected:", tied: "Tied for the last seat:",
  for: "For", against: "Against", abstain: "Abstain",
};

// --- votes: the page's list follows opened → turnout → closed ---------------------------------
const votes = [];
const motion = { id: 7, title: "Budget", kind: "motion", options: ["for", "against", "abstain"], status: "open" };
applyVoteEvent(votes, { type: "meetings.vote.opened", motion });
assert.deepStrictEqual(votes, [{ ...motion, voted: false, turnout: 0 }]);
votes[0].voted = true; // this member cast a ballot
applyVoteEvent(votes, { type: "meetings.vote.opened", motion }); // again, in a fresh state after a reconnect
assert.strictEqual(votes.length, 1, "a vote opened twice is listed once, the ballot kept");
assert.strictEqual(votes[0].voted, true);
applyVoteEvent(votes, { type: "meetings.vote.turnout", motion: 7, turnout: 3 });
applyVoteEvent(votes, { type: "meetings.vote.turnout", motion: 99, turnout: 5 }); // not on this page: ignored
assert.strictEqual(votes.length, 1);
assert.strictEqual(votes[0].turnout, 3);
const result = { counts: { for: 5, against: 2, abstain: 0 }, eligible: 10, turnout: 7, quorum_met: true, outcome: "adopted" };
applyVoteEvent(votes, { type: "meetings.vote.closed", motion: { ...motion, status: "closed", turnout: 7, result } });
assert.strictEqual(votes.length, 1);
assert.strictEqual(votes[0].status, "closed");
assert.strictEqual(votes[0].voted, true, "closing keeps what this member did");
assert.deepStrictEqual(votes[0].result, result);
// A vote closed that this page never saw open (it came later) is shown with its result.
applyVoteEvent(votes, { type: "meetings.vote.closed", motion: { id: 8, title: "Chair", status: "closed", result } });
assert.deepStrictEqual(votes.map((v) => v.id), [7, 8]);

assert.strictEqual(countsText(result.counts, T), "For 5 · Against 2 · Abstain 0");
assert.strictEqual(countsText({ 张三: 4 }, T), "张三 4", "a candidate's name stays as it is");
assert.strictEqual(outcomeText(result, T), "Eligible 10 · Turnout 7 · Quorum met · Adopted");
// Without a quorum the outcome says so, once.
assert.strictEqual(
  outcomeText({ eligible: 10, turnout: 2, quorum_met: false, outcome: "no_quorum" }, T),
  "Eligible 10 · Turnout 2 · No quorum",
);
assert.strictEqual(
  outcomeText({ eligible: 9, turnout: 9, quorum_met: true, outcome: "elected", elected: ["张三"], tied: ["李四", "王五"] }, T),
  "Eligible 9 · Turnout 9 · Quorum met · Elected: 张三 · Tied for the last seat: 李四、王五",
);
assert.strictEqual(
  outcomeText({ eligible: 9, turnout: 9, quorum_met: true, outcome: "elected", elected: [], tied: [] }, T),
  "Eligible 9 · Turnout 9 · Quorum met · Elected: —",
);
assert.strictEqual(outcomeText({ eligible: 1, turnout: 1, quorum_met: false, outcome: "novel" }, T).endsWith(" · novel"), true);

// --- hands -------------------------------------------------------------------------------------
const queue = [{ member: 4, name: "A" }, { member: 2, name: "B" }];
assert.strictEqual(isRaised(queue, 2), true);
assert.strictEqual(isRaised(queue, 3), false);
assert.strictEqual(isRaised([], 2), false);

// --- breakouts: ad-hoc rooms -------------------------------------------------------------------
const people = [
  { member: 1, role: "host" }, { member: 2, role: "participant" }, { member: 3, role: "cohost" },
  { member: 4, role: "participant" }, { member: 5, role: "participant" },
];
assert.deepStrictEqual(dealRooms(people, "2", "Room"), [
  { name: "Room 1", members: [2, 5] },
  { name: "Room 2", members: [4] },
], "hosts stay out; the others are dealt round the rooms in turn");
assert.deepStrictEqual(dealRooms(people, "5", "Room").map((r) => r.name), ["Room 1", "Room 2", "Room 3"], "empty rooms are not opened");
assert.strictEqual(dealRooms(people, "1", "Room").length, 2, "at least two rooms");
assert.strictEqual(dealRooms(people, "", "Room").length, 2, "two rooms when none is given");
const crowd = Array.from({ length: 30 }, (_, i) => ({ member: i + 10, role: "participant" }));
assert.strictEqual(dealRooms(crowd, "50", "Room").length, 20, "at most twenty rooms");

// --- chat: each breakout room its own ------------------------------------------------------------
const lines = [{ id: 1, text: "main" }, { id: 2, text: "b3", breakout: 3 }, { id: 3, text: "main too", breakout: null }];
assert.deepStrictEqual(linesOf(lines, null).map((l) => l.id), [1, 3]);
assert.deepStrictEqual(linesOf(lines, 3).map((l) => l.id), [2]);
// After the link returns a line can come in the fresh room state and again as a missed event.
addLine(lines, { id: 3, text: "main too", breakout: null });
addLine(lines, { id: 4, text: "new" });
assert.deepStrictEqual(lines.map((l) => l.id), [1, 2, 3, 4], "a line twice is shown once");
// A line a moderator approved comes again: it replaces its author's copy that awaited review.
const mine = [{ id: 5, text: "待审", status: "held" }];
addLine(mine, { id: 5, text: "通过" });
assert.deepStrictEqual(mine, [{ id: 5, text: "通过" }]);

// --- participants ----------------------------------------------------------------------------
assert.strictEqual(marks({ mic_muted: true, video_muted: true, audio_only: true }), "🔇🚫📷🎧");
assert.strictEqual(marks({ mic_muted: false, video_muted: false, audio_only: false }), "");
assert.deepStrictEqual(cohostsWith(people, 4, true).sort(), [3, 4]);
assert.deepStrictEqual(cohostsWith(people, 3, false), []);
assert.deepStrictEqual(cohostsWith(people, 3, true), [3], "making a co-host twice changes nothing");

// --- link quality ------------------------------------------------------------------------------
const limits = { rtt_ms: 400, loss: 0.05, min_kbps: 150 };
const sample = (rtt, lossRate, outgoingBitrate) => ({ rtt, lossRate, outgoingBitrate });
assert.deepStrictEqual(assessLink(sample(0.05, 0, 1e6), limits), []);
assert.deepStrictEqual(assessLink(sample(0.5, 0.1, 100e3), limits), ["rtt", "loss", "bitrate"]);
assert.strictEqual(gradeLink(sample(null, null, null), limits), null, "nothing measured, nothing shown");
assert.strictEqual(gradeLink(sample(0.05, 0, 1e6), limits), "good");
assert.strictEqual(gradeLink(sample(0.5, null, null), limits), "weak");
assert.strictEqual(gradeLink(sample(0.9, null, null), limits), "bad", "twice the round trip");
assert.strictEqual(gradeLink(sample(null, 0.2, null), limits), "bad", "three times the loss");
assert.strictEqual(gradeLink(sample(null, null, 70e3), limits), "bad", "half the bandwidth");
assert.strictEqual(worse(null, "good"), "good");
assert.strictEqual(worse("bad", "weak"), "bad");
assert.strictEqual(worse("good", "weak"), "weak");
assert.strictEqual(worse("weak", null), "weak");

const stats = (lost, received) => new Map([
  ["pair", { type: "candidate-pair", nominated: true, state: "succeeded", currentRoundTripTime: 0.12, availableOutgoingBitrate: 9e5 }],
  ["other", { type: "candidate-pair", nominated: false, state: "succeeded", currentRoundTripTime: 3 }],
  ["video", { type: "inbound-rtp", kind: "video", packetsLost: lost, packetsReceived: received }],
  ["audio", { type: "inbound-rtp", kind: "audio", packetsLost: 500, packetsReceived: 0 }],
]);
const first = readStats(stats(10, 90), null);
assert.deepStrictEqual(first.sample, { rtt: 0.12, lossRate: null, outgoingBitrate: 9e5 }, "the first reading has no loss rate yet");
assert.deepStrictEqual(first.counts, { lost: 10, received: 90 });
const second = readStats(stats(20, 180), first.counts);
assert.strictEqual(second.sample.lossRate, 10 / 100, "video packets lost since the last reading");
assert.strictEqual(readStats(stats(20, 180), second.counts).sample.lossRate, null, "nothing arrived: no rate");
assert.strictEqual(readStats(stats(5, 280), second.counts).sample.lossRate, 0, "a lost count that went down is no loss");

console.log("ok");

// --- a fresh state older than what came meanwhile ------------------------------------------------
{
  const elements = {};
  const $ = (id) => (elements[id] ||= { hidden: false, dataset: {}, textContent: "", addEventListener() {}, getAttribute: () => null });
  const handlers = new Map();
  let onRoom = null;
  const asked = [];
  const ctx = {
    $, T: {}, config: { meeting: 3, room: "meeting:3" }, me: 5, state: null, root: { dispatchEvent() {} },
    rt: { subscribe: (stream, handler) => { if (stream === "meeting:3") onRoom = handler; return () => {}; }, onFrame() {} },
    command: () => new Promise((resolve) => asked.push(resolve)),
    on: (name, handler) => handlers.set(name, [...(handlers.get(name) || []), handler]),
    emit: (name, payload) => (handlers.get(name) || []).map((handler) => handler(payload)),
    person: (member) => (ctx.state ? ctx.state.participants.find((p) => p.member === member) : undefined),
  };
  const chatSeen = [];
  ctx.on("meetings.audio_only.changed", (event) => { ctx.person(event.member).audio_only = event.audio_only; });
  ctx.on("meetings.chat.posted", (event) => chatSeen.push(event.id));
  const settle = () => new Promise((resolve) => setImmediate(resolve));
  const state = (audioOnly) => ({ participants: [{ member: 6, audio_only: audioOnly }] });
  const life = lifecycle(ctx);
  const entering = life.enter();
  await settle();
  asked.shift()(state(true));
  await entering;
  assert.strictEqual(ctx.person(6).audio_only, true);
  // A presence change asks for the state again; meanwhile member 6 turns their video back on and
  // says something, and the answer, read before that, comes after both events.
  const refreshing = life.refresh();
  await settle();
  onRoom({ type: "event", seq: 8, event: { type: "meetings.audio_only.changed", member: 6, audio_only: false } });
  onRoom({ type: "event", seq: 9, event: { type: "meetings.chat.posted", id: 41 } });
  asked.shift()(state(true));
  await refreshing;
  assert.strictEqual(ctx.person(6).audio_only, false, "the event that came meanwhile is applied again");
  assert.deepStrictEqual(chatSeen, [41], "a chat line is not shown twice");
  // An event after the answer is applied once, as ever.
  onRoom({ type: "event", seq: 10, event: { type: "meetings.audio_only.changed", member: 6, audio_only: true } });
  assert.strictEqual(ctx.person(6).audio_only, true);
}

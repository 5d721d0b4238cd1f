/*
 * Votes in the room: motions and elections opened by a host, each member's ballot, the turnout
 * while a vote is open and the result once it is closed; the results again when the meeting
 * ends. Hosts open and close votes.
 */
import { el } from "../../js/dom.js";

/* The room's votes after one vote event, as the page keeps them: opened (not yet voted, no
   turnout), turnout, closed (its result; a vote opened before this page came is added). */
export function applyVoteEvent(votes, event) {
  if (event.type === "meetings.vote.opened") {
    if (!votes.some((v) => v.id === event.motion.id)) votes.push({ ...event.motion, voted: false, turnout: 0 });
  } else if (event.type === "meetings.vote.turnout") {
    const vote = votes.find((v) => v.id === event.motion);
    if (vote) vote.turnout = event.turnout;
  } else if (event.type === "meetings.vote.closed") {
    const vote = votes.find((v) => v.id === event.motion.id);
    if (vote) Object.assign(vote, event.motion);
    else votes.push(event.motion);
  }
  return votes;
}

/* "for 3 · against 1 · abstain 0", each option in the page's words where it has them. */
export function countsText(counts, T) {
  return Object.entries(counts).map(([option, n]) => (T[option] || option) + " " + n).join(" · ");
}

/* Eligible, turnout and the outcome. The quorum is stated once: "met" beside the outcome, or the
   outcome "no quorum" itself. */
export function outcomeText(result, T) {
  const parts = [T.eligible + " " + result.eligible, T.turnout + " " + result.turnout];
  if (result.quorum_met) parts.push(T.quorum);
  if (result.outcome === "elected") {
    parts.push(T.outcome_elected + " " + (result.elected.join("、") || "—"));
    if (result.tied && result.tied.length) parts.push(T.tied + " " + result.tied.join("、"));
  } else {
    parts.push(T["outcome_" + result.outcome] || result.outcome);
  }
  return parts.join(" · ");
}

export function votes(ctx) {
  const { $, T } = ctx;

  function ballot(vote) {
    const form = el("form", {});
    const type = vote.max_choices > 1 ? "checkbox" : "radio";
    for (const option of vote.options) {
      form.append(el("label", { class: "check" }, el("input", { type, name: "choice", value: option }), T[option] || option));
    }
    form.append(el("button", { type: "submit", class: "primary" }, T.voteCast));
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      const choices = [...form.querySelectorAll("input:checked")].map((i) => i.value);
      ctx.command("vote.cast", { motion: vote.id, choices }).then(() => {
        vote.voted = true;
        render();
      }, ctx.fail);
    });
    return form;
  }

  function render() {
    const box = $("votes");
    box.replaceChildren();
    for (const vote of ctx.state.votes) {
      const card = el("div", { class: "vote", "data-motion": vote.id }, el("strong", {}, vote.title), " ",
        el("span", { class: "muted" }, vote.secret ? T.secret : T.open));
      if (vote.status === "closed" && vote.result) {
        card.append(el("p", {}, countsText(vote.result.counts, T)), el("p", { class: "result" }, outcomeText(vote.result, T)));
      } else {
        card.append(el("p", { class: "muted" }, T.turnout + " " + (vote.turnout || 0)));
        card.append(vote.voted ? el("p", {}, T.voted) : ballot(vote));
        if (ctx.state.me.is_host) {
          card.append(el("button", { type: "button", onclick: () => ctx.command("vote.close", { motion: vote.id }).catch(ctx.fail) }, T.closeVote));
        }
      }
      box.append(card);
    }
  }

  /* The meeting ended: its closed votes, on the page that says so. */
  function renderResults(box, closed) {
    box.replaceChildren();
    for (const vote of closed || []) {
      box.append(el("div", { class: "vote" }, el("strong", {}, vote.title), el("p", {}, countsText(vote.result.counts, T)),
        el("p", {}, outcomeText(vote.result, T))));
    }
  }

  ctx.on("room:state", render);
  for (const type of ["meetings.vote.opened", "meetings.vote.turnout", "meetings.vote.closed"]) {
    ctx.on(type, (event) => {
      applyVoteEvent(ctx.state.votes, event);
      render();
    });
  }
  ctx.on("meetings.meeting.ended", (event) => renderResults($("closed-results"), event.closed_votes));

  const form = $("vote-form");
  if (!form) return;
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const f = e.target.elements;
    const options = f.options.value.split("\n").map((s) => s.trim()).filter(Boolean);
    ctx.command("vote.open", {
      title: f.title.value, kind: f.kind.value, options, secret: f.secret.checked,
      max_choices: Number(f.max_choices.value) || 1,
    }).then(() => e.target.reset(), ctx.fail);
  });
}

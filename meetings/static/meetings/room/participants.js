/*
 * Who is in the room, with their role and what they have off (microphone, camera, video); hosts
 * may mute someone, stop their camera, make or drop a co-host, and remove them.
 */
import { el } from "../../js/dom.js";

/* The marks beside a name: 🔇 microphone off, 🚫📷 camera off, 🎧 audio only. */
export function marks(person) {
  return (person.mic_muted ? "🔇" : "") + (person.video_muted ? "🚫📷" : "") + (person.audio_only ? "🎧" : "");
}

/* The co-hosts once `member` is made one (on) or is one no longer. */
export function cohostsWith(participants, member, on) {
  const cohosts = new Set(participants.filter((p) => p.role === "cohost").map((p) => p.member));
  if (on) cohosts.add(member);
  else cohosts.delete(member);
  return [...cohosts];
}

export function participants(ctx, room) {
  const { $, T, me } = ctx;
  const act = (name, args) => () => ctx.command(name, args).catch(ctx.fail);
  const setCohost = (member, on) => act("room.cohosts", { members: cohostsWith(ctx.state.participants, member, on) })();

  function render() {
    const list = $("participants");
    list.replaceChildren();
    $("participant-count").textContent = String(ctx.state.participants.length);
    for (const person of ctx.state.participants) {
      const item = el(
        "li",
        { "data-member": person.member },
        el("span", { class: "name" }, person.name),
        el("span", { class: "role" }, T[person.role] || person.role),
        el("span", { class: "state", title: person.audio_only ? T.audioOnlyMark : "" }, marks(person)),
      );
      item.dataset.audioOnly = String(Boolean(person.audio_only));
      if (ctx.state.me.is_host && person.member !== me) {
        const button = (action, onclick, text) => el("button", { type: "button", "data-action": action, onclick }, text);
        if (!person.mic_muted) item.append(button("mute-mic", act("mute", { member: person.member, mic: true }), T.muteOther));
        if (!person.video_muted) item.append(button("mute-video", act("mute", { member: person.member, video: true }), T.stopOther));
        if (person.role === "participant") {
          item.append(button("make-cohost", () => setCohost(person.member, true), T.makeCohost));
        } else if (person.role === "cohost") {
          item.append(button("drop-cohost", () => setCohost(person.member, false), T.dropCohost));
        }
        if (person.role !== "host") item.append(button("remove", act("room.remove", { member: person.member }), T.remove));
      }
      list.append(item);
    }
  }

  ctx.on("room:state", render);
  ctx.on("meetings.mute.changed", () => room.refreshSoon());
  ctx.on("meetings.audio_only.changed", (event) => {
    const person = ctx.person(event.member);
    if (person) person.audio_only = event.audio_only;
    render();
  });
}

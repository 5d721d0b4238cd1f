/*
 * The lobby: knocking at meeting.lobby:<id> once the socket is first open (and again to rejoin
 * after leaving), waiting there until a host answers on user:me; and, for hosts, the list of
 * those waiting, each to admit or deny.
 */
import { el } from "../../js/dom.js";

export function lobby(ctx, room) {
  const { $, T, rt, config } = ctx;
  let knocked = false;

  function knock() {
    rt.command("meeting.lobby.enter", config.lobby)
      .then((data) => {
        if (data.status === "admitted") room.enter();
        else $("lobby").hidden = false;
      })
      .catch((error) => room.close(error.message, error.code === "conflict" ? "ended" : "closed"));
  }

  rt.onFrame((frame) => {
    if (frame.type !== "state" || frame.state !== "open" || knocked) return;
    knocked = true;
    knock();
  });
  ctx.on("meetings.lobby.admitted", () => room.enter());
  ctx.on("meetings.lobby.denied", () => room.close(T.denied, "closed"));

  $("rejoin").addEventListener("click", () => {
    $("closed").hidden = true;
    $("closed-results").replaceChildren();
    rt.indicator = $("rt-state");
    rt.setState(rt.state);
    knock();
  });

  function render() {
    const list = $("lobby-list");
    if (!list) return;
    list.replaceChildren();
    for (const waiter of ctx.state.lobby) {
      const admit = (yes) => ctx.command("room.admit", yes ? { member: waiter.member } : { member: waiter.member, admit: false }).catch(ctx.fail);
      list.append(
        el(
          "li",
          {},
          el("span", { class: "name" }, waiter.name),
          el("button", { type: "button", onclick: () => admit(true) }, T.admit),
          el("button", { type: "button", onclick: () => admit(false) }, T.deny),
        ),
      );
    }
  }

  ctx.on("room:state", render);
  ctx.on("meetings.lobby.changed", (event) => {
    ctx.state.lobby = ctx.state.me.is_host ? event.waiting : [];
    render();
  });
}

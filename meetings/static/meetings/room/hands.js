/*
 * Raised hands: the queue in the order hands went up, who has the floor, and this member's own
 * hand; hosts give the floor or lower a hand.
 */
import { el } from "../../js/dom.js";

export function isRaised(queue, member) {
  return queue.some((hand) => hand.member === member);
}

export function hands(ctx) {
  const { $, T, me } = ctx;

  function render() {
    const list = $("hands");
    list.replaceChildren();
    const raised = isRaised(ctx.state.hands, me);
    $("toggle-hand").textContent = raised ? T.lower : T.raise;
    $("toggle-hand").setAttribute("aria-pressed", String(raised));
    $("floor").textContent = ctx.state.floor ? T.floor + " " + ctx.nameOf(ctx.state.floor) : "";
    for (const hand of ctx.state.hands) {
      const item = el("li", { "data-member": hand.member }, el("span", { class: "name" }, hand.name));
      if (ctx.state.me.is_host) {
        item.append(
          el("button", { type: "button", onclick: () => ctx.command("hand.floor", { member: hand.member }).catch(ctx.fail) }, T.giveFloor),
          el("button", { type: "button", onclick: () => ctx.command("hand.lower", { member: hand.member }).catch(ctx.fail) }, T.lower),
        );
      }
      list.append(item);
    }
  }

  $("toggle-hand").addEventListener("click", () => {
    const raised = ctx.state && isRaised(ctx.state.hands, me);
    ctx.command(raised ? "hand.lower" : "hand.raise").catch(ctx.fail);
  });
  ctx.on("room:state", render);
  ctx.on("meetings.hands.changed", (event) => {
    ctx.state.hands = event.queue;
    ctx.state.floor = event.floor;
    render();
  });
}

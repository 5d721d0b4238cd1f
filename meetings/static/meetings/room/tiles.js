/*
 * Another person's tile among the room's videos (#tiles): their picture and their name. Mesh
 * peers (peers.js) and the relay room (stage.js) each keep one per person they show.
 */
import { el } from "../../js/dom.js";

export function remoteTile(ctx, member) {
  const tile = el("figure", { class: "tile remote", "data-member": member },
    el("video", { class: "remote", autoplay: "", playsinline: "" }), el("figcaption", {}, ctx.nameOf(member)));
  ctx.$("tiles").append(tile);
  return {
    tile,
    video: tile.querySelector("video"),
    caption(name) { tile.querySelector("figcaption").textContent = name; },
  };
}

/*
 * The live meeting room (stream meeting:<id>, docs/protocol.md "Meetings"), the page's one
 * module: it builds the shared context (room/context.js) and hands it to each part of the page.
 *
 * A member knocks at meeting.lobby:<id> (room/lobby.js); once admitted the page subscribes to the
 * room (room/lifecycle.js), and its events reach the parts that show them: participants, raised
 * hands, the host's controls, breakouts, votes, chat. Video is a mesh of peer connections or goes
 * through the server's media relay (room/video.js); the link quality is watched (room/link.js).
 */
import { roomContext } from "./room/context.js";
import { lifecycle } from "./room/lifecycle.js";
import { localMedia } from "./room/media.js";
import { participants } from "./room/participants.js";
import { hands } from "./room/hands.js";
import { host } from "./room/host.js";
import { lobby } from "./room/lobby.js";
import { breakouts } from "./room/breakouts.js";
import { votes } from "./room/votes.js";
import { chat } from "./room/chat.js";
import { video } from "./room/video.js";
import { assessLink, gradeLink, linkQuality } from "./room/link.js";

/* What the lesson's script (lessons/lesson.js) shares: the page's connection, and whether the
   member is in the room; the rest is for diagnostics from the console and the browser tests. */
export const EpaRoom = {};

const ctx = roomContext(document);
// Parts hear the bus in this order: the room's own state first, this member's media before the
// lists, the video last (it reads what the others have set).
const room = lifecycle(ctx);
const media = localMedia(ctx);
participants(ctx, room);
hands(ctx);
host(ctx);
lobby(ctx, room);
breakouts(ctx);
votes(ctx);
chat(ctx);
const screen = video(ctx, media, room);
linkQuality(ctx, media, screen);

Object.defineProperty(EpaRoom, "entered", { get: () => ctx.entered, enumerable: true });
Object.assign(EpaRoom, {
  connection: ctx.rt,
  peerConnection: screen.peerConnection,
  relay: screen.relay,
  assessLink,
  gradeLink,
});
window.EpaRoom = EpaRoom;

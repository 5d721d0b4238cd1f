/*
 * Connection quality: every LINK_CHECK_MS each connection (the relay's, or each mesh peer's) is
 * read with getStats(); the worst link is shown as good, weak or bad, and after two weak readings
 * in a row the member is offered audio only (once dismissed, not again on this page). The
 * thresholds are the room's (config.weak_link, from the server's settings).
 */
export const LINK_CHECK_MS = 5000;
export const GRADES = ["good", "weak", "bad"];

/* One link's weak points: round-trip time, the share of video packets lost since the last
   reading, and the sender's bandwidth estimate, each against its threshold. */
export function assessLink(sample, limits) {
  const reasons = [];
  if (sample.rtt !== null && sample.rtt * 1000 > limits.rtt_ms) reasons.push("rtt");
  if (sample.lossRate !== null && sample.lossRate > limits.loss) reasons.push("loss");
  if (sample.outgoingBitrate !== null && sample.outgoingBitrate < limits.min_kbps * 1000) reasons.push("bitrate");
  return reasons;
}

/* good, weak or bad: weak when any reading crosses a threshold, bad when one is far past it
   (twice the round trip, three times the loss, half the bandwidth); null when nothing is measured. */
export function gradeLink(sample, limits) {
  if (sample.rtt === null && sample.lossRate === null && sample.outgoingBitrate === null) return null;
  const bad = (sample.rtt !== null && sample.rtt * 1000 > 2 * limits.rtt_ms)
    || (sample.lossRate !== null && sample.lossRate > 3 * limits.loss)
    || (sample.outgoingBitrate !== null && sample.outgoingBitrate < (limits.min_kbps * 1000) / 2);
  if (bad) return "bad";
  return assessLink(sample, limits).length ? "weak" : "good";
}

/* The worse of two grades (null: not measured). */
export function worse(a, b) {
  if (!a) return b;
  if (!b) return a;
  return GRADES.indexOf(b) > GRADES.indexOf(a) ? b : a;
}

/* A sample from one getStats() report and the video packet counts of the previous reading
   (null the first time): { sample: { rtt, lossRate, outgoingBitrate }, counts: { lost, received } }. */
export function readStats(stats, before) {
  const sample = { rtt: null, lossRate: null, outgoingBitrate: null };
  let lost = 0;
  let received = 0;
  stats.forEach((report) => {
    if (report.type === "candidate-pair" && report.nominated && report.state === "succeeded") {
      if (typeof report.currentRoundTripTime === "number") sample.rtt = report.currentRoundTripTime;
      if (typeof report.availableOutgoingBitrate === "number") sample.outgoingBitrate = report.availableOutgoingBitrate;
    }
    if (report.type === "inbound-rtp" && report.kind === "video") {
      lost += report.packetsLost || 0;
      received += report.packetsReceived || 0;
    }
  });
  if (before) {
    const dLost = lost - before.lost;
    const dReceived = received - before.received;
    if (dLost + dReceived > 0) sample.lossRate = Math.max(0, dLost) / (Math.max(0, dLost) + dReceived);
  }
  return { sample, counts: { lost, received } };
}

export function linkQuality(ctx, media, video) {
  const { $, T, config } = ctx;
  const lastCounts = new Map(); // link id → video packets lost/received at the last reading
  let poorChecks = 0;
  let hintDismissed = false;

  function showGrade(grade) {
    const box = $("link-quality");
    box.hidden = !grade;
    if (!grade) return;
    box.dataset.level = grade;
    box.textContent = T.linkQuality + T["link_" + grade];
  }

  async function check() {
    const links = video.links();
    if (!ctx.inRoom || !links.length) return showGrade(null);
    const reasons = new Set();
    let worst = null; // the worst link decides: one bad peer spoils the picture
    for (const [id, peer] of links) {
      if (peer.pc.connectionState !== "connected") continue;
      const { sample, counts } = readStats(await peer.pc.getStats(), lastCounts.get(id));
      lastCounts.set(id, counts);
      for (const reason of assessLink(sample, config.weak_link)) reasons.add(reason);
      worst = worse(worst, gradeLink(sample, config.weak_link));
    }
    showGrade(worst);
    // Two weak readings in a row, so one burst of loss does not nag the member.
    poorChecks = reasons.size ? poorChecks + 1 : 0;
    const hint = $("quality-hint");
    hint.dataset.reasons = [...reasons].join(" ");
    hint.hidden = ctx.audioOnly || hintDismissed || poorChecks < 2;
  }

  setInterval(check, LINK_CHECK_MS);
  $("accept-audio-only").addEventListener("click", () => media.setAudioOnly(true, true));
  $("dismiss-audio-only").addEventListener("click", () => {
    hintDismissed = true;
    $("quality-hint").hidden = true;
  });
  ctx.on("room:audio-only", () => {
    $("quality-hint").hidden = true;
    poorChecks = 0;
  });
}

// What the page shows: status line, errors, the live turn, the log of turns.

import { MARKS, renderLatency } from "./turn.js";

const $ = (id) => document.getElementById(id);

const STATUS = {
  unpaired: "Not paired",
  connecting: "Connecting…",
  ready: "Connected: turn on the microphone to talk",
  idle: "Ready",
  wake: "Listening for the wake word",
  listening: "Listening…",
  thinking: "Thinking…",
  speaking: "Speaking",
  offline: "Disconnected, retrying…",
};

const PTT_LABEL = { idle: "Hold to talk", listening: "Listening… let go to send", speaking: "Press to interrupt" };

export const view = {
  status(state, detail) {
    const el = $("status");
    el.dataset.state = state;
    el.textContent = detail ? `${STATUS[state]} (${detail})` : STATUS[state];
    $("ptt").querySelector(".ptt-label").textContent = PTT_LABEL[state] || PTT_LABEL.idle;
  },

  error(message) {
    const el = $("error");
    el.textContent = message || "";
    el.hidden = !message;
  },

  show({ pairing, talk }) {
    $("pairing").hidden = !pairing;
    $("talk").hidden = !talk;
    $("forget").hidden = pairing;
  },

  pairing(defaultName) {
    this.show({ pairing: true, talk: false });
    this.device("");
    const name = $("pair-name");
    if (!name.value) name.value = defaultName;
    $("pair-code").focus();
  },

  device(name) {
    $("device-name").textContent = name ? `This device: ${name}` : "";
  },

  micOn(on) {
    $("mic-on").hidden = on;
    $("ptt").disabled = !on;
  },

  mode(mode) {
    const ptt = $("ptt");
    ptt.hidden = mode !== "ptt";
    $("ptt-help").hidden = mode !== "ptt";
    for (const r of document.querySelectorAll('input[name="mode"]')) r.checked = r.value === mode;
  },

  pressed(on) {
    $("ptt").setAttribute("aria-pressed", String(on));
  },

  level(peak) {
    $("meter").firstElementChild.style.width = `${Math.round(Math.min(1, peak * 1.5) * 100)}%`;
  },

  turn(turn) {
    const heard = $("heard");
    heard.textContent = turn.transcript ?? turn.partial;
    heard.classList.toggle("partial", turn.transcript === null);
    const said = $("said");
    const failed = !turn.reply && turn.errors.length > 0;
    said.textContent = failed ? turn.errors.join("; ") : turn.reply;
    said.classList.toggle("failed", failed);
    this.latency(turn.timings());
  },

  latency(timings) {
    const bar = $("latency");
    renderLatency(bar, $("latency-legend"), timings);
    const parts = MARKS.filter(([m]) => timings[m] !== undefined).map(([m, label]) => `${label} ${timings[m]} ms`);
    bar.setAttribute("aria-label", parts.length ? parts.join(", ") : "No timings yet");
  },

  logTurn({ transcript, reply, ok, timings, errors }) {
    const li = document.createElement("li");
    const you = document.createElement("div");
    you.textContent = `You: ${transcript || "…"}`;
    const hark = document.createElement("div");
    hark.textContent = `Hark: ${reply || "…"}`;
    const meta = document.createElement("div");
    meta.className = "meta";
    const first = timings.first_audio ?? timings.first_reply_text;
    meta.textContent = [first !== undefined ? `${Math.round(first)} ms to first ${timings.first_audio !== undefined ? "audio" : "text"}` : "", ...errors].filter(Boolean).join(" · ");
    if (!ok) li.classList.add("failed");
    li.append(you, hark, meta);
    $("log").prepend(li);
  },
};

// Hark's web page: pair, connect, talk (push-to-talk or hands-free), hear the reply.
// The protocol is docs/protocol.md; `window.hark` exposes counters for people and tests.

import { CAPTURE_FORMAT, PageAudio } from "./audio.js";
import { AuthRefused, Connection } from "./connection.js";
import { wireControls } from "./controls.js";
import { defaultDeviceName, forgetDevice, loadDevice, pair } from "./pairing.js";
import { MARKS, Turn } from "./turn.js";
import { view } from "./view.js";

const hark = {
  state: "connecting",
  mode: "ptt",
  deviceId: null,
  micSeconds: 0, // audio the capture worklet has taken from the microphone
  sentBytes: 0,
  audioStarts: 0,
  replyRate: 0, // the rate of the last reply's audio (audio-start)
  receivedSamples: 0, // reply audio received
  playedSamples: 0, // reply audio the playback worklet has played
  repliesPlayed: 0, // replies played to their end (audio-stop, then the queue drained)
  bargeIns: 0,
  runs: 0, // runs started (`start` sent)
  received: {}, // control messages received, by type
  contextRate: 0, // the AudioContext's sample rate
  events: [], // the last 500 pipeline events
  turns: [], // {transcript, reply, ok, timings}
  errors: [],
};
window.hark = hark;

const MAX_HELD_FRAMES = 500; // 10 s of 20 ms frames, held while a stopped run ends
const START_REFUSED = new Set(["protocol-bad-message", "protocol-busy", "server-shutting-down", "protocol-bad-audio"]);

let device = loadDevice();
let conn = null;
let retry = null;
let retryDelay = 1000;
let turn = new Turn();
let holding = false; // the push-to-talk button (or space bar) is down
let streaming = false; // microphone frames go to the server (or are held for it)
let run = { active: false, stage: null, stopSent: false, sttOpen: false, heard: false }; // the run under way
let pending = null; // the stage to start when the run under way is done
let held = []; // frames captured while waiting for that
const interrupted = new Set(); // runs whose turn the log shows already, as interrupted
let reply = null; // the reply being played: {rate, from (the playhead at its start), ended, drained}
let lastPlayed = 0; // the playback worklet's counters, as last reported
let lastSeconds = 0;
let lastReport = 0;

const audio = new PageAudio({ onFrame, onPlayback, onError: (err) => fail(err.message) });

function setState(state, detail) {
  hark.state = state;
  view.status(state, detail);
}

function fail(message) {
  hark.errors.push(message);
  view.error(message);
}

// -- pairing and connection --------------------------------------------------------------

function showPairing(message) {
  device = null;
  hark.deviceId = null;
  view.pairing(defaultDeviceName());
  setState("unpaired");
  view.error(message || "");
}

async function connect() {
  clearTimeout(retry);
  if (conn) conn.close();
  setState("connecting");
  resetRun();
  const c = new Connection(device.token, { onMessage, onAudio, onClose });
  conn = c;
  try {
    const ready = await c.open();
    if (conn !== c) return;
    retryDelay = 1000;
    hark.deviceId = ready.device_id;
    view.device(ready.device_name || device.name);
    view.show({ pairing: false, talk: true });
    view.error("");
    if (!audio.started) setState("ready");
    else if (hark.mode === "wake") startHandsFree();
    else setState("idle");
  } catch (err) {
    if (conn !== c) return;
    conn = null;
    if (err instanceof AuthRefused) {
      forgetDevice();
      showPairing("This browser is not paired with Hark (or was removed): pair it again.");
    } else {
      fail(err.message);
      scheduleRetry();
    }
  }
}

function onClose(e) {
  conn = null;
  holding = streaming = false;
  resetRun();
  stopPlayback();
  view.pressed(false);
  if (e.code === 4401) {
    forgetDevice();
    return showPairing("This device was removed from Hark: pair it again.");
  }
  scheduleRetry();
}

function scheduleRetry() {
  setState("offline");
  retry = setTimeout(connect, retryDelay);
  retryDelay = Math.min(retryDelay * 2, 30000);
}

// -- talking -------------------------------------------------------------------------------
// One run at a time (the server answers `done` when a run is over). Pressing to talk while a run
// is under way (its reply playing) stops it and holds the new audio until `done`.

function newTurn() {
  if (turn.started) {
    const { transcript, reply: text, errors } = turn;
    if (turn.runId) interrupted.add(turn.runId);
    if (interrupted.size > 20) interrupted.delete(interrupted.values().next().value);
    view.logTurn({ transcript, reply: text, ok: false, timings: turn.timings(), errors: [...errors, "interrupted"] });
  }
  turn = new Turn();
  view.turn(turn);
}

function stopPlayback() {
  audio.clear();
  reply = null;
  lastPlayed = lastSeconds = 0;
}

function resetRun() {
  run = { active: false, stage: null, stopSent: false, sttOpen: false, heard: false };
  pending = null;
  held = [];
}

function begin(stage) {
  conn.send({ type: "start", start_stage: stage, end_stage: "tts", audio: CAPTURE_FORMAT });
  run = { active: true, stage, stopSent: false, sttOpen: stage === "stt", heard: false };
  hark.runs++;
}

/** Stop the run under way, then start `stage` when the server says it is done. */
function after(stage) {
  pending = stage;
  if (run.stopSent) return;
  run.stopSent = true;
  // A hands-free run ends when its audio does; any other run is stopped.
  conn.send({ type: run.stage === "wake" ? "audio-end" : "stop" });
}

function press() {
  if (hark.mode !== "ptt" || !conn?.ready || !audio.started || holding) return;
  audio.resume();
  holding = true;
  view.pressed(true);
  if (reply) {
    stopPlayback(); // barge-in: silence at once, the server cuts the run
    hark.bargeIns++;
  }
  newTurn();
  view.error("");
  streaming = true;
  setState("listening");
  if (run.active) after("stt");
  else begin("stt");
}

function release() {
  view.pressed(false);
  if (!holding) return;
  holding = false;
  if (!streaming) return;
  streaming = false;
  setState("thinking");
  if (pending === "stt") return; // the audio-end goes with the held audio, on `done`
  if (run.sttOpen) conn?.send({ type: "audio-end" });
  run.sttOpen = false;
}

function startHandsFree() {
  newTurn();
  streaming = true;
  setState("wake");
  if (run.active) after("wake");
  else begin("wake");
}

function setMode(mode) {
  if (mode === hark.mode) return;
  hark.mode = mode;
  view.mode(mode);
  holding = streaming = false;
  view.pressed(false);
  if (!conn?.ready || !audio.started) return;
  if (mode === "wake") return startHandsFree();
  if (run.active) after(null);
  setState("idle");
}

function onDone() {
  run.active = false;
  const next = pending;
  pending = null;
  if (next === "stt") {
    begin("stt");
    for (const pcm of held.splice(0)) conn.sendAudio(pcm);
    if (!streaming) {
      conn.send({ type: "audio-end" });
      run.sttOpen = false;
    }
  } else if (next === "wake" || (hark.mode === "wake" && streaming)) {
    held = [];
    begin("wake"); // hands-free goes on after a run that ended (an error, a stop)
  } else if (!reply && hark.state !== "listening") {
    setState("idle");
  }
}

async function micOn() {
  if (!window.isSecureContext || !navigator.mediaDevices) {
    // Browsers give the microphone to https:// pages and to localhost only.
    return fail(`The microphone needs a secure page: open Hark over https:// (or on localhost), not ${location.origin}.`);
  }
  try {
    await audio.start();
  } catch (err) {
    return fail(`Microphone: ${err.message}`);
  }
  hark.contextRate = audio.contextRate;
  view.micOn(true);
  view.error("");
  if (conn?.ready && hark.mode === "wake") startHandsFree();
  else if (conn?.ready) setState("idle");
}

function onFrame(pcm, { inputSeconds, peak }) {
  hark.micSeconds = inputSeconds;
  view.level(streaming ? peak : 0);
  if (!streaming || !conn) return;
  if (pending) {
    if (held.length < MAX_HELD_FRAMES) held.push(pcm);
    return;
  }
  conn.sendAudio(pcm);
  hark.sentBytes = conn.sentBytes;
}

// -- what the server says ----------------------------------------------------------------------

function onMessage(m) {
  hark.received[m.type] = (hark.received[m.type] || 0) + 1;
  if (m.type !== "error") run.heard = true;
  switch (m.type) {
    case "event":
      return onEvent(m.event);
    case "audio-start":
      // A new reply queues after what is still playing; a second audio-start in one reply
      // (a chime, then speech) only changes the rate.
      if (reply?.ended) replyPlayed(); // its last samples are still playing: they go on
      if (reply) reply.rate = m.rate;
      else reply = { rate: m.rate, from: lastSeconds, ended: false, drained: false };
      hark.audioStarts++;
      hark.replyRate = m.rate;
      return setState("speaking");
    case "audio-stop":
      if (!reply) return;
      reply.ended = true;
      if (reply.drained) replyPlayed(); // the playhead was there first
      return;
    case "audio-clear":
      return stopPlayback();
    case "turn":
      return endTurn(m);
    case "done":
      return onDone();
    case "bye":
      return setState("offline", "the server is stopping");
    case "error":
      if (run.active && !run.heard && START_REFUSED.has(m.code)) {
        resetRun(); // the server refused the start: no run, no `done` to wait for
        holding = streaming = false;
        view.pressed(false);
        setState("idle");
      }
      return fail(`${m.message || "error"} (${m.code})`);
    default:
      return;
  }
}

function onEvent(e) {
  hark.events.push(e);
  if (hark.events.length > 500) hark.events.splice(0, hark.events.length - 500);
  if (hark.mode === "wake" && (e.type === "wake-end" || e.type === "barge-in")) {
    newTurn();
    setState("listening");
  }
  if (e.type === "barge-in") stopPlayback();
  if ((e.type === "vad-end" || e.type === "stt-end") && run.sttOpen && !pending) {
    // The server heard the end of the turn: the run's audio is over, even if the button is still down.
    run.sttOpen = false;
    streaming = false;
    conn?.send({ type: "audio-end" });
  }
  if (e.type === "stt-end" && hark.state === "listening") setState("thinking");
  if (turn.add(e)) view.turn(turn);
}

function endTurn(m) {
  const timings = pickTimings(m.timings_ms) ?? turn.timings();
  const t = { transcript: m.transcript ?? turn.transcript, reply: m.reply ?? turn.reply, ok: m.ok !== false, timings };
  hark.turns.push(t);
  view.latency(timings);
  const errors = (m.errors || []).map((e) => (e && e.message ? `${e.message} (${e.code})` : String(e)));
  if (!interrupted.delete(m.run_id)) view.logTurn({ ...t, errors: errors.length ? errors : turn.errors });
  turn = new Turn();
  if (!reply && hark.state !== "listening") setState(hark.mode === "wake" ? "wake" : "idle");
}

function pickTimings(timings) {
  const out = {};
  for (const [k] of MARKS) {
    if (timings && typeof timings[k] === "number") out[k] = Math.round(timings[k]);
  }
  return Object.keys(out).length ? out : null;
}

function onAudio(buffer) {
  if (!reply) return;
  hark.receivedSamples += audio.play(buffer, reply.rate);
  reply.drained = false;
}

function onPlayback({ played, seconds, drained }) {
  hark.playedSamples += played >= lastPlayed ? played - lastPlayed : played;
  lastPlayed = played;
  lastSeconds = seconds;
  if (!reply) return;
  const now = performance.now();
  if (drained || now - lastReport > 250) {
    lastReport = now;
    conn?.send({ type: "playback", played_s: Math.round((seconds - reply.from) * 1000) / 1000 });
  }
  if (drained) reply.drained = true;
  if (drained && reply.ended) replyPlayed();
}

/** The reply was sent to its end (audio-stop) and the playback queue ran dry after it. */
function replyPlayed() {
  reply = null;
  hark.repliesPlayed++;
  if (hark.state === "speaking") setState(hark.mode === "wake" ? "wake" : "idle");
}

// -- wiring ------------------------------------------------------------------------------------

async function submitPairing(code, name) {
  try {
    device = await pair(code, name || defaultDeviceName());
    await connect();
    return true;
  } catch (err) {
    fail(`Pairing: ${err.message}`);
    return false;
  }
}

function forget() {
  if (conn) conn.close();
  conn = null;
  clearTimeout(retry);
  forgetDevice();
  showPairing("");
}

wireControls({ submitPairing, forget, micOn, setMode, press, release });
view.mode(hark.mode);
view.micOn(false);
if (device) connect();
else showPairing("");

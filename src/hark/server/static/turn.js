// One turn as the page sees it, built from the server's pipeline events (each with its
// monotonic `t` in seconds): transcript, reply text, and where the time went.

export const MARKS = [
  ["end_of_turn", "end of turn"],
  ["transcript", "transcript"],
  ["first_reply_text", "first text"],
  ["first_audio", "first audio"],
];

export class Turn {
  constructor() {
    this.runId = null;
    this.partial = "";
    this.transcript = null;
    this.reply = "";
    this.errors = [];
    this.origin = null; // end of speech (vad-end's speech_end_t), else the run's start
    this.t = {}; // mark -> server time (s)
  }

  /** Feeds one event; returns true if it changed what the page shows. */
  add(e) {
    const first = (mark) => {
      if (this.t[mark] === undefined) this.t[mark] = e.t;
    };
    switch (e.type) {
      case "run-start":
        if (this.origin === null) this.origin = e.t;
        this.runId = e.run_id;
        return false;
      case "vad-end":
        this.origin = e.speech_end_t ?? e.t;
        first("end_of_turn");
        return true;
      case "stt-partial":
        this.partial = e.text;
        return true;
      case "stt-end":
        this.transcript = e.text;
        first("transcript");
        return true;
      case "brain-start":
        if (this.transcript === null) this.transcript = e.text;
        return true;
      case "brain-text":
        this.reply += e.text;
        first("first_reply_text");
        return true;
      case "tts-audio":
        first("first_audio");
        return true;
      case "error":
        this.errors.push(`${e.message} (${e.code})`);
        return true;
      default:
        return false;
    }
  }

  get started() {
    return this.transcript !== null || this.partial !== "" || this.reply !== "" || this.errors.length > 0;
  }

  /** Milliseconds from end of speech to each mark reached so far. */
  timings() {
    const out = {};
    if (this.origin === null) return out;
    for (const [mark] of MARKS) {
      if (this.t[mark] !== undefined) out[mark] = Math.max(0, Math.round((this.t[mark] - this.origin) * 1000));
    }
    return out;
  }
}

/** Draws the latency bar (one segment per stage, widths in proportion) and its legend (ms). */
export function renderLatency(bar, legend, timings) {
  bar.replaceChildren();
  legend.replaceChildren();
  const total = Math.max(1, ...Object.values(timings));
  let prev = 0;
  for (const [mark, label] of MARKS) {
    const ms = timings[mark];
    if (ms === undefined) continue;
    const seg = document.createElement("div");
    seg.className = `seg seg-${mark}`;
    seg.style.flex = `${Math.max(ms - prev, total / 50)} 1 0`;
    seg.title = `${label}: ${ms} ms after end of speech`;
    bar.append(seg);
    const item = document.createElement("li");
    item.className = `seg-${mark}`;
    item.textContent = `${label} ${ms} ms`;
    legend.append(item);
    prev = Math.max(prev, ms);
  }
}

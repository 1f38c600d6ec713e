// Reply audio: a queue of mono float chunks, each at its own rate (a chime at 16 kHz, then speech
// at the voice's rate), played at the context's rate. Messages in: {chunk: Float32Array, rate},
// {clear: true, gen}. Out: {gen, total, played, seconds, drained}: source samples queued and
// played, and seconds played, since the last clear (number `gen`), and whether the queue ran dry.

class PlaybackProcessor extends AudioWorkletProcessor {
  constructor() {
    super();
    this.queue = []; // [{data: Float32Array, step: source samples per output sample}]
    this.index = 0; // fractional read position in queue[0]
    this.gen = 0; // which clear the counters count from (reports of an older one are stale)
    this.reset();
    this.port.onmessage = ({ data }) => {
      if (data.clear) {
        this.gen = data.gen;
        this.queue = [];
        this.index = 0;
        this.reset();
      } else if (data.chunk && data.chunk.length) {
        this.queue.push({ data: data.chunk, step: data.rate / sampleRate });
        this.total += data.chunk.length;
        this.active = true;
      }
    };
  }

  reset() {
    this.played = 0; // source samples consumed
    this.total = 0; // source samples queued
    this.outSamples = 0; // output samples that carried reply audio
    this.active = false;
    this.sinceReport = 0;
  }

  process(_inputs, outputs) {
    const out = outputs[0];
    const first = out[0];
    for (let i = 0; i < first.length; i++) {
      while (this.queue.length && this.index >= this.queue[0].data.length) {
        this.index -= this.queue[0].data.length;
        this.queue.shift();
        if (!this.queue.length) this.index = 0; // an underrun: the next chunk starts afresh
      }
      if (!this.queue.length) {
        first[i] = 0;
        continue;
      }
      const { data: a, step } = this.queue[0];
      const k = Math.floor(this.index);
      const next = k + 1 < a.length ? a[k + 1] : this.queue.length > 1 ? this.queue[1].data[0] : a[k];
      first[i] = a[k] + (next - a[k]) * (this.index - k);
      this.index += step;
      this.played += step;
      this.outSamples++;
    }
    for (let c = 1; c < out.length; c++) out[c].set(first);
    this.sinceReport += first.length;
    const drained = this.active && this.queue.length === 0;
    if (drained) this.played = this.total; // all of it, without the interpolation's rounding
    if (drained || (this.active && this.sinceReport >= sampleRate / 10)) {
      const report = { gen: this.gen, total: this.total, played: Math.round(this.played), seconds: this.outSamples / sampleRate, drained };
      this.port.postMessage(report);
      this.sinceReport = 0;
      if (drained) this.active = false;
    }
    return true;
  }
}

registerProcessor("hark-playback", PlaybackProcessor);

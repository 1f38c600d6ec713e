// Microphone capture: mono mix, low-pass, resample to 16 kHz, s16le frames posted to the page.
// Runs on the audio thread (AudioWorkletGlobalScope: `sampleRate` is the context's rate).

function lowpass(cutoff, taps) {
  // Windowed-sinc FIR (Hamming); cutoff in cycles per input sample, unity gain at DC.
  const h = new Float32Array(taps);
  const mid = (taps - 1) / 2;
  let sum = 0;
  for (let n = 0; n < taps; n++) {
    const x = n - mid;
    const sinc = x === 0 ? 2 * cutoff : Math.sin(2 * Math.PI * cutoff * x) / (Math.PI * x);
    h[n] = sinc * (0.54 - 0.46 * Math.cos((2 * Math.PI * n) / (taps - 1)));
    sum += h[n];
  }
  for (let n = 0; n < taps; n++) h[n] /= sum;
  return h;
}

class CaptureProcessor extends AudioWorkletProcessor {
  constructor(options) {
    super();
    const o = options.processorOptions || {};
    this.outRate = o.outRate || 16000;
    this.frameLength = Math.round((this.outRate * (o.frameMs || 20)) / 1000);
    this.frame = new Int16Array(this.frameLength);
    this.fill = 0;
    this.step = sampleRate / this.outRate; // input samples per output sample
    // Anti-alias only when downsampling: pass band up to 0.45 of the output rate.
    this.taps = this.step > 1 ? lowpass((0.45 * this.outRate) / sampleRate, 48) : null;
    this.hist = new Float32Array(this.taps ? this.taps.length : 1);
    this.hpos = 0;
    this.prev = 0; // previous filtered sample
    this.next = 0; // position of the next output sample, in input samples since the last one read
    this.inputSamples = 0;
    this.peak = 0;
  }

  filtered(x) {
    if (!this.taps) return x;
    const h = this.taps;
    const n = h.length;
    this.hist[this.hpos] = x;
    this.hpos = (this.hpos + 1) % n;
    let y = 0;
    for (let k = 0, i = this.hpos; k < n; k++, i = (i + 1) % n) y += h[k] * this.hist[i];
    return y;
  }

  emit(v) {
    const s = Math.max(-1, Math.min(1, v));
    this.frame[this.fill++] = s < 0 ? s * 0x8000 : s * 0x7fff;
    this.peak = Math.max(this.peak, Math.abs(s));
    if (this.fill === this.frameLength) {
      const pcm = this.frame.buffer;
      this.port.postMessage({ pcm, inputSeconds: this.inputSamples / sampleRate, peak: this.peak }, [pcm]);
      this.frame = new Int16Array(this.frameLength); // the old one went with the message
      this.fill = 0;
      this.peak = 0;
    }
  }

  process(inputs) {
    const chans = inputs[0];
    if (!chans || chans.length === 0) return true;
    const len = chans[0].length;
    for (let i = 0; i < len; i++) {
      let x = 0;
      for (let c = 0; c < chans.length; c++) x += chans[c][i];
      const y = this.filtered(x / chans.length);
      // Linear interpolation between the previous and this filtered sample.
      this.next -= 1;
      while (this.next <= 0) {
        this.emit(y + (this.prev - y) * -this.next);
        this.next += this.step;
      }
      this.prev = y;
    }
    this.inputSamples += len;
    return true;
  }
}

registerProcessor("hark-capture", CaptureProcessor);

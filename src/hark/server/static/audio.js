// The page's audio: one AudioContext (started from a user gesture), the microphone through the
// capture worklet (16 kHz s16le frames), and reply audio through the playback worklet.

export const CAPTURE_FORMAT = { format: "pcm_s16le", rate: 16000, channels: 1 };
const FRAME_MS = 20;

export class PageAudio {
  /**
   * @param {{onFrame: (pcm: ArrayBuffer, info: {inputSeconds: number, peak: number}) => void,
   *          onPlayback: (p: {played: number, queued: number, drained: boolean}) => void}} handlers
   */
  constructor(handlers) {
    this.handlers = handlers;
    this.ctx = null;
    this.stream = null;
    this.capture = null;
    this.player = null;
    this.gen = 0; // playback counters are counted from the last clear (see playback-worklet.js)
    this.sent = 0; // samples sent to the playback worklet since then
  }

  get started() {
    return this.ctx !== null;
  }

  get contextRate() {
    return this.ctx ? this.ctx.sampleRate : 0;
  }

  /** Must run inside a user gesture (click, key, touch): browsers keep audio off until then. */
  async start() {
    if (this.ctx) return;
    const ctx = new AudioContext({ latencyHint: "interactive" });
    this.ctx = ctx;
    try {
      const resume = ctx.resume(); // inside the gesture, before any await
      await Promise.all([
        ctx.audioWorklet.addModule(new URL("./capture-worklet.js", import.meta.url)),
        ctx.audioWorklet.addModule(new URL("./playback-worklet.js", import.meta.url)),
      ]);
      this.player = new AudioWorkletNode(ctx, "hark-playback", { numberOfInputs: 0, outputChannelCount: [1] });
      this.player.onprocessorerror = () => this.handlers.onError?.(new Error("the playback worklet failed"));
      // Reports from before the last clear are stale: their counters were reset since.
      // `drained` counts only if the worklet had every chunk sent so far when it said so.
      this.player.port.onmessage = ({ data }) =>
        data.gen === this.gen && this.handlers.onPlayback({ ...data, drained: data.drained && data.total === this.sent });
      this.player.connect(ctx.destination);
      this.stream = await navigator.mediaDevices.getUserMedia({
        audio: { echoCancellation: true, noiseSuppression: true, autoGainControl: true, channelCount: 1 },
      });
      const source = ctx.createMediaStreamSource(this.stream);
      this.capture = new AudioWorkletNode(ctx, "hark-capture", {
        numberOfOutputs: 1,
        processorOptions: { outRate: CAPTURE_FORMAT.rate, frameMs: FRAME_MS },
      });
      this.capture.onprocessorerror = () => this.handlers.onError?.(new Error("the capture worklet failed"));
      this.capture.port.onmessage = ({ data }) =>
        this.handlers.onFrame(data.pcm, { inputSeconds: data.inputSeconds, peak: data.peak });
      // A silent path to the destination keeps the capture node pulled in every browser.
      const mute = new GainNode(ctx, { gain: 0 });
      source.connect(this.capture).connect(mute).connect(ctx.destination);
      await resume;
    } catch (err) {
      await this.stop();
      throw err;
    }
  }

  /** A phone may suspend audio (a call, the screen locked): call from a user gesture to go on. */
  resume() {
    if (this.ctx && this.ctx.state !== "running") this.ctx.resume().catch(() => {});
  }

  /** Queue reply audio (s16le mono at `rate`) for playback. */
  play(buffer, rate) {
    if (!this.player) return 0;
    const pcm = new Int16Array(buffer, 0, buffer.byteLength >> 1);
    const chunk = new Float32Array(pcm.length);
    for (let i = 0; i < pcm.length; i++) chunk[i] = pcm[i] / 32768;
    this.player.port.postMessage({ chunk, rate }, [chunk.buffer]);
    this.sent += pcm.length; // not chunk.length: its buffer went with the message
    return pcm.length;
  }

  /** Drop everything queued and not played yet (barge-in, audio-clear). */
  clear() {
    this.gen++;
    this.sent = 0;
    if (this.player) this.player.port.postMessage({ clear: true, gen: this.gen });
  }

  async stop() {
    if (this.stream) for (const track of this.stream.getTracks()) track.stop();
    const ctx = this.ctx;
    this.ctx = this.stream = this.capture = this.player = null;
    if (ctx) await ctx.close().catch(() => {});
  }
}

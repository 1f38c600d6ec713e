// One WebSocket to /api/ws, speaking Hark's voice protocol (docs/protocol.md): `hello` with the
// device token, JSON control messages, binary audio frames both ways.

export const PROTOCOL = 1;
export const CLIENT = "hark-web/1";

export class AuthRefused extends Error {}

export class Connection {
  /**
   * @param {string} token
   * @param {{onMessage: (m: object) => void, onAudio: (b: ArrayBuffer) => void,
   *          onClose: (e: CloseEvent) => void}} handlers
   */
  constructor(token, handlers) {
    this.token = token;
    this.handlers = handlers;
    this.ws = null;
    this.ready = null; // the server's `ready` message
    this.sentBytes = 0;
  }

  static url() {
    const u = new URL("api/ws", document.baseURI);
    u.protocol = u.protocol === "https:" ? "wss:" : "ws:";
    return u.href;
  }

  /** Connects and says hello; resolves with `ready`, rejects (AuthRefused for a bad token). */
  open() {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(Connection.url());
      ws.binaryType = "arraybuffer";
      this.ws = ws;
      let settled = false;
      const fail = (err) => {
        if (!settled) {
          settled = true;
          reject(err);
        }
      };
      ws.onopen = () => this.send({ type: "hello", protocol: PROTOCOL, token: this.token, client: CLIENT });
      ws.onmessage = ({ data }) => {
        if (typeof data !== "string") return this.handlers.onAudio(data);
        let m;
        try {
          m = JSON.parse(data);
        } catch {
          return;
        }
        if (!settled && m.type === "ready") {
          settled = true;
          this.ready = m;
          resolve(m);
        } else if (!settled && m.type === "error") {
          fail(m.code === "auth-refused" ? new AuthRefused(m.message || "this device is not paired") : new Error(`${m.message || "refused"} (${m.code})`));
        } else {
          this.handlers.onMessage(m);
        }
      };
      ws.onclose = (e) => {
        if (!settled) fail(e.code === 4401 ? new AuthRefused("this device is not paired") : new Error(`connection closed (${e.code}${e.reason ? ": " + e.reason : ""})`));
        else this.handlers.onClose(e);
      };
      ws.onerror = () => fail(new Error("cannot reach the Hark server"));
    });
  }

  get isOpen() {
    return this.ws !== null && this.ws.readyState === WebSocket.OPEN;
  }

  send(message) {
    if (this.isOpen) this.ws.send(JSON.stringify(message));
  }

  sendAudio(buffer) {
    if (!this.isOpen) return;
    this.ws.send(buffer);
    this.sentBytes += buffer.byteLength;
  }

  close() {
    const ws = this.ws;
    this.ws = null;
    if (ws) {
      ws.onclose = ws.onmessage = ws.onerror = null;
      ws.close(1000);
    }
  }
}

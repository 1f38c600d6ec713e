// The household admin API (/api/admin/..., see src/hark/server/admin.py) from the admin page:
// the admin token lives in this tab's sessionStorage only (never in a URL, never in
// localStorage), and every failure becomes an ApiError carrying the server's own words.

const KEY = "hark.admin-token";

export class ApiError extends Error {
  /** @param {number} status @param {string} code @param {string} message */
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

export function loadToken() {
  try {
    return sessionStorage.getItem(KEY) || null;
  } catch {
    return null;
  }
}

export function saveToken(token) {
  sessionStorage.setItem(KEY, token);
}

export function forgetToken() {
  sessionStorage.removeItem(KEY);
}

function failure(status, body) {
  if (body && typeof body === "object" && typeof body.message === "string" && body.message) {
    return new ApiError(status, body.code || "error", body.message);
  }
  if (status === 401) return new ApiError(status, "auth-refused", "the admin token was refused");
  return new ApiError(status, "http-" + status, `the server answered HTTP ${status}`);
}

/** One admin API client, bound to a token. */
export class AdminApi {
  constructor(token) {
    this.token = token;
  }

  /** @returns {Promise<any>} the JSON body; throws ApiError (or one for a network failure). */
  async call(method, path, body) {
    const headers = { authorization: `Bearer ${this.token}` };
    let payload;
    if (body instanceof Blob || body instanceof ArrayBuffer) {
      headers["content-type"] = "audio/wav";
      payload = body;
    } else if (body !== undefined) {
      headers["content-type"] = "application/json";
      payload = JSON.stringify(body);
    }
    let res;
    try {
      res = await fetch(new URL("api/admin" + path, document.baseURI), { method, headers, body: payload, cache: "no-store" });
    } catch (err) {
      throw new ApiError(0, "network", `the server cannot be reached (${err.message})`);
    }
    const data = await res.json().catch(() => null);
    if (!res.ok) throw failure(res.status, data);
    return data;
  }

  household() {
    return this.call("GET", "/household");
  }

  saveHousehold(fields) {
    return this.call("PATCH", "/household", fields);
  }

  addMember(fields) {
    return this.call("POST", "/members", fields);
  }

  saveMember(id, fields) {
    return this.call("PATCH", `/members/${encodeURIComponent(id)}`, fields);
  }

  removeMember(id) {
    return this.call("DELETE", `/members/${encodeURIComponent(id)}`);
  }

  enrolVoice(id, wav) {
    return this.call("POST", `/members/${encodeURIComponent(id)}/voice`, wav);
  }

  saveDevice(id, fields) {
    return this.call("PATCH", `/devices/${encodeURIComponent(id)}`, fields);
  }

  revokeDevice(id) {
    return this.call("DELETE", `/devices/${encodeURIComponent(id)}`);
  }

  startPairing(fields) {
    return this.call("POST", "/pairing", fields);
  }

  usage(by) {
    return this.call("GET", `/usage?by=${encodeURIComponent(by)}`);
  }

  transcripts(member, limit = 50) {
    const q = new URLSearchParams({ limit: String(limit) });
    if (member) q.set("member", member);
    return this.call("GET", `/transcripts?${q}`);
  }
}

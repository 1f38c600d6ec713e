// Pairing a browser with Hark: the 6-digit code from `hark device pair` (or the server's page)
// is exchanged for a device token, kept in this browser's localStorage.

const KEY = "hark.device";

/** @returns {{device_id: string, token: string, name: string} | null} */
export function loadDevice() {
  try {
    const d = JSON.parse(localStorage.getItem(KEY) || "null");
    return d && typeof d.token === "string" ? d : null;
  } catch {
    return null;
  }
}

export function forgetDevice() {
  localStorage.removeItem(KEY);
}

function errorText(body, status) {
  const e = body && (body.error || body);
  if (e && typeof e === "object" && e.message) return e.code ? `${e.message} (${e.code})` : e.message;
  if (body && typeof body.detail === "string") return body.detail;
  return `pairing failed (HTTP ${status})`;
}

/** The household a pairing code was made for: `?household=ID` in the page's address (the admin
 * page links there); none: the server's first household. */
export function householdOfPage() {
  const id = new URLSearchParams(location.search).get("household");
  return id && /^[a-z0-9-]{1,64}$/.test(id) ? id : null;
}

/** POST /api/pair; keeps and returns the device on success, throws an Error with the server's words. */
export async function pair(code, name) {
  const household = householdOfPage();
  const res = await fetch(new URL("api/pair", document.baseURI), {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(household ? { code, name, household } : { code, name }),
  });
  const body = await res.json().catch(() => null);
  if (!res.ok || !body || typeof body.token !== "string") throw new Error(errorText(body, res.status));
  const device = { device_id: body.device_id, token: body.token, name: body.name || name };
  localStorage.setItem(KEY, JSON.stringify(device));
  return device;
}

export function defaultDeviceName() {
  const ua = navigator.userAgent;
  const what = /Android/.test(ua) ? "Android" : /iPhone|iPad/.test(ua) ? "iPhone" : /Mac/.test(ua) ? "Mac" : /Windows/.test(ua) ? "Windows" : /Linux/.test(ua) ? "Linux" : "browser";
  return `Web page (${what})`;
}

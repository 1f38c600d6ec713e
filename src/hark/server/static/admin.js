// Hark's household admin page: sign in with the household's admin token, then its settings,
// members (a child's memory and smart-home permissions, voices), devices (room, default member,
// kids mode, revoke, pair), usage and transcripts, all through /api/admin (src/hark/server/admin.py).
// `window.harkAdmin` exposes the page's state for people and tests.

import { AdminApi, ApiError, forgetToken, loadToken, saveToken } from "./admin-api.js";
import { $, checkedDomains, domainBoxes, memberFields, view, voiceSummary } from "./admin-view.js";

const harkAdmin = {
  state: "signed-out", // signed-out | signing-in | ready
  householdId: null,
  loads: 0, // times the household (members, devices) was shown
  usageLoads: 0,
  transcriptLoads: 0,
  busy: 0, // requests in flight
  done: 0, // actions finished, failed or not
  errors: [],
  pairingCode: null,
  voice: null, // the last voice enrolment's answer
};
window.harkAdmin = harkAdmin;

let api = null;
let data = { household: null, members: [], devices: [], usage: null };

function fail(err) {
  const message = err instanceof Error ? err.message : String(err);
  harkAdmin.errors.push(message);
  view.error(message);
}

/** Run one request or action: the error line shows the API's words; a refused token signs out. */
async function act(button, what, fn) {
  harkAdmin.busy += 1;
  if (button) button.disabled = true;
  view.error("");
  try {
    const result = await fn();
    if (what) view.status(what);
    return result;
  } catch (err) {
    if (err instanceof ApiError && err.status === 401 && harkAdmin.state === "ready") {
      signOut();
      fail(`${err.message}: sign in again`);
    } else {
      fail(err);
    }
    return undefined;
  } finally {
    if (button) button.disabled = false;
    harkAdmin.busy -= 1;
    harkAdmin.done += 1;
  }
}

// -- signing in and out -----------------------------------------------------------------------
async function signIn(token) {
  harkAdmin.state = "signing-in";
  view.status("Signing in…");
  const candidate = new AdminApi(token);
  try {
    const body = await candidate.household();
    api = candidate;
    saveToken(token);
    harkAdmin.state = "ready";
    harkAdmin.householdId = body.household.id;
    view.error("");
    view.signedIn(true);
    show(body);
    view.status(`Signed in to ${body.household.name}`);
    await Promise.all([loadUsage(), loadTranscripts()]);
    return true;
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) forgetToken();
    harkAdmin.state = "signed-out";
    view.signedIn(false);
    view.status("Signed out");
    fail(err);
    return false;
  }
}

function signOut() {
  forgetToken();
  api = null;
  data = { household: null, members: [], devices: [], usage: null };
  Object.assign(harkAdmin, { state: "signed-out", householdId: null, pairingCode: null, voice: null });
  view.signedIn(false);
  view.status("Signed out");
  $("admin-token").value = "";
  $("admin-token").focus();
}

// -- loading ------------------------------------------------------------------------------------
function show(body) {
  data = body;
  view.household(body);
  harkAdmin.loads += 1;
}

async function reload() {
  show(await api.household());
}

async function loadUsage() {
  const by = $("usage-by").value;
  const body = await api.usage(by);
  view.usage(body.usage);
  harkAdmin.usageLoads += 1;
}

async function loadTranscripts() {
  const body = await api.transcripts($("transcripts-member").value, 50);
  view.transcripts(body.transcripts, data.members, data.devices);
  harkAdmin.transcriptLoads += 1;
}

const member = (id) => data.members.find((m) => m.id === id);
const device = (id) => data.devices.find((d) => d.device_id === id);

// -- the forms --------------------------------------------------------------------------------
function newMember() {
  const kind = $("new-kind").value;
  const age = $("new-age").value.trim();
  const fields = { name: $("new-name").value.trim(), kind };
  if (age !== "") fields.age = Number(age);
  if (kind === "child") {
    fields.memory_allowed = $("new-memory").checked;
    fields.smart_home_allowed = checkedDomains($("new-domains"));
  } else {
    fields.admin = $("new-admin").checked;
  }
  return fields;
}

function resetNewMember() {
  $("member-form").reset();
  kindChanged();
}

function kindChanged() {
  const child = $("new-kind").value === "child";
  $("new-child").hidden = !child;
  $("new-admin-row").hidden = child;
  $("new-age").required = child;
}

async function onMemberForm(form, button) {
  const item = form.closest("[data-member-id]");
  const m = member(item.dataset.memberId);
  if (form.dataset.action === "save-member") {
    await act(button, `${m.name}'s settings are saved`, async () => {
      await api.saveMember(m.id, memberFields(form, m));
      await reload();
    });
  } else if (form.dataset.action === "enrol-voice") {
    const file = form.elements.wav.files[0];
    const result = form.querySelector(".result");
    if (!file) return;
    result.textContent = "Uploading…";
    const body = await act(button, null, () => api.enrolVoice(m.id, file));
    harkAdmin.voice = body ?? { error: harkAdmin.errors.at(-1) };
    result.textContent = body ? voiceText(body.voice) : `Not enrolled: ${harkAdmin.errors.at(-1)}`;
    result.classList.toggle("failed", !body);
  }
}

function voiceText(voice) {
  return `Added to their voice profile (now ${voiceSummary(voice)}).`;
}

async function onDeviceForm(form, button) {
  const d = device(form.closest("[data-device-id]").dataset.deviceId);
  const fields = {
    room: form.elements.room.value.trim(),
    default_member: form.elements.default_member.value,
    kids_mode: form.elements.kids_mode.checked,
  };
  await act(button, `${d.name} is saved`, async () => {
    await api.saveDevice(d.device_id, fields);
    await reload();
  });
}

async function onRemove(button) {
  const memberItem = button.closest("[data-member-id]");
  if (memberItem) {
    const m = member(memberItem.dataset.memberId);
    if (!confirm(`Remove ${m.name} from the household? Their voice profile goes too; what they said stays, unnamed.`)) return;
    await act(button, `${m.name} was removed`, async () => {
      await api.removeMember(m.id);
      await reload();
      await loadTranscripts();
    });
    $("new-name").focus();
    return;
  }
  const d = device(button.closest("[data-device-id]").dataset.deviceId);
  if (!confirm(`Revoke ${d.name}? It is disconnected at once and must be paired again to be used.`)) return;
  await act(button, `${d.name} was revoked`, async () => {
    await api.revokeDevice(d.device_id);
    await reload();
  });
  $("pair-name").focus();
}

function wire() {
  view.zones();
  $("signin-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const token = $("admin-token").value.trim();
    if (!token) return;
    $("signin-submit").disabled = true;
    harkAdmin.busy += 1;
    try {
      if (await signIn(token)) $("admin-token").value = "";
    } finally {
      harkAdmin.busy -= 1;
      harkAdmin.done += 1;
      $("signin-submit").disabled = false;
    }
  });
  $("signout").addEventListener("click", () => signOut());

  $("household-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const fields = { name: $("hh-name").value.trim(), timezone: $("hh-timezone").value.trim(), location: $("hh-location").value.trim() };
    act($("hh-save"), "The household is saved", async () => show(await api.saveHousehold(fields)));
  });

  $("new-domains").append(...domainBoxes("new-domain", new Set()));
  $("new-kind").addEventListener("change", kindChanged);
  kindChanged();
  $("member-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const fields = newMember();
    act($("new-submit"), `${fields.name} was added`, async () => {
      await api.addMember(fields);
      resetNewMember();
      await reload();
    });
  });

  // the members' and devices' own forms and buttons (rendered per item): delegated
  for (const list of [$("members-list"), $("devices-list")]) {
    list.addEventListener("submit", (ev) => {
      ev.preventDefault();
      const form = ev.target;
      const button = form.querySelector('button[type="submit"]');
      if (form.dataset.action === "save-device") onDeviceForm(form, button);
      else onMemberForm(form, button);
    });
    list.addEventListener("click", (ev) => {
      const button = ev.target.closest('button[data-action="remove-member"], button[data-action="revoke-device"]');
      if (button) onRemove(button);
    });
  }

  $("pair-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const fields = {};
    for (const key of ["name", "room"]) {
      const value = $(`pair-${key}`).value.trim();
      if (value) fields[key] = value;
    }
    act($("pair-submit"), "A pairing code is ready", async () => {
      const body = await api.startPairing(fields);
      harkAdmin.pairingCode = body.code;
      view.pairing(body, body.household === "default");
    });
  });

  $("usage-by").addEventListener("change", () => act(null, null, loadUsage));
  $("transcripts-member").addEventListener("change", () => act(null, null, loadTranscripts));
  $("transcripts-refresh").addEventListener("click", () => act($("transcripts-refresh"), "Transcripts are up to date", loadTranscripts));
}

wire();
const stored = loadToken();
if (stored) {
  signIn(stored);
} else {
  view.signedIn(false);
  view.status("Signed out");
  $("admin-token").focus();
}

// What the admin page shows: the household, its members and devices, usage and transcripts.
// Everything the server sent is put in the page as text (textContent), never as HTML.

export const $ = (id) => document.getElementById(id);

/** What a parent can allow a child in the smart home (hark.kids.policy.SMART_HOME_PERMISSIONS),
 * in words; permissions a member has that are not listed here are shown by their name. */
export const PERMISSIONS = [
  ["light", "lights"],
  ["switch", "switches"],
  ["fan", "fans"],
  ["media_player", "music and TV"],
  ["cover", "blinds and shutters"],
  ["climate", "heating and cooling"],
  ["scene", "scenes"],
  ["input_boolean", "helpers (on/off)"],
  ["state", "ask how things are"],
  ["lock", "lock doors"],
  ["unlock", "unlock doors"],
  ["garage", "the garage door"],
  ["alarm_control_panel", "arm the alarm"],
  ["disarm", "disarm the alarm"],
];
const KNOWN = new Map(PERMISSIONS);

/** A DOM element: h("input", {id: "x", type: "checkbox"}, ...children (nodes or text)). */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") el.className = value;
    else if (key === "text") el.textContent = value;
    else if (key in el && typeof value !== "string") el[key] = value;
    else el.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child !== null && child !== undefined && child !== false) el.append(child);
  }
  return el;
}

const safe = (id) => String(id).replace(/[^\w-]/g, "_");
const number = (n) => (typeof n === "number" ? n.toLocaleString("en") : "0");
const money = (usd) => `$${(usd || 0).toFixed(usd && usd < 1 ? 4 : 2)}`;
const when = (iso) => (iso ? new Date(iso).toLocaleString() : "never");

/** Checkboxes for the smart-home permissions, ``chosen`` ticked; ``prefix`` makes their ids. */
export function domainBoxes(prefix, chosen) {
  const extra = [...chosen].filter((d) => !KNOWN.has(d)).sort().map((d) => [d, d.replace(/_/g, " ")]);
  return [...PERMISSIONS, ...extra].map(([d, label]) =>
    h(
      "label",
      { class: "check", title: d },
      h("input", { type: "checkbox", id: `${prefix}-${safe(d)}`, name: "domain", value: d, checked: chosen.has(d) }),
      ` ${label}`,
    ),
  );
}

/** The PATCH /members/{id} body from a member's settings form; throws an Error in words. */
export function memberFields(form, m) {
  const f = form.elements;
  const age = f.age.value.trim();
  const fields = { memory_allowed: f.memory.checked };
  if (age !== "") fields.age = Number(age);
  if (m.kind !== "child") {
    if (f.explicit) fields.explicit_filter = f.explicit.checked;
    return fields;
  }
  fields.smart_home_allowed = checkedDomains(form);
  if (f.quiet_from) {
    const [from, to] = [f.quiet_from.value, f.quiet_to.value];
    if (Boolean(from) !== Boolean(to)) throw new Error("quiet hours need a start and an end (or neither)");
    fields.quiet_hours = from ? `${from}-${to}` : null;
  }
  if (f.chat_minutes) {
    const minutes = f.chat_minutes.value.trim();
    fields.chat_minutes_day = minutes === "" ? null : Number(minutes);
  }
  if (f.tools) fields.allowed_tools = f.tools.value.split(/[\s,]+/).filter(Boolean);
  return fields;
}

export function checkedDomains(container) {
  return [...container.querySelectorAll('input[name="domain"]:checked')].map((box) => box.value);
}

function facts(pairs) {
  return h("dl", { class: "facts" }, ...pairs.flatMap(([k, v]) => [h("dt", { text: k }), h("dd", { text: v })]));
}

export const view = {
  status(text) {
    $("status").textContent = text;
  },

  error(message) {
    const el = $("error");
    el.textContent = message || "";
    el.hidden = !message;
  },

  signedIn(on) {
    $("signin").hidden = on;
    $("admin").hidden = !on;
    $("signout").hidden = !on;
    if (!on) {
      $("household-id").textContent = "";
      for (const id of ["members-list", "devices-list", "transcripts-list"]) $(id).replaceChildren();
      $("usage-table").tBodies[0].replaceChildren();
      $("pairing-code").hidden = true;
    }
  },

  zones() {
    const list = $("zones");
    if (list.options.length || typeof Intl.supportedValuesOf !== "function") return;
    list.append(...Intl.supportedValuesOf("timeZone").map((z) => h("option", { value: z })));
  },

  /** The whole of GET /household: {household, members, devices, usage}. */
  household({ household, members, devices, usage }) {
    const active = document.activeElement?.id; // keep the keyboard where it was across a re-render
    $("household-id").textContent = `Household id: ${household.id}`;
    for (const [id, value] of [["hh-name", household.name], ["hh-timezone", household.timezone], ["hh-location", household.location]]) {
      if (document.activeElement !== $(id)) $(id).value = value || "";
    }
    $("plan-name").textContent = household.plan === "classic" ? "classic (free: classic skills only)" : `${household.plan} (generative)`;
    $("quota-requests").textContent = household.quota_requests_month == null ? "no limit" : number(household.quota_requests_month);
    $("quota-tokens").textContent = household.quota_tokens_month == null ? "no limit" : number(household.quota_tokens_month);
    if (usage) {
      const tokens = usage.input_tokens + usage.output_tokens;
      const of = (limit) => (limit == null ? "" : ` of ${number(limit)}`);
      $("month-requests").textContent = number(usage.requests) + of(household.quota_requests_month);
      $("month-tokens").textContent = number(tokens) + of(household.quota_tokens_month);
      $("month-cost").textContent = money(usage.cost_usd);
    } else {
      for (const id of ["month-requests", "month-tokens", "month-cost"]) $(id).textContent = "not metered on this server";
    }
    const days = household.transcript_retention_days;
    $("retention").textContent =
      days === undefined ? "" : days === null ? "They are kept until removed." : `They are deleted after ${days} day${days === 1 ? "" : "s"}.`;
    this.members(members);
    this.devices(devices, members);
    this.memberFilter(members);
    if (active && document.activeElement?.id !== active) $(active)?.focus();
  },

  members(members) {
    const list = $("members-list");
    list.replaceChildren(...members.map((m) => memberItem(m)));
    if (!members.length) list.append(h("li", { class: "empty", text: "No members yet: the household's shared profile answers everyone." }));
  },

  devices(devices, members) {
    const list = $("devices-list");
    const live = devices.filter((d) => !d.revoked_at);
    const revoked = devices.filter((d) => d.revoked_at);
    list.replaceChildren(...live.map((d) => deviceItem(d, members)), ...revoked.map((d) => revokedItem(d)));
    if (!devices.length) list.append(h("li", { class: "empty", text: "No devices yet: pair one below." }));
  },

  memberFilter(members) {
    const select = $("transcripts-member");
    const chosen = select.value;
    select.replaceChildren(
      h("option", { value: "", text: "Everyone" }),
      ...members.map((m) => h("option", { value: m.id, text: m.kind === "child" ? `${m.name} (child)` : m.name })),
    );
    select.value = members.some((m) => m.id === chosen) ? chosen : "";
  },

  pairing({ code, household, expires_at }, isDefault) {
    const box = $("pairing-code");
    box.replaceChildren(
      h("p", {}, "Pairing code: ", h("strong", { class: "code", id: "pairing-digits", text: code })),
      h("p", { class: "note", text: `Type it on the new device before ${when(expires_at)}.` }),
      isDefault
        ? null
        : h("p", { class: "note" }, "On a browser, open ",
            h("a", { href: `./?household=${encodeURIComponent(household)}`, text: `this page's talk page for ${household}` }),
            `; elsewhere give the device the household id ${household} with the code.`),
    );
    box.hidden = false;
  },

  usage(rows) {
    const body = $("usage-table").tBodies[0];
    if (!rows.length) {
      body.replaceChildren(h("tr", {}, h("td", { colspan: "6", class: "empty", text: "No generative requests yet." })));
      return;
    }
    body.replaceChildren(
      ...rows.map((r) =>
        h(
          "tr",
          {},
          h("th", { scope: "row", text: r.period }),
          ...[r.usage.requests, r.usage.input_tokens, r.usage.output_tokens, r.usage.cached_tokens].map((n) => h("td", { text: number(n) })),
          h("td", { text: money(r.usage.cost_usd) }),
        ),
      ),
    );
  },

  transcripts(rows, members, devices) {
    const list = $("transcripts-list");
    const names = new Map(members.map((m) => [m.id, m.name]));
    const deviceNames = new Map(devices.map((d) => [d.device_id, d.name]));
    list.replaceChildren(
      ...rows.map((t) =>
        h(
          "li",
          { "data-id": String(t.id) },
          h("p", { class: "meta" }, h("time", { datetime: t.t, text: when(t.t) }), ` · ${t.member_id ? names.get(t.member_id) || "a removed member" : "shared profile"} · ${deviceNames.get(t.device_id) || t.device_id}`),
          h("p", { class: "asked" }, h("span", { class: "who", text: "Asked" }), h("span", { class: "text", text: t.transcript })),
          h("p", { class: "answered" }, h("span", { class: "who", text: "Hark" }), h("span", { class: "text", text: t.reply })),
        ),
      ),
    );
    if (!rows.length) list.append(h("li", { class: "empty", text: "Nothing said yet." }));
  },
};

/** A voice profile as the API gives it ({utterances, seconds, ...}), in words. */
export function voiceSummary(voice) {
  if (!voice || typeof voice !== "object" || typeof voice.utterances !== "number") return "enrolled";
  const n = voice.utterances;
  const seconds = typeof voice.seconds === "number" ? `, ${Math.round(voice.seconds)} s of speech` : "";
  return `${n} recording${n === 1 ? "" : "s"}${seconds}`;
}

function memberItem(m) {
  const p = `member-${safe(m.id)}`;
  const child = m.kind === "child";
  const what = [child ? "child" : m.admin ? "adult, admin" : "adult", m.age != null ? `${m.age} years old` : null].filter(Boolean).join(", ");
  const has = (key) => key in m; // controls the server knows of (older servers have fewer)
  const [quietFrom, quietTo] = (m.quiet_hours || "-").split("-");
  const settings = h(
    "form",
    { class: "fields settings", "data-action": "save-member" },
    h("label", { for: `${p}-age`, text: "Age" }),
    h("input", { id: `${p}-age`, name: "age", type: "number", min: "0", max: "130", inputmode: "numeric", value: m.age ?? "" }),
    h("label", { class: "check" }, h("input", { id: `${p}-memory`, name: "memory", type: "checkbox", checked: m.memory_allowed }), " Hark may remember what they tell it"),
    child
      ? h(
          "div",
          { class: "domains", role: "group", "aria-labelledby": `${p}-domains-title` },
          h("span", { id: `${p}-domains-title`, class: "group-title", text: "In the smart home, they may use" }),
          ...domainBoxes(`${p}-domain`, new Set(m.smart_home_allowed)),
        )
      : null,
    child && has("quiet_hours")
      ? h(
          "div",
          { class: "quiet", role: "group", "aria-labelledby": `${p}-quiet-title`, "aria-describedby": `${p}-quiet-help` },
          h("span", { id: `${p}-quiet-title`, class: "group-title", text: "Quiet hours (bedtime)" }),
          h("label", { for: `${p}-quiet-from`, text: "from" }),
          h("input", { id: `${p}-quiet-from`, name: "quiet_from", type: "time", value: quietFrom || "" }),
          h("label", { for: `${p}-quiet-to`, text: "to" }),
          h("input", { id: `${p}-quiet-to`, name: "quiet_to", type: "time", value: quietTo || "" }),
          h("small", { id: `${p}-quiet-help`, class: "group-title", text: "Empty: none. Hark only says it's bedtime then." }),
        )
      : null,
    child && has("chat_minutes_day") ? h("label", { for: `${p}-chat`, text: "Chat minutes a day (empty: no limit)" }) : null,
    child && has("chat_minutes_day")
      ? h("input", { id: `${p}-chat`, name: "chat_minutes", type: "number", min: "0", max: "1440", inputmode: "numeric", value: m.chat_minutes_day ?? "" })
      : null,
    child && has("allowed_tools") ? h("label", { for: `${p}-tools`, text: "Skills they may use (empty: the kids' default)" }) : null,
    child && has("allowed_tools")
      ? h("input", { id: `${p}-tools`, name: "tools", spellcheck: "false", placeholder: "timer_start, time_now", value: [...(m.allowed_tools || [])].join(", "), "aria-describedby": `${p}-tools-help` })
      : null,
    child && has("allowed_tools") ? h("small", { id: `${p}-tools-help`, text: "Tool names, separated by commas (TOOLS.md lists them)." }) : null,
    child ? h("p", { class: "note", text: "Explicit words are always filtered for a child." }) : null,
    !child && has("explicit_filter")
      ? h("label", { class: "check" }, h("input", { id: `${p}-explicit`, name: "explicit", type: "checkbox", checked: m.explicit_filter }), " Filter explicit words in answers")
      : null,
    h("button", { id: `${p}-save`, type: "submit", text: `Save ${m.name}'s settings` }),
  );
  const voice = h(
    "form",
    { class: "fields voice", "data-action": "enrol-voice" },
    h("label", { for: `${p}-wav`, text: "A recording of their voice (WAV, a few sentences)" }),
    h("input", { id: `${p}-wav`, name: "wav", type: "file", accept: ".wav,audio/wav,audio/x-wav", required: true }),
    h("button", { id: `${p}-enrol`, type: "submit", class: "secondary", text: "Add to their voice profile" }),
    h("p", { id: `${p}-voice-result`, class: "result", role: "status", "aria-live": "polite" }),
  );
  return h(
    "li",
    { class: "item", "data-member-id": m.id },
    h("h3", { id: `${p}-title`, text: m.name }),
    h("p", { class: "meta", text: what }),
    m.voice ? h("p", { class: "meta", id: `${p}-voice`, text: `Voice: ${voiceSummary(m.voice)}` }) : null,
    settings,
    voice,
    h("button", { id: `${p}-remove`, type: "button", class: "danger", "data-action": "remove-member", text: `Remove ${m.name}` }),
  );
}

function deviceItem(d, members) {
  const p = `device-${safe(d.device_id)}`;
  const options = [h("option", { value: "", text: "Nobody (the shared profile)" }), ...members.map((m) => h("option", { value: m.id, text: m.name }))];
  const select = h("select", { id: `${p}-member`, name: "default_member" }, ...options);
  select.value = members.some((m) => m.id === d.default_member_id) ? d.default_member_id : "";
  return h(
    "li",
    { class: "item", "data-device-id": d.device_id },
    h("h3", { id: `${p}-title`, text: d.name }),
    h("p", { class: "meta", text: `${d.device_id} · paired ${when(d.paired_at)} · last seen ${when(d.last_seen)}` }),
    h(
      "form",
      { class: "fields settings", "data-action": "save-device" },
      h("label", { for: `${p}-room`, text: "Room" }),
      h("input", { id: `${p}-room`, name: "room", maxlength: "64", value: d.room || "" }),
      h("label", { for: `${p}-member`, text: "Who it answers as, by default" }),
      select,
      h("label", { class: "check switch" }, h("input", { id: `${p}-kids`, name: "kids_mode", type: "checkbox", role: "switch", checked: d.kids_mode }), " Kids mode"),
      h("button", { id: `${p}-save`, type: "submit", text: `Save ${d.name}` }),
    ),
    h("button", { id: `${p}-revoke`, type: "button", class: "danger", "data-action": "revoke-device", text: `Revoke ${d.name}` }),
  );
}

function revokedItem(d) {
  return h(
    "li",
    { class: "item revoked", "data-device-id": d.device_id },
    h("h3", { text: d.name }),
    facts([["Revoked", when(d.revoked_at)], ["Id", d.device_id]]),
  );
}

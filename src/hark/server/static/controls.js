// The page's inputs: the pairing form, "forget", the microphone switch, the mode, and
// push-to-talk by pointer (mouse or touch, held), the space bar, or Enter on the button.

const $ = (id) => document.getElementById(id);

function isTyping(el) {
  return el instanceof HTMLInputElement || el instanceof HTMLTextAreaElement || el?.isContentEditable;
}

/** @param {{submitPairing: (code: string, name: string) => Promise<boolean>, forget: () => void,
 *           micOn: () => void, setMode: (mode: string) => void, press: () => void, release: () => void}} on */
export function wireControls(on) {
  $("pair-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const button = $("pair-submit");
    button.disabled = true;
    const code = $("pair-code").value.replace(/\D/g, "");
    if (await on.submitPairing(code, $("pair-name").value.trim())) $("pair-code").value = "";
    button.disabled = false;
  });
  $("forget").addEventListener("click", (ev) => {
    ev.preventDefault();
    on.forget();
  });
  $("mic-on").addEventListener("click", () => on.micOn());
  for (const r of document.querySelectorAll('input[name="mode"]')) {
    r.addEventListener("change", () => r.checked && on.setMode(r.value));
  }

  const ptt = $("ptt");
  ptt.addEventListener("pointerdown", (ev) => {
    ptt.setPointerCapture(ev.pointerId); // the release is seen even if the finger slides off
    on.press();
  });
  for (const type of ["pointerup", "pointercancel", "lostpointercapture"]) ptt.addEventListener(type, on.release);
  ptt.addEventListener("contextmenu", (ev) => ev.preventDefault()); // no long-press menu on phones
  ptt.addEventListener("keydown", (ev) => ev.key === "Enter" && !ev.repeat && on.press());
  ptt.addEventListener("keyup", (ev) => ev.key === "Enter" && on.release());
  window.addEventListener("keydown", (ev) => {
    if (ev.code !== "Space" || isTyping(ev.target)) return;
    ev.preventDefault();
    if (!ev.repeat) on.press();
  });
  window.addEventListener("keyup", (ev) => {
    if (ev.code !== "Space" || isTyping(ev.target)) return;
    ev.preventDefault();
    on.release();
  });
}

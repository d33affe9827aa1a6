// Kiosk behaviour shared by every screen: the idle reset and touch hygiene.
// No inline scripts anywhere (the CSP forbids them); settings come from data-* on <body>.
(function () {
  "use strict";
  var body = document.body;
  var idleSeconds = parseInt(body.dataset.idleSeconds, 10) || 60;
  var warningSeconds = Math.min(parseInt(body.dataset.idleWarningSeconds, 10) || 10, idleSeconds);
  var warning = document.getElementById("idle-warning");
  var countdown = document.getElementById("idle-countdown");
  var resetForm = document.getElementById("reset-form");
  var lastActivity = Date.now();

  function idleNeeded() {
    // Re-read each tick: htmx swaps may have changed what is on screen.
    return document.body.dataset.idleNeeded === "true";
  }

  function activity() {
    lastActivity = Date.now();
    if (!warning.hidden) { warning.hidden = true; }
  }

  function tick() {
    if (!idleNeeded()) { return; }
    var idle = (Date.now() - lastActivity) / 1000;
    var left = Math.ceil(idleSeconds - idle);
    if (left <= 0) {
      resetForm.submit();
      lastActivity = Date.now() + 60000; // submit once, not every tick
    } else if (left <= warningSeconds) {
      countdown.textContent = String(left);
      warning.hidden = false;
    }
  }

  ["pointerdown", "keydown", "touchstart", "input"].forEach(function (type) {
    document.addEventListener(type, activity, { passive: true, capture: true });
  });
  document.getElementById("idle-continue").addEventListener("click", activity);
  // An alert answers the last thing a person tried: their next request, or a
  // tap on the alert, clears it (the status bar's own polling does not).
  var alerts = document.getElementById("alerts");
  document.addEventListener("htmx:beforeRequest", function (event) {
    if (!event.target.closest("#statusbar")) { alerts.innerHTML = ""; }
  });
  alerts.addEventListener("click", function () { alerts.innerHTML = ""; });
  // A long press must not open the browser's context menu on a touchscreen.
  document.addEventListener("contextmenu", function (e) { e.preventDefault(); });
  setInterval(tick, 250);
})();

// Every htmx request carries the CSRF token from <meta name="csrf-token">.
document.addEventListener("htmx:configRequest", function (event) {
  var meta = document.querySelector('meta[name="csrf-token"]');
  if (meta) { event.detail.headers["X-CSRFToken"] = meta.content; }
});

// On-screen keypads: <div data-keypad="INPUT-ID" data-keypad-max="N" data-keypad-mask="•">
// with buttons data-key="0".."9" | "X" | "back" | "clear". Works on swapped-in content too.
document.addEventListener("click", function (event) {
  var key = event.target.closest("[data-key]");
  var pad = key && key.closest("[data-keypad]");
  if (!pad) { return; }
  var input = document.getElementById(pad.dataset.keypad);
  var max = parseInt(pad.dataset.keypadMax, 10) || 32;
  var value = input.value;
  if (key.dataset.key === "back") { value = value.slice(0, -1); }
  else if (key.dataset.key === "clear") { value = ""; }
  else if (value.length < max) { value += key.dataset.key; }
  input.value = value;
  var shown = document.getElementById(pad.dataset.keypad + "-shown");
  if (shown) {
    shown.textContent = pad.dataset.keypadMask ? pad.dataset.keypadMask.repeat(value.length) : value;
  }
  input.dispatchEvent(new Event("input", { bubbles: true }));
});

// Spoken prompts: each worker screen names its sentence's audio on
// <body data-prompt-src> (a full page) or in an htmx "kiosk-prompt" event (a
// swapped screen). One plays at a time; the next screen and the idle reset
// stop it; 🔊 in the status bar plays it again. Volume and mute are the
// station's, set on the volunteer console. window.kioskPrompt exposes the
// moments for the browser tests that measure screen-open → sound start.
(function () {
  "use strict";
  var body = document.body;
  var current = null;
  var src = body.dataset.promptSrc || null;
  var state = window.kioskPrompt = { src: null, requestedAt: null, playingAt: null, errors: 0 };

  function muted() { return body.dataset.promptMuted === "true"; }
  function volume() { return Math.max(0, Math.min(1, (parseInt(body.dataset.promptVolume, 10) || 0) / 100)); }

  function stop() {
    if (current) { current.pause(); current.removeAttribute("src"); current.load(); current = null; }
  }

  function syncButton() {
    var button = document.getElementById("prompt-replay");
    if (button) { button.hidden = !src || muted(); }
  }

  function play(url) {
    stop();
    src = url || null;
    syncButton();
    if (!src || muted()) { return; }
    var audio = new Audio(src);
    audio.volume = volume();
    state.src = src; state.requestedAt = performance.now(); state.playingAt = null;
    audio.addEventListener("playing", function () { if (audio === current) { state.playingAt = performance.now(); } });
    audio.addEventListener("error", function () { state.errors += 1; });
    current = audio;
    var started = audio.play();
    if (started && started.catch) { started.catch(function () { state.errors += 1; }); }
  }

  document.body.addEventListener("kiosk-prompt", function (event) { play(event.detail && event.detail.src); });
  document.addEventListener("click", function (event) {
    if (event.target.closest("#prompt-replay")) { play(src); }
  });
  // The status bar is swapped every 30 s: the new button starts hidden.
  document.addEventListener("htmx:afterSwap", syncButton);
  document.getElementById("reset-form").addEventListener("submit", stop);
  window.addEventListener("pagehide", stop);
  if (src) { play(src); } else { syncButton(); }
})();

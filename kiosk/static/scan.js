// The one scan box, used by every desk: <input data-scan-box> inside its form.
// A keyboard-wedge scanner "types" a code in a burst (a few ms per key), with or
// without a trailing Enter, sometimes twice. The box sends when the burst ends:
// on Enter, or after a short quiet gap following a fast burst or a complete
// ticket payload, so a scanner without Enter works and a doubled scan goes as one
// request (the server takes the last complete code: kiosk.tokens.last_scan).
// A payload that has started but is not complete is never the end of a burst (a
// scanner does not pause inside a code; a busy machine does): the box waits
// longer for the rest rather than send half a code. A person typing slowly
// sends with Enter or the button. No inline scripts (the CSP forbids them).
(function () {
  "use strict";
  var BURST_KEY_MS = 60;   // keys closer than this come from a scanner (on-screen taps are 150 ms+)
  var NEW_BURST_MS = 400;  // a gap this long starts a new burst; shorter hiccups (a busy CPU) do not
  var QUIET_MS = 300;      // a scanner's burst has ended after this long without a key
  var STALLED_MS = 2500;   // ...unless it stopped inside a payload: then wait this long for the rest
  var SHORTEST = 8;        // a burst shorter than a printed code is not a scan
  // A ticket's QR payload, as kiosk.tokens writes it (tests/test_scan_box.py keeps the two in step).
  var PAYLOAD_START = "NT1.";
  var PAYLOAD_LENGTH = 49;
  var PAYLOAD = /NT1\.[VLT]\.[2-9A-HJKMNP-Z]{8}\.[0-9A-F]{8}\.\d{8}\.[A-Z2-7]{16}$/;
  var state = new WeakMap();

  function scanBox(target) {
    return target && target.closest ? target.closest("[data-scan-box]") : null;
  }

  function boxState(box) {
    var s = state.get(box);
    if (!s) { s = { last: 0, fast: 0, timer: null }; state.set(box, s); }
    return s;
  }

  // Values are read when the request starts, so the box can be emptied straight
  // away: a second Enter or the second half of a doubled scan finds nothing to send.
  function send(box) {
    var s = boxState(box);
    clearTimeout(s.timer);
    s.timer = null;
    s.fast = 0;
    if (!box.value.trim()) { return; }
    box.form.requestSubmit();
    if (box.form.getAttribute("hx-post") || box.form.getAttribute("hx-get")) { box.value = ""; }
  }

  // The box's text as the server reads it: no spaces, upper case.
  function compact(box) { return box.value.replace(/\s+/g, "").toUpperCase(); }

  // The box ends with a whole payload: a scan, however slowly its keys arrived.
  function complete(box) { return PAYLOAD.test(compact(box)); }

  // A payload has started and is still short: the burst is not over.
  function unfinished(box) {
    var text = compact(box);
    var start = text.lastIndexOf(PAYLOAD_START);
    return start >= 0 && text.length - start < PAYLOAD_LENGTH && !complete(box);
  }

  function later(box, ms) {
    var s = boxState(box);
    clearTimeout(s.timer);
    s.timer = setTimeout(function () { send(box); }, ms);
  }

  document.addEventListener("keydown", function (event) {
    var box = scanBox(event.target);
    if (!box) { return; }
    var s = boxState(box);
    // When the key arrived, not when this page got round to it: a busy page handles
    // a queued burst late, and its keys must still count as close together.
    var now = event.timeStamp || performance.now();
    if (event.key === "Enter") {
      event.preventDefault();
      // A scanner's Enter may be followed by a second copy of the code: wait a beat.
      if (s.fast >= SHORTEST || complete(box)) { later(box, QUIET_MS); } else { send(box); }
      s.last = now;
      return;
    }
    if (event.key.length === 1) {
      var gap = now - s.last;
      if (gap < BURST_KEY_MS) { s.fast += 1; } else if (gap > NEW_BURST_MS) { s.fast = 1; }
      s.last = now;
      if (s.timer) { clearTimeout(s.timer); s.timer = null; }
    }
  });

  document.addEventListener("input", function (event) {
    var box = scanBox(event.target);
    if (!box) { return; }
    var s = boxState(box);
    // End of burst by the gap, no Enter needed; a cut payload waits for its rest.
    if (unfinished(box)) { later(box, STALLED_MS); }
    else if (s.fast >= SHORTEST || complete(box)) { later(box, QUIET_MS); }
  });

  // Text left in a box (a code shown again after a refusal) is selected when the box
  // gets the focus, so the next scan or typed code replaces it.
  // Only the text the page was rendered with: never what a burst has just typed (a focus
  // event in the middle of a burst would otherwise let the next key replace the first).
  function selectLeftover(box) { if (box && box.value && box.value === box.defaultValue) { box.select(); } }
  document.addEventListener("focusin", function (event) { selectLeftover(scanBox(event.target)); });
  // The box a desk opens with takes the scanner's first burst: focus it now rather than
  // wait for the browser's autofocus, which extra stylesheets or modules can delay.
  var first = document.querySelector("[data-scan-box][autofocus]");
  if (first && (!document.activeElement || document.activeElement === document.body)) { first.focus(); }
  selectLeftover(scanBox(document.activeElement));

  document.body.dataset.scanReady = "true";  // tests (and a curious volunteer) can tell the box is live

  // After the card changes, the scanner's next code must land in the box again,
  // unless the volunteer is writing a reason.
  document.addEventListener("htmx:afterSettle", function () {
    var box = document.querySelector("[data-scan-box]");
    var busy = document.activeElement && document.activeElement.closest && document.activeElement.closest("details[open]");
    if (box && !busy) { box.focus(); }
  });
})();

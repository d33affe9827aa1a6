// Gift-pack desk: the scan box takes a keyboard-wedge scanner with or without its
// trailing Enter, or a code typed by hand. No inline scripts (the CSP forbids them).
(function () {
  "use strict";
  // The whole signed payload (kiosk.tokens): complete as soon as the last character lands.
  var PAYLOAD = /^NT1\.[VL]\.[2-9A-HJKMNP-Z]{8}\.[0-9A-F]{8}\.\d{8}\.[A-Z2-7]{16}$/i;

  function scanBox(target) {
    return target && target.closest ? target.closest("[data-scan-box]") : null;
  }

  // Values are read when htmx starts the request, so the box can be emptied
  // straight away: a trailing Enter then finds nothing to send twice.
  function lookUp(box) {
    if (!box.value.trim()) { return; }
    box.form.requestSubmit();
    box.value = "";
  }

  document.addEventListener("input", function (event) {
    var box = scanBox(event.target);
    if (box && PAYLOAD.test(box.value.trim())) { lookUp(box); }
  });

  document.addEventListener("keydown", function (event) {
    var box = scanBox(event.target);
    if (box && event.key === "Enter") {
      event.preventDefault();
      lookUp(box);
    }
  });

  // After the card changes, the scanner's next code must land in the box again,
  // unless the volunteer is writing a void or reprint reason.
  document.addEventListener("htmx:afterSettle", function () {
    var box = document.querySelector("[data-scan-box]");
    var busy = document.activeElement && document.activeElement.closest && document.activeElement.closest("details[open]");
    if (box && !busy) { box.focus(); }
  });
})();

// Registration keypads, on top of kiosk.js's shared keypad (which fills the
// hidden field and fires "input"): group the characters on the display so a
// person can compare them with their card, allow an ID number's X only as its
// 18th character, stop at the length, and let a key tap dismiss the alert
// about what they are now fixing. No inline scripts (the CSP forbids them).
(function () {
  "use strict";

  function grouped(value, groups) {
    var parts = [];
    var rest = value;
    groups.split(",").map(Number).forEach(function (size) {
      if (rest && size) { parts.push(rest.slice(0, size)); rest = rest.slice(size); }
    });
    if (rest) { parts.push(rest); }
    return parts.join(" ");
  }

  function refresh(input) {
    var value = input.value;
    var max = parseInt(input.dataset.max, 10);
    document.getElementById(input.id + "-shown").textContent = grouped(value, input.dataset.groups);
    document.querySelectorAll('[data-keypad="' + input.id + '"] [data-key]').forEach(function (key) {
      var name = key.dataset.key;
      if (name === "back" || name === "clear") { return; }
      var isCheckX = name === "X" && !key.closest(".keypad-letters");
      key.disabled = isCheckX ? value.length !== max - 1 : value.length >= max;
    });
  }

  document.addEventListener("input", function (event) {
    var input = event.target;
    if (!input.dataset || input.dataset.groups === undefined) { return; }
    refresh(input);
    var alerts = document.getElementById("alerts");
    if (alerts) { alerts.innerHTML = ""; }
  });

  document.addEventListener("htmx:load", function (event) {
    event.detail.elt.querySelectorAll("input[data-groups]").forEach(refresh);
  });
})();

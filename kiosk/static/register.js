// Registration's on-screen keypads: taps fill a hidden field, the display groups
// the characters so a person can compare them with their card. No inline
// scripts (the CSP forbids them); works on any keypad htmx swaps in.
(function () {
  "use strict";

  function grouped(value, groups) {
    var sizes = (groups || "").split(",").map(Number).filter(Boolean);
    var parts = [];
    var rest = value;
    sizes.forEach(function (size) {
      if (rest) { parts.push(rest.slice(0, size)); rest = rest.slice(size); }
    });
    if (rest) { parts.push(rest); }
    return parts.join(" ");
  }

  function refresh(form) {
    var value = form.querySelector("input[name=number]").value;
    var max = parseInt(form.dataset.max, 10);
    form.querySelector(".keypad-display").textContent = grouped(value, form.dataset.groups);
    // An ID number's X can only be its last character.
    var x = form.querySelector("[data-x-last] [data-key=X]");
    if (x) { x.disabled = value.length !== max - 1; }
    form.querySelectorAll("[data-key]:not([data-key=erase])").forEach(function (key) {
      if (key.dataset.key !== "X" || !x) { key.disabled = value.length >= max; }
    });
  }

  document.addEventListener("click", function (event) {
    var key = event.target.closest("[data-key]");
    var form = key && key.closest("[data-keypad]");
    if (!form) { return; }
    var input = form.querySelector("input[name=number]");
    var max = parseInt(form.dataset.max, 10);
    var alerts = document.getElementById("alerts");
    if (alerts) { alerts.innerHTML = ""; }  // they are fixing what the alert said
    if (key.dataset.key === "erase") {
      input.value = input.value.slice(0, -1);
    } else if (input.value.length < max) {
      input.value += key.dataset.key;
    }
    refresh(form);
  });

  document.addEventListener("htmx:load", function (event) {
    event.detail.elt.querySelectorAll("[data-keypad]").forEach(refresh);
  });
})();

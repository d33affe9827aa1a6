// The ID card reader on the registration screen and the trips booking's who-are-you page. The server polls the reader;
// this long-polls the server (GET /idcard/wait?after=N) for its next event and,
// when a card has been read, posts the event's number so the server takes the
// reading into this person's registration (the page never sees the number).
// Other events show a message on the card panel (or in #alerts).
(function () {
  "use strict";
  var listener = document.getElementById("card-listener");
  if (!listener) { return; }
  var after = parseInt(listener.dataset.after, 10) || 0;
  var stopped = false;
  var controller = null;

  function say(kind) {
    var text = listener.dataset["msg" + kind.charAt(0).toUpperCase() + kind.slice(1)];
    if (!text) { return; }
    var status = document.getElementById("card-status");
    if (status) { status.textContent = text; return; }
    var alerts = document.getElementById("alerts");
    if (alerts) { alerts.innerHTML = '<div class="alert alert-warning"><p class="alert-title"></p></div>';
      alerts.querySelector(".alert-title").textContent = text; }
  }

  function take(seq) {
    var form = listener.dataset.takeForm && document.getElementById(listener.dataset.takeForm);
    if (form) {  // a plain page (the trips booking): post the event number with the form's own fields
      form.elements.seq.value = String(seq);
      form.submit();
      return;
    }
    var section = document.querySelector("section.reg-step");
    if (!section || !window.htmx) { return; }
    window.htmx.ajax("POST", listener.dataset.takeUrl, {
      source: section, target: section, swap: "outerHTML",
      values: { seq: String(seq), step: section.id }
    });
  }

  // The server answers within 15 s; a request still open after this long will never be
  // answered (a dropped connection, a proxy): give up on it and ask again.
  var GIVE_UP_MS = 25000;

  function wait() {
    if (stopped) { return; }
    var mine = controller = new AbortController();
    var giveUp = setTimeout(function () { mine.abort(); }, GIVE_UP_MS);
    fetch(listener.dataset.waitUrl + "?after=" + after, { signal: mine.signal, cache: "no-store" })
      .then(function (response) { return response.status === 200 ? response.json() : null; })
      .then(function (event) {
        clearTimeout(giveUp);
        if (event) {
          after = event.seq;
          if (event.kind === "read") {
            document.dispatchEvent(new Event("input"));  // a card laid down is a person at the kiosk (idle timer)
            take(event.seq);
          } else { say(event.kind); }
        }
        setTimeout(wait, event ? 0 : 100);
      })
      .catch(function () { clearTimeout(giveUp); if (!stopped) { setTimeout(wait, 1000); } });
  }

  window.addEventListener("pagehide", function () { stopped = true; if (controller) { controller.abort(); } });
  wait();
})();

// Boarding: the scan box takes a keyboard-wedge scanner (with or without Enter) or a typed
// code; the Camera button reads a seat ticket's QR with the vendored jsQR decoder, offline.
// Live video needs a secure context (https or localhost); on the station's plain-http
// network a phone takes a photo instead (<input capture>), decoded the same way.
(function () {
  "use strict";
  var PAYLOAD = /^NT1\.T\.[2-9A-HJKMNP-Z]{8}\.[0-9A-F]{8}\.\d{8}\.[A-Z2-7]{16}$/i;
  var box = document.querySelector("[data-trip-scan]");
  if (!box) { return; }
  var form = box.form;

  function submit(text) {
    if (!text || !text.trim()) { return; }
    box.value = text.trim();
    form.requestSubmit();
    box.value = "";
  }

  box.addEventListener("input", function () {
    if (PAYLOAD.test(box.value.trim())) { submit(box.value); }
  });
  box.addEventListener("keydown", function (event) {
    if (event.key === "Enter") { event.preventDefault(); submit(box.value); }
  });
  document.addEventListener("htmx:afterSettle", function () {
    var busy = document.activeElement && document.activeElement.closest && document.activeElement.closest("details[open]");
    if (!busy && !stream) { box.focus(); }
  });

  // --- camera ---------------------------------------------------------------
  var start = document.getElementById("camera-start");
  var photo = document.getElementById("camera-photo");
  var panel = document.getElementById("camera");
  var video = document.getElementById("camera-view");
  var status = document.getElementById("camera-status");
  var canvas = document.createElement("canvas");
  var context = canvas.getContext("2d", { willReadFrequently: true });
  var stream = null;
  var lastCode = "";
  var lastAt = 0;
  if (typeof jsQR !== "function") { return; }
  start.hidden = false;

  function decode(source, width, height) {
    var scale = Math.min(1, 1600 / Math.max(width, height));
    canvas.width = Math.round(width * scale);
    canvas.height = Math.round(height * scale);
    context.drawImage(source, 0, 0, canvas.width, canvas.height);
    var pixels = context.getImageData(0, 0, canvas.width, canvas.height);
    var found = jsQR(pixels.data, pixels.width, pixels.height, { inversionAttempts: "dontInvert" });
    return found ? found.data : null;
  }

  function seen(text) {
    // The same ticket held in front of the camera is read many times a second: send it once.
    var now = Date.now();
    if (text === lastCode && now - lastAt < 4000) { return; }
    lastCode = text;
    lastAt = now;
    submit(text);
  }

  function tick() {
    if (!stream) { return; }
    if (video.readyState >= 2) {
      var text = decode(video, video.videoWidth, video.videoHeight);
      if (text) { seen(text); }
    }
    setTimeout(tick, 200);
  }

  function stop() {
    if (stream) { stream.getTracks().forEach(function (t) { t.stop(); }); }
    stream = null;
    panel.hidden = true;
  }

  start.addEventListener("click", function () {
    if (stream) { stop(); return; }
    if (window.isSecureContext && navigator.mediaDevices && navigator.mediaDevices.getUserMedia) {
      navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false }).then(function (s) {
        stream = s;
        video.srcObject = s;
        panel.hidden = false;
        status.textContent = status.dataset.looking;
        video.play();
        tick();
      }).catch(function () { photo.click(); });
    } else {
      photo.click();
    }
  });

  photo.addEventListener("change", function () {
    var file = photo.files && photo.files[0];
    if (!file) { return; }
    // A data: URL, not a blob: one: the page's CSP allows images from 'self' and data: only.
    var reader = new FileReader();
    reader.onload = function () {
      var image = new Image();
      image.onload = function () {
        var text = decode(image, image.naturalWidth, image.naturalHeight);
        panel.hidden = !!text;
        video.hidden = !text;
        status.textContent = text ? "" : status.dataset.noCode;
        if (text) { submit(text); }
      };
      image.src = reader.result;
    };
    reader.readAsDataURL(file);
    photo.value = "";
  });
  window.addEventListener("pagehide", stop);
})();

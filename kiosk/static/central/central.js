// Central dashboard: draw the daily chart from the JSON the report carries,
// again each time htmx swaps in a new report. Chart.js is vendored.
(function () {
  "use strict";
  var COLOURS = ["#0b3d91", "#a3141c", "#17602a", "#9a3a00", "#6a1b9a", "#00695c", "#5d4037", "#37474f"];

  function draw() {
    var data = document.getElementById("chart-data");
    var canvas = document.querySelector("#report .chart-canvas");
    if (!data || !canvas || !window.Chart) return;
    var spec = JSON.parse(data.textContent);
    var old = window.Chart.getChart(canvas);
    if (old) old.destroy();
    new window.Chart(canvas, {
      type: "line",
      data: {
        labels: spec.labels,
        datasets: spec.series.map(function (s, i) {
          var colour = COLOURS[i % COLOURS.length];
          return { label: s.label, data: s.data, borderColor: colour, backgroundColor: colour, tension: 0.2 };
        })
      },
      options: {
        maintainAspectRatio: false,
        animation: false,
        interaction: { mode: "index", intersect: false },
        scales: { y: { beginAtZero: true } },
        plugins: { legend: { position: "bottom" } }
      }
    });
  }

  document.addEventListener("DOMContentLoaded", draw);
  document.addEventListener("htmx:afterSettle", draw);
})();

// Central dashboard: draw every chart from the JSON the report carries, again
// each time htmx swaps in a new report. Chart.js is vendored; no network.
(function () {
  "use strict";
  // Okabe–Ito-based palette, distinguishable for colour-blind readers, then darker tones.
  var COLOURS = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#7a5c00",
                 "#000000", "#8c1d40", "#3b5b92", "#999999"];

  function colour(i) { return COLOURS[i % COLOURS.length]; }

  var BASE = {
    maintainAspectRatio: false,
    animation: false,
    interaction: { mode: "index", intersect: false },
    scales: { y: { beginAtZero: true, ticks: { precision: 0 } } },
    plugins: { legend: { position: "bottom" } }
  };

  function options(extra) {
    return Object.assign({}, BASE, extra || {});
  }

  function make(canvas, config) {
    var old = window.Chart.getChart(canvas);
    if (old) old.destroy();
    new window.Chart(canvas, config);
  }

  function line(series, i) {
    var c = colour(i);
    return { label: series.label, data: series.data, borderColor: c, backgroundColor: c, tension: 0.2, pointRadius: 2 };
  }

  function draw() {
    var data = document.getElementById("chart-data");
    if (!data || !window.Chart) return;
    var spec = JSON.parse(data.textContent);
    document.querySelectorAll("#report .chart-canvas").forEach(function (canvas) {
      var kind = canvas.dataset.chart;
      if (kind === "multiple") {
        var i = Number(canvas.dataset.index);
        var s = spec.multiples[i];
        if (!s) return;
        make(canvas, { type: "line", data: { labels: spec.days, datasets: [line(s, i)] },
          options: options({ plugins: { legend: { display: false }, title: { display: true, text: s.label } } }) });
      } else if (kind === "levels") {
        make(canvas, { type: "line", data: { labels: spec.days, datasets: spec.levels.map(function (s, i) { return line(s, i + 4); }) },
          options: options({ elements: { line: { stepped: true } } }) });
      } else if (kind === "stacked") {
        make(canvas, { type: "bar", data: { labels: spec.days, datasets: spec.stacked.map(function (s, i) {
            return { label: s.label, data: s.data, backgroundColor: colour(i) }; }) },
          options: options({ scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } } } }) });
      } else if (kind === "trend") {
        make(canvas, { type: "line", data: { labels: spec.trend.days, datasets: spec.trend.series.map(line) }, options: options() });
      } else if (kind === "ranking") {
        make(canvas, { type: "bar",
          data: { labels: spec.ranking.map(function (r) { return r.label; }),
                  datasets: [{ data: spec.ranking.map(function (r) { return r.value; }), backgroundColor: colour(0) }] },
          options: options({ indexAxis: "y", plugins: { legend: { display: false } },
                             scales: { x: { beginAtZero: true, ticks: { precision: 0 } } } }) });
      }
    });
  }

  document.addEventListener("DOMContentLoaded", draw);
  document.addEventListener("htmx:afterSettle", draw);
})();

// Tracking charts: draws each <canvas data-chart="…"> from the JSON block #tracking-charts.
// The tables beside the charts hold the same figures, so the page works without this file.
(function () {
  "use strict";

  var COLOURS = { actual: "#0f5c8c", target: "#b3261e" };

  function readCharts() {
    var block = document.getElementById("tracking-charts");
    if (!block) {
      return {};
    }
    try {
      return JSON.parse(block.textContent || "{}");
    } catch (error) {
      return {};
    }
  }

  function dataset(spec) {
    var target = spec.kind === "target";
    return {
      label: spec.label,
      data: spec.data,
      borderColor: COLOURS[spec.kind] || COLOURS.actual,
      backgroundColor: COLOURS[spec.kind] || COLOURS.actual,
      borderDash: target ? [6, 4] : [],
      pointRadius: target ? 2 : 4,
      spanGaps: target,
      tension: 0
    };
  }

  function draw(canvas, spec) {
    var chart = new window.Chart(canvas, {
      type: "line",
      data: { labels: spec.labels, datasets: spec.datasets.map(dataset) },
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        interaction: { mode: "index", intersect: false },
        scales: {
          y: { beginAtZero: true, title: { display: true, text: spec.unit } }
        },
        onClick: function (_event, elements) {
          // Drill down from a point to the purchases behind it.
          if (elements.length && spec.links && spec.links[elements[0].index]) {
            window.location.href = spec.links[elements[0].index];
          }
        }
      }
    });
    canvas.dataset.rendered = "true";
    return chart;
  }

  function start() {
    var specs = readCharts();
    var charts = [];
    if (window.Chart) {
      document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
        var spec = specs[canvas.dataset.chart];
        if (spec) {
          charts.push(draw(canvas, spec));
        }
      });
    }
    window.addEventListener("beforeprint", function () {
      charts.forEach(function (chart) {
        chart.resize();
      });
    });
    document.querySelectorAll("[data-print]").forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", function () {
        window.print();
      });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();

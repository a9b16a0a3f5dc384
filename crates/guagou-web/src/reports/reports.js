// Draws the report charts with Chart.js (served from /assets/chart.umd.js). Each
// <canvas data-chart="…"> carries its data as JSON: {title, labels, datasets: [{label, color,
// data}]}. No inline script: the content security policy allows scripts from this origin only.
(function () {
  'use strict';

  function draw(canvas) {
    var spec;
    try {
      spec = JSON.parse(canvas.getAttribute('data-chart'));
    } catch (e) {
      return;
    }
    var datasets = (spec.datasets || []).map(function (d) {
      return { label: d.label, data: d.data, backgroundColor: d.color, borderColor: d.color };
    });
    // eslint-disable-next-line no-new
    new window.Chart(canvas, {
      type: 'bar',
      data: { labels: spec.labels || [], datasets: datasets },
      options: {
        animation: false,
        responsive: true,
        plugins: { title: { display: true, text: spec.title || '' } },
        scales: { y: { beginAtZero: true, ticks: { precision: 0 } } }
      }
    });
  }

  function start() {
    if (typeof window.Chart !== 'function') {
      return;
    }
    var canvases = document.querySelectorAll('canvas[data-chart]');
    for (var i = 0; i < canvases.length; i += 1) {
      draw(canvases[i]);
    }
  }

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', start);
  } else {
    start();
  }
})();

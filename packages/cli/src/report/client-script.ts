/**
 * The small browser script of the reports: reads the embedded chart specs
 * and renders each with the inline Vega runtime
 * (`new vega.View(vega.parse(spec), {renderer: 'svg', container})`),
 * re-fitting the width to its box when the page is resized.
 *
 * @module
 */

/** Browser-side renderer (ES5, no dependencies besides the global `vega`). */
export const CLIENT_SCRIPT = `
(function () {
  'use strict';
  var holder = document.getElementById('gradclip-report-data');
  if (!holder) return;
  var data = JSON.parse(holder.textContent || '{}');
  var charts = data.charts || [];
  function fail(box, msg) {
    box.textContent = '';
    var p = document.createElement('p');
    p.className = 'error';
    p.textContent = msg;
    box.appendChild(p);
  }
  charts.forEach(function (c) {
    var box = document.getElementById('chart-' + c.id);
    if (!box) return;
    if (typeof vega === 'undefined') { fail(box, 'The chart could not be drawn: the Vega runtime did not load.'); return; }
    try {
      box.textContent = '';
      var view = new vega.View(vega.parse(c.vega), { renderer: 'svg', container: box, hover: true });
      var last = 0;
      var fit = function () {
        var w = Math.floor(box.clientWidth);
        if (w > 0 && w !== last) { last = w; view.width(w).runAsync(); }
      };
      fit();
      view.runAsync();
      if (typeof ResizeObserver !== 'undefined') new ResizeObserver(fit).observe(box);
      else window.addEventListener('resize', fit);
    } catch (e) {
      fail(box, 'The chart could not be drawn: ' + (e && e.message ? e.message : String(e)));
    }
  });
})();
`;

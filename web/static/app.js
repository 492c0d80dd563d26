// Prêt-à-Score: draws every Vega-Lite chart of the page (and of content htmx swaps in).
// Each chart's spec is in the data-spec attribute of a div.vl; its text version is beside it.
(function () {
  "use strict";

  function draw(root) {
    var charts = root.querySelectorAll("div.vl[data-spec]:not([data-drawn])");
    charts.forEach(function (el) {
      el.setAttribute("data-drawn", "pending");
      var spec = JSON.parse(el.getAttribute("data-spec"));
      window.vegaEmbed(el, spec, { actions: false, renderer: "svg", defaultStyle: false })
        .then(function () { el.setAttribute("data-drawn", "yes"); })
        .catch(function (err) {
          el.setAttribute("data-drawn", "error");
          console.error("A chart could not be drawn:", err);
        });
    });
  }

  document.addEventListener("DOMContentLoaded", function () { draw(document); });
  document.addEventListener("htmx:afterSettle", function (event) { draw(event.target); });
})();

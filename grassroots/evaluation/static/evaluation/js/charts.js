/* Initialise every ECharts chart on the page from the JSON the server built.
   <div class="chart" data-option="ID"> reads <script type="application/json" id="ID">. */
(function () {
  "use strict";
  function init(el) {
    var source = document.getElementById(el.dataset.option);
    if (!source || typeof echarts === "undefined") { return; }
    var option = JSON.parse(source.textContent);
    var units = option.units; delete option.units;
    // CSSOM, not a style attribute: the Content-Security-Policy allows this.
    if (el.dataset.height) { el.style.height = el.dataset.height + "px"; }
    var chart = echarts.init(el, null, { renderer: "canvas" });
    chart.setOption(option);
    if (units && el.dataset.profileBase) {
      // Click a cell: open that unit's profile (the table below does the same for keyboards).
      chart.on("click", function (params) {
        var code = units[params.value[1]];
        if (code) { window.location.href = el.dataset.profileBase.replace("CODE", code); }
      });
    }
    window.addEventListener("resize", function () { chart.resize(); });
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll(".chart[data-option]").forEach(init);
  });
})();

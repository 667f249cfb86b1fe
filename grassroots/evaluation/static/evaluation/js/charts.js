/* Initialise every ECharts chart on the page from the JSON the server built.
   <div class="chart" data-option="ID"> reads <script type="application/json" id="ID">. */
(function () {
  "use strict";
  var MARKS = { "0": "■", "1": "▲", "2": "●" };
  // A heatmap cell is [x, y, colour code or score, the raw value as read]: the cell shows the
  // colour's shape, the tooltip the unit, the indicator and the value with its unit.
  function heatmapText(option, names) {
    var byColour = option.series[0].label && option.series[0].label.show;
    option.series[0].label.formatter = function (p) { return MARKS[String(p.value[2])] || ""; };
    option.tooltip.formatter = function (p) {
      var v = p.value, level = byColour ? names.colours[String(v[2])]
        : (v[2] < 0 ? names.colours["-1"] : names.score + " " + v[2]);
      return names.units[v[1]] + "\n" + names.pattern.replace("{indicator}", names.indicators[v[0]])
        .replace("{value}", v[3]).replace("{level}", level);
    };
  }
  function init(el) {
    var source = document.getElementById(el.dataset.option);
    if (!source || typeof echarts === "undefined") { return; }
    var option = JSON.parse(source.textContent);
    var units = option.units; delete option.units;
    var names = option.cellNames; delete option.cellNames;
    if (names) { heatmapText(option, names); }
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

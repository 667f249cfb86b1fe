// The wall chart: the option is built on the server; here only the date labels are formatted.
(function () {
  "use strict";
  var node = document.getElementById("wall-chart");
  var data = document.getElementById("wall-chart-option");
  if (!node || !data || !window.echarts) { return; }
  var option = JSON.parse(data.textContent);
  var start = new Date(option.start + "T00:00:00Z");
  option.xAxis.axisLabel = {
    formatter: function (days) {
      return new Date(start.getTime() + days * 86400000).toISOString().slice(0, 10);
    }
  };
  // CSSOM, not a style attribute: allowed by the CSP. One row of 26 px per measure.
  node.style.height = (80 + 26 * Math.max(4, option.yAxis.data.length)) + "px";
  var chart = window.echarts.init(node);
  chart.setOption(option);
  window.addEventListener("resize", function () { chart.resize(); });
})();

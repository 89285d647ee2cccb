/* Charts (core/charts.py, templates/core/chart.html): draws every <figure data-chart> with Apache
 * ECharts (static/vendor/echarts, loaded before this file) from the figure's data-chart-json, with the
 * SVG renderer (a later PDF step reuses the SVG). Nothing here needs what the Content-Security-Policy
 * forbids: no eval, no inline handler, no style attribute (sizes are set through element.style, the
 * tooltip is built as DOM nodes, never as HTML text).
 *
 * Readable without colour: the values are written on the bars and points, bars carry ECharts' aria
 * decal patterns (also in the legend), lines differ by symbol and dash; the legend names the series;
 * the container gets ECharts' generated aria-label; the table under the chart holds every number.
 * Phones (390 px): many or long categories are drawn as horizontal bars (decided in Python), the
 * category labels of vertical charts wrap, rotate or are thinned so that none overlaps, the chart
 * never gets wider than its card, and the tooltip stays inside the chart.
 * Clicking a bar, a point or a category label with a link goes to the link. */
(function () {
  "use strict";
  if (!window.echarts) {
    return;
  }

  var FONT = '"Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei", ' +
    'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';
  // Distinguishable by people with the common colour-vision deficiencies (blue/orange first); the
  // decal patterns carry the difference for everyone else.
  var PALETTE = ["#12467d", "#e07b00", "#2a8c5a", "#8c3c96", "#6b7785", "#c23b3b", "#0f8fa8", "#a07800"];
  var LINE_SYMBOLS = ["circle", "rect", "triangle", "diamond", "roundRect", "pin"];
  var LINE_DASHES = ["solid", "dashed", "dotted"];
  var FONT_SIZE = 12;
  var NARROW = 576;  // Bootstrap's sm breakpoint
  var records = [];  // {figure, canvas, chart, data, width}

  function formatNumber(value) {
    // As core.charts.display writes it: at most two decimals, "—" for no figure.
    if (value === null || value === undefined || value === "-" || isNaN(value)) {
      return "—";
    }
    return String(Math.round(Number(value) * 100) / 100);
  }

  // Width in pixels of a text at the chart's font size: CJK characters are square, others narrower.
  function textWidth(text) {
    var width = 0;
    for (var i = 0; i < text.length; i++) {
      width += text.charCodeAt(i) > 0x2e80 ? FONT_SIZE : FONT_SIZE * 0.6;
    }
    return width;
  }

  function maxTextWidth(texts) {
    return texts.reduce(function (widest, text) { return Math.max(widest, textWidth(text)); }, 0);
  }

  // The legend's height: its items wrap into rows the chart's width.
  function legendRows(data, width) {
    var rows = 1;
    var used = 0;
    data.series.forEach(function (series) {
      var item = 25 + 5 + textWidth(series.name) + 10;
      if (used > 0 && used + item > width) {
        rows += 1;
        used = 0;
      }
      used += item;
    });
    return rows;
  }

  function linkAt(data, index) {
    var link = index >= 0 && data.links ? data.links[index] : null;
    if (!link) {
      return null;
    }
    var url = new URL(link, window.location.href);
    return url.protocol === "http:" || url.protocol === "https:" ? url.href : null;
  }

  function tooltipContent(data, params) {
    var list = Array.isArray(params) ? params : [params];
    var box = document.createElement("div");
    var head = document.createElement("div");
    head.className = "fw-semibold";
    head.textContent = list.length ? list[0].name : "";
    box.appendChild(head);
    list.forEach(function (param) {
      var line = document.createElement("div");
      var marker = document.createElement("span");
      marker.className = "d-inline-block rounded-circle me-1";
      marker.style.width = marker.style.height = "0.6em";
      marker.style.backgroundColor = typeof param.color === "string" ? param.color : "#6b7785";
      line.appendChild(marker);
      var value = param.value === null || param.value === undefined || param.value === "-"
        ? data.text.no_data : formatNumber(param.value) + (data.unit ? " " + data.unit : "");
      line.appendChild(document.createTextNode(param.seriesName + "：" + value));
      box.appendChild(line);
    });
    return box;
  }

  // Category labels of a vertical chart that fit the slot of each category: as they are, wrapped
  // onto two lines (short Chinese names under bars), or every second, third… label (months under
  // a line). Never rotated: a slanted Chinese label is hard to read and collides with its neighbour.
  function categoryLabels(data, width) {
    var plot = Math.max(width - 56, 120);
    var slot = plot / Math.max(data.categories.length, 1);
    var widest = maxTextWidth(data.categories) + 8;
    if (widest <= slot) {
      return {interval: 0};
    }
    if (data.kind !== "line" && widest <= 2 * slot && slot >= 2 * FONT_SIZE + 8) {
      return {interval: 0, width: slot - 8, overflow: "break", lineHeight: FONT_SIZE + 2};
    }
    return {interval: Math.ceil(widest / slot) - 1};
  }

  function build(data, width) {
    var narrow = width < NARROW;
    var horizontal = !!data.horizontal;
    var stacked = data.kind === "stacked_bar";
    var line = data.kind === "line";
    var links = data.links || [];
    var legendHeight = legendRows(data, width) * 22;

    var series = data.series.map(function (series, number) {
      var item = {
        type: line ? "line" : "bar",
        name: series.name,
        data: series.values.map(function (value, index) {
          return {value: value === null ? "-" : value, cursor: linkAt(data, index) ? "pointer" : "default"};
        }),
        label: {
          show: true,
          fontSize: FONT_SIZE,
          position: stacked ? "inside" : line ? "top" : horizontal ? "right" : "top",
          formatter: function (param) {
            var value = param.value;
            if (value === null || value === undefined || value === "-" || (stacked && value === 0)) {
              return "";
            }
            return formatNumber(value);
          }
        },
        labelLayout: {hideOverlap: true},
        emphasis: {focus: "series"}
      };
      if (stacked) {
        item.stack = series.stack;
      }
      if (!line) {
        item.barMaxWidth = 36;
        item.barMinHeight = 2;
      } else {
        item.symbol = LINE_SYMBOLS[number % LINE_SYMBOLS.length];
        item.symbolSize = 8;
        item.lineStyle = {width: 2, type: LINE_DASHES[number % LINE_DASHES.length]};
        item.connectNulls = false;
      }
      return item;
    });

    var categoryAxis = {
      type: "category",
      data: data.categories,
      triggerEvent: links.some(Boolean),
      axisTick: {alignWithLabel: true},
      axisLabel: {fontSize: FONT_SIZE, color: "#333"}
    };
    var valueAxis = {
      type: "value",
      name: data.unit,
      nameTextStyle: {fontSize: FONT_SIZE, color: "#555"},
      axisLabel: {fontSize: FONT_SIZE, color: "#555", hideOverlap: true},
      splitNumber: narrow ? 3 : 5,
      minInterval: series.every(function (item) {
        return item.data.every(function (point) { return point.value === "-" || Number.isInteger(point.value); });
      }) ? 1 : 0
    };
    if (horizontal) {
      categoryAxis.inverse = true;  // the first category on top, as in the table
      categoryAxis.axisLabel.width = narrow ? 8 * FONT_SIZE : 12 * FONT_SIZE;
      categoryAxis.axisLabel.overflow = "truncate";
      categoryAxis.axisLabel.interval = 0;
      valueAxis.nameLocation = "end";
      valueAxis.nameGap = 8;
      valueAxis.nameTextStyle.verticalAlign = "top";
      valueAxis.nameTextStyle.padding = [14, 0, 0, 0];
    } else {
      var labels = categoryLabels(data, width);
      Object.keys(labels).forEach(function (key) { categoryAxis.axisLabel[key] = labels[key]; });
    }

    var perCategory = stacked || data.series.length === 1 ? 30 : 12 * data.series.length + 14;
    var height = horizontal
      ? legendHeight + 48 + perCategory * data.categories.length
      : legendHeight + (narrow ? 260 : 320);

    var option = {
      animation: false,
      color: PALETTE,
      textStyle: {fontFamily: FONT, fontSize: FONT_SIZE},
      // The container's aria-label says the title and every figure (written in Python, in the
      // page's language); ECharts' own description would read out its internal stack dimensions.
      aria: {enabled: true, label: {description: data.description}, decal: {show: !line}},
      legend: {
        show: true,
        type: "plain",
        top: 0,
        left: 0,
        itemGap: 10,
        textStyle: {fontSize: FONT_SIZE, color: "#333"}
      },
      tooltip: {
        trigger: "axis",
        confine: true,
        axisPointer: {type: line ? "line" : "shadow"},
        formatter: function (params) { return tooltipContent(data, params); }
      },
      grid: {
        left: 4,
        right: horizontal ? 28 : 12,
        top: legendHeight + (horizontal ? 8 : 28),
        bottom: 4,
        outerBoundsMode: "same"
      },
      xAxis: horizontal ? valueAxis : categoryAxis,
      yAxis: horizontal ? categoryAxis : valueAxis,
      series: series
    };
    return {option: option, height: Math.round(height)};
  }

  function draw(record, width) {
    var built = build(record.data, width);
    record.width = width;
    record.canvas.style.height = built.height + "px";
    if (record.chart) {
      record.chart.resize({height: built.height});
      record.chart.setOption(built.option, {notMerge: true});
    }
    return built;
  }

  function locale() {
    return (document.documentElement.lang || "").toLowerCase().indexOf("zh") === 0 ? "ZH" : "EN";
  }

  function init(figure) {
    var canvas = figure.querySelector("[data-chart-canvas]");
    if (!canvas || !figure.hasAttribute("data-chart-json")) {
      return;
    }
    figure.setAttribute("data-chart-state", "drawing");
    var record = {figure: figure, canvas: canvas, data: JSON.parse(figure.getAttribute("data-chart-json")), chart: null};
    var built = draw(record, canvas.clientWidth || figure.clientWidth);
    record.chart = window.echarts.init(canvas, null, {renderer: "svg", locale: locale()});
    record.chart.setOption(built.option);
    record.chart.on("click", function (params) {
      var index = -1;
      if (params.componentType === "series") {
        index = params.dataIndex;
      } else if (params.componentType === "xAxis" || params.componentType === "yAxis") {
        index = record.data.categories.indexOf(params.value);
      }
      var link = linkAt(record.data, index);
      if (link) {
        window.location.assign(link);
      }
    });
    records.push(record);
    // Drawn: the table folds away (it stays one click off, and is what a reader without scripts sees).
    var table = figure.querySelector("details[data-chart-table]");
    if (table) {
      table.open = false;
    }
    figure.setAttribute("data-chart-state", "drawn");
  }

  function initAll(root) {
    // Charts that htmx swapped out of the page are released first.
    records = records.filter(function (record) {
      if (document.contains(record.figure)) {
        return true;
      }
      record.chart.dispose();
      return false;
    });
    (root || document).querySelectorAll("figure[data-chart]:not([data-chart-state])").forEach(init);
  }

  function resizeAll() {
    records.forEach(function (record) {
      var width = record.canvas.clientWidth;
      if (width && width !== record.width) {
        draw(record, width);
      }
    });
  }

  var pending = null;
  window.addEventListener("resize", function () {
    window.clearTimeout(pending);
    pending = window.setTimeout(resizeAll, 100);
  });
  document.addEventListener("htmx:afterSwap", function () { initAll(document); });
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { initAll(document); });
  } else {
    initAll(document);
  }
})();

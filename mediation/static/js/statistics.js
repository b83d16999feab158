// The statistics page's charts (Apache ECharts, vendored). The tables beside them hold the same
// numbers, so without JavaScript (or on a screen reader) nothing is lost. SVG: charts print sharp.
(function () {
  var source = document.getElementById('stats-data');
  if (!source || !window.echarts) { return; }
  var data = JSON.parse(source.textContent);
  var palette = ['#b71c1c', '#1565c0', '#2e7d32', '#b26a00', '#6a1b9a', '#00838f', '#5d4037', '#546e7a',
                 '#c2185b', '#33691e', '#283593', '#ef6c00', '#4e342e', '#00695c', '#9e9d24'];
  var charts = [];

  function draw(id, option) {
    var el = document.getElementById(id);
    if (!el) { return; }
    el.classList.add('drawn');
    var chart = window.echarts.init(el, null, {renderer: 'svg'});
    option.color = palette;
    option.animation = false;
    chart.setOption(option);
    charts.push(chart);
  }

  draw('chart-monthly', {
    tooltip: {trigger: 'axis'},
    legend: {data: data.monthly.labels, top: 0},
    grid: {left: 16, right: 16, top: 36, bottom: 8, containLabel: true},
    xAxis: {type: 'category', data: data.monthly.months,
            axisLabel: {rotate: data.monthly.months.length > 12 ? 45 : 0, interval: 0, hideOverlap: true}},
    yAxis: {type: 'value', minInterval: 1},
    series: [
      {name: data.monthly.labels[0], type: 'line', data: data.monthly.accepted, symbolSize: 6},
      {name: data.monthly.labels[1], type: 'line', data: data.monthly.agreed, symbolSize: 6}
    ]
  });

  if (data.categories.length) draw('chart-categories', {
    tooltip: {trigger: 'item', formatter: '{b}：{c}（{d}%）'},
    series: [{type: 'pie', radius: ['35%', '65%'], data: data.categories,
              label: {formatter: '{b}\n{d}%'}}]
  });

  draw('chart-ladder', {
    tooltip: {trigger: 'item', formatter: '{b}：{c}%'},
    series: [{type: 'funnel', sort: 'ascending', min: 0, max: 100, minSize: '10%', gap: 2,
              left: '10%', width: '80%', top: 10, bottom: 10,
              label: {position: 'inside', formatter: '{b}\n{c}%', color: '#fff'},
              data: data.ladder}]
  });

  if (data.overdue.names.length) draw('chart-overdue', {
    tooltip: {trigger: 'axis', axisPointer: {type: 'shadow'}},
    legend: {data: data.overdue.labels, top: 0},
    grid: {left: 16, right: 16, top: 36, bottom: 8, containLabel: true},
    xAxis: {type: 'value', minInterval: 1},
    yAxis: {type: 'category', inverse: true, data: data.overdue.names},
    series: [
      {name: data.overdue.labels[0], type: 'bar', stack: 'due', barMaxWidth: 24, data: data.overdue.overdue},
      {name: data.overdue.labels[1], type: 'bar', stack: 'due', barMaxWidth: 24, data: data.overdue.due_soon}
    ]
  });

  function resize() { charts.forEach(function (chart) { chart.resize(); }); }
  window.addEventListener('resize', resize);
  window.addEventListener('beforeprint', resize);
})();

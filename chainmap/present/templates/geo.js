/* chainmap geo.html: layers over a pre-projected China map. Data come from the JSON block and are shown
   with textContent only. Written for old Chromium too: no optional chaining, no DOM methods newer than the kernel. */
(function () {
  'use strict';
  var D = JSON.parse(document.getElementById('g-data').textContent);
  var NS = 'http://www.w3.org/2000/svg';
  var svg = document.getElementById('g-svg');
  var start = svg.getAttribute('viewBox').split(' ').map(Number);
  var vb = start.slice();
  var TOP_TRIPS = 8;
  var GAP_LABEL = { fill: '补链', extend: '延链', strengthen: '强链' };

  function el(tag, attrs, parent, text) {
    var e = document.createElementNS(NS, tag);
    for (var k in attrs) { if (attrs.hasOwnProperty(k)) { e.setAttribute(k, attrs[k]); } }
    if (text !== undefined) { e.textContent = text; }
    if (parent) { parent.appendChild(e); }
    return e;
  }
  function html(tag, text, parent, cls) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) { e.textContent = text; }
    if (cls) { e.className = cls; }
    if (parent) { parent.appendChild(e); }
    return e;
  }
  function clear(node) { while (node.firstChild) { node.removeChild(node.firstChild); } }
  function tip(node, text) { el('title', {}, node, text); }
  function layer(id) { return document.getElementById(id); }

  var color = {}, chainName = {};
  D.chains.forEach(function (c) { color[c.id] = c.color; chainName[c.id] = c.name; });
  var maxScore = 1;
  D.cities.forEach(function (c) { if (c.score > maxScore) { maxScore = c.score; } });

  function bubble(c) { return 4 + 20 * Math.sqrt(c.score / maxScore); }
  /* sizes in screen pixels; restyle() turns them into map units for the current zoom */
  function unitsPerPixel() {
    var w = svg.clientWidth || 1, h = svg.clientHeight || 1;
    return Math.max(vb[2] / w, vb[3] / h);
  }
  function restyle() {
    var k = unitsPerPixel();
    var sized = svg.querySelectorAll('[data-r]');
    for (var i = 0; i < sized.length; i++) { sized[i].setAttribute('r', (+sized[i].getAttribute('data-r')) * k); }
    var texts = svg.querySelectorAll('[data-fs]');
    for (var j = 0; j < texts.length; j++) {
      var t = texts[j];
      t.setAttribute('font-size', (+t.getAttribute('data-fs')) * k);
      if (t.hasAttribute('data-dx')) { t.setAttribute('x', (+t.getAttribute('data-x')) + (+t.getAttribute('data-dx')) * k); }
      if (t.hasAttribute('data-dy')) { t.setAttribute('y', (+t.getAttribute('data-y')) + (+t.getAttribute('data-dy')) * k); }
    }
    var labels = layer('L-labels');
    labels.setAttribute('stroke-width', 3 * k);
    placeLabels(k);
    layer('g-pref').style.display = vb[2] <= start[2] / 2.5 ? '' : 'none';
  }
  /* labels in priority order (home first): try right, left, above, below; hide when all collide */
  function offsets(r) { return [[r + 3, 5, 'start'], [-r - 3, 5, 'end'], [0, -r - 3, 'middle'], [0, r + 13, 'middle']]; }
  function placeLabels(k) {
    var taken = [];
    var items = layer('L-labels').querySelectorAll('text[data-label]');
    var zoomed = vb[2] <= start[2] / 2;
    for (var i = 0; i < items.length; i++) {
      var t = items[i], fs = +t.getAttribute('data-fs'), x = +t.getAttribute('data-x'), y = +t.getAttribute('data-y');
      var w = t.textContent.length * fs + 2, shown = false;
      if (t.getAttribute('data-label') === '2' && !zoomed) { t.style.display = 'none'; continue; }
      var opts = offsets(+(t.getAttribute('data-off') || 6));
      for (var j = 0; j < opts.length && !shown; j++) {
        var o = opts[j];
        var left = o[2] === 'start' ? o[0] : (o[2] === 'end' ? o[0] - w : o[0] - w / 2);
        var box = [left - 1, o[1] - 1.2 * fs, left + w, o[1] + 0.45 * fs];
        var sx = x / k, sy = y / k;
        var b = [sx + box[0], sy + box[1], sx + box[2], sy + box[3]];
        var free = true;
        for (var m = 0; m < taken.length && free; m++) {
          var a = taken[m];
          if (b[0] < a[2] && a[0] < b[2] && b[1] < a[3] && a[1] < b[3]) { free = false; }
        }
        if (free) {
          taken.push(b);
          t.setAttribute('x', x + o[0] * k);
          t.setAttribute('y', y + o[1] * k);
          t.setAttribute('text-anchor', o[2]);
          t.style.display = '';
          shown = true;
        }
      }
      if (!shown) { t.style.display = 'none'; }
    }
  }
  function setView(v) { vb = v; svg.setAttribute('viewBox', v.join(' ')); restyle(); }
  function zoomAt(factor, cx, cy) {
    var w = Math.min(start[2] * 1.5, Math.max(start[2] / 40, vb[2] * factor));
    var f = w / vb[2];
    setView([cx - (cx - vb[0]) * f, cy - (cy - vb[1]) * f, vb[2] * f, vb[3] * f]);
  }
  function toMap(evt) {
    var r = svg.getBoundingClientRect(), k = unitsPerPixel();
    var ox = vb[0] - (r.width * k - vb[2]) / 2, oy = vb[1] - (r.height * k - vb[3]) / 2;
    return [ox + (evt.clientX - r.left) * k, oy + (evt.clientY - r.top) * k];
  }

  /* the side panel */
  var panel = document.getElementById('g-panel');
  function showCity(c, node) {
    clear(panel);
    var on = svg.querySelectorAll('.g-on');
    for (var i = 0; i < on.length; i++) { on[i].setAttribute('class', on[i].getAttribute('class').replace(' g-on', '')); }
    if (node) { node.setAttribute('class', node.getAttribute('class') + ' g-on'); }
    html('h2', c.city + '（' + c.province + '）', panel);
    var trip = c.trip ? '；第' + c.trip + '趟行程第' + c.order + '站' : '';
    html('p', '线路排名第' + c.rank + '，得分合计 ' + c.score.toFixed(1) + '，目标企业 ' + c.firms.length + ' 家' + trip, panel, 'g-note');
    var ol = html('ol', null, panel);
    c.firms.forEach(function (f) {
      var li = html('li', null, ol);
      html('strong', f.name, li);
      html('span', f.score.toFixed(1) + '分', li, 'g-score');
      if (chainName[f.chain]) { html('span', ' · ' + chainName[f.chain], li, 'g-note'); }
      html('span', f.why, li, 'g-why');
    });
  }
  function showOverview() {
    clear(panel);
    html('h2', '重点城市（点击查看企业）', panel);
    var ol = html('ol', null, panel);
    D.cities.slice(0, 15).forEach(function (c) {
      var li = html('li', null, ol);
      var b = html('button', c.city + '　' + c.score.toFixed(0) + '分 · ' + c.firms.length + '家', li, 'g-link');
      b.type = 'button';
      b.addEventListener('click', function () { showCity(c, document.getElementById('city-' + c.rank)); });
    });
  }

  /* layers */
  function drawTargets() {
    var g = layer('L-targets');
    D.cities.forEach(function (c) {
      var r = bubble(c);
      var dot = el('circle', { cx: c.x, cy: c.y, 'data-r': r.toFixed(2), 'class': c.approx ? 'g-city g-approx' : 'g-city',
        id: 'city-' + c.rank,
        fill: color[c.chain] || '#7f8c8d' }, g);
      tip(dot, c.city + '：' + c.firms.length + '家，得分' + c.score.toFixed(1));
      dot.addEventListener('click', function (e) { e.stopPropagation(); showCity(c, dot); });
    });
    var legend = document.getElementById('g-legend');
    D.chains.forEach(function (c) {
      var s = html('span', null, legend);
      var i = html('i', null, s);
      i.style.background = c.color;
      s.appendChild(document.createTextNode(c.name));
    });
  }
  function drawLocals() {
    var g = layer('L-locals');
    D.locals.forEach(function (s) {
      var dot = el('circle', { cx: s.x, cy: s.y, 'data-r': (3 + Math.min(6, s.firms.length)).toFixed(0), 'class': 'g-local' }, g);
      tip(dot, '本地企业 ' + s.place + '：' + s.firms.join('、'));
      dot.addEventListener('click', function (e) {
        e.stopPropagation();
        clear(panel);
        html('h2', '本地企业 · ' + s.place, panel);
        var ul = html('ul', null, panel);
        s.firms.forEach(function (f) { html('li', f, ul); });
      });
    });
  }
  function drawGap(i) {
    var g = layer('L-gap');
    clear(g);
    if (i === '') { return; }
    var gap = D.gaps[+i];
    clear(panel);
    html('h2', '缺口「' + gap.name + '」的候选企业', panel);
    var ul = html('ul', null, panel);
    gap.cands.forEach(function (c) {
      el('circle', { cx: c.x, cy: c.y, 'data-r': (7 + 3 * Math.min(4, c.firms.length)).toFixed(0), 'class': 'g-cand' }, g);
      var t = el('text', { x: c.x, y: c.y, 'data-x': c.x, 'data-y': c.y, 'data-dx': 9, 'data-dy': -9, 'data-fs': 12,
        'class': 'g-label' }, g, c.city + ' ' + c.firms.length);
      t.setAttribute('fill', '#a04000');
      html('li', c.city + '：' + c.firms.join('、'), ul);
    });
    restyle();
  }
  function drawTrips(only) {
    var g = layer('L-trips');
    clear(g);
    D.trips.forEach(function (t) {
      if (only === 'top' ? t.trip > TOP_TRIPS : (only !== '' && String(t.trip) !== only)) { return; }
      var pts = [[D.home.x, D.home.y]];
      t.stops.forEach(function (s) { pts.push([s.x, s.y]); });
      pts.push([D.home.x, D.home.y]);
      var line = el('polyline', { points: pts.map(function (p) { return p.join(','); }).join(' '), 'class': 'g-trip',
        stroke: t.color }, g);
      tip(line, '第' + t.trip + '趟 ' + t.region + '：' + t.days + '天，' + t.distance_km + '公里');
      t.stops.forEach(function (s, k) {
        var dot = el('circle', { cx: s.x, cy: s.y, 'data-r': 7, 'class': 'g-stop', fill: t.color }, g);
        tip(dot, '第' + t.trip + '趟第' + (k + 1) + '站 ' + s.city + '（第' + s.day + '天，' + s.n + '家）');
        el('text', { x: s.x, y: s.y, 'data-fs': 10, 'class': 'g-stopn' }, g, String(k + 1));
      });
    });
    restyle();
  }
  function drawActivity() {
    var g = layer('L-activity');
    var note = document.getElementById('g-activity-note');
    if (!D.activity.length) {
      document.getElementById('T-activity').disabled = true;
      note.textContent = '台账暂无外出与拜访记录。';
      return;
    }
    var most = 1;
    D.activity.forEach(function (a) { if (a.visits > most) { most = a.visits; } });
    D.activity.forEach(function (a) {
      var dot = el('circle', { cx: a.x, cy: a.y, 'data-r': (5 + 25 * Math.sqrt(a.visits / most)).toFixed(2),
        'class': 'g-act' }, g);
      tip(dot, a.city + '：外出' + a.trips + '批次，拜访' + a.visits + '家次');
    });
    note.textContent = '共 ' + D.activity.length + ' 个目的地城市。';
  }
  function drawLabels() {
    var g = layer('L-labels');
    if (D.home.x === null) { return drawCityLabels(g); }
    el('circle', { cx: D.home.x, cy: D.home.y, 'data-r': 6, 'class': 'g-homemark' }, g);
    el('text', { x: D.home.x, y: D.home.y, 'data-x': D.home.x, 'data-y': D.home.y, 'data-label': 1,
      'data-fs': 15, 'class': 'g-label g-home' }, g, D.home.city + '（本地）');
    drawCityLabels(g);
  }
  function drawCityLabels(g) {
    var byCity = {};
    D.cities.forEach(function (c) { byCity[c.city] = c; });
    var top = {};
    D.labels.forEach(function (name) { top[name] = true; });
    /* the top route cities always; every other city once the map is zoomed in (collisions hidden) */
    D.labels.concat(D.cities.filter(function (c) { return !top[c.city]; }).map(function (c) { return c.city; }))
      .forEach(function (name) {
        var c = byCity[name];
        el('text', { x: c.x, y: c.y, 'data-x': c.x, 'data-y': c.y, 'data-label': top[name] ? 1 : 2, 'data-fs': 13,
          'data-off': bubble(c).toFixed(1), 'class': 'g-label' }, g, c.city);
      });
  }
  function fillSelects() {
    var gs = document.getElementById('g-gap-select');
    D.gaps.forEach(function (gp, i) {
      var o = html('option', (GAP_LABEL[gp.gap_type] || '') + '｜' + gp.name, gs);
      o.value = String(i);
    });
    gs.addEventListener('change', function () { drawGap(gs.value); });
    var ts = document.getElementById('g-trip-select');
    if (D.trips.length > TOP_TRIPS) {
      var top = html('option', '前' + TOP_TRIPS + '趟（得分最高）', ts);
      top.value = 'top';
      ts.insertBefore(top, ts.firstChild);
      ts.value = 'top';
    }
    D.trips.forEach(function (t) {
      var o = html('option', '第' + t.trip + '趟 ' + t.region + '（' + t.days + '天，' + t.stops.length + '站）', ts);
      o.value = String(t.trip);
    });
    ts.addEventListener('change', function () { drawTrips(ts.value); });
  }
  function listUnplaced() {
    var box = document.getElementById('g-unplaced');
    if (!D.unplaced.length) { return; }
    var n = 0;
    D.unplaced.forEach(function (u) { n += u.firms.length; });
    html('h3', '地点待核实（' + n + '家）', box);
    var ul = html('ul', null, box);
    D.unplaced.forEach(function (u) {
      html('li', u.city + (u.at_province_seat ? '（暂标在省会，虚线圈）' : '（未上图）') + '：' + u.firms.join('、'), ul);
    });
  }
  function wireToggles() {
    var boxes = document.querySelectorAll('.g-layers input[type=checkbox]');
    for (var i = 0; i < boxes.length; i++) {
      boxes[i].addEventListener('change', function (e) {
        var cb = e.target;
        layer(cb.getAttribute('data-layer')).style.display = cb.checked ? '' : 'none';
      });
    }
  }
  function wireZoom() {
    svg.addEventListener('wheel', function (e) {
      e.preventDefault();
      var p = toMap(e);
      zoomAt(e.deltaY > 0 ? 1.25 : 0.8, p[0], p[1]);
    }, { passive: false });
    var drag = null;
    svg.addEventListener('mousedown', function (e) {
      drag = { x: e.clientX, y: e.clientY, vb: vb.slice(), k: unitsPerPixel(), moved: false };
    });
    window.addEventListener('mousemove', function (e) {
      if (!drag) { return; }
      var dx = (e.clientX - drag.x) * drag.k, dy = (e.clientY - drag.y) * drag.k;
      if (Math.abs(dx) + Math.abs(dy) > 0) { drag.moved = true; svg.setAttribute('class', 'g-drag'); }
      setView([drag.vb[0] - dx, drag.vb[1] - dy, drag.vb[2], drag.vb[3]]);
    });
    window.addEventListener('mouseup', function () { drag = null; svg.removeAttribute('class'); });
    function centre() { return [vb[0] + vb[2] / 2, vb[1] + vb[3] / 2]; }
    document.getElementById('g-zoom-in').addEventListener('click', function () { var c = centre(); zoomAt(0.6, c[0], c[1]); });
    document.getElementById('g-zoom-out').addEventListener('click', function () { var c = centre(); zoomAt(1.6, c[0], c[1]); });
    document.getElementById('g-zoom-reset').addEventListener('click', function () { setView(start.slice()); });
    window.addEventListener('resize', restyle);
  }

  drawActivity();
  drawTrips(D.trips.length > TOP_TRIPS ? 'top' : '');
  drawLocals();
  drawTargets();
  drawLabels();
  fillSelects();
  listUnplaced();
  wireToggles();
  wireZoom();
  showOverview();
  restyle();
  window.chainmapGeo = { showCity: showCity, data: D };
  requestAnimationFrame(function () { window.cmFirstDraw = performance.now(); });
}());

/* chainmap map page: draws the JSON payload with vis-network (positions from Python, physics off) and
   wires the tooltip, side panel, search, filters and "+N" firm groups.
   Text from data reaches the DOM only through textContent, and the canvas only through fillText and
   vis-network labels: never innerHTML. */
window.cmStartNetwork = function () {
  "use strict";

  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); }  // ES5 DOM only: Chromium 80-era kernels
  performance.mark("cm-start");  // for benchmarks/bench_render.py: where the first frame's time goes
  var DATA = JSON.parse(document.getElementById("cm-data").textContent);
  var META = DATA.meta;
  var FONT = DATA.options.nodes.font.face;
  var container = document.getElementById("cm-network");
  // Firms folded behind a "+N" node join the data set only when their group opens: a map with
  // thousands of firms starts with what it shows (see chainmap/present/html.py).
  var GROUPS = DATA.groups, BLOCKS = DATA.blocks;
  var folded = {};  // firm id -> link id of the group that hides it while collapsed
  Object.keys(GROUPS).forEach(function (link) {
    var g = GROUPS[link];
    for (var i = g.shown; i < g.firms.length; i++) folded[g.firms[i]] = link;
  });
  var waiting = {};  // folded firm id -> its vis item, until it joins the data set
  var waitingEdges = {};  // node id -> edges that wait for it
  var edgeIn = {};  // edge id -> true once in the data set
  var startNodes = [], startEdges = [];
  DATA.nodes.forEach(function (n) { if (folded[n.id]) waiting[n.id] = n; else startNodes.push(n); });
  DATA.edges.forEach(function (e) {
    var late = [e.from, e.to].filter(function (id) { return waiting[id]; });
    if (!late.length) { startEdges.push(e); edgeIn[e.id] = true; }
    late.forEach(function (id) { (waitingEdges[id] = waitingEdges[id] || []).push(e); });
  });
  var nodes = new vis.DataSet(startNodes);
  var edges = new vis.DataSet(startEdges);
  var network = new vis.Network(container, { nodes: nodes, edges: edges }, DATA.options);
  performance.mark("cm-network");
  window.network = network;
  var legend = document.getElementById("cm-legend");
  // fit the level bands into the part of the canvas the legend leaves free (set before the first frame)
  var BANDS = DATA.bands, LANES = DATA.lanes;
  function fitView(animate) {
    if (!BANDS.length) { network.fit({ animation: false }); return; }
    var x0 = BANDS[0].x0, x1 = BANDS[BANDS.length - 1].x1, y0 = DATA.top - 90, y1 = 0;
    for (var i = 0; i < BANDS.length; i++) y1 = Math.max(y1, BANDS[i].bottom + 60);
    var free = legend.hidden ? 0 : legend.offsetWidth + 20, w = container.clientWidth, h = container.clientHeight;
    if (w < 2 * free) free = 0;
    var scale = Math.max(Math.min((w - free - 30) / (x1 - x0), (h - 30) / (y1 - y0), 1.2), 0.02);
    // top-align a map shorter than the canvas, so it does not float in the middle
    var cy = Math.max((y0 + y1) / 2, y0 + (h / 2 - 15) / scale);
    network.moveTo({ position: { x: (x0 + x1) / 2, y: cy }, scale: scale, offset: { x: free / 2, y: 0 },
      animation: animate ? { duration: 400, easingFunction: "easeInOutQuad" } : false });
  }
  fitView(false);
  network.once("afterDrawing", function () {
    window.cmFirstDraw = performance.now();
    document.documentElement.setAttribute("data-drawn", "1");
  });

  var KIND = { link: "环节", technology: "关键技术", component: "关键部件/材料", institution: "研究机构",
    company: "企业", more: "企业组" };
  var STATUS = { strong: "强", weak: "弱", missing: "缺失", unknown: "未评估" };
  var GAP = { fill: "补链", extend: "延链", strengthen: "强链" };
  var KIND_RANK = { link: 0, technology: 1, component: 2, institution: 3, company: 4, more: 5 };

  // -- small DOM helpers (textContent only) --------------------------------------------------------
  function el(tag, cls, text, parent) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    if (parent) parent.appendChild(e);
    return e;
  }
  function facts(rows, parent) {
    var dl = el("dl", "cm-facts", null, parent);
    for (var i = 0; i < rows.length; i++) {
      el("dt", null, rows[i][0], dl);
      el("dd", null, rows[i][1], dl);
    }
    return dl;
  }
  function kindText(m) {
    if (m.kind === "company") return m.local ? "本地企业" : "外地企业（招商候选）";
    var t = KIND[m.kind] || m.kind;
    if (m.kind === "link" && m.key) t = "★ 重点环节";
    if (m.status && DATA.hasGaps) t += " · 本地" + STATUS[m.status] + (m.gap ? " · " + GAP[m.gap] : "");
    return t;
  }

  // -- level bands and headings, drawn under the graph --------------------------------------------
  function roundRect(ctx, x, y, w, h, r) {
    ctx.beginPath();
    ctx.moveTo(x + r, y);
    ctx.arcTo(x + w, y, x + w, y + h, r);
    ctx.arcTo(x + w, y + h, x, y + h, r);
    ctx.arcTo(x, y + h, x, y, r);
    ctx.arcTo(x, y, x + w, y, r);
    ctx.closePath();
  }
  network.on("beforeDrawing", function (ctx) {
    if (!BANDS.length) return;
    var top = DATA.top;
    ctx.save();
    for (var i = 0; i < BANDS.length; i++) {
      var b = BANDS[i], cx = (b.x0 + b.x1) / 2;
      ctx.fillStyle = i % 2 ? "#f3f6f9" : "#eaf0f5";
      roundRect(ctx, b.x0, top - 24, b.x1 - b.x0, Math.max(b.bottom, 0) - top + 70, 18);
      ctx.fill();
      ctx.textAlign = "center";
      ctx.textBaseline = "alphabetic";
      ctx.fillStyle = "#37474f";
      ctx.font = "bold 24px " + FONT;
      ctx.fillText(b.header[0], cx, top + 12);
      if (b.header[1]) {
        ctx.font = "17px " + FONT;
        ctx.fillStyle = "#546e7a";
        ctx.fillText(b.header[1], cx, top + 42, b.x1 - b.x0 - 30);
      }
    }
    if (BANDS.length > 1) {  // the direction of the material flow, above the headings
      var x0 = BANDS[0].x0 + 20, x1 = BANDS[BANDS.length - 1].x1 - 20, y = top - 62;
      ctx.strokeStyle = "#90a4ae";
      ctx.fillStyle = "#90a4ae";
      ctx.lineWidth = 4;
      ctx.beginPath(); ctx.moveTo(x0, y); ctx.lineTo(x1 - 18, y); ctx.stroke();
      ctx.beginPath(); ctx.moveTo(x1, y); ctx.lineTo(x1 - 24, y - 11); ctx.lineTo(x1 - 24, y + 11); ctx.closePath(); ctx.fill();
      ctx.font = "bold 20px " + FONT;
      ctx.fillStyle = "#546e7a";
      ctx.textAlign = "left";
      ctx.fillText("上游", x0, y - 14);
      ctx.textAlign = "right";
      ctx.fillText("下游", x1, y - 14);
      ctx.textAlign = "center";
      ctx.fillText("物料流向", (x0 + x1) / 2, y - 14);
    }
    ctx.restore();
  });

  // -- relations (built on first use: not needed for the first frame) -----------------------------
  var OUT = null, IN = null, ORDER = null;
  function relations() {
    if (OUT) return;
    OUT = {}; IN = {}; ORDER = {};
    for (var i = 0; i < DATA.nodes.length; i++) ORDER[DATA.nodes[i].id] = i;
    for (var j = 0; j < DATA.edges.length; j++) {
      var e = DATA.edges[j];
      (OUT[e.from] = OUT[e.from] || []).push(e);
      (IN[e.to] = IN[e.to] || []).push(e);
    }
  }
  function related(id, dir, kinds) {
    relations();
    var list = (dir === "out" ? OUT[id] : IN[id]) || [], seen = {}, res = [];
    for (var i = 0; i < list.length; i++) {
      var e = list[i], other = dir === "out" ? e.to : e.from;
      if (kinds.indexOf(e.kind) >= 0 && !seen[other]) { seen[other] = 1; res.push(other); }
    }
    return res.sort(function (a, b) { return ORDER[a] - ORDER[b]; });
  }
  function edgesOf(id, dir, kinds) {
    relations();
    var list = (dir === "out" ? OUT[id] : IN[id]) || [], res = [];
    for (var i = 0; i < list.length; i++) if (!kinds || kinds.indexOf(list[i].kind) >= 0) res.push(list[i]);
    return res;
  }

  // -- firm groups ("+N"), filters, visibility -----------------------------------------------------
  var expanded = {};
  var hiddenNow = {};  // of the nodes in the data set
  startNodes.forEach(function (n) { if (n.hidden) hiddenNow[n.id] = true; });
  var kindOn = { link: true, technology: true, component: true, institution: true, local: true, candidate: true };
  var statusOn = { strong: true, weak: true, missing: true, unknown: true };

  function anchorOk(m) {
    return !m.anchor || !META[m.anchor] || statusOn[META[m.anchor].status || "unknown"];
  }
  function wanted(id) {
    var m = META[id];
    if (!m) return true;
    switch (m.kind) {
      case "link": case "technology": case "component":
        return kindOn[m.kind] && statusOn[m.status || "unknown"];
      case "institution":
        return kindOn.institution && anchorOk(m);
      case "company":
        return kindOn[m.local ? "local" : "candidate"] && anchorOk(m) && !(folded[id] && !expanded[folded[id]]);
      case "more":
        return (kindOn.local || kindOn.candidate) && anchorOk(m);
    }
    return true;
  }
  function refresh(extra) {
    var upd = extra || [], byId = {};
    for (var k = 0; k < upd.length; k++) byId[upd[k].id] = upd[k];
    for (var i = 0; i < DATA.nodes.length; i++) {
      var id = DATA.nodes[i].id;
      if (waiting[id]) continue;
      var hide = !wanted(id);
      if (hide !== !!hiddenNow[id]) {
        hiddenNow[id] = hide;
        if (byId[id]) byId[id].hidden = hide;
        else upd.push({ id: id, hidden: hide });
      }
    }
    if (upd.length) nodes.update(upd);
  }

  var COLNODES = null;
  function columnNodes(col) {
    if (!COLNODES) {
      COLNODES = {};
      for (var i = 0; i < DATA.nodes.length; i++) {
        var id = DATA.nodes[i].id, c = META[id] ? META[id].col : 0;
        (COLNODES[c] = COLNODES[c] || []).push(id);
      }
    }
    return COLNODES[col] || [];
  }
  function moreLabel(link) {
    var g = GROUPS[link], n = g.firms.length - g.shown;
    return expanded[link] ? "▴ 收起 " + n + " 家" : "+" + n + " 家企业 ▸";
  }
  // Expanding a group shows its folded firms (placed below the "+N" node by Python) and moves the
  // blocks under it in the same column down by the group's extra height; collapsing moves them back.
  function toggleGroup(link, open) {
    var g = GROUPS[link];
    if (!g) return;
    if (open === undefined) open = !expanded[link];
    if (!!expanded[link] === open) return;
    expanded[link] = open;
    var delta = open ? g.extra : -g.extra, col = META[link].col, top = BLOCKS[link][0], upd = [];
    if (delta) {
      var ids = columnNodes(col).filter(function (id) {
        var owner = META[id].kind === "link" ? id : META[id].anchor;
        return owner && BLOCKS[owner] && BLOCKS[owner][0] > top;
      });
      var pos = network.getPositions(ids.filter(function (id) { return !waiting[id]; }));
      ids.forEach(function (id) {
        if (waiting[id]) waiting[id].y += delta;
        else upd.push({ id: id, x: pos[id].x, y: pos[id].y + delta });
      });
      Object.keys(BLOCKS).forEach(function (l) {
        if (META[l].col === col && BLOCKS[l][0] > top) { BLOCKS[l][0] += delta; BLOCKS[l][1] += delta; }
      });
      BLOCKS[link][1] += delta;
      var lane = LANES[col];
      lane.bottom += delta;
      BANDS[lane.band].bottom = Math.max.apply(null, LANES.filter(function (l) { return l.band === lane.band; })
        .map(function (l) { return l.bottom; }));
    }
    upd.push({ id: g.more, label: moreLabel(link) });
    if (open) join(g.firms.slice(g.shown));
    refresh(upd);
  }
  // bring waiting firms into the data set (hidden; refresh() shows what the filters allow)
  function join(ids) {
    var add = [], addEdges = [];
    ids.forEach(function (id) {
      var item = waiting[id];
      if (!item) return;
      delete waiting[id];
      item.hidden = true;
      hiddenNow[id] = true;
      add.push(item);
    });
    if (!add.length) return;
    nodes.add(add);
    add.forEach(function (item) {
      (waitingEdges[item.id] || []).forEach(function (e) {
        if (!edgeIn[e.id] && !waiting[e.from] && !waiting[e.to]) { edgeIn[e.id] = true; addEdges.push(e); }
      });
      delete waitingEdges[item.id];
    });
    if (addEdges.length) edges.add(addEdges);
  }

  function syncChecks() {
    document.querySelectorAll("input[data-kind]").forEach(function (b) { b.checked = kindOn[b.getAttribute("data-kind")]; });
    document.querySelectorAll("input[data-status]").forEach(function (b) { b.checked = statusOn[b.getAttribute("data-status")]; });
  }
  document.querySelectorAll("input[data-kind]").forEach(function (box) {
    box.addEventListener("change", function () { kindOn[box.getAttribute("data-kind")] = box.checked; refresh(); });
  });
  document.querySelectorAll("input[data-status]").forEach(function (box) {
    box.addEventListener("change", function () { statusOn[box.getAttribute("data-status")] = box.checked; refresh(); });
  });

  // make a node visible whatever hides it: its group, or the filters
  function reveal(id) {
    var m = META[id];
    if (!m) return;
    if (folded[id] && !expanded[folded[id]]) toggleGroup(folded[id], true);
    if (wanted(id)) return;
    if (m.kind === "company") kindOn[m.local ? "local" : "candidate"] = true;
    else if (m.kind === "more") kindOn.local = kindOn.candidate = true;
    else if (KIND[m.kind]) kindOn[m.kind] = true;
    if (m.status) statusOn[m.status] = true;
    if (m.anchor && META[m.anchor]) statusOn[META[m.anchor].status || "unknown"] = true;
    syncChecks();
    refresh();
  }

  // -- selection: highlight a link's technologies, components, institutions and firms -------------
  function neighbourhood(id) {
    var m = META[id], ids = [id], eids = [];
    function take(list) {
      for (var i = 0; i < list.length; i++) {
        eids.push(list[i].id);
        ids.push(list[i].from === id ? list[i].to : list[i].from);
      }
    }
    if (m.kind === "link") {
      take(edgesOf(id, "out", ["requires", "uses"]));
      take(edgesOf(id, "in", ["operates", "researches", "feeds"]));
      take(edgesOf(id, "out", ["feeds"]));
      related(id, "out", ["requires", "uses"]).forEach(function (part) {  // firms holding its parts
        var list = edgesOf(part, "in", ["makes", "holds", "researches"]);
        for (var i = 0; i < list.length; i++) { eids.push(list[i].id); ids.push(list[i].from); }
      });
    } else if (m.kind === "more") {
      ids = ids.concat(GROUPS[m.anchor].firms);
    } else {
      take(edgesOf(id, "out"));
      take(edgesOf(id, "in"));
    }
    return { nodes: ids, edges: eids.filter(function (e) { return edgeIn[e]; }) };
  }
  var selected = null, HL = null, dimOk = true;
  function select(id) {
    if (!META[id]) return;
    selected = id;
    HL = neighbourhood(id);
    // only the clicked node is "selected" (orange); its neighbours keep their colours above the veil
    network.setSelection({ nodes: [id], edges: HL.edges }, { unselectAll: true, highlightEdges: false });
    showPanel(id);
  }
  function clearSelection() {
    selected = null;
    HL = null;
    network.unselectAll();
    panel.hidden = true;
  }
  // Dim everything but the selection: a veil over the frame, then the selected edges and nodes drawn
  // again on top. O(selection) per frame, where restyling every other node would be O(N) per click.
  // Uses vis-network 9.1.2 internals (the version inlined here); on any surprise it switches itself off.
  network.on("afterDrawing", function (ctx) {
    if (!HL || !dimOk) return;
    try {
      var body = network.body, a = network.DOMtoCanvas({ x: 0, y: 0 });
      var b = network.DOMtoCanvas({ x: container.clientWidth, y: container.clientHeight });
      ctx.save();
      ctx.fillStyle = "rgba(255,255,255,0.72)";
      ctx.fillRect(a.x, a.y, b.x - a.x, b.y - a.y);
      ctx.restore();
      var shown = function (n) { return n && !n.options.hidden; }, labels = [], i;
      for (i = 0; i < HL.edges.length; i++) {
        var e = body.edges[HL.edges[i]];
        if (e && !e.options.hidden && shown(body.nodes[e.fromId]) && shown(body.nodes[e.toId])) { e.draw(ctx); e.drawArrows(ctx); }
      }
      for (i = 0; i < HL.nodes.length; i++) {
        var n = body.nodes[HL.nodes[i]];
        if (shown(n)) { var r = n.draw(ctx); if (r && r.drawExternalLabel) labels.push(r.drawExternalLabel); }
      }
      for (i = 0; i < labels.length; i++) labels[i]();
    } catch (err) {
      dimOk = false;
    }
  });

  // -- side panel ----------------------------------------------------------------------------------
  var panel = document.getElementById("cm-panel");
  function relList(title, ids, parent, limit) {
    if (!ids.length) return;
    limit = limit || 300;
    el("h3", null, title + "（" + ids.length + "）", parent);
    var ul = el("ul", "cm-rel", null, parent);
    ids.slice(0, limit).forEach(function (rid) {
      var m = META[rid];
      if (!m) return;
      var li = el("li", null, null, ul);
      var b = el("button", m.kind === "company" ? (m.local ? "local" : "candidate") : "", m.short || m.name, li);
      b.type = "button";
      b.title = m.name;
      b.addEventListener("click", function () { focusNode(rid); });
    });
    if (ids.length > limit) el("p", "cm-more-note", "……另有 " + (ids.length - limit) + " 个，请用搜索查找", parent);
  }
  function showPanel(id) {
    var m = META[id];
    clear(panel);
    var close = el("button", "cm-close", "×", panel);
    close.type = "button";
    close.title = "关闭";
    close.addEventListener("click", clearSelection);
    el("h2", null, (m.key ? "★ " : "") + m.name, panel);
    if (m.en) el("p", "cm-en", m.en, panel);
    var chips = el("div", null, null, panel);
    el("span", "cm-chip" + (m.kind === "company" ? (m.local ? " local" : " candidate") : ""), kindText(m).split(" · ")[0], chips);
    if (m.status && DATA.hasGaps) el("span", "cm-chip " + m.status, "本地" + STATUS[m.status], chips);
    if (m.gap) el("span", "cm-chip gap", GAP[m.gap], chips);
    if (m.info && m.info.length) facts(m.info, panel);
    if (m.kind === "link") {
      var firms = related(id, "in", ["operates"]);
      relList("本地企业", firms.filter(function (f) { return META[f].local; }), panel);
      relList("外地企业（招商候选）", firms.filter(function (f) { return !META[f].local; }), panel);
      relList("关键技术", related(id, "out", ["requires"]), panel);
      relList("关键部件/材料", related(id, "out", ["uses"]), panel);
      relList("研究机构", related(id, "in", ["researches"]), panel);
      relList("上游环节", related(id, "in", ["feeds"]), panel);
      relList("下游环节", related(id, "out", ["feeds"]), panel);
    } else if (m.kind === "technology" || m.kind === "component") {
      relList("所属环节", related(id, "in", ["requires", "uses"]), panel);
      relList("掌握/生产的企业", related(id, "in", ["holds", "makes"]), panel);
      relList("研究机构", related(id, "in", ["researches", "holds"]).filter(function (x) { return META[x].kind === "institution"; }), panel);
    } else if (m.kind === "company") {
      relList("所在环节", related(id, "out", ["operates"]), panel);
      relList("生产的部件/材料", related(id, "out", ["makes"]), panel);
      relList("掌握的技术", related(id, "out", ["holds"]), panel);
      relList("供货给", related(id, "out", ["supplies"]), panel);
      relList("供应商", related(id, "in", ["supplies"]), panel);
      relList("母公司", related(id, "out", ["subsidiary_of"]), panel);
      relList("子公司", related(id, "in", ["subsidiary_of"]), panel);
    } else if (m.kind === "institution") {
      relList("研究方向", related(id, "out", ["researches", "holds"]), panel);
    } else if (m.kind === "more") {
      var g = GROUPS[m.anchor];
      el("p", "cm-more-note", "「" + META[m.anchor].name + "」下共 " + g.firms.length + " 家企业，地图上先显示 " + g.shown +
        " 家；点击 +N 节点展开或收起。", panel);
      relList("全部企业", g.firms, panel, 1000);
    }
    panel.hidden = false;
    panel.scrollTop = 0;
  }

  // -- tooltip -------------------------------------------------------------------------------------
  var tip = document.getElementById("cm-tip");
  function hideTip() { tip.hidden = true; }
  network.on("hoverNode", function (p) {
    var m = META[p.node];
    if (!m) return;
    clear(tip);
    el("div", "cm-tip-title", (m.key ? "★ " : "") + m.name, tip);
    el("div", "cm-tip-kind", kindText(m), tip);
    if (m.kind === "more") el("div", null, "共 " + m.count + " 家未显示，点击展开", tip);
    if (m.info) facts(m.info.slice(0, 14), tip);
    tip.hidden = false;
    var w = container.clientWidth, h = container.clientHeight;
    var x = p.pointer.DOM.x + 14, y = p.pointer.DOM.y + 14;
    if (x + tip.offsetWidth > w - 4) x = Math.max(4, p.pointer.DOM.x - tip.offsetWidth - 14);
    if (y + tip.offsetHeight > h - 4) y = Math.max(4, h - tip.offsetHeight - 4);
    tip.style.left = x + "px";
    tip.style.top = y + "px";
  });
  network.on("blurNode", hideTip);
  network.on("dragStart", hideTip);
  network.on("zoom", hideTip);

  network.on("click", function (p) {
    hideTip();
    if (p.nodes.length) {
      var id = p.nodes[0];
      if (META[id] && META[id].kind === "more") toggleGroup(META[id].anchor);
      select(id);
    } else {
      clearSelection();
    }
  });

  // -- search --------------------------------------------------------------------------------------
  var input = document.getElementById("cm-search");
  var results = document.getElementById("cm-results");
  var INDEX = null, hits = [], active = -1;
  function buildIndex() {
    INDEX = [];
    for (var i = 0; i < DATA.nodes.length; i++) {
      var id = DATA.nodes[i].id, m = META[id];
      if (!m || m.kind === "more") continue;
      var names = [m.name, m.short, m.en].concat(m.aliases || []).filter(Boolean)
        .map(function (s) { return String(s).toLowerCase(); });
      INDEX.push({ id: id, names: names, all: names.join("\n") + "\n" + id.toLowerCase(), rank: KIND_RANK[m.kind], i: i });
    }
  }
  function find(query, limit) {
    if (!INDEX) buildIndex();
    var q = String(query || "").trim().toLowerCase();
    if (!q) return [];
    var found = [];
    for (var i = 0; i < INDEX.length; i++) {
      var r = INDEX[i], score = -1;
      if (r.all.indexOf(q) < 0) continue;
      for (var j = 0; j < r.names.length; j++) {
        var s = r.names[j].indexOf(q) === 0 ? (r.names[j].length === q.length ? 0 : 1) : 2;
        if (score < 0 || s < score) score = s;
      }
      if (r.id.toLowerCase() === q) score = 0;
      found.push([score, r.rank, r.i, r.id]);
    }
    found.sort(function (a, b) { return a[0] - b[0] || a[1] - b[1] || a[2] - b[2]; });
    return found.slice(0, limit || 30).map(function (f) { return f[3]; });
  }
  function showResults() {
    hits = find(input.value, 30);
    active = hits.length ? 0 : -1;
    clear(results);
    if (!input.value.trim()) { results.hidden = true; return; }
    if (!hits.length) el("li", "cm-r-none", "没有找到匹配的节点", results);
    hits.forEach(function (id, i) {
      var m = META[id];
      var li = el("li", null, null, results);
      li.setAttribute("role", "option");
      li.setAttribute("aria-selected", i === active ? "true" : "false");
      el("span", "cm-r-name", m.short || m.name, li);
      el("span", "cm-r-kind", kindText(m).split(" · ")[0], li);
      var alt = m.en || (m.short && m.short !== m.name ? m.name : "");
      if (alt) el("span", "cm-r-alt", alt, li);
      li.addEventListener("mousedown", function (ev) { ev.preventDefault(); pick(id); });
    });
    results.hidden = false;
  }
  function mark() {
    var items = results.querySelectorAll("li[role=option]");
    items.forEach(function (li, i) { li.setAttribute("aria-selected", i === active ? "true" : "false"); });
    if (items[active]) items[active].scrollIntoView({ block: "nearest" });
  }
  function pick(id) {
    results.hidden = true;
    focusNode(id);
  }
  input.addEventListener("input", showResults);
  input.addEventListener("focus", function () { if (input.value.trim()) showResults(); });
  input.addEventListener("blur", function () { results.hidden = true; });
  input.addEventListener("keydown", function (ev) {
    if (ev.key === "ArrowDown" && hits.length) { active = (active + 1) % hits.length; mark(); ev.preventDefault(); }
    else if (ev.key === "ArrowUp" && hits.length) { active = (active - 1 + hits.length) % hits.length; mark(); ev.preventDefault(); }
    else if (ev.key === "Enter") {
      if (!hits.length) hits = find(input.value, 30);
      if (hits.length) pick(hits[Math.max(active, 0)]);
      ev.preventDefault();
    } else if (ev.key === "Escape") { results.hidden = true; input.blur(); }
  });
  document.addEventListener("keydown", function (ev) {
    var t = ev.target && ev.target.tagName;
    if (ev.key === "/" && t !== "INPUT" && t !== "TEXTAREA") { input.focus(); input.select(); ev.preventDefault(); }
    else if (ev.key === "Escape" && t !== "INPUT") clearSelection();
  });

  function focusNode(id) {
    if (!META[id]) return false;
    reveal(id);
    select(id);
    // centre the node in the part of the canvas the side panel leaves free
    var off = panel.hidden ? 0 : -(panel.offsetWidth + 20) / 2;
    network.focus(id, { scale: Math.max(network.getScale(), 1.1), offset: { x: off, y: 0 },
      animation: { duration: 450, easingFunction: "easeInOutQuad" } });
    window.cmFocused = id;
    return true;
  }

  // -- buttons -------------------------------------------------------------------------------------
  document.getElementById("cm-fit").addEventListener("click", function () { fitView(true); });
  var legendToggle = document.getElementById("cm-legend-toggle");
  legendToggle.addEventListener("click", function () {
    legend.hidden = !legend.hidden;
    legendToggle.setAttribute("aria-expanded", legend.hidden ? "false" : "true");
  });

  window.chainmap = { focus: focusNode, find: find, select: select, toggleGroup: toggleGroup, expanded: expanded,
    data: DATA };
};

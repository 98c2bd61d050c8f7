/* chainmap 招商图谱 page: the click panel, tabs, poster download and one-page print.
   ES5 only (government PCs run Chromium 80-era kernels); data reaches the DOM through textContent only. */
(function () {
  "use strict";
  var warn = document.getElementById("at-warn");
  function say(text) { warn.textContent = text; warn.hidden = false; }
  var DATA;
  try { DATA = JSON.parse(document.getElementById("at-data").textContent); } catch (e) {
    say("此浏览器无法读取页面数据：图谱仍可查看和打印，详情面板不可用。请使用 Chrome 80 及以上、新版 Edge 或 360 浏览器极速模式。");
    return;
  }
  var LINKS = DATA.links || {};
  var panel = document.getElementById("at-detail");
  function el(tag, cls, text, parent) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== null && text !== undefined) e.textContent = String(text);
    if (parent) parent.appendChild(e);
    return e;
  }
  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); }
  function dated(f) { return (f.as_of ? f.as_of : "日期不详") + (f.stale ? "（超过两年）" : ""); }
  function list(title, items, parent) {
    if (!items || !items.length) return;
    el("h3", null, title + "（" + items.length + "）", parent);
    el("p", null, items.join("、"), parent);
  }
  function showLink(id) {
    var ln = LINKS[id];
    if (!ln) return;
    clear(panel);
    var close = el("button", "at-close", "×", panel);
    close.type = "button"; close.title = "关闭";
    close.addEventListener("click", function () { panel.hidden = true; });
    el("h2", null, (ln.key ? "★ " : "") + ln.name, panel);
    el("p", null, ln.words + " · 本地" + ln.local_n + "家 / 候选" + ln.cand_n + "家", panel);
    if (ln.reason) el("p", "at-why", ln.reason, panel);
    var c = ln.candidates || [];
    el("h3", null, "招商候选（按得分排名，" + c.length + "家" + (ln.cand_n > c.length ? "，共" + ln.cand_n + "家" : "") + "）", panel);
    if (!c.length) el("p", "at-src", "暂无评分的候选企业。", panel);
    else {
      var t = el("table", "at-cands", null, panel);
      var hr = el("tr", null, null, el("thead", null, null, t));
      ["排名", "企业 · 城市", "得分", "类型"].forEach(function (h) { el("th", null, h, hr); });
      var tb = el("tbody", null, null, t);
      c.forEach(function (r) {
        var tr = el("tr", null, null, tb);
        el("td", "num", r.rank, tr);
        var td = el("td", null, null, tr);
        el("div", null, r.short + (r.city ? "（" + r.city + "）" : ""), td).title = r.name;
        el("div", "at-why", r.why, td).title = r.why_detail;
        el("div", "at-src" + (r.stale ? " at-old" : ""), "来源：" + (r.source || "—") + " · 数据日期 " + dated(r), td);
        el("td", "num", r.score, tr);
        el("td", null, r.track || "—", tr);
      });
    }
    var lf = ln.local || [];
    if (lf.length) {
      el("h3", null, "本地企业（" + lf.length + "）", panel);
      lf.forEach(function (f) {
        el("p", null, f.name + (f.city ? "（" + f.city + "）" : ""), panel);
        el("p", "at-src" + (f.stale ? " at-old" : ""), "来源：" + (f.source || "—") + " · 数据日期 " + dated(f), panel);
      });
    }
    list("关键技术", ln.technologies, panel);
    list("关键部件/材料", ln.components, panel);
    list("研究机构", ln.institutions, panel);
    panel.hidden = false;
    panel.scrollTop = 0;
    window.cmShown = id;
  }
  var boxes = document.querySelectorAll("[data-link]");
  for (var i = 0; i < boxes.length; i++) {
    boxes[i].addEventListener("click", function (ev) {
      var id = ev.currentTarget.getAttribute("data-link");
      if (ev.currentTarget.tagName === "A" && !LINKS[id]) return;
      if (LINKS[id]) { ev.preventDefault(); showLink(id); }
    });
  }
  document.addEventListener("keydown", function (ev) { if (ev.key === "Escape") panel.hidden = true; });

  // tabs: the network is drawn the first time its tab opens (the 图谱 paints without it)
  var view = document.getElementById("at-view"), net = document.getElementById("cm-net");
  var tabs = document.querySelectorAll("[data-tab]"), started = false;
  function openTab(name) {
    for (var j = 0; j < tabs.length; j++) tabs[j].setAttribute("aria-selected", tabs[j].getAttribute("data-tab") === name ? "true" : "false");
    view.hidden = name !== "atlas";
    if (net) net.hidden = name !== "net";
    panel.hidden = true;
    if (name === "net" && !started) {
      started = true;
      try {
        var src = document.getElementById("cm-vis-src");
        if (src && typeof window.vis === "undefined") {
          var sc = document.createElement("script");
          sc.text = src.textContent;
          document.head.appendChild(sc);
        }
        if (typeof window.cmStartNetwork !== "function" || typeof window.vis === "undefined") throw new Error("no vis");
        window.cmStartNetwork();
      } catch (e) {
        say("此浏览器无法绘制关系网络（需要 Chrome 80 及以上、新版 Edge 或 360 浏览器极速模式）；图谱视图不受影响。");
      }
    }
  }
  for (var k = 0; k < tabs.length; k++) {
    tabs[k].addEventListener("click", function (ev) { openTab(ev.currentTarget.getAttribute("data-tab")); });
  }
  if (net && location.hash === "#network") openTab("net");

  // one landscape page when printed: zoom the view so that its height and width fit A4 (96 px per inch)
  function fitPrint() {
    var c = view.cloneNode(true);
    c.removeAttribute("id");
    c.style.cssText = "position:absolute;left:-20000px;top:0;width:1366px;overflow:visible;height:auto;display:block";
    document.body.appendChild(c);
    var h = c.scrollHeight, w = Math.max(c.scrollWidth, 1366);
    document.body.removeChild(c);
    var z = Math.min(1040 / w, 560 / Math.max(h, 1), 1);  // the title and legend above take the rest
    var s = document.getElementById("at-print-style") || el("style", null, null, document.head);
    s.id = "at-print-style";
    s.textContent = "@media print { #at-view { width: 1366px; zoom: " + z.toFixed(3) + "; } }";
  }
  try { fitPrint(); } catch (e) { /* printing still works, on more pages */ }
  var pb = document.getElementById("at-print");
  if (pb) pb.addEventListener("click", function () { fitPrint(); window.print(); });

  // poster download: the SVG the poster command writes, embedded; PNG drawn from it at twice the size
  var posterEl = document.getElementById("at-poster");
  function save(blob, name) {
    if (window.navigator.msSaveBlob) { window.navigator.msSaveBlob(blob, name); return; }
    var a = el("a", null, null, document.body);
    a.href = URL.createObjectURL(blob); a.download = name;
    a.click();
    setTimeout(function () { URL.revokeObjectURL(a.href); document.body.removeChild(a); }, 1000);
  }
  if (posterEl) {
    var svgText = JSON.parse(posterEl.textContent), base = DATA.file || "图谱";
    document.getElementById("at-svg").addEventListener("click", function () {
      save(new Blob([svgText], { type: "image/svg+xml;charset=utf-8" }), base + ".svg");
    });
    document.getElementById("at-png").addEventListener("click", function () {
      var img = new Image();
      img.onload = function () {
        var cv = document.createElement("canvas");
        cv.width = img.width * 2; cv.height = img.height * 2;
        var ctx = cv.getContext("2d");
        ctx.fillStyle = "#fff"; ctx.fillRect(0, 0, cv.width, cv.height);
        ctx.drawImage(img, 0, 0, cv.width, cv.height);
        if (cv.toBlob) cv.toBlob(function (b) { save(b, base + ".png"); }, "image/png");
        else say("此浏览器不能导出PNG，请下载SVG。");
      };
      img.onerror = function () { say("此浏览器不能导出PNG，请下载SVG。"); };
      img.src = "data:image/svg+xml;charset=utf-8," + encodeURIComponent(svgText);
    });
  }
  window.cmAtlas = { show: showLink, open: openTab, data: DATA };
  document.documentElement.setAttribute("data-atlas", "1");
})();

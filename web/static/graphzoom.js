/* legalkg — zoom and pan for the citation graph (svg.citegraph.layered).
 * Progressive enhancement: without this file the SVG scales to its container
 * and every node is still a link.  No inline script or style (strict CSP):
 * sizes are set through the SVG attributes and the CSSOM only.
 *   wheel / pinch: zoom around the pointer · drag: pan · buttons + − ⟲ ⤢
 *   keyboard (graph focused): + − 0 (reset) f (fit) and the arrow keys; tabbing
 *   to a node brings it into view.
 */
(function () {
  "use strict";
  var MIN = 0.15, MAX = 4, STEP = 1.25;

  function init(svg) {
    var vb = svg.viewBox.baseVal;
    var W = vb.width, H = vb.height;
    var rootX = parseFloat(svg.getAttribute("data-root-x")) || W / 2;
    var rootY = parseFloat(svg.getAttribute("data-root-y")) || H / 2;
    var frame = document.createElement("div");
    frame.className = "graphzoom-frame";
    frame.tabIndex = 0;
    frame.setAttribute("role", "region");
    frame.setAttribute("aria-label", "Đồ thị trích dẫn: kéo để di chuyển, lăn chuột hoặc phím + − để phóng to, thu nhỏ");
    svg.parentNode.insertBefore(frame, svg);
    frame.appendChild(svg);

    var bar = document.createElement("div");
    bar.className = "graphzoom-bar";
    bar.setAttribute("role", "toolbar");
    bar.setAttribute("aria-label", "Phóng to, thu nhỏ đồ thị");
    frame.parentNode.insertBefore(bar, frame);
    function button(text, label, fn) {
      var b = document.createElement("button");
      b.type = "button";
      b.textContent = text;
      b.title = label;
      b.setAttribute("aria-label", label);
      b.addEventListener("click", fn);
      bar.appendChild(b);
      return b;
    }

    var view = { x: 0, y: 0, s: 1 };   // top-left in graph units, px per graph unit
    var box = { w: 0, h: 0 };

    function size() {
      box.w = Math.max(frame.clientWidth, 1);
      // the graph opens at its real size (labels ≥ 12 px): as tall as it is, within 75 % of the window
      box.h = Math.round(Math.max(Math.min(200, H), Math.min(H, window.innerHeight * 0.75)));
      svg.setAttribute("width", box.w);
      svg.setAttribute("height", box.h);
    }
    function clamp() {
      var vw = box.w / view.s, vh = box.h / view.s;
      var padX = Math.max(0, (vw - W) / 2), padY = Math.max(0, (vh - H) / 2);
      view.x = vw >= W ? -padX : Math.min(Math.max(view.x, 0), W - vw);
      view.y = vh >= H ? -padY : Math.min(Math.max(view.y, 0), H - vh);
    }
    function apply() {
      clamp();
      svg.setAttribute("viewBox", [view.x, view.y, box.w / view.s, box.h / view.s].map(function (v) {
        return Math.round(v * 10) / 10;
      }).join(" "));
      zin.disabled = view.s >= MAX;
      zout.disabled = view.s <= MIN;
    }
    function zoomAt(factor, px, py) {   // px, py: point in the frame, in CSS px
      var s = Math.min(MAX, Math.max(MIN, view.s * factor));
      var gx = view.x + px / view.s, gy = view.y + py / view.s;
      view.s = s;
      view.x = gx - px / s;
      view.y = gy - py / s;
      apply();
    }
    function fit() {
      view.s = Math.min(MAX, Math.max(MIN, Math.min(box.w / W, box.h / H)));
      view.x = 0; view.y = 0;
      apply();
    }
    function reset() {
      // labels at their real size (≥ 12 px), centred on the root when the graph does not fit
      view.s = 1;
      view.x = rootX - box.w / 2;
      view.y = rootY - box.h / 2;
      apply();
    }
    var zin = button("+", "Phóng to", function () { zoomAt(STEP, box.w / 2, box.h / 2); });
    var zout = button("−", "Thu nhỏ", function () { zoomAt(1 / STEP, box.w / 2, box.h / 2); });
    button("⟲", "Về vị trí ban đầu", reset);
    button("⤢", "Xem toàn bộ", fit);

    function local(ev) {
      var r = frame.getBoundingClientRect();
      return [ev.clientX - r.left, ev.clientY - r.top];
    }
    frame.addEventListener("wheel", function (ev) {
      ev.preventDefault();
      var p = local(ev);
      zoomAt(Math.pow(1.0015, -ev.deltaY * (ev.deltaMode === 1 ? 16 : 1)), p[0], p[1]);
    }, { passive: false });

    // drag pan and two-finger pinch with pointer events
    var pts = {}, moved = 0, pinch = null;
    frame.addEventListener("pointerdown", function (ev) {
      if (ev.button !== 0 && ev.pointerType === "mouse") return;
      pts[ev.pointerId] = local(ev);
      moved = 0;
      var ids = Object.keys(pts);
      if (ids.length === 2) {
        var a = pts[ids[0]], b = pts[ids[1]];
        pinch = { d: Math.hypot(a[0] - b[0], a[1] - b[1]) || 1, s: view.s };
      }
    });
    frame.addEventListener("pointermove", function (ev) {
      if (!(ev.pointerId in pts)) return;
      var p = local(ev), q = pts[ev.pointerId];
      var ids = Object.keys(pts);
      if (ids.length === 1) {
        moved += Math.abs(p[0] - q[0]) + Math.abs(p[1] - q[1]);
        if (moved > 4 && !frame.hasPointerCapture(ev.pointerId)) frame.setPointerCapture(ev.pointerId);
        view.x -= (p[0] - q[0]) / view.s;
        view.y -= (p[1] - q[1]) / view.s;
        apply();
      } else if (ids.length === 2 && pinch) {
        pts[ev.pointerId] = p;
        var a = pts[ids[0]], b = pts[ids[1]];
        var d = Math.hypot(a[0] - b[0], a[1] - b[1]) || 1;
        moved = 99;
        zoomAt(pinch.s * d / pinch.d / view.s, (a[0] + b[0]) / 2, (a[1] + b[1]) / 2);
      }
      pts[ev.pointerId] = p;
    });
    function up(ev) {
      delete pts[ev.pointerId];
      if (Object.keys(pts).length < 2) pinch = null;
    }
    frame.addEventListener("pointerup", up);
    frame.addEventListener("pointercancel", up);
    // a drag that ends on a node must not follow its link
    frame.addEventListener("click", function (ev) {
      if (moved > 4) { ev.preventDefault(); ev.stopPropagation(); moved = 0; }
    }, true);

    frame.addEventListener("keydown", function (ev) {
      if (ev.altKey || ev.ctrlKey || ev.metaKey) return;
      var k = ev.key, step = 60 / view.s;
      if (k === "+" || k === "=") zoomAt(STEP, box.w / 2, box.h / 2);
      else if (k === "-" || k === "_") zoomAt(1 / STEP, box.w / 2, box.h / 2);
      else if (k === "0") reset();
      else if (k === "f" || k === "F") fit();
      else if (k === "ArrowLeft") { view.x -= step; apply(); }
      else if (k === "ArrowRight") { view.x += step; apply(); }
      else if (k === "ArrowUp") { view.y -= step; apply(); }
      else if (k === "ArrowDown") { view.y += step; apply(); }
      else return;
      ev.preventDefault();
    });
    // keyboard users: the focused node comes into view
    svg.addEventListener("focusin", function (ev) {
      var a = ev.target.closest ? ev.target.closest("a") : null;
      var r = a && a.querySelector("rect");
      if (!r) return;
      var x = r.x.baseVal.value, y = r.y.baseVal.value, w = r.width.baseVal.value, h = r.height.baseVal.value;
      var vw = box.w / view.s, vh = box.h / view.s;
      if (x < view.x || y < view.y || x + w > view.x + vw || y + h > view.y + vh) {
        view.x = x + w / 2 - vw / 2;
        view.y = y + h / 2 - vh / 2;
        apply();
      }
    });
    var t = null;
    window.addEventListener("resize", function () {
      clearTimeout(t);
      t = setTimeout(function () { size(); apply(); }, 150);
    });
    size();
    reset();
    frame.classList.add("ready");
  }

  function start() {
    document.querySelectorAll("svg.citegraph.layered").forEach(init);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();

/* legalkg — progressive enhancement only; every page works without JS. */
(function () {
  "use strict";

  // Graph: hovering / focusing a document highlights its relations.
  function graph() {
    var svg = document.querySelector("svg.citegraph");
    if (!svg) return;
    var edges = svg.querySelectorAll("path.edge");
    function on(id) {
      svg.classList.add("dim");
      edges.forEach(function (e) {
        if (e.getAttribute("data-source") === id || e.getAttribute("data-target") === id) e.classList.add("hot");
        else e.classList.remove("hot");
      });
    }
    function off() {
      svg.classList.remove("dim");
      edges.forEach(function (e) { e.classList.remove("hot"); });
    }
    svg.querySelectorAll("a[data-id]").forEach(function (a) {
      var id = a.getAttribute("data-id");
      a.addEventListener("mouseenter", function () { on(id); });
      a.addEventListener("focus", function () { on(id); });
      a.addEventListener("mouseleave", off);
      a.addEventListener("blur", off);
    });
  }

  // SPARQL: example links fill the editor instead of running at once.
  function sparql() {
    var box = document.getElementById("sparql-query");
    if (!box) return;
    document.querySelectorAll("a.example[data-query]").forEach(function (a) {
      a.addEventListener("click", function (ev) {
        ev.preventDefault();
        box.value = a.getAttribute("data-query");
        box.focus();
      });
    });
    box.addEventListener("keydown", function (ev) {
      if ((ev.ctrlKey || ev.metaKey) && ev.key === "Enter") box.form.submit();
    });
  }

  // Filters: changing a select submits its form.
  function autosubmit() {
    document.querySelectorAll("form.filters select, form.graph-form select").forEach(function (s) {
      s.addEventListener("change", function () { if (s.form.checkValidity()) s.form.submit(); });
    });
  }

  // "/" focuses the search box.
  function shortcut() {
    var q = document.getElementById("q");
    if (!q) return;
    document.addEventListener("keydown", function (ev) {
      var t = ev.target.tagName;
      if (ev.key === "/" && t !== "INPUT" && t !== "TEXTAREA" && t !== "SELECT") { ev.preventDefault(); q.focus(); }
    });
  }

  function init() { graph(); sparql(); autosubmit(); shortcut(); }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();

// A table wider than the screen scrolls sideways in its .table-wrap: make that box
// reachable by keyboard (WCAG 2.1.1) and name it after its table.
(function () {
  "use strict";
  function mark() {
    document.querySelectorAll(".table-wrap").forEach(function (w) {
      if (w.scrollWidth > w.clientWidth + 1) {
        if (!w.hasAttribute("tabindex")) {
          w.tabIndex = 0;
          w.setAttribute("role", "region");
          var cap = w.querySelector("caption");
          var h = w.closest("section") && w.closest("section").querySelector("h2, h3");
          w.setAttribute("aria-label", "Bảng cuộn ngang" + (cap ? ": " + cap.textContent.trim()
                                                         : (h ? ": " + h.textContent.trim() : "")));
        }
      }
    });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", mark); } else { mark(); }
  window.addEventListener("resize", mark);
})();

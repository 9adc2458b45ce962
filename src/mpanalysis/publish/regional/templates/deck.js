/* A small slide engine: one slide at a time, keyboard and buttons, the slide number in the
   address (#3). Figures are drawn once, at load, from the JSON beside them: every slide is laid
   out (hidden ones are only invisible), so each figure gets its real size. */
(function () {
  "use strict";
  var slides = Array.prototype.slice.call(document.querySelectorAll(".slide"));
  var overview = document.getElementById("deck-overview");
  var previous = document.querySelector(".nav-prev");
  var next = document.querySelector(".nav-next");
  var current = 0;
  // no mode bar: in a meeting room its buttons would cover the figure's labels
  var config = {displaylogo: false, responsive: true, displayModeBar: false};

  function fromHash() {
    var n = parseInt(window.location.hash.replace(/^#\/?/, ""), 10);
    return isNaN(n) ? 0 : n - 1;
  }

  function show(index, updateHash) {
    current = Math.max(0, Math.min(slides.length - 1, index));
    slides.forEach(function (slide, k) {
      var isCurrent = k === current;
      slide.classList.toggle("is-current", isCurrent);
      slide.setAttribute("aria-hidden", isCurrent ? "false" : "true");
      // inert keeps keyboard focus and screen readers on the slide being shown
      if (isCurrent) { slide.removeAttribute("inert"); } else { slide.setAttribute("inert", ""); }
    });
    previous.disabled = current === 0;
    next.disabled = current === slides.length - 1;
    if (updateHash && fromHash() !== current) {
      history.replaceState(null, "", "#" + (current + 1));
    }
  }

  function toggleOverview(open) {
    var isOpen = open === undefined ? overview.hidden : open;
    overview.hidden = !isOpen;
    if (isOpen) {
      var link = overview.querySelectorAll("a")[current];
      if (link) { link.focus(); }
    }
  }

  document.addEventListener("keydown", function (event) {
    if (event.altKey || event.ctrlKey || event.metaKey) { return; }
    var key = event.key;
    if (key === "Escape") { toggleOverview(); event.preventDefault(); return; }
    if (!overview.hidden) { return; }
    if (key === "ArrowRight" || key === "ArrowDown" || key === "PageDown" || (key === " " && !event.shiftKey)) {
      show(current + 1, true);
    } else if (key === "ArrowLeft" || key === "ArrowUp" || key === "PageUp" || (key === " " && event.shiftKey)) {
      show(current - 1, true);
    } else if (key === "Home") {
      show(0, true);
    } else if (key === "End") {
      show(slides.length - 1, true);
    } else {
      return;
    }
    event.preventDefault();
  });
  previous.addEventListener("click", function () { show(current - 1, true); });
  next.addEventListener("click", function () { show(current + 1, true); });
  overview.addEventListener("click", function (event) {
    if (event.target.tagName === "A") { toggleOverview(false); }
  });
  window.addEventListener("hashchange", function () { show(fromHash(), false); });

  // a table the slide cannot hold (a small screen, a long text) is set smaller until it fits:
  // the room is measured, never guessed, and a slide never scrolls
  function fitTables() {
    Array.prototype.forEach.call(document.querySelectorAll(".slide-table"), function (box) {
      var table = box.querySelector("table");
      if (!table) { return; }
      table.style.fontSize = "";
      var size = parseFloat(window.getComputedStyle(table).fontSize);
      var floor = size * 0.6;
      while (box.scrollHeight > box.clientHeight + 1 && size > floor) {
        size = size * 0.94;
        table.style.fontSize = size + "px";
      }
    });
  }
  fitTables();
  window.addEventListener("resize", fitTables);

  var nodes = document.querySelectorAll('script[type="application/json"][data-figure]');
  Array.prototype.forEach.call(nodes, function (node) {
    var target = document.getElementById(node.getAttribute("data-figure"));
    var spec = JSON.parse(node.textContent);
    Plotly.newPlot(target, spec.data, spec.layout, config).then(function (plot) {
      // the text alternative moves to the drawing, so the mode bar's buttons stay reachable
      var drawing = plot.querySelector("svg.main-svg");
      if (!drawing) { return; }
      drawing.setAttribute("role", "img");
      drawing.setAttribute("aria-label", plot.getAttribute("aria-label"));
      plot.removeAttribute("role");
      plot.removeAttribute("aria-label");
    });
  });
  show(fromHash(), false);
})();

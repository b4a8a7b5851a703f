// A table wider than the screen scrolls sideways inside its .table-wrap. Such a box is made reachable from the
// keyboard (tabindex) and named after its section's heading, so it can be scrolled without a finger or a mouse;
// a box that fits stays out of the tab order. Checked again when the screen turns or the text size changes.
(function () {
  function heading(wrap) {
    var caption = wrap.querySelector("caption");
    if (caption) return caption.textContent;
    var section = wrap.closest("section, .card, main");
    var title = section && section.querySelector("h1, h2, h3");
    return title ? title.textContent : "";
  }
  function mark() {
    document.querySelectorAll(".table-wrap").forEach(function (wrap) {
      if (wrap.scrollWidth > wrap.clientWidth + 1) {
        wrap.tabIndex = 0;
        wrap.setAttribute("role", "region");
        var name = heading(wrap).trim();
        if (name) wrap.setAttribute("aria-label", name);
      } else if (wrap.getAttribute("role") === "region") {
        wrap.removeAttribute("tabindex");
        wrap.removeAttribute("role");
        wrap.removeAttribute("aria-label");
      }
    });
  }
  mark();
  window.addEventListener("resize", mark);
})();

// What every page needs, in one file (one request on a slow network): bar widths set from data-*, wide tables made
// reachable from the keyboard, and scripts that only a part further down the page needs, loaded when it comes near.
(function () {
  // Bars drawn by the server: their widths and positions come as data-width / data-left (percent) and are set here,
  // because the Content-Security-Policy ignores inline style attributes (no inline styles at all).
  function widths(root) {
    (root || document).querySelectorAll("[data-width], [data-left]").forEach(function (el) {
      if (el.hasAttribute("data-width")) el.style.width = parseFloat(el.getAttribute("data-width")) + "%";
      if (el.hasAttribute("data-left")) el.style.left = parseFloat(el.getAttribute("data-left")) + "%";
    });
  }
  window.gongyiWidths = widths;
  widths(document);

  // A table wider than the screen scrolls sideways inside its .table-wrap. Such a box is made reachable from the
  // keyboard (tabindex) and named after its section's heading, so it can be scrolled without a finger or a mouse;
  // a box that fits stays out of the tab order. Checked again when the screen turns or the text size changes.
  function heading(wrap) {
    var caption = wrap.querySelector("caption");
    if (caption) return caption.textContent;
    var section = wrap.closest("section, .card, main");
    var title = section && section.querySelector("h1, h2, h3");
    return title ? title.textContent : "";
  }
  function tables() {
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
  tables();
  window.addEventListener("resize", tables);

  // <section data-scripts="/static/js/a.js /static/js/b.js">: the scripts (in that order) of a part further down,
  // such as the live tally, loaded when the part comes into view. A household that votes and leaves
  // downloads neither the scripts nor opens the tally's socket.
  function load(section) {
    section.getAttribute("data-scripts").split(/\s+/).forEach(function (src) {
      if (!src) return;
      var script = document.createElement("script");
      script.src = src;
      script.async = false; // run in the order given
      document.body.appendChild(script);
    });
  }
  var lazy = document.querySelectorAll("[data-scripts]");
  if (!lazy.length) return;
  if (!("IntersectionObserver" in window)) {
    lazy.forEach(load);
    return;
  }
  var observer = new IntersectionObserver(
    function (entries) {
      entries.forEach(function (entry) {
        if (!entry.isIntersecting) return;
        observer.unobserve(entry.target);
        load(entry.target);
      });
    },
    { rootMargin: "0px" }
  );
  lazy.forEach(function (section) {
    observer.observe(section);
  });
})();

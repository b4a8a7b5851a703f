// Bars drawn by the server: their widths and positions come as data-width / data-left (percent) and are set here,
// because the Content-Security-Policy ignores inline style attributes (no inline styles at all).
(function () {
  function apply(root) {
    (root || document).querySelectorAll("[data-width], [data-left]").forEach(function (el) {
      if (el.hasAttribute("data-width")) el.style.width = parseFloat(el.getAttribute("data-width")) + "%";
      if (el.hasAttribute("data-left")) el.style.left = parseFloat(el.getAttribute("data-left")) + "%";
    });
  }
  window.gongyiWidths = apply;
  apply(document);
})();

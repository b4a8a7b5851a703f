// The whole ballot on the phone: an election takes at most as many candidates as seats. Once that many are ticked
// the others are disabled (untick one to choose another), and the count is read out.
(function () {
  "use strict";
  var lang = document.documentElement.lang || "";
  var zh = lang.indexOf("zh") === 0;
  document.querySelectorAll("fieldset.election[data-seats]").forEach(function (box) {
    var seats = parseInt(box.getAttribute("data-seats"), 10);
    var boxes = box.querySelectorAll("input[type=checkbox]");
    var counter = box.querySelector(".chosen-count");
    function update() {
      var chosen = 0;
      boxes.forEach(function (b) { if (b.checked) chosen += 1; });
      boxes.forEach(function (b) { b.disabled = !b.checked && chosen >= seats; });
      if (counter) counter.textContent = zh ? "已选 " + chosen + "/" + seats + " 人" : chosen + " of " + seats + " chosen";
    }
    boxes.forEach(function (b) { b.addEventListener("change", update); });
    update();
  });
})();

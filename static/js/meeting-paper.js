// The meeting's paper entry: says at once when an election has more candidates ticked than seats (多选无效).
// Paper may do that, and the server records it as an invalid election ballot; this only warns before saving.
(function () {
  "use strict";
  var elections = document.querySelectorAll("fieldset.election[data-seats]");
  Array.prototype.forEach.call(elections, function (fieldset) {
    var seats = parseInt(fieldset.dataset.seats, 10) || 0;
    var warning = fieldset.querySelector(".overvote");
    function check() {
      var ticked = fieldset.querySelectorAll("input[type=checkbox]:checked").length;
      var over = ticked > seats;
      if (warning) warning.hidden = !over;
      fieldset.classList.toggle("over", over);
    }
    fieldset.addEventListener("change", check);
    check();
  });
})();

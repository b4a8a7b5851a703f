// The paper entry's undo offer: counts its seconds down and withdraws the button when they run out.
// The server decides (voting.services.ballot_entry_undo); this only stops offering what it would refuse.
(function () {
  "use strict";
  var box = document.getElementById("undo");
  if (!box) return;
  var left = parseInt(box.dataset.seconds, 10) || 0;
  var shown = box.querySelector(".undo-seconds");
  var timer = window.setInterval(function () {
    left -= 1;
    if (left > 0) {
      if (shown) shown.textContent = String(left);
      return;
    }
    window.clearInterval(timer);
    var button = box.querySelector("button");
    if (button) button.disabled = true;
    var note = box.querySelector(".undo-time");
    if (note) note.textContent = box.dataset.expired;
  }, 1000);
})();

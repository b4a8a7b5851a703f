// A document job's page: polls its progress until the PDF is made (or failed), then shows the download link.
(function () {
  var box = document.getElementById("job");
  if (!box || box.dataset.state === "done" || box.dataset.state === "failed") return;
  var pagesFormat = box.dataset.pagesFormat;
  function poll() {
    fetch(box.dataset.progressUrl, {credentials: "same-origin", cache: "no-store"})
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (s) {
        if (!s) { setTimeout(poll, 2000); return; }
        document.getElementById("job-state").textContent = s.state_label;
        document.getElementById("job-bar").value = s.percent;
        document.getElementById("job-pages").textContent = pagesFormat.replace("DONE", s.pages_done).replace("TOTAL", s.pages_total);
        if (s.message) { var m = document.getElementById("job-message"); m.textContent = s.message; m.hidden = false; }
        if (s.download_url) {
          var d = document.getElementById("job-download"), a = d.querySelector("a");
          a.href = s.download_url; a.textContent = s.download_label; d.hidden = false;
          if (s.download_note) { var n = document.getElementById("job-note"); n.textContent = s.download_note; n.hidden = false; }
        }
        if (s.state === "done" || s.state === "failed") { document.getElementById("job-wait").hidden = true; return; }
        setTimeout(poll, 2000);
      })
      .catch(function () { setTimeout(poll, 2000); });
  }
  setTimeout(poll, 2000);
})();

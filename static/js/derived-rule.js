// Shows which rule the law gives the chosen matter; without JavaScript the hint on the form says the same.
(function () {
  var data = document.getElementById("derived-rules");
  var select = document.getElementById("id_category"), out = document.getElementById("derived-rule");
  if (!data || !select || !out) return;
  var rules = JSON.parse(data.textContent);
  function show() { out.querySelector("strong").textContent = rules[select.value] || ""; out.hidden = !rules[select.value]; }
  select.addEventListener("change", show); show();
})();

// Filters by region, state and rule; everything else works without script.
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  var form = document.getElementById("filters");
  if (!form) { return; }
  form.hidden = false;
  var region = document.getElementById("f-region");
  var state = document.getElementById("f-state");
  var rule = document.getElementById("f-rule");
  function apply() {
    var rg = region.value, st = state.value, ru = rule.value;
    document.querySelectorAll("[data-region]").forEach(function (el) {
      var hide = rg !== "" && el.getAttribute("data-region") !== rg;
      if (!hide && ru !== "" && el.hasAttribute("data-rule")) {
        hide = el.getAttribute("data-rule") !== ru;
      }
      if (!hide && st !== "" && el.tagName === "TR" && el.closest("#chase")) {
        hide = el.getAttribute("data-k") !== st;
      }
      el.classList.toggle("hide", hide && !el.classList.contains("record"));
    });
    document.querySelectorAll("table.matrix tbody td").forEach(function (td) {
      td.classList.toggle("dim", st !== "" && td.getAttribute("data-k") !== st);
    });
    document.querySelectorAll("tr.count").forEach(function (tr) {
      tr.classList.toggle("dim", st !== "" && tr.getAttribute("data-k") !== st);
    });
    document.querySelectorAll("table.rec-findings tbody tr").forEach(function (tr) {
      tr.classList.toggle("hide", ru !== "" && tr.getAttribute("data-rule") !== ru);
    });
  }
  form.addEventListener("change", apply);
  form.addEventListener("reset", function () { setTimeout(apply, 0); });
  form.addEventListener("submit", function (e) { e.preventDefault(); });
})();

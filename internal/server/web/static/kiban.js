// kiban: small progressive enhancements. Every page works without it.
(function () {
  "use strict";
  // "/" focuses the search box, as in many developer tools.
  document.addEventListener("keydown", function (e) {
    if (e.key !== "/" || e.ctrlKey || e.metaKey || e.altKey) return;
    var t = e.target;
    if (t && (t.tagName === "INPUT" || t.tagName === "TEXTAREA" || t.tagName === "SELECT")) return;
    var box = document.getElementById("search") || document.getElementById("global-search");
    if (box) { e.preventDefault(); box.focus(); box.select(); }
  });
  // Filters apply as soon as a select changes.
  var filters = document.getElementById("filters");
  if (filters) {
    filters.querySelectorAll("select").forEach(function (s) {
      s.addEventListener("change", function () { filters.submit(); });
    });
  }
})();

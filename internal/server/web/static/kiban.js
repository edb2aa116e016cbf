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

// Incidents and postmortems: each works without script; these only save
// a click or show the rendered text sooner.
(function () {
  "use strict";
  // An action item's status applies as soon as it changes.
  document.querySelectorAll("form.autosubmit select").forEach(function (s) {
    s.addEventListener("change", function () { s.form.submit(); });
  });
  // The postmortem editor previews the text as it is typed, through the
  // same rendering as the Preview button (which saves nothing either).
  var form = document.getElementById("postmortem-form");
  var body = document.getElementById("postmortem-body");
  var preview = document.getElementById("preview");
  if (!form || !body || !preview || !form.dataset.preview || !window.fetch) return;
  var timer = null, seq = 0;
  function refresh() {
    var mine = ++seq;
    fetch(form.dataset.preview, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams(new FormData(form)).toString()
    }).then(function (r) {
      return r.ok ? r.text() : null;
    }).then(function (html) {
      if (html === null || mine !== seq) return;
      preview.innerHTML = html;
      preview.classList.remove("empty-preview");
    }).catch(function () { /* the Preview button still works */ });
  }
  body.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(refresh, 400);
  });
})();

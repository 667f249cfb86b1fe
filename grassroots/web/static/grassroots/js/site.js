// Small progressive enhancements. Everything works without JavaScript; this only saves clicks.
(function () {
  "use strict";
  document.documentElement.classList.remove("no-js");
  document.documentElement.classList.add("js");

  // The language menu submits itself when changed (its button stays for keyboard/no-JS use).
  document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
    select.addEventListener("change", function () {
      select.form.requestSubmit ? select.form.requestSubmit() : select.form.submit();
    });
  });

  // "Expand all" / "Collapse all" for the unit tree.
  document.querySelectorAll("[data-tree-toggle]").forEach(function (button) {
    button.addEventListener("click", function () {
      var open = button.getAttribute("data-tree-toggle") === "open";
      var tree = document.getElementById(button.getAttribute("aria-controls"));
      if (!tree) { return; }
      tree.querySelectorAll("details").forEach(function (details) { details.open = open; });
    });
  });
})();

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

  // The main navigation's menus (<details>, which work without this): one open at a time;
  // Escape closes the open one and gives the focus back to its summary; a click or the focus
  // elsewhere closes it.
  var menus = Array.prototype.slice.call(document.querySelectorAll(".main-nav .menu details"));
  menus.forEach(function (menu) {
    menu.addEventListener("toggle", function () {
      if (!menu.open) { return; }
      menus.forEach(function (other) { if (other !== menu) { other.open = false; } });
    });
    menu.addEventListener("focusout", function (event) {
      if (menu.open && event.relatedTarget && !menu.contains(event.relatedTarget)) {
        menu.open = false;  // the keyboard has moved on to the next entry
      }
    });
    menu.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && menu.open) {
        menu.open = false;
        menu.querySelector("summary").focus();
      }
    });
  });
  document.addEventListener("click", function (event) {
    menus.forEach(function (menu) {
      if (menu.open && !menu.contains(event.target)) { menu.open = false; }
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

  // Sortable columns of a table already whole on the page: a header with data-sort="text" or
  // "num" becomes a button; a click sorts the rows by it, a second click reverses them, and
  // aria-sort says the order (one column at a time). Cells may give data-value to sort by.
  // Pages choose the columns: a score column is never sortable where ranks are not shown.
  function sortKey(row, index, numeric) {
    var cell = row.cells[index];
    if (!cell) { return numeric ? NaN : ""; }
    var raw = cell.hasAttribute("data-value") ? cell.getAttribute("data-value") : cell.textContent.trim();
    if (!numeric) { return raw; }
    var found = raw.replace(/,/g, "").match(/-?\d+(\.\d+)?/);
    return found ? parseFloat(found[0]) : NaN;
  }
  function sortTable(th) {
    var table = th.closest("table");
    var body = table.tBodies[0];
    var index = th.hasAttribute("data-col") ? Number(th.getAttribute("data-col")) : th.cellIndex;
    var numeric = th.getAttribute("data-sort") === "num";
    var ascending = th.getAttribute("aria-sort") !== "ascending";
    var collator = new Intl.Collator(document.documentElement.lang || "zh", { numeric: true });
    var rows = Array.prototype.slice.call(body.rows).filter(function (r) { return r.cells.length > 1; });
    rows.sort(function (a, b) {
      var x = sortKey(a, index, numeric), y = sortKey(b, index, numeric);
      var xMissing = numeric ? isNaN(x) : x === "", yMissing = numeric ? isNaN(y) : y === "";
      if (xMissing || yMissing) { return xMissing === yMissing ? 0 : (xMissing ? 1 : -1); }
      var order = numeric ? x - y : collator.compare(x, y);
      return ascending ? order : -order;
    });
    rows.forEach(function (r) { body.appendChild(r); });
    table.querySelectorAll("th[aria-sort]").forEach(function (other) {
      other.removeAttribute("aria-sort");
      var arrow = other.querySelector(".sort-arrow");
      if (arrow) { arrow.textContent = "↕"; }
    });
    th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
    th.querySelector(".sort-arrow").textContent = ascending ? "▲" : "▼";
  }
  document.querySelectorAll("table th[data-sort]").forEach(function (th) {
    var button = document.createElement("button");
    button.type = "button";
    button.className = "sort";
    while (th.firstChild) { button.appendChild(th.firstChild); }
    var arrow = document.createElement("span");
    arrow.className = "sort-arrow";
    arrow.setAttribute("aria-hidden", "true");
    arrow.textContent = "↕";
    button.appendChild(arrow);
    th.appendChild(button);
    button.addEventListener("click", function () { sortTable(th); });
  });
})();

(function () {
  "use strict";
  var status = document.getElementById("js-status");
  // Any uncaught error is written into the DOM so a headless browser test can see it.
  window.addEventListener("error", function (event) {
    var n = Number(status.getAttribute("data-errors")) + 1;
    status.setAttribute("data-errors", String(n));
    status.textContent += (event.message || "error") + "\n";
  });

  var list = document.getElementById("cases");
  if (list) {
    var items = Array.prototype.slice.call(list.querySelectorAll("article.case"));
    var boxes = Array.prototype.slice.call(document.querySelectorAll("input[name=verdict]"));
    var api = document.getElementById("f-api");
    var action = document.getElementById("f-action");
    var text = document.getElementById("f-text");
    var count = document.getElementById("f-count");
    var empty = document.getElementById("f-empty");
    var expand = document.getElementById("f-expand");
    var haystack = items.map(function (item) { return item.textContent.toLowerCase(); });

    var apply = function () {
      var verdicts = {};
      boxes.forEach(function (box) { verdicts[box.value] = box.checked; });
      var terms = text.value.toLowerCase().split(/\s+/).filter(Boolean);
      var shown = 0;
      items.forEach(function (item, i) {
        var ok = verdicts[item.getAttribute("data-verdict")] === true &&
          (!api.value || item.getAttribute("data-api") === api.value) &&
          (!action.value || item.getAttribute("data-action") === action.value) &&
          terms.every(function (t) { return haystack[i].indexOf(t) !== -1; });
        item.hidden = !ok;
        if (ok) { shown += 1; }
      });
      count.textContent = "Showing " + shown + " of " + items.length + " cases";
      empty.hidden = shown !== 0;
    };

    var timer = null;
    text.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(apply, 120);
    });
    [api, action].concat(boxes).forEach(function (el) { el.addEventListener("change", apply); });
    expand.addEventListener("click", function () {
      var open = expand.getAttribute("aria-pressed") !== "true";
      expand.setAttribute("aria-pressed", String(open));
      expand.textContent = open ? "Collapse evidence" : "Expand evidence";
      list.querySelectorAll("details.ev").forEach(function (d) { d.open = open; });
    });
    // Clicking a failing grid square filters the list to that action.
    document.querySelectorAll("table.grid tbody tr").forEach(function (row) {
      var name = row.querySelector("th").textContent;
      var option = Array.prototype.find.call(action.options, function (o) { return o.value === name; });
      if (!option) { return; }
      row.querySelectorAll("td.g-fail, td.g-error, td.g-xpass").forEach(function (cell) {
        cell.style.cursor = "pointer";
        cell.setAttribute("tabindex", "0");
        cell.setAttribute("role", "link");
        var go = function () {
          action.value = name;
          apply();
          document.getElementById("failures").scrollIntoView();
        };
        cell.addEventListener("click", go);
        cell.addEventListener("keydown", function (e) { if (e.key === "Enter") { go(); } });
      });
    });
    apply();
  }
  status.setAttribute("data-ready", "1");
})();

// Progressive help only: the page is complete without it (all content is in the HTML).
(function () {
  var groups = Array.prototype.slice.call(document.querySelectorAll("details.group"));
  function setAll(open) { groups.forEach(function (d) { d.open = open; }); }
  var expand = document.getElementById("expand-all");
  var collapse = document.getElementById("collapse-all");
  var filter = document.getElementById("filter");
  var shown = document.getElementById("shown");
  if (expand) expand.onclick = function () { setAll(true); };
  if (collapse) collapse.onclick = function () { setAll(false); };
  function apply() {
    var needle = (filter && filter.value || "").toLowerCase();
    var count = 0;
    groups.forEach(function (d) {
      var hit = !needle || d.textContent.toLowerCase().indexOf(needle) >= 0;
      d.classList.toggle("hidden", !hit);
      if (hit) count += 1;
    });
    if (shown) shown.textContent = count + " of " + groups.length + " groups shown";
  }
  if (filter) filter.oninput = apply;
  apply();
  document.documentElement.setAttribute("data-ready", "1");
})();

// The live alerts list: the server's events (/missions/{code}/alerts/events) bring the list
// anew ("alerts") and each alert raised ("raised"); the page reads without this script.
(function () {
  "use strict";
  var live = document.getElementById("alerts-live");
  if (!live || !window.EventSource) {
    return;
  }
  var source = new EventSource(live.getAttribute("data-events"));
  source.addEventListener("alerts", function (event) {
    // What the reader was doing survives the new list: focus, typed outcomes, open forms.
    var focused = document.activeElement && live.contains(document.activeElement)
      ? document.activeElement.id : "";
    var typed = {};
    live.querySelectorAll("textarea[id]").forEach(function (t) { typed[t.id] = t.value; });
    var open = {};
    live.querySelectorAll("details[open][id]").forEach(function (d) { open[d.id] = true; });
    live.innerHTML = event.data;
    Object.keys(typed).forEach(function (id) {
      var t = document.getElementById(id);
      if (t) { t.value = typed[id]; }
    });
    Object.keys(open).forEach(function (id) {
      var d = document.getElementById(id);
      if (d) { d.open = true; }
    });
    var again = focused && document.getElementById(focused);
    if (again) { again.focus(); }
  });
  source.addEventListener("raised", function (event) {
    var list = document.getElementById("alerts-raised");
    if (!list) { return; }
    list.insertAdjacentHTML("afterbegin", event.data);
    document.getElementById("raised-section").hidden = false;
  });
})();

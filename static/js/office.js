// Office menus and filters are <details> (they work without JavaScript): on a phone
// they start folded so the page's content is on the first screen; on a wider screen
// they are simply open. Loaded right after them, so they never flash folded.
(function () {
  var wide = window.matchMedia("(min-width: 48rem)").matches;
  document.documentElement.classList.add("fold-js");
  document.querySelectorAll("details[data-fold]:not([data-folded])").forEach(function (details) {
    details.setAttribute("data-folded", "");
    if (!details.open) { details.open = wide; }  // one the page opened (filters in use) stays open
  });
})();
// A "Print" button (day sheets) prints the page; the print stylesheet keeps only the sheets.
document.addEventListener("click", function (event) {
  if (event.target.closest && event.target.closest("[data-print]")) { window.print(); }
});
// The bookings table's head box ticks (or clears) every row shown; a row ticked by hand
// updates it (ticked, cleared or partly). Without JavaScript the box stays hidden and the
// rows' own boxes post the bulk form as they are.
(function () {
  function rows() { return document.querySelectorAll('input[type=checkbox][name=ids][form="bulk-form"]'); }
  function sync() {
    var all = document.querySelector("[data-tick-all]");
    if (!all) { return; }
    var boxes = rows(), ticked = 0;
    boxes.forEach(function (box) { if (box.checked) { ticked += 1; } });
    all.checked = boxes.length > 0 && ticked === boxes.length;
    all.indeterminate = ticked > 0 && ticked < boxes.length;
  }
  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target.matches && target.matches("[data-tick-all]")) {
      rows().forEach(function (box) { box.checked = target.checked; });
    } else if (target.matches && target.matches('input[name=ids][form="bulk-form"]')) {
      sync();
    }
  });
  function reveal() {
    var all = document.querySelector("[data-tick-all]");
    if (all) { all.hidden = false; sync(); }
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", reveal); } else { reveal(); }
})();

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

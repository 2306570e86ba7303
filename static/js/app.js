// Small enhancements on top of plain forms (served from our own origin, no inline script).
document.addEventListener("submit", function (event) {
  // One click books once: disable the button that submitted the form.
  var button = event.submitter;
  if (button && button.hasAttribute("data-once")) {
    setTimeout(function () { button.disabled = true; button.textContent = "Booking…"; }, 0);
  }
});

// Buttons only needed without JavaScript (data-nojs) are hidden when it runs.
document.documentElement.classList.add("js");

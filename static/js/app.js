// Small enhancements on top of plain forms (served from our own origin, no inline script).
document.addEventListener("submit", function (event) {
  // One click books once: disable the button that submitted the form.
  var button = event.submitter;
  if (event.defaultPrevented) return;  // not sent (yet): a card being saved first (payment.js)
  if (button && button.hasAttribute("data-once")) {
    setTimeout(function () { button.disabled = true; button.textContent = "Booking…"; }, 0);
  }
});

// Buttons only needed without JavaScript (data-nojs) are hidden when it runs.
document.documentElement.classList.add("js");

// The booking form refreshes by morphing (htmx's idiomorph extension): the page keeps
// its nodes, so focus and scroll stay where the customer is. What they are typing in
// the focused field is never overwritten by an answer to an older request, and a
// part marked data-keep (the visitor's account fields) is left exactly as typed.
if (window.Idiomorph) {
  Idiomorph.defaults.ignoreActiveValue = true;
  Idiomorph.defaults.callbacks.beforeNodeMorphed = function (oldNode) {
    return !(oldNode.nodeType === 1 && oldNode.hasAttribute("data-keep"));
  };
}
// Typing in the account fields needs no fresh times or price: no refresh for them.
document.addEventListener("change", function (event) {
  if (event.target.closest && event.target.closest("[data-keep]")) { event.stopPropagation(); }
}, true);

// A refresh is not a submit. htmx sends the name and value of the submit button last
// clicked or focused in a form with every request the form makes, also with the refresh
// an answer starts 150 ms later. So a press on "Review booking" (or Tab onto it) right
// after an answer made that refresh a review: it created the visitor's account behind
// their back (and the submit was then refused: "An account with this e-mail already
// exists") and swapped in the review page, which has no form, so the form vanished; on
// the staff form it made the booking. As in plain HTML, only a submit carries a button.
document.addEventListener("htmx:configRequest", function (event) {
  var form = event.detail.elt;
  var cause = event.detail.triggeringEvent;
  if (!(form instanceof HTMLFormElement) || (cause && cause.type === "submit")) { return; }
  Array.prototype.forEach.call(form.elements, function (control) {
    if (control.type === "submit" && control.name) { delete event.detail.parameters[control.name]; }
  });
});

// The visitor's own clock beside each time, when their zone's time differs.
function visitorZone() {
  try { return Intl.DateTimeFormat().resolvedOptions().timeZone; } catch (e) { return null; }
}
function showVisitorTimes(root) {
  var mine = visitorZone();
  if (!mine) { return; }
  var differs = false;
  root.querySelectorAll(".your-time[data-start]").forEach(function (span) {
    var instant = new Date(span.getAttribute("data-start"));
    var options = { hour: "numeric", minute: "2-digit" };
    var theirs = new Intl.DateTimeFormat(undefined, Object.assign({ timeZone: span.getAttribute("data-zone") }, options)).format(instant);
    var local = new Intl.DateTimeFormat(undefined, options).format(instant);
    if (theirs !== local) {
      differs = true;
      span.textContent = local + " your time";
    }
  });
  root.querySelectorAll("[data-your-zone]").forEach(function (note) {
    note.textContent = differs ? " Your own time (" + mine.replace(/_/g, " ") + ") is shown under each." : "";
  });
}

// A refused form: the error summary at the top takes the focus (GOV.UK pattern).
function focusErrorSummary(root) {
  var summary = root.querySelector("[data-error-summary]");
  if (summary && !summary.contains(document.activeElement)) { summary.focus(); }
}

document.addEventListener("DOMContentLoaded", function () {
  showVisitorTimes(document);
  focusErrorSummary(document);
});
document.addEventListener("htmx:afterSettle", function (event) {
  showVisitorTimes(document);
});

// "Copy link" for calendar subscription links: shown only where the clipboard works;
// without JavaScript the link stays selectable in its read-only field.
(function () {
  "use strict";
  function setUp() {
    document.querySelectorAll("[data-copy-target]").forEach(function (button) {
      if (!navigator.clipboard) return;
      var field = document.getElementById(button.getAttribute("data-copy-target"));
      var status = button.parentElement.querySelector("[data-copy-status]");
      if (!field) return;
      button.hidden = false;
      button.addEventListener("click", function () {
        navigator.clipboard.writeText(field.value).then(function () {
          if (status) status.textContent = "Link copied.";
        }, function () {
          // The asynchronous clipboard can refuse (a document without focus, a policy):
          // the click still allows the older copy command on the selected field.
          field.select();
          var copied = false;
          try { copied = document.execCommand("copy"); } catch (e) { copied = false; }
          if (status) status.textContent = copied ? "Link copied." : "Select the link and copy it.";
        });
      });
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUp);
  } else {
    setUp();
  }
})();

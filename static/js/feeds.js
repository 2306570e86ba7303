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
          field.select();
          if (status) status.textContent = "Select the link and copy it.";
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

// The calendar: drag a booking block to another time, day or agent column. The server
// re-checks everything; a refusal puts the block back where it was and says why.
(function () {
  var grid = document.querySelector(".calendar");
  if (!grid) { return; }
  var status = document.getElementById("calendar-status");
  var startHour = parseInt(grid.dataset.startHour, 10);
  var interval = parseInt(grid.dataset.interval, 10) || 30;
  var dragged = null;
  var grabOffset = 0;

  function say(message, isError) {
    status.textContent = message;
    status.className = "calendar-status " + (isError ? "flash flash-error" : "flash flash-success");
    status.setAttribute("role", isError ? "alert" : "status");
  }

  function hhmm(minutes) {
    var total = startHour * 60 + minutes;
    var h = Math.floor(total / 60), m = total % 60;
    return (h < 10 ? "0" : "") + h + ":" + (m < 10 ? "0" : "") + m;
  }

  function csrfToken() {
    var headers = JSON.parse(document.body.getAttribute("hx-headers") || "{}");
    return headers["X-CSRFToken"] || "";
  }

  grid.addEventListener("dragstart", function (event) {
    var block = event.target.closest(".block");
    if (!block) { return; }
    dragged = block;
    grabOffset = event.clientY - block.getBoundingClientRect().top;
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", block.dataset.bookingId);
    block.classList.add("dragging");
  });

  grid.addEventListener("dragend", function () {
    if (dragged) { dragged.classList.remove("dragging"); }
  });

  grid.addEventListener("dragover", function (event) {
    if (dragged && event.target.closest(".agent-day")) {
      event.preventDefault();
      event.dataTransfer.dropEffect = "move";
    }
  });

  grid.addEventListener("drop", function (event) {
    var column = event.target.closest(".agent-day");
    if (!dragged || !column) { return; }
    event.preventDefault();
    var block = dragged;
    dragged = null;
    block.classList.remove("dragging");
    var raw = event.clientY - column.getBoundingClientRect().top - grabOffset;
    var minutes = Math.max(0, Math.round(raw / interval) * interval);
    var from = { parent: block.parentNode, next: block.nextSibling, top: block.style.top };
    // Show the move at once; undo it if the server refuses.
    column.appendChild(block);
    block.style.top = minutes + "px";
    block.setAttribute("aria-busy", "true");
    var body = new FormData();
    body.append("csrf_token", csrfToken());
    body.append("version", block.dataset.version);
    body.append("date", column.dataset.date);
    body.append("time", hhmm(minutes));
    if (column.dataset.agentId) { body.append("agent_id", column.dataset.agentId); }
    var url = grid.dataset.moveUrl.replace(/\/0\/move$/, "/" + block.dataset.bookingId + "/move");
    fetch(url, { method: "POST", body: body, headers: { "Accept": "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        return response.json().catch(function () { return { ok: false, message: "The server did not answer; nothing was moved." }; });
      })
      .then(function (answer) {
        block.removeAttribute("aria-busy");
        if (answer.ok) {
          block.dataset.version = answer.version;
          if (column.dataset.agentId) { block.dataset.agentId = column.dataset.agentId; }
          block.querySelector("strong").textContent = hhmm(minutes) + " (moved)";
          say(answer.message, false);
        } else {
          from.parent.insertBefore(block, from.next);
          block.style.top = from.top;
          say(answer.message, true);
        }
      })
      .catch(function () {
        block.removeAttribute("aria-busy");
        from.parent.insertBefore(block, from.next);
        block.style.top = from.top;
        say("The server could not be reached; nothing was moved.", true);
      });
  });

  // A move made in the panel redraws the grid.
  document.body.addEventListener("booking-moved", function () {
    if (window.htmx) {
      window.htmx.ajax("GET", window.location.href, { target: ".calendar-wrap", select: ".calendar-wrap", swap: "outerHTML" });
    }
  });
})();

// The panel: focus moves to it when it opens; Close (or Escape) empties it and returns focus.
(function () {
  var panel = document.getElementById("panel");
  if (!panel) { return; }
  var opener = null;
  document.addEventListener("click", function (event) {
    var block = event.target.closest(".block");
    if (block) { opener = block; }
    if (event.target.closest("[data-close-panel]")) { close(); }
  });
  function close() {
    panel.innerHTML = "";
    if (opener && document.body.contains(opener)) { opener.focus(); }
  }
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && panel.innerHTML.trim()) { close(); }
  });
  panel.addEventListener("htmx:afterSwap", function () {
    var title = document.getElementById("panel-title");
    if (title && !panel.contains(document.activeElement)) {
      title.setAttribute("tabindex", "-1");
      title.focus();
    }
  });
})();

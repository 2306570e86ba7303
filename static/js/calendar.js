// The calendar: drag a booking block to another time, day or agent column. The server
// re-checks everything; a refusal puts the block back where it was and says why.
// On the time grid the block sits in a positioned box (.pos) and the drop height picks the
// time; in the team's week a block is dropped on an agent's day and keeps its time.
(function () {
  var grid = document.querySelector("[data-move-url]");
  if (!grid) { return; }
  var status = document.getElementById("calendar-status");
  var startHour = parseInt(grid.dataset.startHour, 10) || 0;
  var interval = parseInt(grid.dataset.interval, 10) || 30;
  var dragged = null;
  var grabOffset = 0;

  function say(message, isError) {
    status.textContent = message;
    status.className = "calendar-status " + (isError ? "flash flash-error" : "flash flash-success");
    status.setAttribute("role", isError ? "alert" : "status");
  }

  // Right after a move, "Undo" moves the booking back (the server checks it like any
  // move: the old time may have been taken meanwhile) and redraws the calendar.
  function offerUndo(block, url, back) {
    var button = document.createElement("button");
    button.type = "button";
    button.className = "link-button undo-move";
    button.textContent = "Undo";
    button.addEventListener("click", function () {
      button.disabled = true;
      var body = new FormData();
      body.append("csrf_token", csrfToken());
      body.append("version", block.dataset.v);
      body.append("date", back.date);
      body.append("time", back.time);
      if (back.agent) { body.append("agent_id", back.agent); }
      fetch(url, { method: "POST", body: body, headers: { "Accept": "application/json" }, credentials: "same-origin" })
        .then(function (response) { return response.json(); })
        .then(function (answer) {
          if (answer.ok) { window.location.reload(); } else { say(answer.message, true); }
        })
        .catch(function () { say("The server could not be reached; the booking was not moved back.", true); });
    });
    status.appendChild(document.createTextNode(" "));
    status.appendChild(button);
  }

  // A drop outside the agent's working hours or into their time off is refused with the
  // reason; staff may confirm it ("Move anyway outside working hours"): the same move is
  // sent again with override_hours. A clash is never offered.
  function offerOverride(text, url, body) {
    var button = document.createElement("button");
    button.type = "button";
    button.className = "link-button override-move";
    button.textContent = text;
    button.addEventListener("click", function () {
      button.disabled = true;
      body.set("override_hours", "1");
      fetch(url, { method: "POST", body: body, headers: { "Accept": "application/json" }, credentials: "same-origin" })
        .then(function (response) { return response.json(); })
        .then(function (answer) {
          if (answer.ok) { window.location.reload(); } else { say(answer.message, true); }
        })
        .catch(function () { say("The server could not be reached; nothing was moved.", true); });
    });
    status.appendChild(document.createTextNode(" "));
    status.appendChild(button);
  }

  // The panel showing the booking just dragged would be out of date (its version, time
  // and history): fetch it again, without taking the focus from the calendar.
  function refreshOpenPanel(block) {
    var panel = document.getElementById("panel");
    var id = block.id.replace("booking-", "");
    if (!panel || !window.htmx || !panel.querySelector('[data-booking-id="' + id + '"]')) { return; }
    panel.dataset.quiet = "1";
    window.htmx.ajax("GET", block.getAttribute("href"), { target: "#panel", swap: "innerHTML" });
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

  // Blocks that can move carry their version (data-v); make them draggable, now and
  // whenever htmx brings new ones (a redrawn grid, a block swapped out of band).
  function makeDraggable(root) {
    (root.querySelectorAll ? root : document).querySelectorAll(".block[data-v]").forEach(function (block) { block.draggable = true; });
    if (root.matches && root.matches(".block[data-v]")) { root.draggable = true; }
  }
  makeDraggable(document);
  document.addEventListener("htmx:load", function (event) { makeDraggable(event.detail.elt); });

  function dropTarget(event) {
    return event.target.closest(".agent-day") || event.target.closest("td[data-date]");
  }

  document.addEventListener("dragstart", function (event) {
    var block = event.target.closest(".block");
    if (!block) { return; }
    dragged = block;
    grabOffset = event.clientY - block.getBoundingClientRect().top;
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", block.id);
    block.classList.add("dragging");
  });

  document.addEventListener("dragend", function () {
    if (dragged) { dragged.classList.remove("dragging"); }
  });

  document.addEventListener("dragover", function (event) {
    if (dragged && dropTarget(event)) {
      event.preventDefault();
      event.dataTransfer.dropEffect = "move";
    }
  });

  document.addEventListener("drop", function (event) {
    var column = dropTarget(event);
    if (!dragged || !column) { return; }
    event.preventDefault();
    var block = dragged;
    dragged = null;
    block.classList.remove("dragging");
    var label = block.querySelector("b");
    var box = block.parentNode.classList.contains("pos") ? block.parentNode : block;
    var onGrid = column.classList.contains("agent-day");
    var time, minutes = 0;
    if (onGrid) {
      var raw = event.clientY - column.getBoundingClientRect().top - grabOffset;
      minutes = Math.max(0, Math.round(raw / interval) * interval);
      time = hhmm(minutes);
    } else {
      time = block.dataset.t;
    }
    var from = { parent: box.parentNode, next: box.nextSibling, top: box.style.top, label: label.textContent };
    // Where it was, for Undo: the day, the agent and the start it had.
    var fromColumn = box.parentNode.closest(".agent-day, td[data-date]");
    var back = { date: fromColumn ? fromColumn.dataset.date : "", agent: fromColumn ? (fromColumn.dataset.agentId || "") : "",
                 time: block.dataset.t };
    // Show the move at once; undo it if the server refuses.
    column.appendChild(box);
    if (onGrid) { box.style.top = minutes + "px"; }
    block.setAttribute("aria-busy", "true");
    var body = new FormData();
    body.append("csrf_token", csrfToken());
    body.append("version", block.dataset.v);
    body.append("date", column.dataset.date);
    body.append("time", time);
    if (column.dataset.agentId) { body.append("agent_id", column.dataset.agentId); }
    var url = document.querySelector("[data-move-url]").dataset.moveUrl.replace(/\/0\/move$/, "/" + block.id.replace("booking-", "") + "/move");
    function undo(message) {
      from.parent.insertBefore(box, from.next);
      box.style.top = from.top;
      say(message, true);
    }
    fetch(url, { method: "POST", body: body, headers: { "Accept": "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        return response.json().catch(function () { return { ok: false, message: "The server did not answer; nothing was moved." }; });
      })
      .then(function (answer) {
        block.removeAttribute("aria-busy");
        if (answer.ok) {
          block.dataset.v = answer.version;
          block.dataset.t = time;
          label.textContent = (answer.label || time) + " (moved)";
          say(answer.message, false);
          if (back.date) { offerUndo(block, url, back); }
          refreshOpenPanel(block);
        } else {
          undo(answer.message);
          if (answer.override) { offerOverride(answer.override, url, body); }
        }
      })
      .catch(function () {
        block.removeAttribute("aria-busy");
        undo("The server could not be reached; nothing was moved.");
      });
  });

  // A block opens its booking in the panel (a plain link without JavaScript).
  document.addEventListener("click", function (event) {
    var block = event.target.closest("[data-move-url] .block");
    if (!block || !window.htmx || event.ctrlKey || event.metaKey || event.shiftKey || event.button !== 0) { return; }
    event.preventDefault();
    window.htmx.ajax("GET", block.getAttribute("href"), { target: "#panel", swap: "innerHTML" });
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
    if (panel.dataset.quiet) { delete panel.dataset.quiet; return; }  // refreshed after a drag
    var title = document.getElementById("panel-title");
    if (title && !panel.contains(document.activeElement)) {
      title.setAttribute("tabindex", "-1");
      title.focus();
    }
  });
})();

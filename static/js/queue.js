// Queue enhancements (optional: every page works without this file).
// 1. The reject form: choosing a reason swaps in that reason's reply template, unless the
//    moderator has already edited the reply.
// 2. The accept form: the handler list shows only the handlers of the chosen unit.
// 3. The queue: the bulk-action form appears once an item is ticked; j and k move
//    through the rows, Enter opens the current one.
(function () {
  "use strict";

  function templateFor(form, reason) {
    var link = form.querySelector('a[data-reason="' + reason + '"]');
    return link ? link.getAttribute("data-template") : null;
  }

  var reject = document.querySelector("form.action-reject");
  if (reject) {
    var reason = reject.querySelector("select[name=reason]");
    var reply = reject.querySelector("textarea[name=public_reply]");
    var links = reject.querySelector(".template-links");
    if (links) { links.hidden = true; }
    if (reason && reply) {
      var shown = templateFor(reject, reason.value);
      reason.addEventListener("change", function () {
        var next = templateFor(reject, reason.value);
        if (next !== null && (reply.value === shown || reply.value.trim() === "")) {
          reply.value = next;
          shown = next;
        }
      });
    }
  }

  var accept = document.querySelector("form.action-accept");
  if (accept) {
    var unit = accept.querySelector("select[name=responsible_unit_id]");
    var handler = accept.querySelector("select[name=handler_id]");
    if (unit && handler) {
      var filter = function () {
        var groups = handler.querySelectorAll("optgroup");
        for (var i = 0; i < groups.length; i++) {
          var match = groups[i].getAttribute("data-unit") === unit.value;
          groups[i].hidden = !match;
          groups[i].disabled = !match;
        }
        var chosen = handler.options[handler.selectedIndex];
        if (chosen && chosen.parentNode.tagName === "OPTGROUP" && chosen.parentNode.disabled) {
          handler.value = "";
        }
      };
      unit.addEventListener("change", filter);
      filter();
    }
  }

  var bulk = document.getElementById("bulk-fold");
  if (bulk) {
    var boxes = document.querySelectorAll(".queue-table input[name=item]");
    var sync = function () {
      var ticked = 0;
      for (var i = 0; i < boxes.length; i++) { if (boxes[i].checked) { ticked++; } }
      bulk.hidden = ticked === 0 && !bulk.open;
      if (ticked > 0) { bulk.hidden = false; bulk.open = true; }
    };
    for (var b = 0; b < boxes.length; b++) { boxes[b].addEventListener("change", sync); }
    sync();
  }

  var rows = document.querySelectorAll(".queue-table tr.queue-item");
  if (rows.length) {
    var hint = document.querySelector(".keys-hint");
    if (hint) { hint.hidden = false; }
    var current = -1;
    var select = function (index) {
      if (current >= 0) { rows[current].classList.remove("is-current"); }
      current = Math.max(0, Math.min(rows.length - 1, index));
      rows[current].classList.add("is-current");
      var link = rows[current].querySelector("a.case-link");
      if (link) { link.focus(); }
    };
    document.addEventListener("keydown", function (event) {
      var target = event.target;
      var typing = target && (target.isContentEditable ||
        /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));
      if (typing || event.altKey || event.ctrlKey || event.metaKey) { return; }
      if (event.key === "j") { select(current + 1); event.preventDefault(); }
      else if (event.key === "k") { select(current - 1); event.preventDefault(); }
    });
  }
})();

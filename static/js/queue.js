// Queue enhancements (optional: every page works without this file).
// 1. The reject form: choosing a reason swaps in that reason's reply template, unless the
//    moderator has already edited the reply.
// 2. The accept form: the handler list shows only the handlers of the chosen unit.
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
})();

/* Intake forms: character counts, the list of chosen files, the contact fields shown
   only for a real-name report, one submission per click, copy and print of the receipt.
   Everything here is an enhancement: the pages work the same without it. */
(function () {
  "use strict";

  function format(template, values) {
    return template.replace(/%\((\w+)\)s/g, function (_, name) { return String(values[name]); });
  }

  function sizeText(bytes) {
    if (bytes < 1024) { return bytes + " B"; }
    if (bytes < 1048576) { return (bytes / 1024).toFixed(1) + " KB"; }
    return (bytes / 1048576).toFixed(1) + " MB";
  }

  document.querySelectorAll("textarea[data-count]").forEach(function (area) {
    var out = document.getElementById(area.getAttribute("data-count"));
    if (!out) { return; }
    var minimum = parseInt(area.getAttribute("data-minimum") || "0", 10);
    function update() {
      var count = Array.from(area.value.trim()).length;
      var template = count < minimum ? out.getAttribute("data-short") : out.getAttribute("data-template");
      out.textContent = format(template, { count: count, minimum: minimum });
    }
    out.hidden = false;
    area.addEventListener("input", update);
    update();
  });

  document.querySelectorAll("input[type=file][data-file-list]").forEach(function (input) {
    var list = document.getElementById(input.getAttribute("data-file-list"));
    var maxBytes = parseInt(input.getAttribute("data-max-bytes") || "0", 10);
    var tooBig = input.getAttribute("data-too-big") || "";
    input.addEventListener("change", function () {
      while (list.firstChild) { list.removeChild(list.firstChild); }
      Array.from(input.files || []).forEach(function (file) {
        var item = document.createElement("li");
        item.textContent = file.name + " (" + sizeText(file.size) + ")";
        if (maxBytes && file.size > maxBytes) {
          var warning = document.createElement("strong");
          warning.className = "error-message";
          warning.textContent = " " + tooBig;
          item.appendChild(warning);
        }
        list.appendChild(item);
      });
    });
  });

  document.querySelectorAll("fieldset.identity").forEach(function (set) {
    var contact = set.querySelector("[data-contact-for]");
    if (!contact) { return; }
    function update() {
      var chosen = set.querySelector("input[name=identity]:checked");
      contact.hidden = !chosen || chosen.value !== contact.getAttribute("data-contact-for");
    }
    set.querySelectorAll("input[name=identity]").forEach(function (radio) {
      radio.addEventListener("change", update);
    });
    update();
  });

  // A second click while the first request is on its way would only wait for the same
  // answer (the server gives the same receipt); ignore it instead.
  document.querySelectorAll("form[data-once]").forEach(function (form) {
    var sent = false;
    form.addEventListener("submit", function (event) {
      if (sent) { event.preventDefault(); return; }
      sent = true;
      form.setAttribute("aria-busy", "true");
    });
    // Coming back to the page (back button) must allow sending again.
    window.addEventListener("pageshow", function () {
      sent = false;
      form.removeAttribute("aria-busy");
    });
  });

  document.querySelectorAll(".receipt-tools button[hidden]").forEach(function (button) {
    button.hidden = false;
  });
  var printHint = document.getElementById("receipt-print-hint");
  if (printHint) { printHint.hidden = true; }
  document.querySelectorAll("button[data-copy]").forEach(function (button) {
    button.addEventListener("click", function () {
      var source = document.getElementById(button.getAttribute("data-copy"));
      if (!source || !navigator.clipboard) { return; }
      navigator.clipboard.writeText(source.textContent.trim()).then(function () {
        button.textContent = button.getAttribute("data-copied");
      });
    });
  });
  document.querySelectorAll("button[data-print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });
}());

// "Read aloud" (朗读): reads the page's main content with the browser's own speech
// synthesis. Nothing is sent anywhere. The button stays hidden without JavaScript, and
// when the browser has no voice for the page's language.
(function () {
  "use strict";
  var button = document.querySelector("button.read-aloud");
  if (!button || !("speechSynthesis" in window) || !window.SpeechSynthesisUtterance) {
    return;
  }
  var lang = (document.documentElement.lang || "zh-CN").toLowerCase();
  var prefix = lang.split("-")[0];
  var label = button.textContent;
  var stopLabel = button.getAttribute("data-stop") || label;

  function voiceFor() {
    var voices = window.speechSynthesis.getVoices();
    for (var i = 0; i < voices.length; i++) {
      if ((voices[i].lang || "").toLowerCase().split(/[-_]/)[0] === prefix) {
        return voices[i];
      }
    }
    return null;
  }

  function reset() {
    button.textContent = label;
    button.setAttribute("aria-pressed", "false");
  }

  function reveal() {
    if (voiceFor()) {
      button.hidden = false;
    }
  }

  button.addEventListener("click", function () {
    var synth = window.speechSynthesis;
    if (synth.speaking) {
      synth.cancel();
      reset();
      return;
    }
    var main = document.getElementById("main");
    var text = main ? main.innerText : "";
    if (!text) {
      return;
    }
    var utterance = new window.SpeechSynthesisUtterance(text);
    utterance.lang = document.documentElement.lang || "zh-CN";
    utterance.voice = voiceFor();
    utterance.onend = reset;
    utterance.onerror = reset;
    button.textContent = stopLabel;
    button.setAttribute("aria-pressed", "true");
    synth.speak(utterance);
  });

  reveal();
  if (typeof window.speechSynthesis.addEventListener === "function") {
    window.speechSynthesis.addEventListener("voiceschanged", reveal);
  }
}());

// smoke's HTML report: a copy button beside each command marked data-copy (the replay
// commands). Inlined into every report: nothing is loaded from the network. The buttons are
// made here, so a page whose script cannot run shows no button that would do nothing.
(function () {
  "use strict";

  function mark(button, state, label) {
    button.setAttribute("data-state", state);
    button.textContent = label;
  }

  // Where the clipboard API is refused (no secure context, no permission), select the command
  // and try the older copy command; if that fails too, the selection is left for Ctrl+C.
  function fallback(node, button) {
    var range = document.createRange();
    range.selectNodeContents(node);
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
    var copied = false;
    try {
      copied = document.execCommand("copy");
    } catch (e) {
      copied = false;
    }
    if (copied) {
      mark(button, "copied", "copied");
    } else {
      mark(button, "selected", "selected: press Ctrl+C");
    }
  }

  function copy(node, button) {
    var text = node.textContent;
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(
        function () { mark(button, "copied", "copied"); },
        function () { fallback(node, button); }
      );
    } else {
      fallback(node, button);
    }
  }

  var commands = document.querySelectorAll("[data-copy]");
  for (var i = 0; i < commands.length; i++) {
    (function (node) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "copy";
      button.textContent = "copy";
      button.setAttribute("aria-label", node.getAttribute("data-copy"));
      button.addEventListener("click", function () { copy(node, button); });
      node.parentNode.insertBefore(button, node.nextSibling);
    })(commands[i]);
  }
  document.documentElement.setAttribute("data-script", "ran");
})();

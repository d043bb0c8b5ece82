// Hints that appear on hover (an element's title) also appear on a tap or with the keyboard:
// tapping an <abbr title> or an element marked data-tip shows its text below it, tapping again
// (or elsewhere, or Escape) hides it.
(function () {
  "use strict";
  var SELECTOR = "abbr[title], .tag[title], [data-tip]";
  var open = null;

  function close() {
    if (open) {
      open.owner.removeAttribute("aria-describedby");
      open.bubble.remove();
      open = null;
    }
  }

  function show(owner) {
    close();
    var text = owner.getAttribute("data-tip") || owner.getAttribute("title") || "";
    if (!text) { return; }
    var bubble = document.createElement("span");
    bubble.className = "tip-bubble";
    bubble.id = "tip-bubble";
    bubble.setAttribute("role", "tooltip");
    bubble.textContent = text;
    owner.insertAdjacentElement("afterend", bubble);
    owner.setAttribute("aria-describedby", bubble.id);
    open = { owner: owner, bubble: bubble };
  }

  function prepare(root) {
    root.querySelectorAll(SELECTOR).forEach(function (owner) {
      if (!owner.hasAttribute("tabindex") && !owner.matches("a, button")) {
        owner.setAttribute("tabindex", "0");
      }
      owner.classList.add("has-tip");
    });
  }

  document.addEventListener("click", function (event) {
    var owner = event.target.closest && event.target.closest(SELECTOR);
    if (owner && !owner.matches("a, button")) {
      if (open && open.owner === owner) { close(); } else { show(owner); }
      return;
    }
    if (!(open && open.bubble.contains(event.target))) { close(); }
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape") { close(); return; }
    var owner = event.target.closest && event.target.closest(SELECTOR);
    if (owner && (event.key === "Enter" || event.key === " ")) {
      event.preventDefault();
      if (open && open.owner === owner) { close(); } else { show(owner); }
    }
  });
  document.addEventListener("DOMContentLoaded", function () { prepare(document); });
  document.addEventListener("htmx:afterSwap", function (event) { prepare(event.target); });
})();

// Purchase check page: picking a search suggestion fills its field (the list comes from htmx).
(function () {
  "use strict";

  function clearList(target) {
    var box = document.getElementById(target + "-suggestions");
    if (box) {
      box.innerHTML = "";
    }
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("button.suggestion");
    if (!button) {
      return;
    }
    var input = document.getElementById(button.dataset.target);
    if (input) {
      input.value = button.dataset.value;
      input.focus();
    }
    clearList(button.dataset.target);
  });

  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && event.target.id && document.getElementById(event.target.id + "-suggestions")) {
      clearList(event.target.id);
    }
  });

  // A suggestion list closes when the focus leaves its field and the list.
  document.addEventListener("focusout", function (event) {
    var field = event.target;
    if (!field.id || !document.getElementById(field.id + "-suggestions")) {
      return;
    }
    window.setTimeout(function () {
      var box = document.getElementById(field.id + "-suggestions");
      if (box && !box.contains(document.activeElement) && document.activeElement !== field) {
        clearList(field.id);
      }
    }, 150);
  });
})();

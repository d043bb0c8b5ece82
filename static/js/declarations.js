// Declaration form helpers; the form works the same without them.
(function () {
  "use strict";

  // Say at once when a chosen PDF is larger than the portal accepts.
  function checkFileSize(input) {
    var slot = document.getElementById("error-" + input.name);
    var limit = Number(input.dataset.maxBytes || 0);
    if (!slot || !limit) {
      return;
    }
    var tooLarge = Array.prototype.some.call(input.files || [], function (file) {
      return file.size > limit;
    });
    slot.textContent = "";
    if (tooLarge) {
      var message = document.createElement("p");
      message.className = "field-error";
      message.textContent = input.dataset.tooLarge || "";
      slot.appendChild(message);
    }
  }

  // The instrument field matters only when low-carbon electricity is claimed.
  function showInstrument(checkbox) {
    var field = document.getElementById("field-electricity_instrument");
    if (field) {
      field.hidden = !checkbox.checked;
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("declaration-form");
    if (!form) {
      return;
    }
    form.querySelectorAll("input[type=file]").forEach(function (input) {
      input.addEventListener("change", function () { checkFileSize(input); });
    });
    var claim = document.getElementById("low_carbon_electricity_claimed");
    var instrument = document.getElementById("electricity_instrument");
    if (claim && instrument) {
      if (!instrument.value) {
        showInstrument(claim);
      }
      claim.addEventListener("change", function () { showInstrument(claim); });
    }
  });
})();

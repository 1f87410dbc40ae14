// A double-click on a form's submit button sends one request, not two. The server still handles a repeated
// submission (it answers with a message or the form's error); this only spares the second request.
// Applies to POST forms; a form with data-submit-many is left alone.
(function () {
  "use strict";

  function buttonsOf(form) {
    return form.querySelectorAll('button[type="submit"], button:not([type]), input[type="submit"]');
  }

  function enable(form) {
    delete form.dataset.submitting;
    buttonsOf(form).forEach(function (button) {
      button.disabled = false;
    });
    form.querySelectorAll("input[data-submitter]").forEach(function (input) {
      input.remove();
    });
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (event.defaultPrevented || (form.method || "").toLowerCase() !== "post" || "submitMany" in form.dataset) {
      return;
    }
    if (form.dataset.submitting) {
      event.preventDefault();
      return;
    }
    form.dataset.submitting = "1";
    // A disabled button is not sent; keep the clicked one's name and value (e.g. "save" or "confirm").
    var submitter = event.submitter;
    if (submitter && submitter.name) {
      var copy = document.createElement("input");
      copy.type = "hidden";
      copy.name = submitter.name;
      copy.value = submitter.value;
      copy.dataset.submitter = "";
      form.appendChild(copy);
    }
    buttonsOf(form).forEach(function (button) {
      button.disabled = true;
    });
    // A response that does not replace the page (a download) must not leave the form disabled for good.
    window.setTimeout(function () {
      enable(form);
    }, 10000);
  });

  // Back/forward navigation can restore the page as it was left: with its buttons disabled.
  window.addEventListener("pageshow", function () {
    document.querySelectorAll("form[data-submitting]").forEach(enable);
  });
})();

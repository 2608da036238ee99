// The copy button of a value shown once: shown only where this script runs; without it the field can be selected by hand.
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("button[data-copy]").forEach(function (button) {
    var field = document.getElementById(button.getAttribute("data-copy"));
    var status = document.querySelector('[data-copied-for="' + button.getAttribute("data-copy") + '"]');
    if (!field) { return; }
    button.hidden = false;
    button.addEventListener("click", function () {
      var done = function () { if (status) { status.textContent = "Copied."; } };
      field.select();
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(field.value).then(done, function () {
          if (status) { status.textContent = "Press Ctrl+C (or Cmd+C) to copy the selected value."; }
        });
      } else if (document.execCommand && document.execCommand("copy")) {
        done();
      } else if (status) {
        status.textContent = "Press Ctrl+C (or Cmd+C) to copy the selected value.";
      }
    });
  });
});

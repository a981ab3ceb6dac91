// Coordination — small progressive enhancements; every page works without this file.
(function () {
  "use strict";

  // Document upload with a progress bar (XMLHttpRequest exposes upload progress; fetch does not yet).
  function bindUpload(form) {
    form.addEventListener("submit", function (event) {
      var input = form.querySelector('input[type="file"]');
      if (!input || !input.files || !input.files.length || !window.XMLHttpRequest) return;
      event.preventDefault();
      var bar = form.querySelector("progress");
      var status = form.querySelector("[data-upload-status]");
      var button = form.querySelector('button[type="submit"]');
      var xhr = new XMLHttpRequest();
      xhr.open("POST", form.action);
      xhr.setRequestHeader("X-CSRF-Token", form.querySelector('input[name="csrf_token"]').value);
      xhr.setRequestHeader("X-Requested-With", "XMLHttpRequest");
      if (bar) { bar.hidden = false; bar.value = 0; }
      if (button) button.disabled = true;
      xhr.upload.addEventListener("progress", function (e) {
        if (!e.lengthComputable) return;
        var pct = Math.round((e.loaded / e.total) * 100);
        if (bar) bar.value = pct;
        if (status) status.textContent = "Envoi : " + pct + " %";
      });
      xhr.addEventListener("load", function () {
        if (button) button.disabled = false;
        if (xhr.status >= 200 && xhr.status < 400) {
          if (status) status.textContent = "Document déposé. Analyse antivirus en cours ou terminée.";
          window.location.assign(xhr.responseURL || window.location.href);
        } else {
          var message = "Le dépôt a échoué.";
          try { message = JSON.parse(xhr.responseText).detail || message; } catch (e) { /* HTML error page */ }
          if (status) status.textContent = message;
        }
      });
      xhr.addEventListener("error", function () {
        if (button) button.disabled = false;
        if (status) status.textContent = "Connexion interrompue : le document n'a pas été déposé.";
      });
      xhr.send(new FormData(form));
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form[data-upload]").forEach(bindUpload);
  });
})();

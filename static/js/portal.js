/* The portal's own script: behaviour that would otherwise be inline handlers (forbidden by the
 * Content-Security-Policy), and the htmx error handling. Loaded on every page after htmx. */
(function () {
  "use strict";

  // Inline handlers, moved here (the CSP forbids onchange="…" and onsubmit="…"). Delegated on the
  // document, so content that htmx swaps in behaves the same.
  // <select data-submit-on-change>: submits its form when the choice changes (language selector).
  document.addEventListener("change", function (event) {
    var select = event.target;
    if (select instanceof HTMLSelectElement && select.hasAttribute("data-submit-on-change") && select.form) {
      select.form.submit();
    }
  });
  // <form data-confirm="Question?">: asks before submitting; "Cancel" sends nothing.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form instanceof HTMLFormElement && form.hasAttribute("data-confirm") &&
        !window.confirm(form.getAttribute("data-confirm"))) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);

  // File inputs (core.widgets.PortalFileInput): the native input is hidden behind a Chinese button;
  // the span beside it shows the chosen file names, or its data-empty text (未选择文件).
  document.addEventListener("change", function (event) {
    var input = event.target;
    var picker = input instanceof HTMLInputElement && input.type === "file" && input.closest("[data-file-picker]");
    var names = picker && picker.querySelector("[data-file-names]");
    if (names) {
      var chosen = Array.prototype.map.call(input.files || [], function (file) { return file.name; });
      names.textContent = chosen.length ? chosen.join("、") : names.getAttribute("data-empty");
    }
  });
  // The hidden input has the focus while its button is what shows: light the button up.
  ["focusin", "focusout"].forEach(function (type) {
    document.addEventListener(type, function (event) {
      var input = event.target;
      var picker = input instanceof HTMLInputElement && input.closest("[data-file-picker]");
      var button = picker && picker.querySelector("label.btn");
      if (button) {
        button.classList.toggle("btn-primary", type === "focusin");
        button.classList.toggle("btn-outline-primary", type !== "focusin");
      }
    });
  });
  // Date inputs (core.widgets.ISODateInput): a date the pattern refuses is explained in the page's
  // language (data-invalid-message), not in the browser's ("Please match the requested format").
  document.addEventListener("invalid", function (event) {
    var input = event.target;
    if (input instanceof HTMLInputElement && input.hasAttribute("data-date-input") && input.validity.patternMismatch) {
      input.setCustomValidity(input.getAttribute("data-invalid-message") || "");
    }
  }, true);
  document.addEventListener("input", function (event) {
    var input = event.target;
    if (input instanceof HTMLInputElement && input.hasAttribute("data-date-input")) {
      input.setCustomValidity("");
    }
  });
})();

/* htmx errors (core/htmx.py): an htmx request that ends in an error never swaps a page into a row
 * or a card; the sentence the portal sent (text/plain), or a general one, is shown above the page.
 * An ended session never gets here: the server answers with HX-Redirect to the login page. */
(function () {
  "use strict";

  function showError(text) {
    var main = document.querySelector("main .container-xl") || document.body;
    var box = document.getElementById("htmx-error");
    if (!box) {
      box = document.createElement("div");
      box.id = "htmx-error";
      box.className = "alert alert-danger";
      box.setAttribute("role", "alert");
      box.setAttribute("data-testid", "htmx-error");
      main.insertBefore(box, main.firstChild);
    }
    box.textContent = text;  // text, never HTML
    box.scrollIntoView({block: "nearest"});
  }

  function portalSentence(xhr) {
    var type = xhr.getResponseHeader("Content-Type") || "";
    var text = (xhr.responseText || "").trim();
    return type.indexOf("text/plain") === 0 && text && text.length < 500 ? text : "";
  }

  document.addEventListener("htmx:responseError", function (event) {
    showError(portalSentence(event.detail.xhr) || document.body.getAttribute("data-htmx-error"));
  });
  document.addEventListener("htmx:sendError", function () {
    showError(document.body.getAttribute("data-htmx-offline"));
  });
  // A new request clears the previous request's message.
  document.addEventListener("htmx:beforeRequest", function () {
    var box = document.getElementById("htmx-error");
    if (box) {
      box.remove();
    }
  });
})();

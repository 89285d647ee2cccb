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

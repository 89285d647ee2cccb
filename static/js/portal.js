/* The portal's own script: behaviour that would otherwise be inline handlers (forbidden by the
 * Content-Security-Policy), and the htmx error handling. Loaded on every page after htmx. */
(function () {
  "use strict";
})();

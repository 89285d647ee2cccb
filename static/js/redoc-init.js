// Redoc for the REST API's schema (templates/drf_spectacular/redoc.html). The nonce lets Redoc's
// styled-components add its <style> elements under the portal's Content-Security-Policy.
document.addEventListener("DOMContentLoaded", function () {
  var container = document.getElementById("redoc-container");
  Redoc.init(container.dataset.specUrl, { nonce: container.dataset.nonce }, container);
});

// Starts Swagger UI from a file, so the page needs no inline script.
(function () {
  var target = document.getElementById("swagger-ui");
  window.SwaggerUIBundle({ url: target.dataset.openapiUrl, dom_id: "#swagger-ui", deepLinking: true, persistAuthorization: true });
})();

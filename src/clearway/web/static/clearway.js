/* Clearway's page behaviour, loaded as a file (the Content-Security-Policy refuses inline script).
   Every page works without it; this only adds conveniences. */
"use strict";
document.addEventListener("click", function (event) {
  var button = event.target.closest("[data-print]");
  if (button) { event.preventDefault(); window.print(); }
});

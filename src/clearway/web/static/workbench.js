/* The workbench and NPPO desk's one enhancement, loaded as a file (the Content-Security-Policy refuses inline
   script): "Add a product" copies the last product row, blank, with the next index in its field names.
   Without script the form still offers three rows, and rows left blank are ignored. */
"use strict";
document.addEventListener("click", function (event) {
  var button = event.target.closest("[data-add-row]");
  if (!button) { return; }
  var group = document.getElementById(button.getAttribute("data-add-row"));
  var rows = group.querySelectorAll("fieldset.row");
  var last = rows[rows.length - 1];
  var index = rows.length;
  var copy = last.cloneNode(true);
  var from = "[" + last.getAttribute("data-row") + "]";
  var to = "[" + index + "]";
  copy.setAttribute("data-row", String(index));
  copy.querySelector("legend").textContent = last.querySelector("legend").textContent.replace(/\d+$/, String(index + 1));
  copy.querySelectorAll("input, select, textarea").forEach(function (field) {
    field.name = field.name.replace(from, to);
    field.id = field.id.replace("-" + last.getAttribute("data-row") + "-", "-" + index + "-");
    field.value = "";
    field.removeAttribute("aria-invalid");
    field.removeAttribute("aria-describedby");
  });
  copy.querySelectorAll("label").forEach(function (label) {
    label.htmlFor = label.htmlFor.replace("-" + last.getAttribute("data-row") + "-", "-" + index + "-");
  });
  copy.querySelectorAll(".field-error").forEach(function (error) { error.remove(); });
  last.after(copy);
  copy.querySelector("input").focus();
});

/* The trader's pages, enhanced (every page works without this file; the CSP allows no inline script).
   - HS finder as you type: fields marked data-hs-finder ask /hs/suggest and offer a keyboard-usable list
     (ARIA combobox pattern: arrows move, Enter picks, Escape closes).
   - Drafts: the lodging form is saved in this browser as it is typed; a kept draft is offered back, and the
     server lays it out again (POST with action=edit), so rows added and removed come back too.
   - Print buttons (data-print). */
"use strict";
(function () {
  function debounce(fn, ms) { var t; return function () { var a = arguments; clearTimeout(t); t = setTimeout(function () { fn.apply(null, a); }, ms); }; }

  function finder(input, n) {
    var list = document.createElement("ul");
    list.id = "hs-suggestions-" + n; list.className = "suggestions"; list.setAttribute("role", "listbox");
    list.hidden = true;
    input.insertAdjacentElement("afterend", list);
    input.setAttribute("role", "combobox"); input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false"); input.setAttribute("aria-controls", list.id);
    var active = -1;
    function close() { list.hidden = true; input.setAttribute("aria-expanded", "false"); input.removeAttribute("aria-activedescendant"); active = -1; }
    function mark(i) {
      var items = list.querySelectorAll("li");
      items.forEach(function (li, k) { li.setAttribute("aria-selected", k === i ? "true" : "false"); });
      active = i;
      if (items[i]) { input.setAttribute("aria-activedescendant", items[i].id); }
    }
    function pick(li) { input.value = li.dataset.code; close(); input.dispatchEvent(new Event("input", { bubbles: true })); }
    function show(rows) {
      list.textContent = "";
      var k = 0;
      rows.forEach(function (r) {
        [r.code].concat(r.lines || []).forEach(function (code, j) {
          var li = document.createElement("li");
          li.id = list.id + "-" + k++; li.setAttribute("role", "option"); li.dataset.code = code;
          var known = r.names && r.names.length ? " - " + r.names.join(", ") : "";  // the names it was found by
          li.textContent = code + " " + (j === 0 ? r.description + known : "(national line of " + r.code + ")");
          li.addEventListener("mousedown", function (e) { e.preventDefault(); pick(li); });
          list.appendChild(li);
        });
      });
      list.hidden = k === 0; input.setAttribute("aria-expanded", k ? "true" : "false"); active = -1;
    }
    var ask = debounce(function () {
      var q = input.value.trim();
      if (q.length < 2) { close(); return; }
      fetch("/hs/suggest?q=" + encodeURIComponent(q), { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : []; }).then(show).catch(close);
    }, 250);
    input.addEventListener("input", function (e) { if (e.isTrusted) { ask(); } });
    input.addEventListener("keydown", function (e) {
      var items = list.querySelectorAll("li");
      if (list.hidden || !items.length) { return; }
      if (e.key === "ArrowDown") { e.preventDefault(); mark(Math.min(active + 1, items.length - 1)); }
      else if (e.key === "ArrowUp") { e.preventDefault(); mark(Math.max(active - 1, 0)); }
      else if (e.key === "Enter" && active >= 0) { e.preventDefault(); pick(items[active]); }
      else if (e.key === "Escape") { close(); }
    });
    input.addEventListener("blur", function () { setTimeout(close, 150); });
  }

  function drafts(form) {
    var key = form.dataset.draftKey, banner = document.getElementById("draft-banner");
    function fields() {
      var out = [];
      new FormData(form).forEach(function (v, k) { if (k !== "csrf" && typeof v === "string" && v !== "") { out.push([k, v]); } });
      return out;
    }
    var initial = JSON.stringify(fields());
    var kept = null;
    try { kept = JSON.parse(localStorage.getItem(key) || "null"); } catch (e) { kept = null; }
    var pristine = !document.getElementById("form-errors") && !document.getElementById("quote");
    if (kept && pristine && JSON.stringify(kept.fields) !== initial) { banner.hidden = false; }
    form.addEventListener("input", debounce(function () {
      localStorage.setItem(key, JSON.stringify({ at: new Date().toISOString(), fields: fields() }));
    }, 300));
    document.getElementById("draft-discard").addEventListener("click", function () { localStorage.removeItem(key); banner.hidden = true; });
    document.getElementById("draft-restore").addEventListener("click", function () {
      var f = document.createElement("form");
      f.method = "post"; f.action = form.getAttribute("action"); f.hidden = true;
      kept.fields.concat([["csrf", form.querySelector("input[name=csrf]").value], ["action", "edit"]]).forEach(function (kv) {
        var i = document.createElement("input"); i.type = "hidden"; i.name = kv[0]; i.value = kv[1]; f.appendChild(i);
      });
      document.body.appendChild(f); f.submit();
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-hs-finder]").forEach(finder);
    var form = document.getElementById("lodge-form");
    if (form) { drafts(form); }
    if (document.querySelector("[data-clear-draft]")) {
      Object.keys(localStorage).forEach(function (k) { if (k.indexOf("clearway-draft:") === 0) { localStorage.removeItem(k); } });
    }
  });
  document.addEventListener("click", function (e) {
    if (e.target.closest("[data-print]")) { e.preventDefault(); window.print(); }
  });
})();

// jaxtutor page behaviour: CodeMirror editor, keyboard shortcuts, drafts, reset. No inline scripts (CSP).
(function () {
  "use strict";
  var editor = null;

  function draftKey(textarea) {
    var key = textarea.getAttribute("data-draft-key");
    return key ? "jaxtutor:draft:" + key : null;
  }

  function click(id) {
    var el = document.getElementById(id);
    if (el && !el.disabled) { el.click(); }
  }

  function setupEditor() {
    var textarea = document.getElementById("code");
    if (!textarea) { return; }
    var key = draftKey(textarea);
    try {
      var saved = key && window.localStorage.getItem(key);
      if (saved) { textarea.value = saved; }
    } catch (e) { /* storage disabled */ }
    if (!window.CodeMirror) { return; }  // plain textarea still works
    editor = window.CodeMirror.fromTextArea(textarea, {
      mode: "python",
      lineNumbers: true,
      indentUnit: 4,
      matchBrackets: true,
      viewportMargin: Infinity,
      screenReaderLabel: "Code editor",
      extraKeys: {
        "Ctrl-Enter": function () { click("run-btn"); },
        "Cmd-Enter": function () { click("run-btn"); },
        "Ctrl-S": function () { click("submit-btn"); },
        "Cmd-S": function () { click("submit-btn"); },
        "Esc": function (cm) { cm.getInputField().blur(); },
        "Tab": function (cm) {
          if (cm.somethingSelected()) { cm.indentSelection("add"); }
          else { cm.replaceSelection("    ", "end"); }
        }
      }
    });
    editor.on("change", function (cm) {
      cm.save();
      try { if (key) { window.localStorage.setItem(key, cm.getValue()); } } catch (e) { /* ignore */ }
    });
  }

  function setupReset() {
    var btn = document.getElementById("reset-btn");
    if (!btn) { return; }
    btn.addEventListener("click", function () {
      var tpl = document.getElementById(btn.getAttribute("data-reset-from"));
      if (!tpl || !window.confirm("Replace your code with the starter code?")) { return; }
      var text = tpl.content ? tpl.content.textContent : tpl.textContent;
      if (editor) { editor.setValue(text); } else { document.getElementById("code").value = text; }
    });
  }

  document.addEventListener("keydown", function (ev) {
    // CodeMirror's own key map has already handled (and prevented) its shortcuts: do not click twice.
    if (ev.defaultPrevented || !(ev.ctrlKey || ev.metaKey)) { return; }
    if (ev.key === "Enter" && document.getElementById("run-btn")) { ev.preventDefault(); click("run-btn"); }
    if ((ev.key === "s" || ev.key === "S") && document.getElementById("submit-btn")) { ev.preventDefault(); click("submit-btn"); }
  });

  // Make sure the textarea holds the editor's text before htmx collects the form.
  document.addEventListener("htmx:configRequest", function (ev) {
    if (editor && ev.detail && ev.detail.parameters && "code" in ev.detail.parameters) {
      editor.save();
      ev.detail.parameters.code = editor.getValue();
    }
  });

  document.addEventListener("DOMContentLoaded", function () {
    setupEditor();
    setupReset();
  });
})();

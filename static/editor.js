// jaxtutor editor help: completion and inspect (Shift+Tab) from the learner's own Run kernel, and the editing
// keys (comment toggle, smart indent and dedent, backspace over an indent, search). app.js creates the editor
// with window.jaxtutorEditor.options() and then calls attach(). Kernel answers are shown as text only.
(function () {
  "use strict";
  var INDENT = 4;

  function root() { return (document.body && document.body.getAttribute("data-root")) || ""; }
  function csrfHeaders() {
    try { return JSON.parse(document.body.getAttribute("hx-headers") || "{}"); } catch (e) { return {}; }
  }
  function scope() {
    var input = document.querySelector("#editor-form input[name=scope]");
    return input ? input.value : "playground";
  }
  function say(text) {
    var box = document.getElementById("assist-status");
    if (box) { box.textContent = text; }
  }

  // Jupyter counts cursor positions in code points; the editor in UTF-16 units (they differ after an emoji).
  function toCodePoints(text, index) { return Array.from(text.slice(0, index)).length; }
  function fromCodePoints(text, cp) {
    var i = 0;
    for (var n = 0; n < cp && i < text.length; n++) {
      var c = text.charCodeAt(i);
      i += (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) ? 2 : 1;
    }
    return i;
  }

  var UNAVAILABLE = {
    "no-kernel": "Completion and help come from your kernel: press Run once to start it.",
    "busy": "Your kernel is running code; completion and help return when it is done.",
    "no-answer": "Your kernel did not answer in time; try again."
  };

  // POST /kernel/complete or /kernel/inspect; resolves to the JSON answer, or null (already explained).
  function ask(what, cm) {
    var text = cm.getValue();
    var headers = csrfHeaders();
    headers["Content-Type"] = "application/json";
    headers["Accept"] = "application/json";
    var body = { code: text, cursor_pos: toCodePoints(text, cm.indexFromPos(cm.getCursor())), scope: scope() };
    return window.fetch(root() + "/kernel/" + what, {
      method: "POST", headers: headers, body: JSON.stringify(body), credentials: "same-origin"
    }).then(function (r) {
      if (r.status === 401) {
        say("Your session has ended: log in again for completion.");
        return null;
      }
      if (!r.ok) {
        return r.json().then(function (e) { say((e && e.error && e.error.message) || "Completion failed."); return null; },
          function () { say("Completion failed (status " + r.status + ")."); return null; });
      }
      return r.json().then(function (answer) {
        answer.text_sent = text;
        say(answer.unavailable ? (UNAVAILABLE[answer.unavailable] || "") : "");
        return answer;
      });
    }, function () { say("Completion needs the server: you seem to be offline."); return null; });
  }

  // --- completion: a show-hint source (async) ---------------------------------------------------------
  function kernelHint(cm, callback) {
    ask("complete", cm).then(function (answer) {
      if (!answer || !answer.matches.length) {
        if (answer && !answer.unavailable) { say("No completions here."); }
        callback(null);
        return;
      }
      var text = answer.text_sent;
      if (cm.getValue() !== text) { callback(null); return; }  // typed on meanwhile: this answer is stale
      var data = {
        list: answer.matches,
        from: cm.posFromIndex(fromCodePoints(text, answer.cursor_start)),
        to: cm.posFromIndex(fromCodePoints(text, answer.cursor_end))
      };
      window.CodeMirror.on(data, "shown", function () {  // the add-on's listbox has no name of its own
        var list = document.querySelector(".CodeMirror-hints");
        if (list) { list.setAttribute("aria-label", "Completions from your kernel"); }
      });
      callback(data);
    });
  }
  kernelHint.async = true;

  function complete(cm) {
    if (!cm.showHint) { return; }
    cm.showHint({ hint: kernelHint, completeSingle: false, closeCharacters: /[\s()\[\]{};:>,=]/ });
  }

  // --- inspect: the signature and docstring in a text-only tip under the cursor ----------------------
  var tip = null;
  function closeTip() {
    if (tip) { tip.hidden = true; tip.textContent = ""; }
  }
  function showTip(cm, text) {
    tip = tip || document.getElementById("inspect-tip");
    if (!tip) { return; }
    tip.textContent = "";
    var pre = document.createElement("pre");
    pre.textContent = text;  // never HTML: docstrings are the kernel's (the learner's) text
    tip.appendChild(pre);
    var hint = document.createElement("p");
    hint.className = "muted small";
    hint.textContent = "Esc closes this help.";
    tip.appendChild(hint);
    tip.hidden = false;  // before measuring: a hidden element has no offsetParent
    var frame = tip.offsetParent || document.body;
    var at = cm.cursorCoords(false, "page");
    var box = frame.getBoundingClientRect();
    var left = Math.max(0, Math.min(at.left - box.left - window.scrollX, frame.clientWidth - tip.offsetWidth));
    tip.style.left = left + "px";
    tip.style.top = (at.bottom - box.top - window.scrollY + 4) + "px";
  }
  function inspect(cm) {
    ask("inspect", cm).then(function (answer) {
      if (!answer || answer.unavailable) { return; }
      if (!answer.found) { say("No help found for the name at the cursor."); closeTip(); return; }
      showTip(cm, answer.text + (answer.truncated ? "\n…" : ""));
    });
  }

  // --- editing keys ----------------------------------------------------------------------------------
  function beforeCursor(cm) {
    var cur = cm.getCursor();
    return cm.getLine(cur.line).slice(0, cur.ch);
  }

  // Tab: indent a selection; complete after a name or a dot (as in JupyterLab); else indent to the next stop.
  function tab(cm) {
    if (cm.somethingSelected()) { cm.indentSelection("add"); return; }
    var before = beforeCursor(cm);
    if (/[\w.]$/.test(before)) { complete(cm); return; }
    var spaces = INDENT - (before.length % INDENT);
    cm.replaceSelection(new Array(spaces + 1).join(" "), "end");
  }

  // Shift+Tab: help on the name at the cursor; at the start of a line (or with a selection) it dedents.
  function shiftTab(cm) {
    if (cm.somethingSelected() || /^\s*$/.test(beforeCursor(cm))) { cm.execCommand("indentLess"); return; }
    inspect(cm);
  }

  // Backspace in a line's indentation removes back to the previous indent stop, not one space.
  function backspace(cm) {
    if (cm.somethingSelected()) { return window.CodeMirror.Pass; }
    var cur = cm.getCursor();
    var before = beforeCursor(cm);
    if (!before.length || /[^ ]/.test(before)) { return window.CodeMirror.Pass; }
    var remove = before.length % INDENT || INDENT;
    cm.replaceRange("", { line: cur.line, ch: cur.ch - remove }, cur, "+delete");
  }

  function escape(cm) {
    if (tip && !tip.hidden) { closeTip(); return; }
    cm.getInputField().blur();
  }

  function options(extraKeys) {
    var keys = {
      "Tab": tab,
      "Shift-Tab": shiftTab,
      "Ctrl-Space": complete,
      "Backspace": backspace,
      "Ctrl-/": "toggleComment",
      "Cmd-/": "toggleComment",
      "Esc": escape
    };
    for (var k in extraKeys) { if (Object.prototype.hasOwnProperty.call(extraKeys, k)) { keys[k] = extraKeys[k]; } }
    return {
      mode: "python",
      lineNumbers: true,
      indentUnit: INDENT,
      smartIndent: true,
      matchBrackets: true,
      autoCloseBrackets: { pairs: "()[]{}''\"\"", closeBefore: ")]}'\":;,", triples: "", explode: "()[]{}" },
      screenReaderLabel: "Code editor",
      extraKeys: keys
    };
  }

  // The search add-on's dialog inputs get a name (its own label is a plain span).
  function labelDialogs() {
    var CM = window.CodeMirror;
    if (!CM || !CM.prototype.openDialog || CM.prototype.openDialog.labelled) { return; }
    var open = CM.prototype.openDialog;
    CM.prototype.openDialog = function (template, callback, opts) {
      var close = open.call(this, template, callback, opts);
      var dialog = this.getWrapperElement().querySelector(".CodeMirror-dialog");
      var input = dialog && dialog.querySelector("input");
      if (input && !input.getAttribute("aria-label")) {
        var label = dialog.querySelector(".CodeMirror-search-label");
        input.setAttribute("aria-label", (label && label.textContent.replace(/:\s*$/, "")) || "Search");
      }
      return close;
    };
    CM.prototype.openDialog.labelled = true;
  }

  function attach(cm) {
    cm.on("change", closeTip);
    // Closed when the editor loses focus for good (a screenshot or window switch that gives it back keeps it).
    cm.on("blur", function () { window.setTimeout(function () { if (!cm.hasFocus()) { closeTip(); } }, 150); });
    cm.on("cursorActivity", function () { if (tip && !tip.hidden) { closeTip(); } });
  }

  labelDialogs();
  window.jaxtutorEditor = { options: options, attach: attach, complete: complete, inspect: inspect };
})();

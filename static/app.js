// jaxtutor page behaviour: CodeMirror editor, keyboard shortcuts, drafts (server + local), the session
// notice, button states, theme. No inline scripts (CSP).
(function () {
  "use strict";
  var editor = null;
  var DRAFT_PREFIX = "jaxtutor:draft:";
  var THEME_KEY = "jaxtutor:theme";
  // The path the server is mounted under (the root_path setting), from <body data-root>; "" at the root.
  function root() { return (document.body && document.body.getAttribute("data-root")) || ""; }

  function store() {
    try { return window.localStorage; } catch (e) { return null; }  // storage disabled
  }

  function csrfHeaders() {
    try { return JSON.parse(document.body.getAttribute("hx-headers") || "{}"); } catch (e) { return {}; }
  }

  function click(id) {
    var el = document.getElementById(id);
    if (el && !el.disabled) { el.click(); }
  }

  // --- the session notice: shown instead of swapping a login form into the page --------------------
  function showNotice(text, linkText, href) {
    var box = document.getElementById("notice");
    if (!box) { return; }
    box.textContent = "";
    var p = document.createElement("p");
    p.textContent = text + " ";
    if (linkText) {
      var a = document.createElement("a");
      a.href = href;
      a.textContent = linkText;
      p.appendChild(a);
    }
    box.appendChild(p);
  }

  function loginHref() {
    var path = window.location.pathname;
    if (root() && path.indexOf(root()) === 0) { path = path.slice(root().length) || "/"; }
    return root() + "/login?next=" + encodeURIComponent(path + window.location.search);
  }

  function sessionEnded() {
    showNotice("Your session has ended (you logged out elsewhere, or it expired), so this was not saved.",
      "Log in again", loginHref());
  }

  // --- drafts: the server copy follows the learner; the local copy (keyed by user) covers offline ---
  function Drafts(textarea) {
    this.textarea = textarea;
    this.key = textarea.getAttribute("data-draft-key");
    this.user = textarea.getAttribute("data-user");
    this.localKey = this.key && this.user ? DRAFT_PREFIX + "u" + this.user + ":" + this.key : null;
    this.delay = parseInt(textarea.getAttribute("data-save-delay"), 10) || 1000;
    this.savedAt = parseInt(textarea.getAttribute("data-saved-at"), 10) || 0;
    this.timer = null;
    this.inFlight = false;
    this.again = false;
    this.status = document.getElementById("draft-status");
  }

  Drafts.prototype.setStatus = function (text) {
    if (this.status) { this.status.textContent = text; }
  };

  Drafts.prototype.readLocal = function () {
    var s = store();
    if (!s || !this.localKey) { return null; }
    try { return JSON.parse(s.getItem(this.localKey) || "null"); } catch (e) { return null; }
  };

  Drafts.prototype.writeLocal = function (code, synced, t) {
    var s = store();
    if (!s || !this.localKey || this.closed) { return; }
    try { s.setItem(this.localKey, JSON.stringify({ code: code, synced: synced, t: t })); } catch (e) { /* full */ }
  };

  // The code to open with: the server's (draft or latest submission), unless this browser holds a newer
  // draft that never reached the server (written offline).
  Drafts.prototype.initialCode = function () {
    var local = this.readLocal();
    if (local && !local.synced && typeof local.code === "string" && local.t > this.savedAt &&
        local.code !== this.textarea.value) {
      this.textarea.value = local.code;
      this.schedule(local.code, 0);
    }
    return this.textarea.value;
  };

  Drafts.prototype.changed = function (code) {
    this.writeLocal(code, false, Date.now());
    this.schedule(code, this.delay);
  };

  Drafts.prototype.schedule = function (code, delay) {
    var self = this;
    if (!this.key || !this.user) { return; }
    if (this.timer) { window.clearTimeout(this.timer); }
    this.pending = code;
    if (navigator.onLine === false) { this.setStatus("offline — saved locally"); return; }
    this.setStatus("saving");
    this.timer = window.setTimeout(function () { self.timer = null; self.send(); }, delay);
  };

  Drafts.prototype.send = function (keepalive) {
    var self = this;
    if (this.pending === undefined) { return; }
    if (this.inFlight && !keepalive) { this.again = true; return; }
    var code = this.pending;
    var headers = csrfHeaders();
    headers["Content-Type"] = "application/x-www-form-urlencoded";
    this.inFlight = true;
    this.setStatus("saving");
    window.fetch(root() + "/drafts/" + encodeURIComponent(this.key), {
      method: "PUT", headers: headers, body: new URLSearchParams({ code: code }).toString(),
      credentials: "same-origin", keepalive: !!keepalive
    }).then(function (r) {
      if (r.status === 401) { sessionEnded(); throw new Error("session"); }
      if (!r.ok) { throw new Error("status " + r.status); }
      return r.json();
    }).then(function (body) {
      if (self.pending === code) { self.pending = undefined; }
      self.writeLocal(code, true, body.saved_at_ms || Date.now());
      self.setStatus(self.pending === undefined ? "saved" : "saving");
    }).catch(function (err) {
      var why = err && err.message;
      if (why === "session") { self.setStatus("not saved — log in again"); }
      else if (why === "status 413") { self.setStatus("not saved on the server: the code is too large"); }
      else if (why && why.indexOf("status ") === 0) { self.setStatus("saved locally (the server refused: " + why + ")"); }
      else { self.setStatus("offline — saved locally"); }
    }).then(function () {
      self.inFlight = false;
      if (self.again) { self.again = false; self.send(); }
    });
  };

  Drafts.prototype.flush = function () {
    this.closed = true;  // logging out: nothing more is written to this browser's storage
    if (this.timer) { window.clearTimeout(this.timer); this.timer = null; }
    if (this.pending !== undefined) { this.send(true); }
  };

  function clearLocalDrafts() {
    var s = store();
    if (!s) { return; }
    var doomed = [];
    for (var i = 0; i < s.length; i++) {
      var k = s.key(i);
      if (k && k.indexOf(DRAFT_PREFIX) === 0) { doomed.push(k); }
    }
    doomed.forEach(function (k) { s.removeItem(k); });
  }

  function dropUnkeyedDrafts() {
    // Drafts from before they were keyed by user could be anyone's: never load them, remove them.
    var s = store();
    if (!s) { return; }
    var doomed = [];
    for (var i = 0; i < s.length; i++) {
      var k = s.key(i);
      if (k && k.indexOf(DRAFT_PREFIX) === 0 && !/^jaxtutor:draft:u\d+:/.test(k)) { doomed.push(k); }
    }
    doomed.forEach(function (k) { s.removeItem(k); });
  }

  var drafts = null;

  function setupEditor() {
    var textarea = document.getElementById("code");
    if (!textarea) { return; }
    drafts = new Drafts(textarea);
    drafts.initialCode();
    window.addEventListener("online", function () {
      var local = drafts.readLocal();
      if (local && !local.synced) { drafts.schedule(local.code, 0); }
    });
    window.addEventListener("offline", function () {
      if (drafts.pending !== undefined) { drafts.setStatus("offline — saved locally"); }
    });
    if (!window.CodeMirror) {  // plain textarea still works
      textarea.addEventListener("input", function () { drafts.changed(textarea.value); });
      return;
    }
    var keys = {
      "Ctrl-Enter": function () { click("run-btn"); },
      "Cmd-Enter": function () { click("run-btn"); },
      "Ctrl-S": function () { click("submit-btn"); },
      "Cmd-S": function () { click("submit-btn"); }
    };
    var help = window.jaxtutorEditor;  // static/editor.js: completion, inspect and the editing keys
    editor = window.CodeMirror.fromTextArea(textarea, help ? help.options(keys) : {
      mode: "python", lineNumbers: true, indentUnit: 4, screenReaderLabel: "Code editor", extraKeys: keys
    });
    if (help) { help.attach(editor); }
    editor.on("change", function (cm) {
      cm.save();
      drafts.changed(cm.getValue());
    });
    var frame = document.getElementById("editor-frame");
    if (frame && window.ResizeObserver) {
      new window.ResizeObserver(function () { editor.setSize(null, frame.clientHeight); }).observe(frame);
    }
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

  // --- the submission history: load an earlier submission back into the editor ------------------------
  document.addEventListener("click", function (ev) {
    var btn = ev.target && ev.target.closest ? ev.target.closest("button.load-submission") : null;
    if (!btn) { return; }
    var n = btn.getAttribute("data-submission");
    if (!window.confirm("Replace the code in the editor with submission #" + n + "?")) { return; }
    window.fetch(btn.getAttribute("data-code-url"), { credentials: "same-origin" }).then(function (r) {
      if (r.status === 401) { sessionEnded(); throw new Error("session"); }
      if (!r.ok) { throw new Error("status " + r.status); }
      return r.text();
    }).then(function (code) {
      if (editor) { editor.setValue(code); editor.focus(); } else {
        var textarea = document.getElementById("code");
        textarea.value = code;
        if (drafts) { drafts.changed(code); }
        textarea.focus();
      }
      if (drafts) { drafts.setStatus("loaded submission #" + n); }
    }).catch(function (err) {
      if (err && err.message !== "session") { showNotice("Submission #" + n + " could not be loaded (" + err.message + ")."); }
    });
  });

  // --- theme: follows prefers-color-scheme until the learner picks one (remembered) ----------------
  function currentTheme() {
    var set = document.documentElement.getAttribute("data-theme");
    if (set) { return set; }
    return window.matchMedia && window.matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light";
  }

  function setupTheme() {
    var s = store();
    var saved = s && s.getItem(THEME_KEY);
    if (saved === "dark" || saved === "light") { document.documentElement.setAttribute("data-theme", saved); }
    var btn = document.getElementById("theme-btn");
    if (!btn) { return; }
    function label() {
      var dark = currentTheme() === "dark";
      btn.textContent = dark ? "Light mode" : "Dark mode";
      btn.setAttribute("aria-pressed", dark ? "true" : "false");
    }
    label();
    btn.hidden = false;
    btn.addEventListener("click", function () {
      var next = currentTheme() === "dark" ? "light" : "dark";
      document.documentElement.setAttribute("data-theme", next);
      if (s) { try { s.setItem(THEME_KEY, next); } catch (e) { /* ignore */ } }
      label();
    });
  }

  // --- buttons: Run stays disabled while its Run is in progress -------------------------------------
  var runRequest = false;
  function syncRunButton() {
    var btn = document.getElementById("run-btn");
    if (!btn) { return; }
    btn.disabled = runRequest || !!document.querySelector("#run-output .run-pending");
  }

  document.addEventListener("htmx:beforeRequest", function (ev) {
    var box = document.getElementById("notice");
    if (box && ev.detail.elt && ev.detail.elt.id && /^(run|submit)-btn$/.test(ev.detail.elt.id)) {
      box.textContent = "";  // an old notice is about an earlier action
    }
    if (ev.detail.elt && ev.detail.elt.id === "run-btn") { runRequest = true; syncRunButton(); }
  });
  document.addEventListener("htmx:afterRequest", function (ev) {
    if (ev.detail.elt && ev.detail.elt.id === "run-btn") { runRequest = false; }
    syncRunButton();
  });
  document.addEventListener("htmx:afterSettle", syncRunButton);

  document.addEventListener("htmx:afterSettle", function (ev) {
    // A swapped-in notice (session ended, empty code) gets the focus, so keyboard users hear it.
    var target = ev.detail.target;
    if (target && target.id === "notice") {
      var link = target.querySelector("a");
      if (link) { link.focus(); }
    }
    if (target && target.id === "solution") { target.scrollIntoView({ block: "start" }); }
  });

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

  // Logging out: save what is pending, then forget every draft this browser holds.
  document.addEventListener("submit", function (ev) {
    var form = ev.target;
    if (form && form.getAttribute && form.getAttribute("action") === root() + "/logout") {
      if (drafts) { drafts.flush(); }
      clearLocalDrafts();
    }
  }, true);

  // A code block wider than its column scrolls inside itself; keyboard users reach it with Tab to scroll.
  function focusableScrollers(root) {
    var blocks = (root || document).querySelectorAll("main pre");
    for (var i = 0; i < blocks.length; i++) {
      var pre = blocks[i];
      if (pre.scrollWidth > pre.clientWidth + 1 || pre.scrollHeight > pre.clientHeight + 1) {
        pre.setAttribute("tabindex", "0");
      } else if (pre.getAttribute("tabindex") === "0") {
        pre.removeAttribute("tabindex");
      }
    }
  }
  window.addEventListener("resize", function () { focusableScrollers(document); });
  document.addEventListener("htmx:afterSettle", function () { focusableScrollers(document); });
  document.addEventListener("toggle", function () { focusableScrollers(document); }, true);

  document.addEventListener("DOMContentLoaded", function () {
    focusableScrollers(document);
    dropUnkeyedDrafts();
    setupTheme();
    setupEditor();
    setupReset();
    // The LTI deep-linking answer: a form that posts the signed JWT back to the LMS, sent at once.
    var auto = document.querySelector("form[data-autosubmit]");
    if (auto) { auto.submit(); }
  });
})();

// The widget's facade (/embed; see server/facade.go). The page the server sends is the widget as
// go-app prerendered it: the visitor can read it and type into it, and nothing of the web app has
// loaded. This script, in the place of go-app's app.js, loads the web app (the scripts named by its
// data-load attribute: go-app's wasm_exec.js and app.js, which fetches app.wasm) on the first
// interaction with the widget — focus, pointerdown, keydown — and never before.
//
// What the visitor does meanwhile is kept in window.playgroundFacade, which the widget reads when
// it mounts (app/ui/embed.go, app/embed.Facade), as go-app replaces this page's body with its own:
//   values: the text of each box (and the state of each checkbox) by its data-testid;
//   focus, selectionStart, selectionEnd: the box the visitor was in, and the caret;
//   run: Run was clicked (or Ctrl+Enter pressed), to run once the widget is live.
(function () {
  "use strict";
  var me = document.currentScript;
  var load = ((me && me.getAttribute("data-load")) || "").split(/\s+/).filter(Boolean);
  var root = document.body && document.body.firstElementChild; // the prerendered widget
  var state = { values: {}, focus: "", selectionStart: -1, selectionEnd: -1, run: false };
  window.playgroundFacade = state;
  document.documentElement.classList.add("pg-facade");
  var started = false;

  // live reports whether the prerendered widget is still the one shown (go-app has not mounted).
  function live() { return !!root && root.isConnected; }

  function testid(el) { return el && el.getAttribute ? el.getAttribute("data-testid") || "" : ""; }

  function keep(el) {
    var id = testid(el);
    if (!id) return;
    if (el.tagName === "TEXTAREA" || el.tagName === "SELECT") {
      state.values[id] = el.value;
    } else if (el.tagName === "INPUT") {
      if (el.type === "checkbox") state.values[id] = el.checked ? "true" : "false";
      else if (el.type !== "radio" && el.type !== "file") state.values[id] = el.value;
    }
  }

  function snap() {
    if (!live()) return;
    var a = document.activeElement;
    state.focus = testid(a);
    if (a && typeof a.selectionStart === "number") {
      state.selectionStart = a.selectionStart;
      state.selectionEnd = a.selectionEnd;
    }
  }

  function start() {
    if (started) return;
    started = true;
    var loader = document.getElementById("app-wasm-loader");
    if (loader) loader.hidden = false;
    // Scripts added by a script run as soon as they arrive unless async is false: then in order.
    for (var i = 0; i < load.length; i++) {
      var s = document.createElement("script");
      s.src = load[i];
      s.async = false;
      document.head.appendChild(s);
    }
  }

  function askRun(button) {
    state.run = true;
    var b = button || document.querySelector('[data-testid="run"]');
    if (b) {
      b.setAttribute("aria-busy", "true");
      b.textContent = "Starting…";
    }
  }

  function on(type, fn) {
    document.addEventListener(type, function (e) {
      if (live()) fn(e);
    }, true);
  }
  on("focusin", function () { start(); snap(); });
  on("pointerdown", start);
  on("keydown", function (e) {
    start();
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      askRun(null);
    }
  });
  on("click", function (e) {
    var b = e.target && e.target.closest ? e.target.closest('[data-testid="run"]') : null;
    if (b && !b.disabled) {
      e.preventDefault();
      start();
      askRun(b);
    }
  });
  on("input", function (e) { keep(e.target); snap(); });
  on("change", function (e) { keep(e.target); });
  on("keyup", snap);
  on("mouseup", snap);
  // A box being removed from the page (go-app mounting) may blur it: look once the page settled.
  on("focusout", function () { setTimeout(snap, 0); });
})();

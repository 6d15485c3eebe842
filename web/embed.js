// Playground embed: put a live "Try in Playground" widget for one model in any page.
//
//   <script src="https://playground.example/embed.js" data-model="gryphe/mythomax-l2-13b"></script>
//
// puts the widget where the tag is; or mark places with
//
//   <div data-playground-model="gryphe/mythomax-l2-13b"></div>
//   <script src="https://playground.example/embed.js" async></script>
//
// Options (data- attributes on either): data-provider, data-prompt (put in the message box, not
// sent), data-setup (a share link's "s" value: system prompt, parameters, messages), data-theme ("light", "dark", or "host" to follow this page's own light/dark theme;
// unset follows the visitor's system), data-height (the starting height in pixels).
//
// The widget is an iframe of the playground, which holds the API key: this page never sees the key
// nor the conversation. The iframe tells this page its height (postMessage, accepted only from the
// playground's origin and that iframe), and this page tells it its theme (sent only to the
// playground's origin).
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || !script.src) return;
  var origin = new URL(script.src, location.href).origin;
  var frames = []; // {frame, follow}

  function hostTheme() {
    var els = [document.documentElement, document.body];
    for (var i = 0; i < els.length; i++) {
      var el = els[i];
      if (!el) continue;
      var t = el.getAttribute("data-theme") || el.getAttribute("data-color-scheme") || el.getAttribute("data-bs-theme");
      if (t === "light" || t === "dark") return t;
      if (el.classList.contains("dark") || el.classList.contains("theme-dark")) return "dark";
      if (el.classList.contains("light") || el.classList.contains("theme-light")) return "light";
    }
    var scheme = getComputedStyle(document.documentElement).colorScheme || "";
    if (/^\s*dark\s*$/.test(scheme)) return "dark";
    if (/^\s*light\s*$/.test(scheme)) return "light";
    return window.matchMedia && matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light";
  }

  function mount(el, model, ds, replace) {
    if (!model || el.getAttribute("data-playground-mounted")) return;
    el.setAttribute("data-playground-mounted", "true");
    var u = new URL("/embed", origin);
    u.searchParams.set("model", model);
    if (ds.provider) u.searchParams.set("provider", ds.provider);
    if (ds.prompt) u.searchParams.set("prompt", ds.prompt);
    if (ds.setup) u.searchParams.set("s", ds.setup);
    var follow = ds.theme === "host";
    var theme = follow ? hostTheme() : ds.theme;
    if (theme === "light" || theme === "dark") u.searchParams.set("theme", theme);
    u.searchParams.set("origin", location.origin);
    var f = document.createElement("iframe");
    f.src = u.href;
    f.title = "Try " + model + " in Playground";
    f.setAttribute("allow", "clipboard-write");
    f.loading = "lazy"; // a page of many models loads the widgets the visitor scrolls to
    f.setAttribute("data-playground-frame", model);
    var h = parseInt(ds.height, 10);
    f.style.cssText = "display:block;width:100%;border:0;border-radius:8px;height:" + (h > 0 ? h : 420) + "px";
    if (replace) {
      el.appendChild(f);
    } else {
      el.parentNode.insertBefore(f, el.nextSibling);
    }
    frames.push({ frame: f, follow: follow, theme: theme });
  }

  function mountAll() {
    if (script.getAttribute("data-model")) mount(script, script.getAttribute("data-model"), script.dataset, false);
    var divs = document.querySelectorAll("[data-playground-model]");
    for (var i = 0; i < divs.length; i++) mount(divs[i], divs[i].getAttribute("data-playground-model"), divs[i].dataset, true);
  }

  window.addEventListener("message", function (e) {
    if (e.origin !== origin) return;
    for (var i = 0; i < frames.length; i++) {
      var f = frames[i].frame;
      if (e.source !== f.contentWindow) continue;
      var d = e.data;
      if (d && d.type === "playground:height") {
        var h = Math.round(Number(d.height));
        if (h > 0) f.style.height = Math.min(Math.max(h, 160), 5000) + "px";
      }
      return;
    }
  });

  function syncTheme() {
    var t = hostTheme();
    for (var i = 0; i < frames.length; i++) {
      var x = frames[i];
      if (!x.follow || x.theme === t || !x.frame.contentWindow) continue;
      x.theme = t;
      x.frame.contentWindow.postMessage({ type: "playground:theme", theme: t }, origin);
    }
  }
  function watchTheme() {
    var opts = { attributes: true, attributeFilter: ["class", "data-theme", "data-color-scheme", "data-bs-theme", "style"] };
    var mo = new MutationObserver(syncTheme);
    mo.observe(document.documentElement, opts);
    if (document.body) mo.observe(document.body, opts);
    if (window.matchMedia) {
      var mq = matchMedia("(prefers-color-scheme: dark)");
      if (mq.addEventListener) mq.addEventListener("change", syncTheme);
    }
  }

  if (document.readyState === "loading") {
    if (script.getAttribute("data-model")) mount(script, script.getAttribute("data-model"), script.dataset, false);
    document.addEventListener("DOMContentLoaded", function () { mountAll(); watchTheme(); });
  } else {
    mountAll();
    watchTheme();
  }
})();

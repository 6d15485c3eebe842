// The widget's side of embedding (the page at /embed inside a docs page's iframe; web/embed.js is
// the host page's side). It talks only to the origin named by ?origin= (set by embed.js), and only
// when that origin really is the page that frames it:
// - it tells that page the widget's height whenever it changes ({type: "playground:height"}),
//   so the iframe can fit its content;
// - it takes {type: "playground:theme", theme: "light"|"dark"} from that page (the host page's
//   theme, when the docs author asked to follow it).
// Nothing else goes out: not the conversation, not what the visitor types.
(function () {
  "use strict";
  if (window.parent === window || location.pathname !== "/embed") return;
  var host = new URLSearchParams(location.search).get("origin");
  if (!host) return; // a plain iframe: it keeps the height its page gives it
  var ancestors = location.ancestorOrigins;
  if (ancestors && ancestors.length && ancestors[0] !== host) return; // framed by another page
  var root = document.documentElement;

  var last = 0;
  function measure() {
    var h = Math.ceil(root.getBoundingClientRect().height);
    if (h > 0 && h !== last) {
      last = h;
      window.parent.postMessage({ type: "playground:height", height: h }, host);
    }
  }
  if (window.ResizeObserver) {
    new ResizeObserver(measure).observe(root);
  } else {
    setInterval(measure, 250);
  }
  window.addEventListener("load", measure);

  window.addEventListener("message", function (e) {
    if (e.origin !== host || e.source !== window.parent) return;
    var d = e.data;
    if (!d || d.type !== "playground:theme") return;
    if (d.theme === "light" || d.theme === "dark") root.setAttribute("data-theme", d.theme);
    else root.removeAttribute("data-theme");
  });
})();

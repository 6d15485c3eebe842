// Applies the theme before the page is drawn, so a saved choice does not flash the other one:
// ?theme=light|dark in the URL (an embed following its host page), else the choice saved by the
// playground's theme toggle, else the system's (no attribute; see app.css).
(function () {
  var t = new URLSearchParams(location.search).get("theme");
  if (t !== "light" && t !== "dark") {
    try { t = localStorage.getItem("playground-theme"); } catch (e) { t = null; }
  }
  if (t === "light" || t === "dark") document.documentElement.setAttribute("data-theme", t);
})();

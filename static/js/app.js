// app.js: the dashboard's only script. Pages work without it (forms post and
// redirect); it adds the in-page Stop confirmation dialog and a banner when
// the dashboard itself cannot be reached. No inline handlers anywhere, so the
// Content-Security-Policy needs no 'unsafe-inline' or 'unsafe-eval'.
(function () {
  "use strict";

  // The Stop button is a GET form leading to the no-JavaScript confirmation
  // page. With JavaScript, open the dialog that form names instead.
  document.addEventListener("submit", function (event) {
    var form = event.target.closest("form[data-stop-dialog]");
    if (!form) return;
    var dialog = document.getElementById(form.getAttribute("data-stop-dialog"));
    if (!dialog || typeof dialog.showModal !== "function") return;
    event.preventDefault();
    dialog.showModal();
    var reason = dialog.querySelector("textarea");
    if (reason) reason.focus();
  });

  // Cancel closes the dialog and sends nothing.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-close-dialog]");
    if (!button) return;
    var dialog = button.closest("dialog");
    if (dialog) dialog.close();
  });

  // A request that got no HTTP answer at all (the dashboard is down or the
  // network broke) swaps nothing; say so instead of failing silently. Answers
  // with an error status are swapped by htmx 4 and carry their own banner.
  document.addEventListener("htmx:error", function (event) {
    var ctx = event.detail && event.detail.ctx;
    if (ctx && ctx.response) return;
    var region = document.getElementById("client-alerts");
    if (!region) return;
    var banner = document.createElement("div");
    banner.className = "banner banner-error";
    banner.setAttribute("role", "alert");
    banner.setAttribute("data-testid", "banner-error");
    var title = document.createElement("p");
    title.className = "banner-title";
    title.textContent = "The dashboard did not answer.";
    var text = document.createElement("p");
    text.className = "banner-text";
    text.textContent = "Nothing was changed by this page. Check your connection, then reload the page to see the current status before trying again.";
    banner.append(title, text);
    region.replaceChildren(banner);
  });
})();

// app.js: the dashboard's only script. Pages work without it (forms post and
// redirect); it opens the in-page Stop confirmation dialog and shows a banner
// when the dashboard itself cannot be reached. No inline handlers anywhere, so the
// Content-Security-Policy needs no 'unsafe-inline' or 'unsafe-eval'.
(function () {
  "use strict";

  // A Stop button (a GET form that, without JavaScript, leads to the
  // confirmation page) loads its dialog into #stop-dialog-slot with htmx;
  // open it as a modal once it is in the page.
  document.addEventListener("htmx:after:swap", function (event) {
    // Either a Stop button loaded the dialog, or a stop refused by the
    // dashboard itself (say, a reason too long) sent it back with the text.
    var source = event.target;
    if (!source || !source.matches || !source.matches("form.stop-open, #stop-dialog-slot")) return;
    var dialog = document.querySelector("#stop-dialog-slot dialog");
    if (!dialog || typeof dialog.showModal !== "function") return;
    dialog.showModal();
    var reason = dialog.querySelector("textarea");
    if (reason) reason.focus();
  });

  // Once the stop has an answer (swapped into the task's status block),
  // close the dialog it was sent from.
  document.addEventListener("htmx:after:request", function (event) {
    var ctx = event.detail && event.detail.ctx;
    if (!ctx || !ctx.response) return;
    var dialog = event.target && event.target.closest && event.target.closest("dialog");
    if (dialog && dialog.open) dialog.close();
  });

  // Parts of a page that read themselves again while tasks are in progress
  // carry data-poll. In a hidden tab they skip their turn (nobody is looking,
  // and the DCS API is rate-limited); when the tab comes back they refresh at
  // once rather than waiting for the next interval.
  document.addEventListener("htmx:before:request", function (event) {
    if (document.hidden && event.target && event.target.hasAttribute && event.target.hasAttribute("data-poll")) {
      event.preventDefault();
    }
  });
  document.addEventListener("visibilitychange", function () {
    if (document.hidden || !window.htmx) return;
    document.querySelectorAll("[data-poll]").forEach(function (el) {
      window.htmx.trigger(el, "poll-now");
    });
  });

  // Cancel closes the dialog and sends nothing.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-close-dialog]");
    if (!button) return;
    var dialog = button.closest("dialog");
    if (dialog) dialog.close();
  });

  // A request that got no usable HTTP answer swaps nothing. Behind a
  // sign-in proxy the usual cause is an expired proxy session: the proxy
  // answers with a redirect to the identity provider, which a same-origin
  // fetch refuses. Ask the dashboard whether it redirects; if so, reload the
  // page so the proxy can send the whole browser to sign in. Otherwise say
  // the dashboard did not answer, instead of failing silently.
  document.addEventListener("htmx:error", function (event) {
    var ctx = event.detail && event.detail.ctx;
    if (ctx && ctx.response) return; // an HTTP answer: htmx 4 swapped it, with its own banner
    fetch("/healthz", { redirect: "manual", cache: "no-store" })
      .then(function (r) {
        if (r.type === "opaqueredirect" || r.status === 401) {
          window.location.reload();
        } else {
          showUnreachable();
        }
      })
      .catch(showUnreachable);
  });

  function showUnreachable() {
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
  }
})();

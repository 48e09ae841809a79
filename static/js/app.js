// app.js: the dashboard's only script. Pages work without it (forms post and
// redirect); it opens the in-page Stop confirmation dialog and shows a banner
// when the dashboard itself cannot be reached. No inline handlers anywhere, so the
// Content-Security-Policy needs no 'unsafe-inline' or 'unsafe-eval'.

// The page's language (<html lang>: "en" or "zh-CN"), for Intl's formats.
var pageLang = document.documentElement.lang || "en";

// The words this script writes, in the page's language: the catalogs' js.*
// messages, which the server hands over in <script id="script-messages">
// (JSON data, never run). Read once; an htmx swap never replaces <head>.
var scriptMessages = (function () {
  var el = document.getElementById("script-messages");
  if (!el) return {};
  try {
    var m = JSON.parse(el.textContent);
    return m && typeof m === "object" ? m : {};
  } catch (e) {
    return {};
  }
})();

// msg is the message id in the page's language, its {name} placeholders
// filled from vars; the English fallback is only for an id the page lacks.
function msg(id, fallback, vars) {
  var s = Object.prototype.hasOwnProperty.call(scriptMessages, id) && typeof scriptMessages[id] === "string"
    ? scriptMessages[id] : fallback;
  if (!vars) return s;
  return s.replace(/\{(\w+)\}/g, function (all, name) {
    return Object.prototype.hasOwnProperty.call(vars, name) ? String(vars[name]) : all;
  });
}

// formatNumber writes a number the way the page's language does.
var formatNumber = (function () {
  var nf = null;
  try { nf = new Intl.NumberFormat(pageLang); } catch (e) {
    try { nf = new Intl.NumberFormat("en"); } catch (e2) { nf = null; }
  }
  return function (n) { return nf ? nf.format(n) : String(n); };
})();

// onEveryPage runs fn now (the script is deferred, so the page is parsed)
// and again after every swap htmx makes: for what is put right on whatever
// the page holds at the moment, script-only controls shown, counts, marks.
function onEveryPage(fn) {
  document.addEventListener("htmx:after:swap", fn);
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", fn);
  } else {
    fn();
  }
}

(function () {
  "use strict";

  // Styles that only make sense with this script (the filters apply on
  // change, so their Apply button goes) key on this class.
  document.documentElement.classList.add("js");

  // A Stop button (a GET form that, without JavaScript, leads to the
  // confirmation page) loads its dialog into #stop-dialog-slot with htmx;
  // open it as a modal once it is in the page.
  // A list row's Stop is a plain link to that page (views/listrow.go: no
  // htmx attributes, since every byte of a row is repeated a hundred
  // times); a click loads the same dialog, naming this list as the page
  // to come back to.
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("#task-rows a.btn-row[href]");
    if (!link || !window.htmx || event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    var url = new URL(link.getAttribute("href"), window.location.href);
    if (!url.searchParams.has("return_to")) url.searchParams.set("return_to", window.location.pathname + window.location.search);
    window.htmx.ajax("GET", url.pathname + url.search, { source: link, target: "#stop-dialog-slot", swap: "innerHTML" });
  });
  document.addEventListener("htmx:after:swap", function (event) {
    // Either a Stop button loaded the dialog, or a stop refused by the
    // dashboard itself (say, a reason too long) sent it back with the text.
    var source = event.target;
    if (!source || !source.matches || !source.matches("form.stop-open, a.btn-row, #batch-form, #stop-dialog-slot")) return;
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
  // The viewer may also pause the refreshing (a Pause button beside
  // "Updated"), to read a page that stands still; Resume refreshes at once.
  var paused = false;
  document.addEventListener("htmx:before:request", function (event) {
    if ((document.hidden || paused) && event.target && event.target.hasAttribute && event.target.hasAttribute("data-poll")) {
      event.preventDefault();
    }
  });
  // The rows' refresh says what the page holds (the state the last answer
  // left in #rows-state), so the dashboard answers "204 No Content" when
  // nothing changed and sends only the rows that did otherwise, a stub
  // (data-unchanged) in place of each row that did not: the morph keeps
  // those rows as they are. A 204 still means the rows were read, now.
  document.addEventListener("htmx:config:request", function (event) {
    var ctx = event.detail && event.detail.ctx;
    var state = document.getElementById("rows-state");
    if (!ctx || !state || !event.target || event.target.id !== "task-rows") return;
    ctx.request.headers["X-Rows-State"] = state.getAttribute("data-state") || "";
  });
  // The morph's per-node hook is an extension's, not a DOM event.
  if (window.htmx && typeof window.htmx.registerExtension === "function") {
    window.htmx.registerExtension("dcs-unchanged-rows", {
      htmx_before_morph_node: function (elt, detail) {
        var next = detail && detail.newNode;
        if (next && next.nodeType === 1 && next.hasAttribute("data-unchanged")) return false;
      }
    });
  }
  document.addEventListener("htmx:after:request", function (event) {
    var ctx = event.detail && event.detail.ctx;
    if (!ctx || !ctx.response || ctx.response.status !== 204 || !event.target || event.target.id !== "task-rows") return;
    var updated = document.getElementById("rows-updated");
    if (!updated) return;
    var now = new Date();
    updated.setAttribute("datetime", now.toISOString().replace(/\.\d+Z$/, "Z"));
    updated.textContent = now.toISOString().slice(11, 19) + " UTC";
    document.dispatchEvent(new Event("dcs:times-changed"));
  });
  function showPauseButtons() {
    document.querySelectorAll("button[data-refresh-toggle]").forEach(function (b) {
      b.hidden = false;
      b.setAttribute("aria-pressed", paused ? "true" : "false");
      b.textContent = paused ? msg("js.refresh.resume", "Resume") : msg("js.refresh.pause", "Pause");
    });
  }
  document.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-refresh-toggle]");
    if (!button) return;
    paused = !paused;
    showPauseButtons();
    if (!paused && window.htmx) {
      document.querySelectorAll("[data-poll]").forEach(function (el) { window.htmx.trigger(el, "poll-now"); });
    }
  });
  onEveryPage(showPauseButtons);
  document.addEventListener("visibilitychange", function () {
    if (document.hidden || !window.htmx) return;
    document.querySelectorAll("[data-poll]").forEach(function (el) {
      window.htmx.trigger(el, "poll-now");
    });
  });

  // "Stop selected" names how many boxes are ticked and is disabled while
  // none is; the header box ticks or clears every box on the page (and
  // shows "some" when some are). The rows' refresh morphs them, so ticked
  // boxes and focus survive it; this only recounts.
  function boxes() {
    return Array.prototype.slice.call(document.querySelectorAll('#task-rows input[name="task"]'));
  }
  function updateSelection() {
    var button = document.querySelector('#batch-form [data-testid="stop-selected"]');
    var all = document.getElementById("select-all");
    if (!button) return;
    var list = boxes();
    var ticked = list.filter(function (box) { return box.checked; }).length;
    button.disabled = ticked === 0;
    button.textContent = ticked === 0
      ? msg("js.batch.stop_selected", "Stop selected")
      : msg("js.batch.stop_n_selected", "Stop {n} selected", { n: formatNumber(ticked) });
    if (!all) return;
    all.hidden = false;
    all.disabled = list.length === 0;
    all.checked = list.length > 0 && ticked === list.length;
    all.indeterminate = ticked > 0 && ticked < list.length;
  }
  document.addEventListener("change", function (event) {
    var el = event.target;
    if (el && el.id === "select-all") {
      boxes().forEach(function (box) { box.checked = el.checked; });
    }
    if (el && (el.id === "select-all" || (el.name === "task" && el.type === "checkbox"))) updateSelection();
  });
  onEveryPage(updateSelection);

  // A stop refused or unanswered from a list row is told in the page's
  // alert area, where it stays until dismissed. Its row keeps a mark too;
  // the rows' refresh rewrites them, so the mark is put back after every
  // swap, until a later stop of that task gets an answer that is no alert.
  // A task is known by its row's id (views/listrow.go), row-TARGET-TASK.
  var refused = {};
  function refKey(target, id) { return "row-" + target + "-" + id; }
  function markRows() {
    // Each alert marks its task once: a later accepted stop clears the mark
    // even while the alert is still on the page.
    document.querySelectorAll("#client-alerts [data-alert-task]:not([data-marked])").forEach(function (item) {
      item.setAttribute("data-marked", "");
      refused[refKey(item.getAttribute("data-alert-target"), item.getAttribute("data-alert-task"))] = true;
    });
    document.querySelectorAll("#task-rows .task-state .banner-success, #task-rows .task-state .banner-info").forEach(function (b) {
      var state = b.closest(".task-state");
      delete refused[refKey(state.getAttribute("data-target"), state.getAttribute("data-task-id"))];
    });
    document.querySelectorAll('#task-rows > tr[id^="row-"]:not([data-unchanged])').forEach(function (row) {
      var on = !!refused[row.id];
      var cell = row.querySelector(".state-cell");
      var mark = cell && cell.querySelector(".refused-mark");
      if (on && cell && !mark) {
        mark = document.createElement("p");
        mark.className = "refused-mark";
        mark.setAttribute("data-testid", "refused-mark");
        mark.textContent = msg("js.refused.mark", "Last stop not accepted");
        cell.appendChild(mark);
      } else if (!on && mark) {
        mark.remove();
      }
    });
  }
  document.addEventListener("htmx:before:settle", markRows);
  document.addEventListener("htmx:after:swap", markRows);
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-dismiss-alert]");
    if (!button) return;
    var item = button.closest(".alert-item");
    if (item) item.remove();
  });

  // Copy buttons beside ids: shown only here, where they can work.
  function showCopyButtons() {
    if (!navigator.clipboard) return;
    document.querySelectorAll("button[data-copy][hidden]").forEach(function (b) { b.hidden = false; });
  }
  onEveryPage(showCopyButtons);
  document.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-copy]");
    if (!button) return;
    navigator.clipboard.writeText(button.getAttribute("data-copy")).then(function () {
      button.textContent = msg("js.copy.copied", "Copied");
      setTimeout(function () { button.textContent = msg("js.copy.copy", "Copy"); }, 1500);
    }, function () {
      button.textContent = msg("js.copy.failed", "Copy failed");
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
          reloadOnce();
        } else {
          showUnreachable();
        }
      })
      .catch(showUnreachable);
  });

  // Several requests may fail at once (a refresh and a click); the page
  // must be reloaded, and signed in again, only once.
  var reloading = false;
  function reloadOnce() {
    if (reloading) return;
    reloading = true;
    window.location.reload();
  }

  function showUnreachable() {
    var region = document.getElementById("client-alerts");
    if (!region) return;
    var old = document.getElementById("unreachable-alert");
    if (old) old.remove();
    var item = document.createElement("div");
    item.className = "alert-item";
    item.id = "unreachable-alert";
    var banner = document.createElement("div");
    banner.className = "banner banner-error";
    banner.setAttribute("role", "alert");
    banner.setAttribute("data-testid", "banner-error");
    var title = document.createElement("p");
    title.className = "banner-title";
    title.textContent = msg("js.unreachable.title", "The dashboard did not answer.");
    var text = document.createElement("p");
    text.className = "banner-text";
    text.textContent = msg("js.unreachable.text",
      "Nothing was changed by this page. Check your connection, then reload the page to see the current status before trying again.");
    banner.append(title, text);
    var dismiss = document.createElement("button");
    dismiss.type = "button";
    dismiss.className = "btn btn-quiet btn-small alert-dismiss";
    dismiss.setAttribute("data-dismiss-alert", "");
    dismiss.textContent = msg("js.alert.dismiss", "Dismiss");
    item.append(banner, dismiss);
    region.prepend(item);
  }
})();

// ---- Keyboard navigation of the task list --------------------------------
// "/" focuses the search box; "j" and "k" move a highlight over the task rows
// (the first press lands on the first row); Enter opens the highlighted task;
// Escape clears the highlight. No key here stops a task or opens the Stop
// dialog: stopping stays behind the Stop button and its confirmation.
// htmx replaces the table body while tasks are in progress, so the highlight
// is kept by task id and put back on the new row after every swap.
(function () {
  "use strict";

  // Rows are known by their id, row-TARGET-TASK (views/listrow.go).
  var ROW = '#task-rows > tr[id^="row-"]';
  var CURRENT = "row-current";
  var currentId = null;

  function rows() {
    return Array.prototype.slice.call(document.querySelectorAll(ROW));
  }

  function rowFor(id) {
    if (id === null) return null;
    var all = rows();
    for (var i = 0; i < all.length; i++) {
      if (all[i].id === id) return all[i];
    }
    return null;
  }

  // Mark the current task's row, and only it, on whatever rows are in the page now.
  function apply() {
    var found = false;
    rows().forEach(function (row) {
      var on = currentId !== null && row.id === currentId;
      row.classList.toggle(CURRENT, on);
      if (on) {
        row.setAttribute("aria-current", "true");
        found = true;
      } else if (row.hasAttribute("aria-current")) {
        row.removeAttribute("aria-current");
      }
    });
    // The task left the page (say, it no longer matches): nothing is highlighted.
    if (!found) currentId = null;
  }

  function move(step) {
    var all = rows();
    if (all.length === 0) return false;
    var index = -1;
    var current = rowFor(currentId);
    if (current) index = all.indexOf(current);
    var next = index < 0 ? 0 : Math.min(all.length - 1, Math.max(0, index + step));
    var row = all[next];
    currentId = row.id;
    apply();
    // A control focused elsewhere in the table (a Stop button reached with
    // Tab) would take Enter for itself; the highlight is where Enter goes now.
    var active = document.activeElement;
    if (active && active !== document.body && active.closest && active.closest(ROW) && !row.contains(active)) {
      active.blur();
    }
    if (typeof row.scrollIntoView === "function") row.scrollIntoView({ block: "nearest" });
    return true;
  }

  function clear() {
    if (currentId === null) return false;
    currentId = null;
    apply();
    return true;
  }

  function open() {
    var row = rowFor(currentId);
    var link = row && row.querySelector("td.name > a[href]");
    if (!link) return false;
    window.location.assign(link.href);
    return true;
  }

  // Keys typed into a field are the field's. A checkbox or a button takes no
  // text, so j and k still move the highlight while one has focus.
  var NOT_TEXT = ["checkbox", "radio", "button", "submit", "reset", "image"];
  function isTyping(el) {
    if (!el || el.nodeType !== 1) return false;
    if (el.isContentEditable) return true;
    if (el.tagName === "INPUT") return NOT_TEXT.indexOf((el.type || "").toLowerCase()) < 0;
    return !!(el.closest && el.closest("textarea, select, [contenteditable]:not([contenteditable='false'])"));
  }

  // Enter on a link, a button or any other control keeps its own meaning.
  function isControl(el) {
    return !!(el && el.nodeType === 1 && el.closest &&
      el.closest("a[href], button, input, select, textarea, summary, [role='button'], [role='link']"));
  }

  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.isComposing) return;
    if (event.ctrlKey || event.altKey || event.metaKey) return;
    var target = event.target;
    if (isTyping(target) || isTyping(document.activeElement)) return;
    if (document.querySelector("dialog[open]")) return;
    if (target && target.closest && target.closest("dialog")) return;

    var handled = false;
    switch (event.key) {
      case "/":
        var search = document.getElementById("q");
        if (search && typeof search.focus === "function") {
          search.focus();
          if (typeof search.select === "function") search.select();
          handled = true;
        }
        break;
      case "j":
        handled = move(1);
        break;
      case "k":
        handled = move(-1);
        break;
      case "Enter":
        if (event.shiftKey || isControl(target)) return;
        handled = open();
        break;
      case "Escape":
        handled = clear();
        break;
    }
    if (handled) event.preventDefault();
  });

  // The table body was replaced (or a row's status block was): put the
  // highlight back on the same task. before:settle runs right after the new
  // rows are inserted, so no frame is painted without it; after:swap is the
  // end of every swap.
  document.addEventListener("htmx:before:settle", function () {
    if (currentId !== null) apply();
  });
  document.addEventListener("htmx:after:swap", function () {
    if (currentId !== null) apply();
  });
})();

// ---- Times in the viewer's time zone --------------------------------------
// The server writes every time in UTC (<time datetime="...">...UTC</time>).
// Here each is shown in the zone the viewer chose (the browser's, UTC, or a
// named one; remembered in this browser), with how long ago beside it and
// UTC on hover. The rows' refreshes rewrite the times, so this runs again
// after every swap, and every 30 s for "how long ago".
(function () {
  "use strict";

  var KEY = "dcs-dashboard.time-zone";
  var BROWSER = "browser";
  // "How long ago" in the page's language ("15 minutes ago", "15分钟前").
  var rtf = null;
  if (typeof Intl.RelativeTimeFormat === "function") {
    try { rtf = new Intl.RelativeTimeFormat(pageLang, { numeric: "auto" }); } catch (e) {
      rtf = new Intl.RelativeTimeFormat("en", { numeric: "auto" });
    }
  }

  function chosen() {
    var z = null;
    try { z = window.localStorage.getItem(KEY); } catch (e) { /* storage off: the browser's zone */ }
    return z || BROWSER;
  }
  function zoneOf(choice) {
    return choice === BROWSER ? undefined : choice;
  }

  function ago(ms) {
    if (!rtf) return "";
    var s = Math.round((ms - Date.now()) / 1000);
    var a = Math.abs(s);
    if (a < 45) return rtf.format(Math.round(s), "second");
    if (a < 2700) return rtf.format(Math.round(s / 60), "minute");
    if (a < 64800) return rtf.format(Math.round(s / 3600), "hour");
    return rtf.format(Math.round(s / 86400), "day");
  }

  function localize() {
    var zone = zoneOf(chosen());
    var full, clock;
    try {
      full = new Intl.DateTimeFormat("sv-SE", { timeZone: zone, year: "numeric", month: "2-digit", day: "2-digit",
        hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false, timeZoneName: "short" });
      clock = new Intl.DateTimeFormat("sv-SE", { timeZone: zone, hour: "2-digit", minute: "2-digit", second: "2-digit",
        hour12: false, timeZoneName: "short" });
    } catch (e) {
      return; // a zone this browser does not know: the UTC text stays
    }
    document.querySelectorAll("time[datetime]").forEach(function (el) {
      var ms = Date.parse(el.getAttribute("datetime"));
      if (isNaN(ms)) return;
      var utc = new Date(ms).toISOString().replace("T", " ").slice(0, 19) + " UTC";
      var timeOnly = el.getAttribute("data-testid") === "updated-at";
      var text = (timeOnly ? clock : full).format(new Date(ms));
      if (!timeOnly) text += " · " + ago(ms);
      if (el.textContent !== text) el.textContent = text;
      if (el.title !== utc) el.title = utc;
    });
  }

  function setUp() {
    var select = document.getElementById("time-zone");
    if (!select || typeof Intl.DateTimeFormat !== "function") return;
    if (select.options.length === 0) {
      var zones = typeof Intl.supportedValuesOf === "function" ? Intl.supportedValuesOf("timeZone") : [];
      var browserZone = Intl.DateTimeFormat().resolvedOptions().timeZone || msg("js.tz.local", "local");
      [[BROWSER, msg("js.tz.browser", "This browser's ({zone})", { zone: browserZone })], ["UTC", msg("js.tz.utc", "UTC")]].concat(
        zones.filter(function (z) { return z !== "UTC"; }).map(function (z) { return [z, z]; })
      ).forEach(function (o) {
        var opt = document.createElement("option");
        opt.value = o[0];
        opt.textContent = o[1];
        select.appendChild(opt);
      });
    }
    select.value = chosen();
    if (select.value !== chosen()) select.value = BROWSER;
    select.closest(".tz-choice").hidden = false;
    localize();
  }

  document.addEventListener("change", function (event) {
    if (!event.target || event.target.id !== "time-zone") return;
    try { window.localStorage.setItem(KEY, event.target.value); } catch (e) { /* kept for this page only */ }
    localize();
  });
  document.addEventListener("htmx:before:settle", localize);
  document.addEventListener("dcs:times-changed", localize);
  onEveryPage(setUp);
  setInterval(localize, 30000);
})();

// Live updates for the SuperPlane console: every few seconds the page asks
// the server for itself again and swaps in the regions marked data-live that
// changed, keeping keyboard focus where it was. No framework, no inline
// script (the Content-Security-Policy allows only this file).
(function () {
  "use strict";
  var INTERVAL = 2000;
  var MAX_FAILURES = 30;
  var failures = 0;
  var timer = null;

  function status(text) {
    var el = document.getElementById("live-status");
    if (el && el.textContent !== text) {
      el.textContent = text;
    }
  }

  function swap(doc) {
    var focused = document.activeElement && document.activeElement.id;
    var changed = false;
    document.querySelectorAll("[data-live][id]").forEach(function (old) {
      var fresh = doc.getElementById(old.id);
      if (!fresh || fresh.innerHTML === old.innerHTML) {
        return;
      }
      // <details> the user opened stay open across a swap.
      var open = {};
      old.querySelectorAll("details[open]").forEach(function (d, i) {
        open[d.dataset.event || d.dataset.stageEvent || d.dataset.confirm || i] = true;
      });
      old.innerHTML = fresh.innerHTML;
      old.querySelectorAll("details").forEach(function (d, i) {
        if (open[d.dataset.event || d.dataset.stageEvent || d.dataset.confirm || i]) {
          d.open = true;
        }
      });
      changed = true;
    });
    if (changed && focused) {
      var again = document.getElementById(focused);
      if (again && document.activeElement !== again) {
        again.focus();
      }
    }
  }

  function poll() {
    fetch(window.location.href, {
      headers: { "X-Console-Live": "1" },
      credentials: "same-origin",
      cache: "no-store",
      redirect: "manual"
    }).then(function (resp) {
      if (resp.status === 401 || resp.type === "opaqueredirect") {
        status("Your session ended: reload the page to sign in again.");
        return null;
      }
      if (!resp.ok) {
        throw new Error("HTTP " + resp.status);
      }
      return resp.text();
    }).then(function (text) {
      if (text === null) {
        return;
      }
      failures = 0;
      status("");
      swap(new DOMParser().parseFromString(text, "text/html"));
      schedule();
    }).catch(function () {
      failures++;
      status("Live updates paused: the server did not answer. Retrying…");
      if (failures < MAX_FAILURES) {
        schedule();
      }
    });
  }

  function schedule() {
    clearTimeout(timer);
    timer = setTimeout(poll, document.hidden ? INTERVAL * 5 : INTERVAL);
  }

  document.addEventListener("DOMContentLoaded", function () {
    if (document.querySelector("[data-live]")) {
      schedule();
    }
  });
})();

// Forms marked data-api POST to the JSON API with the page's CSRF token in a header and show
// the answer next to the button instead of leaving the page (the model reload button).
"use strict";
(function () {
  for (const form of document.querySelectorAll("form[data-api]")) {
    form.addEventListener("submit", async function (ev) {
      ev.preventDefault();
      const status = form.querySelector("[data-role=status]");
      const csrf = form.querySelector("input[name=csrf]");
      status.textContent = "working…";
      try {
        const res = await fetch(form.action, {
          method: "POST",
          credentials: "same-origin",
          headers: { "X-CSRF-Token": csrf ? csrf.value : "" },
        });
        const data = await res.json().catch(function () { return {}; });
        if (res.ok) {
          status.textContent = "reloaded: version " + (data.version || "?");
          const v = document.getElementById("model-version");
          if (v && data.version) v.textContent = data.version;
        } else {
          status.textContent = "failed (" + res.status + "): " + (data.error || res.statusText);
        }
      } catch (e) {
        status.textContent = "failed: " + e;
      }
    });
  }
})();

// /live: keeps the table current from the Server-Sent Events at /live/events.
// Every value is attacker-influenced: it is only ever set as text (textContent), never HTML.
"use strict";
(function () {
  const body = document.getElementById("live-body");
  const status = document.getElementById("live-status");
  const empty = document.getElementById("live-empty");
  if (!body) return;
  const ENDED_KEPT_MS = 60000;
  const MAX_ROWS = 500;

  function fmtTime(iso) {
    return typeof iso === "string" ? iso.replace("T", " ").slice(0, 19) : "";
  }

  function cell(text, cls) {
    const td = document.createElement("td");
    if (cls) td.className = cls;
    td.textContent = text == null ? "" : String(text);
    return td;
  }

  function render(s) {
    const tr = document.createElement("tr");
    tr.dataset.session = s.id;
    if (s.ended) tr.classList.add("ended");
    const link = document.createElement("a");
    link.className = "sid";
    link.href = "/sessions/" + encodeURIComponent(s.id);
    link.textContent = s.id;
    const first = document.createElement("td");
    first.appendChild(link);
    const cmd = document.createElement("code");
    cmd.textContent = s.last_command || "";
    const last = document.createElement("td");
    last.appendChild(cmd);
    const strategy = document.createElement("td");
    strategy.className = "strategy";
    const settings = document.createElement("code");
    settings.textContent = s.strategy || "";
    strategy.appendChild(settings);
    tr.append(first, cell(fmtTime(s.started)), cell(s.protocol), cell(s.src_ip),
      cell(s.username || ""), cell(s.state), cell(s.class || ""), cell(s.phase || "", "phase"),
      strategy, cell(s.commands, "num"), last);
    tr.addEventListener("click", function (ev) {
      if (ev.target.tagName !== "A") window.location.href = link.href;
    });
    return tr;
  }

  function upsert(s) {
    const rows = body.querySelectorAll("tr");
    let old = null;
    for (const r of rows) if (r.dataset.session === s.id) old = r;
    const row = render(s);
    if (old) {
      body.replaceChild(row, old);
    } else {
      row.classList.add("fresh");
      body.insertBefore(row, body.firstChild);
    }
    // Ended sessions leave after a minute; a busy node never grows the page without bound.
    if (s.ended) {
      setTimeout(function () {
        if (row.parentNode === body) body.removeChild(row);
        empty.hidden = body.children.length > 0;
      }, ENDED_KEPT_MS);
    }
    while (body.children.length > MAX_ROWS) body.removeChild(body.lastChild);
    empty.hidden = body.children.length > 0;
  }

  // Rows rendered by the server become clickable too.
  for (const r of body.querySelectorAll("tr")) {
    const a = r.querySelector("a");
    if (a) r.addEventListener("click", function (ev) { if (ev.target.tagName !== "A") window.location.href = a.href; });
  }

  const source = new EventSource("/live/events");
  source.addEventListener("open", function () { status.textContent = "live"; });
  source.addEventListener("error", function () { status.textContent = "reconnecting…"; });
  source.addEventListener("session", function (ev) {
    try { upsert(JSON.parse(ev.data)); } catch (e) { /* a malformed update is skipped */ }
  });
})();

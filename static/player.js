// A small asciicast v2 player: plays a recording's output events into a <pre> as text.
// Escape sequences are interpreted just enough for a shell (carriage return, backspace, erase
// line, cursor left/right, clear screen); colours and everything else are dropped. Nothing is
// ever inserted as HTML, so whatever the attacker typed shows as text. A live session's page
// (data-live) keeps appending its terminal output as it happens.
"use strict";
(function () {
  const root = document.getElementById("player");
  if (!root) return;
  const screen = root.querySelector("[data-role=screen]");
  const status = root.querySelector("[data-role=status]");
  const MAX_LINES = 5000;
  const MAX_IDLE = 1.0; // seconds: long pauses in the recording are shortened to this

  // Terminal state: finished lines, the current line, and the cursor column in it.
  let lines = [], line = [], col = 0, pending = "";

  function newline() {
    lines.push(line.join(""));
    if (lines.length > MAX_LINES) lines.shift();
    line = []; col = 0;
  }

  function put(ch) {
    while (line.length < col) line.push(" ");
    line[col] = ch; col += 1;
  }

  function csi(params, final) {
    const n = parseInt(params, 10) || 1;
    switch (final) {
      case "K": if (params === "" || params === "0") line.length = Math.min(line.length, col); else if (params === "2") { line = []; } break;
      case "C": col += n; break;
      case "D": col = Math.max(0, col - n); break;
      case "G": col = Math.max(0, n - 1); break;
      case "J": if (params === "2" || params === "3") { lines = []; line = []; col = 0; } break;
      case "H": if (params === "" ) { /* home: keep text, the next clear does the work */ } break;
      default: break; // colours (m), modes (h, l) and the rest are dropped
    }
  }

  // Feeds output text through a small escape-sequence state machine.
  function feed(text) {
    let s = pending + text;
    pending = "";
    let i = 0;
    while (i < s.length) {
      const ch = s[i];
      if (ch === "\x1b") {
        if (i + 1 >= s.length) { pending = s.slice(i); return; }
        const next = s[i + 1];
        if (next === "[") {
          let j = i + 2;
          while (j < s.length && !/[@-~]/.test(s[j])) j++;
          if (j >= s.length) { pending = s.slice(i); return; }
          csi(s.slice(i + 2, j).replace(/^\?/, "?"), s[j]);
          i = j + 1;
        } else if (next === "]") {
          let j = i + 2;
          while (j < s.length && s[j] !== "\x07" && !(s[j] === "\x1b" && s[j + 1] === "\\")) j++;
          if (j >= s.length) { pending = s.slice(i); return; }
          i = s[j] === "\x07" ? j + 1 : j + 2;
        } else {
          i += 2;
        }
        continue;
      }
      if (ch === "\n") newline();
      else if (ch === "\r") col = 0;
      else if (ch === "\b") col = Math.max(0, col - 1);
      else if (ch === "\t") { do { put(" "); } while (col % 8 !== 0); }
      else if (ch >= " " || ch > "\x7f") put(ch);
      i++;
    }
  }

  function draw() {
    screen.textContent = lines.concat([line.join("")]).join("\n");
    screen.scrollTop = screen.scrollHeight;
  }

  let events = [], next = 0, timer = null, speed = 2;

  function step() {
    timer = null;
    if (next >= events.length) { status.textContent = "end"; return; }
    feed(events[next][2]);
    draw();
    const prev = events[next][0];
    next += 1;
    if (next >= events.length) { status.textContent = "end"; return; }
    const gap = Math.min(Math.max(events[next][0] - prev, 0), MAX_IDLE) / speed;
    timer = setTimeout(step, gap * 1000);
  }

  function play() { if (!timer && next < events.length) { status.textContent = "playing"; step(); } }
  function pause() { if (timer) { clearTimeout(timer); timer = null; status.textContent = "paused"; } }
  function toEnd() {
    pause();
    while (next < events.length) { feed(events[next][2]); next += 1; }
    draw();
    status.textContent = "end";
  }

  root.querySelector("[data-action=play]").addEventListener("click", play);
  root.querySelector("[data-action=pause]").addEventListener("click", pause);
  root.querySelector("[data-action=end]").addEventListener("click", toEnd);
  root.querySelector("[data-action=speed]").addEventListener("change", function (ev) {
    speed = parseFloat(ev.target.value) || 1;
  });

  // A live session (data-live): after the recording so far, its terminal output as it is
  // written, from the server's event stream. Output arriving while the recording loads waits
  // in `early` (it may repeat the recording's last bytes; nothing is lost).
  let live = null, early = [], loaded = false;
  function liveOutput(text) {
    if (!loaded) { early.push(text); return; }
    feed(text); draw();
  }
  if (root.dataset.live && window.EventSource) {
    live = new EventSource(root.dataset.live, { withCredentials: true });
    live.addEventListener("output", function (ev) {
      try { liveOutput(JSON.parse(ev.data)); } catch (err) { /* a broken frame is skipped */ }
    });
    live.addEventListener("end", function () { live.close(); status.textContent = "session ended"; });
    live.onerror = function () { if (live.readyState === EventSource.CLOSED && loaded) status.textContent = "not live"; };
  }
  function goLive() {
    loaded = true;
    if (!live) return;
    toEnd();
    early.forEach(feed); early = [];
    draw();
    if (live.readyState !== EventSource.CLOSED) status.textContent = "live";
  }

  status.textContent = "loading…";
  fetch(root.dataset.cast, { credentials: "same-origin" })
    .then(function (res) { if (!res.ok) throw new Error("HTTP " + res.status); return res.text(); })
    .then(function (text) {
      const rows = text.split("\n");
      for (let k = 1; k < rows.length; k++) {
        if (!rows[k].trim()) continue;
        try {
          const e = JSON.parse(rows[k]);
          if (Array.isArray(e) && e[1] === "o" && typeof e[2] === "string") events.push(e);
        } catch (err) { /* a broken line is skipped */ }
      }
      status.textContent = events.length + " output events";
      if (live) goLive(); else play();
    })
    .catch(function (err) {
      status.textContent = "cannot load the recording: " + err.message;
      if (live) goLive();
    });
})();

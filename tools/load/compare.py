#!/usr/bin/env python3
"""Issue 7 load comparison: Mirage vs a bare russh server vs Cowrie, on this machine.

Starts the three servers on loopback ports, then runs each `mirage-load` mode against each
server in turn, interleaved (Mirage, bare, Cowrie, Mirage, bare, Cowrie, ...), for several
rounds, and prints one Markdown table: the median of each server's rounds and the median of the
per-round ratios (ratios from runs seconds apart survive a noisy machine better than absolute
numbers). After the rounds, `churn` (100,000 short sessions opened and closed, RSS sampled
every tenth) runs once on Mirage and once on the bare server: a few minutes in all. Raw reports
go to --out as JSON.

    CARGO_TARGET_DIR=/work/tgt-rel cargo build --release --bin mirage --bin mirage-load
    python3 tools/load/compare.py --bin-dir /work/tgt-rel/release --out /tmp/load.json

Cowrie comes from PyPI into a throwaway virtualenv (--cowrie-venv, created if missing with
/usr/bin/python3 -m venv and `pip install cowrie`). Cowrie refuses to run as root, so when this
script runs as root Cowrie runs as `nobody` (via setpriv); its venv and work directory must be
readable by that user. Everything listens on 127.0.0.1 only and is stopped at the end.

Mirage runs with its defaults (SQLite store, JSON log, asciicast recordings) except: no
next-command models unless --models-dir names trained ones; and
reflexes off, because the built-in `line-flood` reflex adds 300-1500 ms to each line once one
address has typed 150 lines (a load tool on 127.0.0.1 is exactly that), and the HTTP decoy's
injected latency is irrelevant to SSH. Cowrie runs with its defaults too (JSON log, tty logs).
"""

import argparse
import json
import os
import platform
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SERVERS = ("mirage", "bare", "cowrie")
PASSWORD = "hunter2"


NOFILE = None


def raise_nofile():
    """Runs in each server's child before exec: the same open-files limit for all three."""
    if NOFILE:
        resource.setrlimit(resource.RLIMIT_NOFILE, (NOFILE, NOFILE))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, proc, what, limit=120):
    deadline = time.time() + limit
    while time.time() < deadline:
        if proc.poll() is not None:
            sys.exit(f"{what} exited early ({proc.returncode}); see its log")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
                s.settimeout(5)
                if s.recv(4).startswith(b"SSH-"):
                    return
        except OSError:
            pass
        time.sleep(0.2)
    sys.exit(f"{what} did not listen on {port} within {limit} s")


class Server:
    def __init__(self, name, proc, port, log):
        self.name, self.proc, self.port, self.log = name, proc, port, log

    @property
    def pid(self):
        return self.proc.pid

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def start_mirage(bin_dir, work, models_dir):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("MIRAGE_")}
    env.update(
        MIRAGE_DATA_DIR=str(work / "mirage-data"),
        MIRAGE_SSH_LISTEN=f"127.0.0.1:{port}",
        MIRAGE_HTTP_LISTEN=f"127.0.0.1:{free_port()}",
        MIRAGE_ADMIN_LISTEN=f"127.0.0.1:{free_port()}",
        MIRAGE_MODELS_DIR=str(models_dir or (work / "no-models")),
        MIRAGE_REFLEX_ENABLED="false",
        # The static honeypot: Layer 3 would draw latency profiles (human jitter, slow disk)
        # and richer hosts per session; the targets are without injected latency.
        MIRAGE_STRATEGY_MODE="off",
        # The load tool holds thousands of sessions from 127.0.0.1: no session caps.
        MIRAGE_SSH_MAX_SESSIONS="0",
        MIRAGE_SSH_MAX_SESSIONS_PER_IP="0",
    )
    log = open(work / "mirage.log", "wb")
    proc = subprocess.Popen(
        [str(bin_dir / "mirage"), "run"], env=env, stdout=log, stderr=log, cwd=work,
        preexec_fn=raise_nofile,
    )
    wait_port(port, proc, "mirage")
    return Server("mirage", proc, port, work / "mirage.log")


def start_bare(bin_dir, work):
    port = free_port()
    log = open(work / "bare.log", "wb")
    proc = subprocess.Popen(
        [str(bin_dir / "mirage-load"), "bare-server", "--listen", f"127.0.0.1:{port}"],
        stdout=log,
        stderr=log,
        preexec_fn=raise_nofile,
    )
    wait_port(port, proc, "bare-server")
    return Server("bare", proc, port, work / "bare.log")


def ensure_cowrie(venv):
    cowrie = venv / "bin" / "cowrie"
    if not cowrie.exists():
        print(f"installing Cowrie from PyPI into {venv} ...", file=sys.stderr)
        subprocess.run(["/usr/bin/python3", "-m", "venv", str(venv)], check=True)
        subprocess.run(
            [str(venv / "bin" / "pip"), "install", "-q", "cowrie"], check=True
        )
    version = subprocess.run(
        [str(venv / "bin" / "python"), "-c",
         "import importlib.metadata as m; print(m.version('cowrie'))"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()
    return cowrie, version


def start_cowrie(venv, work):
    cowrie, version = ensure_cowrie(venv)
    home = work / "cowrie"
    for d in ("etc", "var/log/cowrie", "var/lib/cowrie/downloads", "var/lib/cowrie/tty", "var/run"):
        (home / d).mkdir(parents=True, exist_ok=True)
    port = free_port()
    (home / "etc" / "cowrie.cfg").write_text(
        "[honeypot]\nhostname = svr04\n"
        f"[ssh]\nlisten_endpoints = tcp:{port}:interface=127.0.0.1\n"
        "[telnet]\nenabled = false\n"
    )
    # Cowrie's own userdb format: root logs in with any password.
    (home / "etc" / "userdb.txt").write_text("root:x:*\n")
    env = {
        "PATH": f"{venv / 'bin'}:/usr/bin:/bin",
        "COWRIE_STDOUT": "yes",
        "HOME": str(home),
    }
    cmd = [str(cowrie), "start"]
    if os.geteuid() == 0:
        shutil.chown(work, "nobody")
        for root, dirs, files in os.walk(home):
            for name in [root, *(os.path.join(root, n) for n in dirs + files)]:
                shutil.chown(name, "nobody")
        # setpriv execs (no fork), and `cowrie start` execs twistd: the PID is Cowrie's.
        cmd = ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", "--"] + cmd
    log = open(work / "cowrie.log", "wb")
    proc = subprocess.Popen(cmd, env=env, cwd=home, stdout=log, stderr=log,
                            preexec_fn=raise_nofile)
    wait_port(port, proc, "cowrie")
    server = Server("cowrie", proc, port, work / "cowrie.log")
    server.version = version
    return server


def load(bin_dir, mode, server, args, limit):
    cmd = [
        str(bin_dir / "mirage-load"), mode, "--json",
        "--target", f"127.0.0.1:{server.port}", "--password", PASSWORD,
        "--server-pid", str(server.pid), *args,
    ]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=limit,
                         preexec_fn=raise_nofile)
    if out.returncode != 0:
        return {"error": out.stderr.strip()[-500:]}
    return json.loads(out.stdout)


def metric(report, path):
    if path == "fds_per_session":
        if not report.get("opened") or report.get("fds_open") is None:
            return None
        return (report["fds_open"] - report["fds_before"]) / report["opened"]
    value = report
    for key in path.split("."):
        if not isinstance(value, dict) or value.get(key) is None:
            return None
        value = value[key]
    return value


# (mode, label, path in the report, higher is better)
ROWS = [
    ("handshake", "handshakes/s (wall)", "handshakes_per_second", True),
    ("handshake", "handshakes per server-CPU-s", "handshakes_per_server_cpu_second", True),
    ("interactive", "commands/s (wall)", "commands_per_second", True),
    ("interactive", "commands per server-CPU-s", "commands_per_server_cpu_second", True),
    ("interactive", "command latency p50 (ms)", "latency.p50_ms", False),
    ("interactive", "command latency p99 (ms)", "latency.p99_ms", False),
    ("interactive", "command latency max (ms)", "latency.max_ms", False),
    ("idle", "KiB per idle session", "kib_per_session", False),
    ("idle", "server fds per idle session", "fds_per_session", False),
]


def fmt(x):
    if x is None:
        return "-"
    if abs(x) >= 100:
        return f"{x:,.0f}"
    return f"{x:.2f}"


def table(results, servers, rounds):
    lines = [
        "| mode | metric | " + " | ".join(servers) + " | "
        + " | ".join(f"mirage / {s}" for s in servers if s != "mirage") + " |",
        "|---|---|" + "---|" * (len(servers) * 2 - 1),
    ]
    for mode, label, path, _ in ROWS:
        per_server = {
            s: [metric(results[r][mode][s], path) for r in range(rounds)] for s in servers
        }
        cells = []
        for s in servers:
            vals = [v for v in per_server[s] if v is not None]
            cells.append(
                "-" if not vals else fmt(statistics.median(vals))
                + (f" ({fmt(min(vals))}–{fmt(max(vals))})" if len(vals) > 1 else "")
            )
        for s in servers:
            if s == "mirage":
                continue
            ratios = [
                m / o for m, o in zip(per_server["mirage"], per_server[s])
                if m is not None and o not in (None, 0)
            ]
            cells.append(
                "-" if not ratios else f"{statistics.median(ratios):.3g}"
                + (f" ({min(ratios):.3g}–{max(ratios):.3g})" if len(ratios) > 1 else "")
            )
        lines.append(f"| {mode} | {label} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--bin-dir", type=Path,
                   default=Path(os.environ.get("CARGO_TARGET_DIR", REPO / "target")) / "release")
    p.add_argument("--cowrie-venv", type=Path, default=Path("/tmp/cowrie-venv"))
    p.add_argument("--servers", default="mirage,bare,cowrie", help="which of mirage,bare,cowrie")
    p.add_argument("--models-dir", type=Path,
                   help="Mirage's models.dir (default: an empty directory, so no next-command model)")
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--modes", default="handshake,interactive,idle,churn",
                   help="handshake, interactive and idle run every round; churn runs once per "
                        "server (Mirage, then bare) after the rounds")
    p.add_argument("--duration", type=float, default=10.0, help="seconds per handshake/interactive run")
    p.add_argument("--concurrency", type=int, default=4, help="handshakes in flight")
    p.add_argument("--sessions", type=int, default=20, help="busy interactive shells")
    p.add_argument("--idle-sessions", type=int, default=1000)
    p.add_argument("--churn-sessions", type=int, default=100000,
                   help="churn: sessions opened and closed per server (~1-2 min per 100,000 "
                        "on Mirage at 1-2k sessions/s); RSS sampled after the first tenth "
                        "and at every tenth after it")
    p.add_argument("--churn-concurrency", type=int, default=8, help="churn: sessions in flight")
    p.add_argument("--hold-sessions", type=int, default=10000,
                   help="after the rounds: idle sessions opened and held on Mirage and bare (0: skip)")
    p.add_argument("--nofile", type=int, default=0,
                   help="open-files limit (soft = hard) for every server and the load tool; "
                        "raising the hard limit needs root. 0: inherit")
    p.add_argument("--out", type=Path, help="raw reports as JSON")
    a = p.parse_args()
    # The servers run in a scratch directory: a relative --bin-dir must not move with them.
    a.bin_dir = a.bin_dir.resolve()
    global NOFILE
    NOFILE = a.nofile or None
    for b in ("mirage", "mirage-load"):
        if not (a.bin_dir / b).exists():
            sys.exit(f"{a.bin_dir / b} missing: build with cargo build --release --bin mirage --bin mirage-load")
    modes = [m for m in a.modes.split(",") if m]
    work = Path(tempfile.mkdtemp(prefix="mirage-compare-"))
    os.chmod(work, 0o755)
    servers = {}
    try:
        wanted = a.servers.split(",")
        if "mirage" not in wanted:
            sys.exit("--servers must include mirage: the table compares it with the others")
        servers["mirage"] = start_mirage(a.bin_dir, work, a.models_dir)
        if "bare" in wanted:
            servers["bare"] = start_bare(a.bin_dir, work)
        if "cowrie" in wanted:
            servers["cowrie"] = start_cowrie(a.cowrie_venv, work)
        names = [s for s in SERVERS if s in servers]
        start = {
            "mirage": lambda: start_mirage(a.bin_dir, work, a.models_dir),
            "bare": lambda: start_bare(a.bin_dir, work),
            "cowrie": lambda: start_cowrie(a.cowrie_venv, work),
        }
        machine = {
            "cpu": next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo")
                         if l.startswith("model name")), "?"),
            "cores": os.cpu_count(),
            "kernel": platform.release(),
            "loadavg_start": open("/proc/loadavg").read().split()[:3],
            "commit": subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"],
                                     capture_output=True, text=True).stdout.strip(),
            "cowrie": getattr(servers.get("cowrie"), "version", None),
        }
        print(f"# machine: {machine}", file=sys.stderr)
        results = []
        for r in range(a.rounds):
            round_results = {m: {} for m in ("handshake", "interactive", "idle")}
            for mode in modes:
                if mode == "churn":
                    continue
                for name in names:
                    server = servers[name]
                    if mode == "handshake":
                        args = ["--duration", str(a.duration), "--concurrency", str(a.concurrency)]
                    elif mode == "interactive":
                        args = ["--duration", str(a.duration), "--sessions", str(a.sessions)]
                    else:
                        args = ["--sessions", str(a.idle_sessions), "--parallel", "16"]
                        # RSS per idle session is measured on a fresh process: memory an
                        # allocator kept from earlier loads would make the next sessions
                        # look free.
                        server.stop()
                        server = servers[name] = start[name]()
                    t = time.time()
                    rep = load(a.bin_dir, mode, server, args, limit=900)
                    round_results[mode][name] = rep
                    print(f"round {r + 1} {mode:<11} {name:<6} {time.time() - t:5.1f}s "
                          f"{json.dumps(rep)}", file=sys.stderr)
            results.append(round_results)
        churn = {}
        if "churn" in modes and a.churn_sessions:
            for name in [n for n in ("mirage", "bare") if n in servers]:
                t = time.time()
                rep = load(a.bin_dir, "churn", servers[name],
                           ["--sessions", str(a.churn_sessions),
                            "--concurrency", str(a.churn_concurrency),
                            "--warmup", str(max(1, a.churn_sessions // 10)), "--timeout", "10"],
                           limit=3600)
                churn[name] = rep
                print(f"churn {name} {time.time() - t:5.1f}s {json.dumps(rep)}", file=sys.stderr)
        hold = {}
        if a.hold_sessions:
            for name in [n for n in ("mirage", "bare") if n in servers]:
                rep = load(a.bin_dir, "idle", servers[name],
                           ["--sessions", str(a.hold_sessions), "--parallel", "32",
                            "--settle", "5", "--hold", "30", "--timeout", "10"], limit=1800)
                hold[name] = rep
                print(f"hold {name} {json.dumps(rep)}", file=sys.stderr)
        machine["loadavg_end"] = open("/proc/loadavg").read().split()[:3]
        for name, server in servers.items():
            if server.proc.poll() is not None:
                print(f"WARNING: {name} died during the run; see {server.log}", file=sys.stderr)
        print(f"machine: {machine['cpu']}, {machine['cores']} cores, kernel {machine['kernel']}, "
              f"commit {machine['commit']}, Cowrie {machine['cowrie']}, load average "
              f"{' '.join(machine['loadavg_start'])} at start, {' '.join(machine['loadavg_end'])} at end")
        print(f"{a.rounds} interleaved rounds; cells: median (min–max) over rounds; "
              "ratios: median (min–max) of per-round ratios\n")
        present = [m for m in ("handshake", "interactive", "idle") if m in modes]
        global ROWS
        ROWS = [row for row in ROWS if row[0] in present]
        print(table(results, names, a.rounds))
        for name, rep in churn.items():
            samples = ", ".join(f"{s['sessions']:,}: {s['rss_kib']:,}"
                                for s in rep.get("samples", []))
            print(f"\nchurn {a.churn_sessions:,} sessions on {name}: {rep.get('completed')} closed "
                  f"({rep.get('failed')} failed, {rep.get('skipped')} not tried) at "
                  f"{fmt(rep.get('sessions_per_second'))}/s, "
                  f"{fmt(rep.get('sessions_per_server_cpu_second'))} per server-CPU-s; RSS "
                  f"{rep.get('rss_warmup_kib')} KiB after the warm-up, {rep.get('rss_end_kib')} at "
                  f"the end (peak {rep.get('rss_peak_kib')}): growth {fmt(rep.get('growth_percent'))} % "
                  f"({fmt(rep.get('fitted_growth_percent'))} % fitted; "
                  f"{fmt(rep.get('slope_bytes_per_session'))} bytes per session, "
                  f"{fmt(rep.get('slope_second_half_bytes_per_session'))} in the second half); "
                  f"server fds "
                  f"{rep.get('fds_start')} -> {rep.get('fds_end')}; RSS KiB by sessions: {samples}"
                  + (f", first error: {rep['first_error']}" if rep.get("first_error") else "")
                  + (f", error: {rep['error']}" if rep.get("error") else ""))
        for name, rep in hold.items():
            print(f"\nhold {a.hold_sessions} idle sessions on {name}: opened {rep.get('opened')} "
                  f"({rep.get('failed')} failed, {rep.get('skipped')} not tried), "
                  f"still up after 30 s {rep.get('held')}, {fmt(rep.get('kib_per_session'))} KiB each, "
                  f"RSS {rep.get('rss_before_kib')} -> {rep.get('rss_after_kib')} KiB, "
                  f"opened in {fmt(rep.get('open_seconds'))} s, server fds {rep.get('fds_before')} -> "
                  f"{rep.get('fds_open')} -> {rep.get('fds_after_close')} after closing"
                  + (f", first error: {rep['first_error']}" if rep.get("first_error") else "")
                  + (f", error: {rep['error']}" if rep.get("error") else ""))
        if a.out:
            a.out.write_text(json.dumps({"machine": machine, "args": vars(a) | {"bin_dir": str(a.bin_dir), "cowrie_venv": str(a.cowrie_venv), "out": str(a.out)},
                                         "rounds": results, "churn": churn, "hold": hold}, indent=1))
    finally:
        for server in servers.values():
            server.stop()
        print(f"(logs in {work})", file=sys.stderr)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Writes the replay benchmark's recon mix: 200 scenario files of 20 recon commands each.

    python3 tools/recon_mix.py DIR
    MIRAGE_BENCH_DIR=DIR MIRAGE_BENCH_COPIES=10 cargo bench --bench replay
"""
import pathlib
import sys

COMMANDS = [
    "uname -a", "cat /proc/cpuinfo | grep name | wc -l", "free -m | grep Mem | awk '{print $2}'",
    "w", "ls -lh", "ps aux | head -5", "df -h", "id", "whoami", "cat /etc/passwd | head -3",
    "uptime", "hostname", "ls -la /tmp", "cat /etc/os-release | head -2", "nproc",
    "ip a | grep inet", "echo ok", "pwd", "lscpu | head -5", "last | head -3",
]

out = pathlib.Path(sys.argv[1])
out.mkdir(parents=True, exist_ok=True)
for i in range(200):
    lines = [
        "version: 1", f"name: recon-{i}", f"seed: {i % 4}", "attacker:",
        f"  ip: 203.0.113.{i % 250 + 1}", "  credentials:",
        "    - {username: root, password: toor}", "steps:",
    ]
    for command in COMMANDS:
        quoted = "'" + command.replace("'", "''") + "'"
        lines += [f"  - input: {quoted}", "    delay: 0.5"]
    (out / f"recon-{i:03d}.yaml").write_text("\n".join(lines) + "\n")

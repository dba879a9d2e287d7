#!/usr/bin/env python3
"""Writes the replay benchmark's corpus mix: every SSH session of a corpus file (the format of
shared/data/README.md) with at least one command, as a scenario file of its commands and their
recorded pauses (1 s where the corpus has none, at most 60 s), logging in with the session's
own credentials first and then with one the node accepts. No expectations: a benchmark input.

    python3 tools/corpus_mix.py ../shared/data/sessions-train.jsonl DIR
    MIRAGE_BENCH_DIR=DIR MIRAGE_BENCH_COPIES=1 cargo bench --bench replay

The files hold the corpus's real commands (URLs and addresses included): write them outside
the repository. Replaying them fetches and runs nothing (sample fetching is off).
"""
import json
import pathlib
import sys


def main():
    corpus, out = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
    out.mkdir(parents=True, exist_ok=True)
    written = commands = 0
    for number, line in enumerate(corpus.open(encoding="utf-8")):
        session = json.loads(line)
        steps = [c for c in session.get("commands") or [] if c.get("input")]
        if session.get("protocol", "ssh") != "ssh" or not steps:
            continue
        lines = [
            "version: 1",
            f"name: corpus-{number:05d}",
            f"seed: {number % 4}",
            "attacker:",
            f"  ip: 198.18.{number // 250 % 250}.{number % 250 + 1}",
        ]
        if session.get("client_version"):
            lines.append(f"  client: {json.dumps(session['client_version'])}")
        lines.append("  credentials:")
        if session.get("username") is not None and session.get("password") is not None:
            lines.append(
                f"    - {{username: {json.dumps(session['username'])}, "
                f"password: {json.dumps(session['password'])}}}"
            )
        lines += ["    - {username: root, password: mirage-bench}", "steps:"]
        previous = 0.0
        for command in steps:
            at = command.get("t")  # seconds since the session started, or null
            delay = 1.0 if at is None or previous is None else min(max(at - previous, 0.0), 60.0)
            previous = at if at is not None else previous
            lines += [f"  - input: {json.dumps(command['input'])}", f"    delay: {delay:.3f}"]
        (out / f"corpus-{number:05d}.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
        written += 1
        commands += len(steps)
    print(f"{written} scenarios, {commands} commands in {out}")


if __name__ == "__main__":
    main()

"""``make bench``: performance figures, printed (never pass/fail).

In one run, on this machine:

1. **baseline** — a plain Rasa project (``bench/baseline``: character n-gram logistic
   regression, rules, no actions, Rasa's defaults), the same return conversation's six
   messages over REST at the same concurrency.
2. **embedded** — the product as ``make run`` starts it (the launcher's commands: one Rasa
   server, one action server, SQLite) on a scratch database under ``var/bench/``: whole
   return conversations over REST at ``BENCH_CONCURRENCY`` (20), then over the WeChat
   webhook at ``WECHAT_CONCURRENCY`` (50) senders with a fake WeChat API receiving the
   answers.
3. **prod** — the production profile (``bot.prod.stack.prod_stack``: two Rasa replicas, two
   action servers, nginx, PostgreSQL, Redis lock store, RabbitMQ events) on a scratch
   PostgreSQL database: the same two loads, then a soak of ``SOAK_SECONDS`` (60; the
   issue's ten minutes: ``make bench SOAK_SECONDS=600``) with every process's memory
   (RSS) at its start and end.
4. **review** — the leads' conversation list at ``REVIEW_COUNT`` (100,000) conversations
   (``bot.bench.review_list``) on SQLite and on PostgreSQL.

Each load phase runs ``BENCH_SECONDS`` (30) after a short warm-up; every conversation
uses a fresh bench customer (``bot.bench.seeding``) and a photo never sent before.
Webhook rate limits (``RATE_LIMIT_*``) are raised for the load: every simulated customer
comes from 127.0.0.1. ``BENCH_PHASES=baseline,embedded`` runs a subset. The summary is
printed and kept in ``var/bench/summary.{txt,json}``; server logs in ``var/bench/*/``.
"""
from __future__ import annotations

import json
import os
import sys
from dataclasses import asdict
from datetime import datetime, timezone

from bot.bench.figures import Report, machine
from bot.bench.options import Options
from bot.bench.phases import run_baseline, run_embedded, run_prod, run_review
from bot.bench.processes import BENCH_DIR
from bot.bench.progress import progress
from bot.bench.summary import summary


def main() -> int:
    """Runs the phases ``BENCH_PHASES`` names, prints the summary and keeps it.

    Returns:
        The exit status: 2 for an unknown phase, else 0 (a failed phase is a note).
    """
    options = Options()
    report = Report(datetime.now(timezone.utc).astimezone().strftime("%Y-%m-%d %H:%M %Z"),
                    machine(), {k: v for k, v in asdict(options).items()})
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    phases = {"baseline": run_baseline, "embedded": run_embedded, "prod": run_prod,
              "review": run_review}
    for name in options.phases:
        if name not in phases:
            print(f"unknown phase {name!r} (BENCH_PHASES: {', '.join(phases)})", file=sys.stderr)
            return 2
        report.loadavg[name] = round(os.getloadavg()[0], 2)
        try:
            phases[name](options, report)
        except Exception as error:  # noqa: BLE001 (report it, go on with the others)
            report.notes.append(f"{name} failed: {type(error).__name__}: {error}")
            progress(f"{name}: FAILED — {error}")
    text = summary(report)
    print("\n" + text)
    (BENCH_DIR / "summary.txt").write_text(text + "\n", encoding="utf-8")
    (BENCH_DIR / "summary.json").write_text(json.dumps(asdict(report), ensure_ascii=False,
                                                       indent=1, default=str), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())

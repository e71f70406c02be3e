"""The summary a ``make bench`` run prints and keeps in ``var/bench/summary.txt``: the
loads' table against the baseline, WeChat answers, the load generator's CPU, cases,
errors, memory, the review list, the issue's goals and the notes."""
from __future__ import annotations

import os

from bot.bench.figures import Report
from bot.bench.stats import fmt, ratio


def summary(report: Report) -> str:
    """The run's summary as printed, one figure per line or table row."""
    lines = [f"make bench — {report.started} — {report.machine}",
             f"  {report.options}", ""]
    baseline = report.load("baseline", "REST")
    header = (f"{'profile':<11} {'channel':<7} {'conc':>4} {'msgs':>6} {'msg/s':>7} "
              f"{'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} {'errors':>6} {'conv ok':>9} "
              f"{'vs base':>7}")
    lines += [header, "-" * len(header)]
    for f in report.loads:
        vs = ratio(f.throughput, baseline.throughput if baseline else None)
        latency = f.latency
        label = f.channel + (" ack" if f.channel == "WeChat" else "")
        lines.append(
            f"{f.profile:<11} {label:<7} {f.concurrency:>4} {f.messages:>6} "
            f"{f.throughput:>7.1f} {fmt(latency.p50):>7} {fmt(latency.p95):>7} "
            f"{fmt(latency.p99):>7} {sum(f.errors.values()):>6} "
            f"{f.conversations_completed:>4}/{f.conversations_started:<4} "
            f"{fmt(vs, 2) if f.channel == 'REST' and f.profile != 'baseline' else '':>7}")
    wechat = [f for f in report.loads if f.channel == "WeChat"]
    if wechat:
        lines += ["", "WeChat answers (POST to the expected reply at the fake API):"]
        for f in wechat:
            a = f.answer_latency
            lines.append(f"  {f.profile}: answered {f.answered}/{f.sent} messages; answer "
                         f"p50 {fmt(a.p50)} ms, p95 {fmt(a.p95)} ms, p99 {fmt(a.p99)} ms")
    shares = [f"{f.profile} {f.channel} {f.client_cpu:.0%}" for f in report.loads
              if f.client_cpu is not None]
    if shares:
        lines += ["", "The load generator's own CPU (share of one core; it runs on the same "
                  "machine): " + ", ".join(shares)]
    for profile, cases in report.cases.items():
        lines.append(f"Cases ({profile}): {cases['cases']} opened by bench customers for "
                     f"{cases['completed']} completed conversations (warm-ups included); "
                     f"customers with two cases: {cases['customers_with_two']}")
    errors = [(f, f.errors) for f in report.loads if f.errors]
    if errors:
        lines += ["", "Errors:"]
        lines += [f"  {f.profile} {f.channel}: " + ", ".join(f"{k} ×{v}" for k, v in e.items())
                  for f, e in errors]
    if report.memory:
        lines += ["", "Memory (RSS) per process, start → end (embedded: over its two load "
                  "phases; prod: over the soak"
                  + (f", {report.soak_seconds:.0f} s" if report.soak_seconds else "") + "):"]
        for name, kb in report.memory.items():
            growth = (kb["end"] - kb["start"]) / kb["start"] * 100 if kb["start"] else 0
            lines.append(f"  {name:<22} {kb['start'] / 1024:7.1f} MB → {kb['end'] / 1024:7.1f} MB"
                         f"  ({growth:+.1f}%)")
    for label, figures in report.review.items():
        if figures:
            slowest = max(figures, key=figures.get)
            lines.append(f"\nLeads' conversation list, {report.options['review_count']:,} "
                         f"conversations on {label}: slowest p95 {figures[slowest]:.1f} ms "
                         f"({slowest}); all: " + ", ".join(f"{v:.0f}" for v in figures.values())
                         + " ms")
    goals = ["", "The issue's goals, for reading the figures (not checked): embedded REST x20 ≥ 60 "
             "msg/s, p99 ≤ 600 ms, ≥ 0.8 of the baseline's msg/s; WeChat ack p99 ≤ 50 ms at 50 "
             "senders, every message answered; the same with two replicas; soak memory growth "
             "≤ 10%; console list p95 ≤ 200 ms at 100,000 conversations."]
    lines += goals + [f"Note: {n}" for n in report.notes]
    if report.loadavg:
        lines.append("Load average (1 min) as each phase began, on "
                     f"{os.cpu_count()} cores: " + ", ".join(
                         f"{k} {v}" for k, v in report.loadavg.items()))
    return "\n".join(lines)

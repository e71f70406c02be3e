"""Reads pip-audit's JSON report of requirements.lock and decides (``make audit``).

Exit codes:
    0  every locked package was checked and every finding is triaged (README, "Dependency
       audit"; ``--ignore-vuln`` in scripts/audit.sh);
    1  a finding nobody has triaged yet: read it, then fix the pin or triage it;
    2  the audit could not be done — the vulnerability service did not answer for some
       packages. Never a pass: it says so loudly, with the count.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

BANNER = "=" * 78


def main(report_path: str) -> int:
    path = Path(report_path)
    if not path.exists() or path.stat().st_size == 0:
        print(f"{BANNER}\nDEPENDENCY AUDIT FAILED TO RUN: no report at {path} "
              f"(pip-audit crashed or the service was unreachable).\n{BANNER}")
        return 2
    report = json.loads(path.read_text(encoding="utf-8"))
    dependencies = report.get("dependencies", [])
    skipped = [d for d in dependencies if d.get("skip_reason")]
    findings = [(d["name"], d.get("version"), v) for d in dependencies for v in d.get("vulns", [])]
    audited = len(dependencies) - len(skipped)

    for name, version, vuln in findings:
        aliases = ", ".join(vuln.get("aliases") or [])
        fixes = ", ".join(vuln.get("fix_versions") or []) or "no fix"
        print(f"UNTRIAGED  {name} {version}: {vuln['id']} ({aliases}) fixed in: {fixes}")
    print(f"dependency audit: {audited} of {len(dependencies)} locked packages checked, "
          f"{len(findings)} untriaged finding(s), "
          f"{len(report.get('fixes', []))} fix suggestion(s)")
    if findings:
        print("Triage each finding in README.md (\"Dependency audit\") and add its id to "
              "IGNORED in scripts/audit.sh, or move the pin.")
        return 1
    if skipped or not dependencies:
        reasons = sorted({d["skip_reason"].split(":")[0] for d in skipped})
        print(f"{BANNER}\nDEPENDENCY AUDIT INCOMPLETE — NOT A PASS: the vulnerability service "
              f"gave no answer for {len(skipped)} of {len(dependencies)} packages "
              f"({'; '.join(reasons) or 'empty report'}).\n"
              f"pip-audit asks https://pypi.org/pypi/<name>/<version>/json; that address must "
              f"be reachable for the audit to mean anything.\n{BANNER}")
        return 2
    print("dependency audit: clean (every finding triaged)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "var/audit/report.json"))

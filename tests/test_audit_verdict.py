"""`make audit`'s verdict on pip-audit's report: a finding fails, an incomplete audit is
never a pass, a complete clean one passes (scripts/audit.py)."""
from __future__ import annotations

import json
import subprocess
import sys

from bot.settings import ROOT


def _verdict(tmp_path, report: dict | None) -> tuple[int, str]:
    path = tmp_path / "report.json"
    if report is not None:
        path.write_text(json.dumps(report), encoding="utf-8")
    done = subprocess.run([sys.executable, str(ROOT / "scripts" / "audit.py"), str(path)],
                          capture_output=True, text=True)
    return done.returncode, done.stdout


def test_a_complete_clean_audit_passes(tmp_path):
    code, out = _verdict(tmp_path, {"dependencies": [
        {"name": "rasa", "version": "3.6.21", "vulns": []}], "fixes": []})
    assert code == 0 and "1 of 1 locked packages checked" in out


def test_an_untriaged_finding_fails_and_is_named(tmp_path):
    code, out = _verdict(tmp_path, {"dependencies": [
        {"name": "aiohttp", "version": "3.9.5", "vulns": [
            {"id": "GHSA-xxxx-yyyy-zzzz", "aliases": ["CVE-2099-0001"],
             "fix_versions": ["3.10.11"]}]}], "fixes": []})
    assert code == 1
    assert "UNTRIAGED  aiohttp 3.9.5: GHSA-xxxx-yyyy-zzzz (CVE-2099-0001) fixed in: 3.10.11" in out


def test_an_unreachable_service_is_never_a_pass(tmp_path):
    code, out = _verdict(tmp_path, {"dependencies": [
        {"name": "rasa", "skip_reason": "Dependency not found on PyPI and could not be audited: "
                                        "rasa (3.6.21)"},
        {"name": "sanic", "version": "21.12.2", "vulns": []}], "fixes": []})
    assert code == 2 and "NOT A PASS" in out and "1 of 2 packages" in out


def test_no_report_at_all_is_never_a_pass(tmp_path):
    code, out = _verdict(tmp_path, None)
    assert code == 2 and "FAILED TO RUN" in out

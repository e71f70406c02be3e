"""``make supplier-report WEEK=…`` (``python -m bot.cli supplier-report``): the weekly
report as Excel-safe CSV on stdout or in a file, audited as the command line."""
from __future__ import annotations

import csv
import io
import subprocess
import sys

from sqlalchemy import select

from bot.cli import main
from bot.db import AuditEntry
from bot.settings import ROOT
from bot.suppliers.report import EXPORT_ACTION
from tests.bot.metrics.dataset import seed_week


def _seeded(session) -> None:
    seed_week(session)
    session.commit()


def test_the_report_goes_to_a_file_and_is_audited(session, tmp_path, capsys) -> None:
    _seeded(session)
    target = tmp_path / "week.csv"
    assert main(["supplier-report", "--week", "2025-W11", "--out", str(target)]) == 0
    data = target.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert [row[0] for row in rows[1:]] == ["SUP01", "SUP01", "SUP02", "SUP08"]
    assert "4 incidents written to" in capsys.readouterr().err
    entry = session.scalars(select(AuditEntry).where(AuditEntry.action == EXPORT_ACTION)).one()
    assert (entry.actor, entry.detail) == ("system:cli", {"week": "2025-W11", "rows": 4})


def test_one_suppliers_report_on_stdout(session, capsysbinary) -> None:
    _seeded(session)
    assert main(["supplier-report", "--week", "2025-W11", "--supplier", "SUP02"]) == 0
    text = capsysbinary.readouterr().out.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert [(row[0], row[3]) for row in rows[1:]] == [("SUP02", "烟台红富士")]


def test_a_bad_week_or_supplier_is_refused(session, capsys) -> None:
    assert main(["supplier-report", "--week", "2025-W53"]) == 2
    assert "not an ISO week" in capsys.readouterr().err
    assert main(["supplier-report", "--week", "2025-W11", "--supplier", "NOPE"]) == 1
    assert "no supplier 'NOPE'" in capsys.readouterr().err
    assert session.scalars(select(AuditEntry).where(AuditEntry.action == EXPORT_ACTION)).all() == []


def test_make_target_runs_the_command(app_db, tmp_path) -> None:
    target = tmp_path / "empty.csv"
    finished = subprocess.run(
        ["make", "-s", "supplier-report", "WEEK=2025-W11", f"OUT={target}",
         f"PY={sys.executable}"],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
        env={"PATH": "/usr/bin:/bin", "DATABASE_URL": app_db.url, "HOME": str(tmp_path)})
    assert finished.returncode == 0, finished.stderr
    assert target.read_text(encoding="utf-8-sig").startswith("供应商编码,供应商,日期")

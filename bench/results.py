"""Benchmark: rendering and signing an electronic result, and verifying an uploaded one.

Not a test: it prints figures (goal: render + sign p95 ≤ 400 ms). See bench/README.md.

    .venv/bin/python bench/results.py [--rounds 50]

In one process, with the demo key source (a demo CA and an agency certificate made in a
temporary folder, as ``seed_demo`` makes them under ``var/signing``), each round:

1. renders the result template ``pdf/result.html`` with WeasyPrint (``dossiers.pdf``);
2. stamps the QR code of a verification URL and signs it PAdES (``dossiers.signing.stamp``);
3. verifies the signed bytes as ``/verify/`` does (``dossiers.signing.verify.check_pdf``:
   pyHanko's validation against the demo CA and the lookup of the file's SHA-256);
4. verifies them again behind the upload checks ``/verify/`` runs first (type, size, the
   bounded parse in a child process, the virus scan when one is configured).

The database is ``DATABASE_URL`` when set (it must be migrated), else a temporary SQLite file
migrated at the start (slow the first time, not measured). Times are wall-clock milliseconds.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def percentile(sorted_ms: list[float], fraction: float) -> float:
    rank = max(1, math.ceil(fraction * len(sorted_ms)))
    return sorted_ms[rank - 1]


def line(name: str, timings: list[float]) -> str:
    ordered = sorted(timings)
    figures = [percentile(ordered, f) for f in (0.50, 0.95)] + [ordered[-1]]
    return f"{name:<34}{len(ordered):>6}" + "".join(f"{value:>9.1f}" for value in figures)


def setup(folder: Path) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.dev")
    os.environ["RESULT_SIGNING_BACKEND"] = "demo"
    os.environ["RESULT_SIGNING_DEMO_DIR"] = str(folder / "signing")
    os.environ["PRIVATE_STORAGE_ROOT"] = str(folder / "private")
    os.environ.setdefault("DEBUG", "false")
    if not os.environ.get("DATABASE_URL"):
        os.environ["PORTAL_VAR_DIR"] = str(folder / "var")
    import django

    django.setup()
    if not os.environ.get("DATABASE_URL"):
        from django.core.management import call_command

        print("migrating a temporary SQLite database (not measured)…", flush=True)
        call_command("migrate", verbosity=0)


def context() -> dict:
    return {
        "header": {"managing": "Ủy ban nhân dân Thành phố Hồ Chí Minh",
                   "issuing": "Ủy ban nhân dân Phường Bến Thành"},
        "place_date": "Thành phố Hồ Chí Minh, ngày 06 tháng 12 năm 2026",
        "number": "07/KQ",
        "title": "Giấy chứng nhận đăng ký kết hôn",
        "code": "H29.26743-261206-0001",
        "agency_name": "Ủy ban nhân dân Phường Bến Thành",
        "procedure_name": "Thủ tục đăng ký kết hôn trong nước",
        "received_at": "08:15 02/12/2026",
        "applicant": {"full_name": "Nguyễn Văn An", "id_number": "079085001234",
                      "address": "12 Lê Lợi, Phường Bến Thành, Thành phố Hồ Chí Minh"},
        "request_text": "Đề nghị đăng ký kết hôn.",
        "signers": [{"role": "Thủ trưởng cơ quan", "hint": "(Ký, ghi rõ họ tên và đóng dấu)",
                     "name": ""}],
    }  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=50)
    rounds = parser.parse_args().rounds
    with tempfile.TemporaryDirectory(prefix="bench-results-") as temporary:
        setup(Path(temporary))
        from django.core.files.uploadedfile import SimpleUploadedFile

        from dossiers import pdf
        from dossiers.signing import verify
        from dossiers.signing.registry import active_keys
        from dossiers.signing.stamp import sign_pdf
        from dossiers.verify_views import read_checked

        agency = SimpleNamespace(code="H29.26743", name="Ủy ban nhân dân Phường Bến Thành")
        url = "http://127.0.0.1:8000/verify/bench-token-0000000000/"
        # Warm-up (fonts, the key files, the first WeasyPrint and pyHanko imports): not measured.
        with active_keys().signer(agency) as signer:
            sign_pdf(pdf.render_pdf("pdf/result.html", context()), signer, url, reason="x",
                     location="y")  # fmt: skip
        series: dict[str, list[float]] = {
            "render (WeasyPrint)": [],
            "stamp + sign (pyHanko)": [],
            "render + sign": [],
            "verify (pyHanko + lookup)": [],
            "verify upload (+ upload checks)": [],
        }
        verdicts = set()
        for _round in range(rounds):
            began = time.perf_counter()
            data = pdf.render_pdf("pdf/result.html", context())
            rendered = time.perf_counter()
            with active_keys().signer(agency) as signer:
                signed = sign_pdf(data, signer, url, reason="Kết quả", location="TP.HCM").data
            done = time.perf_counter()
            verdicts.add(verify.check_pdf(signed).code)
            checked = time.perf_counter()
            upload = SimpleUploadedFile("ket-qua.pdf", signed, "application/pdf")
            verify.check_pdf(read_checked(upload))
            uploaded = time.perf_counter()
            series["render (WeasyPrint)"].append((rendered - began) * 1000)
            series["stamp + sign (pyHanko)"].append((done - rendered) * 1000)
            series["render + sign"].append((done - began) * 1000)
            series["verify (pyHanko + lookup)"].append((checked - done) * 1000)
            series["verify upload (+ upload checks)"].append((uploaded - checked) * 1000)
        print(f"{'ms':<34}{'n':>6}{'p50':>9}{'p95':>9}{'max':>9}")
        for name, timings in series.items():
            print(line(name, timings))
        goal = percentile(sorted(series["render + sign"]), 0.95)
        verdict = "met" if goal <= 400 else "NOT met"
        print(f"render + sign p95 {goal:.1f} ms (goal ≤ 400 ms): {verdict}")
        # Not one of the results in this database, so "not ours": the whole validation ran.
        print(f"verdicts: {', '.join(sorted(verdicts))}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Measures the certificate's own work in-process and prints figures (not a test):

    .venv/bin/python -m scripts.certificate_benchmark [--count 50]

signing a payload, checking one, and drawing the PDF in English, Hindi and Odia (with shaping),
with the size of each PDF and the process's peak memory."""
import argparse
import resource
import statistics
import tempfile
import time
from pathlib import Path

from backend.services import certificate_pdf, certificate_signing

VALUES = {"en": {"applicant_name": "Sabitri Behera", "guardian_name": "Gopal Behera", "place": "ward 12, Bhubaneswar",
                 "annual_income": "85,000", "purpose": "education or scholarship"},
          "hi": {"applicant_name": "सबितरी बेहेरा", "guardian_name": "गोपाल बेहेरा", "place": "वार्ड 18, कटक",
                 "annual_income": "85,000", "purpose": "शिक्षा या छात्रवृत्ति"},
          "or": {"applicant_name": "ସାବିତ୍ରୀ ବେହେରା", "guardian_name": "ଗୋପାଳ ବେହେରା", "place": "ସରକଣା ଗାଁ, ବେଣୁପୁର ଗ୍ରାମ ପଞ୍ଚାୟତ",
                 "annual_income": "85,000", "purpose": "ଶିକ୍ଷା ବା ଛାତ୍ରବୃତ୍ତି"}}


def _ms(samples: list[float]) -> str:
    ms = sorted(x * 1000 for x in samples)
    return f"p50={statistics.median(ms):.1f} ms p95={ms[max(0, int(len(ms) * 0.95) - 1)]:.1f} ms"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=50)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        key = Path(folder) / "key.pem"
        claims = {"v": 1, "r": "CRT-2026-000007", "t": "income", "d": "2026-11-23", "o": "BLOCK-KHD-BALIANTA", "a": "0" * 32}
        certificate_signing.sign(key, claims)  # makes the key
        signing, checking = [], []
        for _ in range(args.count):
            started = time.perf_counter()
            payload = certificate_signing.sign(key, claims)
            signing.append(time.perf_counter() - started)
            started = time.perf_counter()
            certificate_signing.verify(key, payload)
            checking.append(time.perf_counter() - started)
        print(f"sign: {_ms(signing)}; verify: {_ms(checking)}; payload {len(payload)} characters")
        for language, values in VALUES.items():
            drawn, size = [], 0
            for _ in range(max(3, args.count // 5)):
                started = time.perf_counter()
                pdf = certificate_pdf.render(
                    reference="CRT-2026-000007", certificate_key="certificate.income", body_key="certificate_pdf.income",
                    values=values, office="Balianta", issued_on="23-11-2026", payload=payload,
                    verify_url="https://sathi.example/verify", language=language)
                drawn.append(time.perf_counter() - started)
                size = len(pdf)
            print(f"PDF {language}: {_ms(drawn)}; {size / 1024:.0f} KiB")
    print(f"peak memory: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")


if __name__ == "__main__":
    main()

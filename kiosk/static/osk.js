// The kiosk's on-screen keyboard: the console reached from the kiosk's 志愿者
// button needs names, reasons and notes, and the kiosk has no keyboard.
// simple-keyboard 3.8.192 with the pinyin candidates of simple-keyboard-layouts
// 3.4.265 (both vendored, offline): type "wang", tap 王; common words too (pinyin-phrases-1,
// from jieba's and pypinyin's MIT data): type "zhengjian", tap 证件. 中/EN switches between
// pinyin and plain letters. Scan boxes are left to the scanner (scan.js).
// Shown only where <body data-osk="true"> (requests from the kiosk itself).
// The pinyin tables (chinese.js 37 kB, phrases.js 140 kB) are fetched and merged on the first
// tap on a text field, not with every kiosk page: most visits never open the keyboard.
let candidates = null;
let LONGEST_KEY = 0;

// Single characters first (what names are typed with), then common words for the same
// pinyin ("xian": 现 先 … 西安); a longer pinyin ("zhengjian") is a word only: 证件.
// simple-keyboard offers the candidates of the longest key the typed text ends with.
async function loadCandidates() {
  const [{ default: chinese }, { default: phrases }] = await Promise.all([
    import("./vendor/simple-keyboard-layouts-3.4.265/chinese.js"),
    import("./vendor/pinyin-phrases-1/phrases.js"),
  ]);
  const merged = { ...chinese.layoutCandidates };
  for (const [key, words] of Object.entries(phrases)) {
    merged[key] = merged[key] ? `${merged[key]} ${words}` : words;
  }
  LONGEST_KEY = Math.max(...Object.keys(merged).map((key) => key.length));
  candidates = merged;
}

// The library's own rule (the longest key the text before the caret ends with, any case),
// by looking each ending up: simple-keyboard 3.8.192 builds a RegExp for every key on every
// key press, 30 ms with 6,000 keys on a busy 2-core machine instead of 1.
function inputCandidates(input) {
  const before = (input.substring(0, this.getCaretPositionEnd() || 0) || input).toLowerCase();
  for (let length = Math.min(LONGEST_KEY, before.length); length > 0; length -= 1) {
    const key = before.slice(-length);
    if (Object.hasOwn(candidates, key)) { return { candidateKey: key, candidateValue: candidates[key] }; }
  }
  return {};
}

const body = document.body;
if (body.dataset.osk === "true" && window.SimpleKeyboard) {
  const Keyboard = window.SimpleKeyboard.default || window.SimpleKeyboard;
  const plain = {
    default: [
      "1 2 3 4 5 6 7 8 9 0 {bksp}",
      "q w e r t y u i o p",
      "a s d f g h j k l -",
      "{shift} z x c v b n m {shift}",
      "{lang} {space} {done}",
    ],
    shift: [
      "1 2 3 4 5 6 7 8 9 0 {bksp}",
      "Q W E R T Y U I O P",
      "A S D F G H J K L -",
      "{shift} Z X C V B N M {shift}",
      "{lang} {space} {done}",
    ],
  };
  const panel = document.createElement("div");
  panel.id = "osk";
  panel.className = "osk";
  panel.hidden = true;
  panel.innerHTML = '<div class="simple-keyboard"></div>';
  body.appendChild(panel);
  let target = null;
  let pinyin = true;
  const labels = { "{bksp}": "⌫", "{space}": "空格 space", "{shift}": "⇧", "{lang}": "中/EN", "{done}": "完成 ✓" };

  // Made on the first tap on a field, not at page load: until then the library is not
  // listening to the document at all (a scanner's burst into a scan box must be left alone).
  let keyboard = null;
  const make = () => new Keyboard(panel.firstElementChild, {
    disableCaretPositioning: true,
    layout: plain,
    layoutName: "default",
    layoutCandidates: candidates,
    enableLayoutCandidates: true,
    layoutCandidatesPageSize: 9,
    display: labels,
    mergeDisplay: true,
    preventMouseDownDefault: true,
    onChange: (value) => {
      if (!target) { return; }
      target.value = value.slice(0, target.maxLength > 0 ? target.maxLength : value.length);
      target.dispatchEvent(new Event("input", { bubbles: true }));
    },
    onKeyPress: (button) => {
      if (button === "{shift}") {
        keyboard.setOptions({ layoutName: keyboard.options.layoutName === "shift" ? "default" : "shift" });
      } else if (button === "{lang}") {
        setPinyin(!pinyin);
      } else if (button === "{done}") {
        hide();
      }
    },
  });

  function setPinyin(on) {
    pinyin = on;
    keyboard.setOptions({ enableLayoutCandidates: on });
    panel.dataset.mode = on ? "pinyin" : "en";
  }

  function eligible(el) {
    return el && el.matches &&
      el.matches('input[type="text"], input:not([type]), input[type="search"], input[type="password"], textarea') &&
      !el.readOnly && !el.disabled && !el.hasAttribute("data-scan-box") && !el.closest("[data-no-osk]");
  }

  let loading = null;

  async function show(el) {
    target = el;
    if (!keyboard) {
      loading = loading || loadCandidates();
      await loading;
      if (target !== el) { return; }  // another field was tapped (or the keyboard put away) meanwhile
      if (!keyboard) {
        keyboard = make();
        keyboard.getInputCandidates = inputCandidates;
      }
    }
    keyboard.setInput(el.value);
    // PINs are digits: plain keys, no pinyin candidates.
    setPinyin(el.type !== "password" && el.inputMode !== "numeric");
    panel.hidden = false;
    body.classList.add("osk-open");
    el.scrollIntoView({ block: "center" });
  }

  function hide() {
    panel.hidden = true;
    body.classList.remove("osk-open");
    target = null;
  }

  // Shown when a person taps a field, not when a page focuses one by itself (the
  // console's scan box has autofocus: the keyboard must not cover the tallies).
  document.addEventListener("click", (event) => {
    if (eligible(event.target)) { show(event.target); }
  });
  // Tapping outside the field and the keyboard puts it away.
  document.addEventListener("pointerdown", (event) => {
    if (!panel.hidden && !panel.contains(event.target) && event.target !== target) {
      if (!eligible(event.target)) { hide(); }
    }
  });
  // A field typed into by hand or by a scanner stays in step with the keyboard.
  document.addEventListener("input", (event) => {
    if (keyboard && event.target === target && event.isTrusted) { keyboard.setInput(target.value); }
  });
  document.addEventListener("htmx:beforeSwap", hide);
}

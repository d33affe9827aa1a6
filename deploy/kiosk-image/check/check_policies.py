#!/usr/bin/env python3
"""Validate the kiosk's managed Chromium policies.

Chromium ignores a policy file that is not valid JSON and ignores, with only
a line on chrome://policy, a policy whose name is misspelt or whose value has
the wrong type, so a typo silently turns the lock-down off. This checks the
file is strict JSON (no duplicate keys), every policy is one we know with the
type Chromium expects, and the settings the kiosk relies on are present: only
the local app may be opened, no devtools, downloads, print dialog, file
pickers, autofill or password manager (personal data must never be saved in
the browser profile).

Usage: check_policies.py --port 8080 POLICY.json...
"""

import argparse
import json
import sys
from pathlib import Path

# Name → type for the policies this image uses (Chromium policy list,
# https://chromeenterprise.google/policies/; enums are integers).
KNOWN = {
    "URLBlocklist": list,
    "URLAllowlist": list,
    "DeveloperToolsAvailability": int,
    "DownloadRestrictions": int,
    "AllowFileSelectionDialogs": bool,
    "PrintingEnabled": bool,
    "PasswordManagerEnabled": bool,
    "PasswordLeakDetectionEnabled": bool,
    "AutofillAddressEnabled": bool,
    "AutofillCreditCardEnabled": bool,
    "ImportAutofillFormData": bool,
    "ImportSavedPasswords": bool,
    "SavingBrowserHistoryDisabled": bool,
    "SearchSuggestEnabled": bool,
    "TranslateEnabled": bool,
    "SpellcheckEnabled": bool,
    "IncognitoModeAvailability": int,
    "BrowserGuestModeEnabled": bool,
    "BrowserAddPersonEnabled": bool,
    "BrowserSignin": int,
    "SyncDisabled": bool,
    "MetricsReportingEnabled": bool,
    "SafeBrowsingProtectionLevel": int,
    "BookmarkBarEnabled": bool,
    "EditBookmarksEnabled": bool,
    "DefaultBrowserSettingEnabled": bool,
    "BackgroundModeEnabled": bool,
    "ComponentUpdatesEnabled": bool,
    "DefaultNotificationsSetting": int,
    "DefaultGeolocationSetting": int,
    "DefaultPopupsSetting": int,
    "AudioCaptureAllowed": bool,
    "AutoplayAllowed": bool,  # spoken prompts play when a screen opens, without a tap first
    "VideoCaptureAllowed": bool,
    "PaymentMethodQueryEnabled": bool,
    "PromptForDownloadLocation": bool,
}

# What the kiosk's safety depends on: policy → required value.
REQUIRED = {
    "URLBlocklist": ["*"],
    "DeveloperToolsAvailability": 2,  # disallowed
    "DownloadRestrictions": 3,  # block all downloads
    "AllowFileSelectionDialogs": False,
    "PrintingEnabled": False,  # tickets go to the ESC/POS printer, never a dialog
    "PasswordManagerEnabled": False,
    "AutofillAddressEnabled": False,
    "AutofillCreditCardEnabled": False,
    "SavingBrowserHistoryDisabled": True,
    "IncognitoModeAvailability": 1,  # disabled
    "BrowserGuestModeEnabled": False,
}


def reject_duplicates(pairs):
    keys = [key for key, _ in pairs]
    duplicates = sorted({key for key in keys if keys.count(key) > 1})
    if duplicates:
        raise ValueError(f"duplicate keys: {', '.join(duplicates)}")
    return dict(pairs)


def check(text, port):
    """Return the problems with one policy file's text (empty when fine)."""
    try:
        policies = json.loads(text, object_pairs_hook=reject_duplicates)
    except ValueError as exc:
        return [f"not valid JSON: {exc}"]
    if not isinstance(policies, dict):
        return ["the top level must be a JSON object of policy names"]
    problems = []
    for name, value in policies.items():
        expected = KNOWN.get(name)
        if expected is None:
            problems.append(f"unknown policy {name!r} (misspelt? Chromium would ignore it)")
        elif type(value) is not expected:
            problems.append(f"{name} must be {expected.__name__}, got {type(value).__name__}")
        elif expected is list and not all(isinstance(item, str) for item in value):
            problems.append(f"{name} must be a list of strings")
    for name, value in REQUIRED.items():
        if policies.get(name) != value:
            problems.append(f"{name} must be {json.dumps(value)} for the kiosk, got {json.dumps(policies.get(name))}")
    local_app = f"http://127.0.0.1:{port}"
    allowed = policies.get("URLAllowlist")
    if not allowed:
        problems.append(f"URLAllowlist must allow the local app, {local_app}")
    else:
        for pattern in allowed:
            if pattern != local_app and not pattern.startswith(local_app + "/"):
                problems.append(f"URLAllowlist entry {pattern!r} is not the local app {local_app}")
    return problems


def main(argv=None):
    parser = argparse.ArgumentParser(description="Validate managed Chromium policy files for the kiosk.")
    parser.add_argument("--port", type=int, required=True, help="the local app's port")
    parser.add_argument("files", nargs="+")
    args = parser.parse_args(argv)
    failed = False
    for path in args.files:
        for problem in check(Path(path).read_text(encoding="utf-8"), args.port):
            print(f"{path}: {problem}")
            failed = True
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

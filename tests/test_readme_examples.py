"""The README's gift-pack example works on the day someone copies it into a fresh kiosk."""

import re
import shlex
from pathlib import Path

from kiosk import vouchers
from kiosk.models import database

README = Path(__file__).resolve().parents[1] / "README.md"


def pack_commands():
    block = README.read_text().split("## Gift packs", 1)[1].split("```sh", 1)[1].split("```", 1)[0]
    for line in block.splitlines():
        if line.startswith("$F packs"):
            yield shlex.split(re.sub(r"\s+#.*$", "", line))[1:]


def test_the_readme_pack_example_runs_today_and_offers_both_packs(app, runner):
    commands = list(pack_commands())
    assert ["packs", "campaign", "春风行动", "--days", "90"] in commands
    for args in commands:
        result = runner.invoke(args=args)
        assert result.exit_code == 0, (args, result.output)
    with app.app_context(), database.connection_context():
        offered = {choice.pack.key for choice in vouchers.choices()}
    assert offered == {"warm", "return"}

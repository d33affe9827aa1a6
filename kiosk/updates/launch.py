"""``python -m kiosk.updates.launch [--releases DIR] -- SERVE-ARGS``: run the app, switch releases.

The image's ``nuantu-app.service`` runs this instead of ``kiosk.serve``. It
starts ``python -m kiosk.serve SERVE-ARGS`` from the current release (the
image's own app when there is none) and watches for a pending one
(``kiosk.updates.stage``). A pending release is switched to *on trial*: the
app is stopped, the new one started, and it must answer ``/healthz`` with 200
and its own version within ``--trial-seconds``. If it does, it stays; if it
does not (it crashes, hangs, answers 503 or reports another version), it is
stopped, marked failed and the previous release is started again. A launcher
killed during a trial (power cut) counts the start and gives up on the trial
after ``MAX_TRIAL_STARTS``.

Under systemd (``Type=notify``, ``NotifyAccess=all``) the app's own READY and
WATCHDOG messages reach systemd; the launcher pings the watchdog itself while
a release is starting.
"""

import argparse
import logging
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

from kiosk import updates
from kiosk import web
from kiosk.serve import DEFAULT_PORT
from kiosk.serve import LOOPBACK
from kiosk.serve import notify

log = logging.getLogger("kiosk.updates.launch")

MAX_TRIAL_STARTS = 3
TRIAL_SECONDS = 90
STOP_SECONDS = 15
RESTART_PAUSE = 3
_opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def health_url(serve_args):
    """The /healthz URL of the app the SERVE-ARGS start (loopback for a LAN address)."""
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    known, _ = parser.parse_known_args(serve_args)
    host = LOOPBACK.get(known.host, known.host)
    return f"http://{host}:{known.port}/healthz"


def healthz(url, timeout=5):
    """(status, body dict) of the app's /healthz, or (None, {}) when nothing answers."""
    try:
        return web.json_exchange(_opener, url, timeout)
    except OSError:
        return None, {}


class Launcher:
    """Runs the app from the current release and switches to pending ones."""

    def __init__(self, folder, serve_args, trial_seconds=TRIAL_SECONDS, python=sys.executable):
        self.folder = Path(folder)
        self.serve_args = list(serve_args)
        self.trial_seconds = trial_seconds
        self.python = python
        self.url = health_url(self.serve_args)
        self.stopping = threading.Event()
        self.child = None

    # -- the child -------------------------------------------------------

    def spawn(self, version):
        env = dict(os.environ)
        # The app pings the watchdog itself: it must not think the pings are
        # someone else's to send.
        env.pop("WATCHDOG_PID", None)
        site = updates.site_of(self.folder, version)
        if site is not None:
            env["PYTHONPATH"] = os.pathsep.join(p for p in (str(site), env.get("PYTHONPATH")) if p)
        else:
            env.pop("PYTHONPATH", None)
        log.info("starting the app, release %s", version or "of the image")
        # -P: the working folder must not come before the release on sys.path.
        self.child = subprocess.Popen([self.python, "-P", "-m", "kiosk.serve", *self.serve_args], env=env)
        return self.child

    def stop_child(self):
        child, self.child = self.child, None
        if child is None or child.poll() is not None:
            return
        child.terminate()
        try:
            child.wait(STOP_SECONDS)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()

    def wait_healthy(self, version):
        """Whether the child answers /healthz 200 with ``version`` within the trial time; why not."""
        deadline = time.monotonic() + self.trial_seconds
        last = "no answer"
        while time.monotonic() < deadline and not self.stopping.is_set():
            notify("WATCHDOG=1")
            if self.child.poll() is not None:
                return False, f"the app exited with status {self.child.returncode}"
            status, body = healthz(self.url)
            if status == 200 and body.get("version") == version:
                return True, ""
            if status is not None:
                last = f"/healthz answered {status} with version {body.get('version')}"
            self.stopping.wait(1)
        return False, f"not healthy within {self.trial_seconds} s ({last})"

    # -- releases --------------------------------------------------------

    def switch_to_pending(self, state):
        version = state["pending"]
        state.update(previous=state["current"], current=version, pending=None, trial={"version": version, "starts": 0})
        updates.record(state, "switching", version)
        updates.save_state(self.folder, state)

    def roll_back(self, state, reason):
        failed = state["trial"]["version"]
        state = self._reread(state)
        state["failed"][failed] = reason
        state.update(current=state["previous"], trial=None)
        updates.record(state, "rolled back", failed, reason)
        updates.save_state(self.folder, state)
        log.error("release %s rolled back to %s: %s", failed, state["current"] or "the image's", reason)

    def confirm(self, state):
        version = state["trial"]["version"]
        state = self._reread(state)
        state["trial"] = None
        updates.record(state, "installed", version)
        updates.save_state(self.folder, state)
        updates.prune(self.folder, state)
        log.info("release %s installed", version)

    def _reread(self, state):
        """The state file as it is now, with this launcher's trial count: while a release was on
        trial the app may have staged the next one (``pending``), which must not be written over."""
        fresh = updates.load_state(self.folder)
        fresh["trial"] = state["trial"]
        return fresh

    # -- the loop --------------------------------------------------------

    def run(self):
        while not self.stopping.is_set():
            state = updates.load_state(self.folder)
            if state["pending"]:
                self.switch_to_pending(state)
            if state["trial"]:
                state["trial"]["starts"] += 1
                updates.save_state(self.folder, state)
                if state["trial"]["starts"] > MAX_TRIAL_STARTS:
                    self.roll_back(state, f"did not come up in {MAX_TRIAL_STARTS} starts")
                    continue
            self.spawn(state["current"])
            if state["trial"]:
                ok, reason = self.wait_healthy(state["trial"]["version"])
                if self.stopping.is_set():
                    break
                if not ok:
                    self.stop_child()
                    self.roll_back(state, reason)
                    continue
                self.confirm(state)
            self.supervise()
        self.stop_child()
        return 0

    def supervise(self):
        """Wait until the app exits, a release is pending, or we are told to stop."""
        while not self.stopping.wait(1):
            if self.child.poll() is not None:
                log.error("the app exited with status %s; starting it again", self.child.returncode)
                self.stopping.wait(RESTART_PAUSE)
                return
            if updates.load_state(self.folder)["pending"]:
                log.info("release pending: stopping the app to switch")
                self.stop_child()
                return


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if "--" in argv:
        cut = argv.index("--")
        own, serve_args = argv[:cut], argv[cut + 1:]
    else:
        own, serve_args = argv, []
    parser = argparse.ArgumentParser(prog="python -m kiosk.updates.launch", description=__doc__.split("\n\n")[0])
    instance = os.environ.get("KIOSK_INSTANCE_PATH")
    parser.add_argument("--releases", default=str(Path(instance) / "releases") if instance else None,
                        help="releases folder (default $KIOSK_INSTANCE_PATH/releases)")
    parser.add_argument("--trial-seconds", type=float, default=TRIAL_SECONDS)
    args = parser.parse_args(own)
    if not args.releases:
        parser.error("--releases or $KIOSK_INSTANCE_PATH is needed")
    logging.basicConfig(level=logging.INFO, format="%(name)s: %(message)s")
    launcher = Launcher(args.releases, serve_args, trial_seconds=args.trial_seconds)

    def stop(signum, frame):
        launcher.stopping.set()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    return launcher.run()


if __name__ == "__main__":
    sys.exit(main())

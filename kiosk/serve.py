"""``python -m kiosk.serve``: the kiosk app under waitress, supervised by systemd.

The kiosk image runs this as a ``Type=notify`` service with ``WatchdogSec=``.
It speaks the sd_notify protocol with a plain datagram socket (no new
dependency): ``READY=1`` once the app has answered its own ``/healthz``,
``WATCHDOG=1`` only while it still does, ``STOPPING=1`` on SIGTERM. A worker
pool that hangs or a database that stops answering therefore stops the pings
and systemd restarts the service, instead of the screen freezing until someone
pulls the plug. Without ``$NOTIFY_SOCKET`` (a developer's shell) it simply
serves.
"""

import argparse
import http.client
import logging
import os
import signal
import socket
import threading

from waitress import wasyncore
from waitress.server import create_server

log = logging.getLogger("kiosk.serve")

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8080
DEFAULT_THREADS = 8
# On SIGTERM the print worker may finish the ticket it is sending: the printer timeout
# (PRINTER_TIMEOUT, 10 s) bounds it, within systemd's TimeoutStopSec=15.
PRINT_STOP_SECONDS = 12
LOOPBACK = {"0.0.0.0": "127.0.0.1", "": "127.0.0.1", "::": "::1"}


def notify(message, environ=None):
    """Send one sd_notify datagram; return False when not run by systemd.

    ``$NOTIFY_SOCKET`` is a filesystem path or, starting with ``@``, an
    abstract-namespace name.
    """
    environ = os.environ if environ is None else environ
    address = environ.get("NOTIFY_SOCKET")
    if not address:
        return False
    if address.startswith("@"):
        address = "\0" + address[1:]
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as sock:
        sock.connect(address)
        sock.sendall(message.encode())
    return True


def watchdog_interval(environ=None, pid=None):
    """Seconds between watchdog pings (half of ``$WATCHDOG_USEC``), or None.

    systemd sets ``$WATCHDOG_PID`` to the process it expects pings from; a
    child that inherited the environment must stay quiet.
    """
    environ = os.environ if environ is None else environ
    usec = environ.get("WATCHDOG_USEC")
    if not usec:
        return None
    expected_pid = environ.get("WATCHDOG_PID")
    if expected_pid and int(expected_pid) != (os.getpid() if pid is None else pid):
        return None
    return int(usec) / 2_000_000


class KioskServer:
    """A waitress server for the app plus the health check behind the pings."""

    def __init__(self, app, host=DEFAULT_HOST, port=DEFAULT_PORT, threads=DEFAULT_THREADS, environ=None):
        self.environ = os.environ if environ is None else environ
        self.server = create_server(
            app, host=host, port=port, threads=threads, clear_untrusted_proxy_headers=True
        )
        # Listening on every interface (volunteer tablets, the central
        # office's pull), the self-check still goes through loopback.
        self.host = LOOPBACK.get(host, host)
        self.port = self.server.effective_port
        self.url = f"http://{self.host}:{self.port}"
        self.stopped = threading.Event()

    def healthy(self, timeout=5.0):
        """True when ``/healthz`` answers 200 through the real socket and worker pool."""
        connection = http.client.HTTPConnection(self.host, self.port, timeout=timeout)
        try:
            connection.request("GET", "/healthz", headers={"User-Agent": "kiosk.serve watchdog"})
            response = connection.getresponse()
            response.read()
            return response.status == 200
        except OSError as exc:
            log.warning("self-check failed: %s", exc)
            return False
        finally:
            connection.close()

    def wait_until_healthy(self, attempts=50, pause=0.2):
        """Poll the health check until it passes; return whether it did."""
        for _ in range(attempts):
            if self.healthy():
                return True
            if self.stopped.wait(pause):
                return False
        return False

    def tick(self, timeout=5.0):
        """One watchdog round: ping systemd only if the app really answers."""
        if self.healthy(timeout=timeout):
            notify("WATCHDOG=1", self.environ)
            return True
        log.error("not answering /healthz: withholding the watchdog ping")
        notify("STATUS=Not answering /healthz", self.environ)
        return False

    def announce_ready(self):
        """Tell systemd the kiosk is serving once its first self-check passes."""
        if not self.wait_until_healthy():
            log.error("%s never answered /healthz; not reporting ready", self.url)
            return False
        notify(f"READY=1\nSTATUS=Serving on {self.url}", self.environ)
        log.info("ready: serving on %s", self.url)
        return True

    def supervise(self):
        """Announce readiness, then ping the watchdog while healthy, until stopped."""
        if not self.announce_ready():
            return
        interval = watchdog_interval(self.environ)
        if interval is None:
            return
        while not self.stopped.wait(interval):
            self.tick(timeout=min(5.0, interval))

    def run(self):
        """Serve in the calling thread until SystemExit/KeyboardInterrupt."""
        supervisor = threading.Thread(target=self.supervise, name="watchdog", daemon=True)
        supervisor.start()
        try:
            self.server.run()  # waitress shuts its worker pool down on SystemExit
        finally:
            self.stopped.set()

    def close(self):
        """Stop serving (for callers that run the server in another thread).

        Every socket (listening, trigger, open keep-alive connections) is closed
        from inside the serving loop via its trigger: closing them from this
        thread races the loop's select() ("Bad file descriptor").
        """
        self.stopped.set()
        self.server.trigger.pull_trigger(lambda: wasyncore.close_all(self.server._map))


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m kiosk.serve",
        description="Serve the Nuantu kiosk app with waitress, as a systemd Type=notify service.",
    )
    parser.add_argument("--host", default=DEFAULT_HOST, help="address to listen on (default %(default)s)")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help="port, 0 for any (default %(default)s)")
    parser.add_argument("--threads", type=int, default=DEFAULT_THREADS, help="worker threads (default %(default)s)")
    return parser.parse_args(argv)


def main(argv=None):
    """Build the app, bind the port, and serve until SIGTERM."""
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")

    from kiosk import create_app
    from kiosk import printing

    app = create_app()
    server = KioskServer(app, host=args.host, port=args.port, threads=args.threads)
    _build_prompts_in_background(app)

    def stop(signum, frame):
        notify("STOPPING=1")
        log.info("stopping on signal %d", signum)
        # Let the ticket being sent finish (the backend's timeout bounds it); jobs not
        # started stay queued and print after the restart, none is left "may have printed".
        if not printing.stop_worker(timeout=PRINT_STOP_SECONDS):
            log.warning("print worker still sending after %s s; its job will be marked interrupted", PRINT_STOP_SECONDS)
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)
    server.run()


def _build_prompts_in_background(app):
    """Make any spoken prompt not cached yet (a new version's sentences) while the kiosk serves."""
    from kiosk import speech
    from kiosk.speech.cli import build_cache

    if not app.config["PROMPTS_ENABLED"] or speech.engine_path() is None:
        return

    def build():
        try:
            build_cache(app)
        except Exception:  # a prompt that cannot be made is made on first use, or not at all
            log.exception("building the spoken prompts failed")

    threading.Thread(target=build, name="prompts-build", daemon=True).start()


if __name__ == "__main__":
    main()

"""Serial lines set up with termios alone (no extra library): the printer's and the ID card reader's.

``open_raw(path, baud, flow)`` opens a device (or a pty) non-blocking, raw (no
echo, no line editing, 8 bits), at a baud rate, with or without RTS/CTS or
XON/XOFF flow control. It raises OSError when the device cannot be opened
and termios.error when it is not a serial line; callers say what that means.
"""

import os
import termios
import tty

BAUD_RATES = {rate: getattr(termios, f"B{rate}") for rate in (2400, 4800, 9600, 19200, 38400, 57600, 115200)}
FLOWS = ("none", "rtscts", "xonxoff")


def open_raw(path, baud, flow="none"):
    """Return a file descriptor of the line, raw at ``baud`` (one of BAUD_RATES)."""
    fd = os.open(path, os.O_RDWR | os.O_NOCTTY | os.O_NONBLOCK | os.O_CLOEXEC)
    try:
        tty.setraw(fd)
        attrs = termios.tcgetattr(fd)
        attrs[4] = attrs[5] = BAUD_RATES[baud]
        attrs[2] |= termios.CLOCAL | termios.CREAD
        attrs[2] = attrs[2] | termios.CRTSCTS if flow == "rtscts" else attrs[2] & ~termios.CRTSCTS
        attrs[0] = attrs[0] | termios.IXON if flow == "xonxoff" else attrs[0] & ~termios.IXON
        termios.tcsetattr(fd, termios.TCSANOW, attrs)
    except termios.error:
        os.close(fd)
        raise
    return fd

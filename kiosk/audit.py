"""The audit log: every void, reprint, override and release, with who and why."""

from kiosk import clock
from kiosk.errors import DomainError
from kiosk.errors import N_
from kiosk.models import AuditEntry

MAX_REASON = 255


def require_reason(reason):
    """Return the reason stripped, or refuse an empty or oversized one."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(N_("Please give a reason."))
    if len(reason) > MAX_REASON:
        raise DomainError(N_("The reason is too long (at most %(max)s characters)."), max=MAX_REASON)
    return reason


def record(action, subject, volunteer_id=None, reason="", detail=""):
    """Append an entry (call inside the transaction of the action it records)."""
    return AuditEntry.create(
        at=clock.now(), action=action, subject=subject, volunteer=volunteer_id, reason=reason, detail=detail
    )

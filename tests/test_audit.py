import pytest

from kiosk import audit
from kiosk.errors import DomainError
from kiosk.models import AuditEntry
from kiosk.models import database
from tests.conftest import add_volunteer


def test_entries_record_who_did_what_and_why(app):
    person = add_volunteer(app)
    with app.app_context(), database.connection_context():
        audit.record("void", "voucher:7K9MQ2XA", person, reason=audit.require_reason(" printed twice "))
        audit.record("reprint", "voucher:7K9MQ2XA", person, reason="paper jam")
        entries = list(AuditEntry.about("voucher:7K9MQ2XA"))
    assert [(e.action, e.reason, e.volunteer.name) for e in entries] == [
        ("void", "printed twice", "王芳"),
        ("reprint", "paper jam", "王芳"),
    ]


@pytest.mark.parametrize("reason", ["", "   ", "x" * 256])
def test_a_missing_or_oversized_reason_is_refused(reason):
    with pytest.raises(DomainError):
        audit.require_reason(reason)

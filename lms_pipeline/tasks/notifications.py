"""Messages to people: through any Prefect notification block, or e-mail through prefect-email.

`target` names a saved block as `<block-type-slug>/<name>`: `custom-webhook/lms-alerts`, `slack-webhook/data-team`,
`ms-teams-webhook/...`, or `email-server-credentials/district-smtp` with recipients in `email_to`.
"""

from __future__ import annotations

import logging
import re
from email.message import EmailMessage

from prefect.blocks.core import Block

log = logging.getLogger(__name__)
# httpx logs every request's full URL at INFO, and a webhook's URL may carry its secret.
logging.getLogger("httpx").setLevel(logging.WARNING)

EMAIL_BLOCK = "email-server-credentials"


def send(target: str, subject: str, body: str, email_to: list[str] | None = None) -> None:
    """Deliver one message; raises when the block cannot be loaded or the delivery fails."""
    block = Block.load(target)
    if target.startswith(EMAIL_BLOCK + "/"):
        _send_email(block, subject, body, email_to or [])
        return
    raise_on_failure = getattr(block, "raise_on_failure", None)
    # Block.load is an async_dispatch, typed "the block or a coroutine"; called synchronously it is the block.
    if raise_on_failure is None:  # CustomWebhookNotificationBlock raises by itself
        block.notify(body=body, subject=subject)  # type: ignore[union-attr]  # see above
        return
    with raise_on_failure():  # Apprise-based blocks (Slack, Teams, ...) would swallow a failed delivery
        block.notify(body=body, subject=subject)  # type: ignore[union-attr]  # see above


def _send_email(credentials, subject: str, body: str, recipients: list[str]) -> None:
    if not recipients:
        raise ValueError(f"{EMAIL_BLOCK} needs recipients: set the flow parameter notifications.email_to")
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = credentials.username or "lms-pipeline"
    message["To"] = ", ".join(recipients)
    message.set_content(body)
    with credentials.get_server() as server:
        server.send_message(message)


def send_quietly(target: str | None, subject: str, body: str, email_to: list[str] | None = None) -> bool:
    """For hooks: a notification that cannot be delivered is logged, never allowed to mask the run's own error."""
    if not target:
        return False
    try:
        send(target, subject, body, email_to)
        return True
    except Exception as error:  # noqa: BLE001 - any delivery problem is reported the same way
        log.error(
            "could not send the notification through %s: %s: %s",
            target,
            type(error).__name__,
            without_secrets(str(error)),
        )
        return False


URL = re.compile(r"([a-zA-Z][a-zA-Z0-9+.-]*://)([^/\s@]*@)?([^/\s?#]*)([^\s?#]*)(\?[^\s#]*)?(#\S*)?")


def without_secrets(message: str) -> str:
    """Error texts quote the URL they failed on; its user, password and query may hold a webhook's secret."""
    return URL.sub(lambda m: f"{m.group(1)}{m.group(3)}{m.group(4)}", message)

"""What each notice says, in Vietnamese (the msgids are English; ``locale/vi`` holds the text).

:func:`compose` answers the e-mail's subject and body and the SMS text for one event. The texts
are composed when the notice is written (in the transaction of the change), so they say what was
true at that moment, and the dossier page shows exactly what was sent.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _


@dataclass(frozen=True)
class Text:
    subject: str
    body: str
    sms: str


def when(moment: datetime.datetime | None) -> str:
    if moment is None:
        return "—"
    return timezone.localtime(moment).strftime("%H:%M %d/%m/%Y")


def _what(event: str, values: dict[str, Any]) -> tuple[str, str]:
    """(title, sentence) of an event, in the active language."""
    match event:
        case "received":
            return _("dossier accepted"), _(
                "Your dossier %(code)s (%(procedure)s) has been accepted. The result is due at "
                "%(due)s."
            ) % values
        case "refused":
            return _("dossier not accepted"), _(
                "Your dossier %(code)s could not be accepted. Reason: %(note)s"
            ) % values
        case "supplement":
            return _("supplement requested"), _(
                "The agency asks you to supplement your dossier %(code)s: %(note)s. Open the "
                "dossier page to send the documents."
            ) % values
        case "completion":
            return _("documents to complete"), _(
                "The one-stop desk asks you to complete your dossier %(code)s: %(note)s. Open "
                "the dossier page to send the documents."
            ) % values
        case "fees":
            return _("fees due"), _(
                "Fees or taxes are due for your dossier %(code)s. Pay them from the dossier "
                "page or at the desk; processing continues once they are paid."
            ) % values
        case "apology":
            return _("apology and new appointment"), _(
                "We apologise: the result of your dossier %(code)s will not be ready on time. "
                "New appointment: %(due)s. Reason: %(note)s"
            ) % values
        case "result":
            return _("result ready"), _("The result of your dossier %(code)s is ready. %(how)s") % (
                values
            )
        case "shipped":
            return _("result sent by post"), _(
                "The result of your dossier %(code)s has been sent by post, tracking number "
                "%(tracking)s."
            ) % values
        case "post_returned":
            return _("result back at the desk"), _(
                "The post could not deliver the result of your dossier %(code)s (%(note)s). It "
                "waits for you at the desk of %(agency)s: bring your identity card."
            ) % values
        case "delivered":
            return _("result delivered"), _(
                "The result of your dossier %(code)s has been delivered (%(how)s). Thank you "
                "for using the portal."
            ) % values
        case "step_due":
            return _("step due soon"), _(
                'The step "%(step)s" of dossier %(code)s that you hold is due at %(deadline)s.'
            ) % values
        case "overdue":
            return _("dossier overdue"), _(
                "Dossier %(code)s (%(procedure)s) was due at %(due)s and is not finished yet."
            ) % values
        case "apology_due":
            return _("apology to issue"), _(
                "Dossier %(code)s (%(procedure)s) is due at %(due)s and will be late: issue the "
                "apology letter (form 04) with a new date at least one working day before the "
                "due date."
            ) % values
    raise ValueError(f"no text for the event {event!r}")


def compose(event: str, values: dict[str, Any]) -> Text:
    """The notice of ``event`` in Vietnamese; ``values`` fill its blanks (code, due, note…)."""
    with translation.override("vi"):
        title, sentence = _what(event, {"note": "", "how": "", **values})
        site = settings.NOTIFICATIONS_SITE_NAME
        subject = _("Dossier %(code)s: %(title)s") % {"code": values["code"], "title": title}
        lines = [
            _("Hello %(name)s,") % {"name": values.get("name", "")},
            "",
            sentence,
            "",
            _("Follow your dossier: %(link)s") % {"link": values.get("link", "")},
            "",
            site,
            _("This message was sent automatically; please do not reply."),
        ]
        return Text(
            subject=f"[{site}] {subject}"[:255],
            body="\n".join(lines),
            sms=f"{site}: {sentence}",
        )

"""The forum's mail, as the identity pages have always imported it."""

from __future__ import annotations

from ..mail import MailError as MailError
from ..mail import send_mail as send_mail

"""The forum's domain errors, with the stable codes the API and the socket report."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from kernel.errors import Conflict, DomainError, Invalid


class ThreadLocked(Conflict):
    code = "thread_locked"
    default_message = _("This thread is locked; no more replies.")


class PostDeleted(Conflict):
    code = "post_deleted"
    default_message = _("This post has been deleted.")


class AwaitingReview(Conflict):
    code = "awaiting_review"
    default_message = _("This post awaits a moderator's decision and cannot be edited until then.")


class AttachmentRefused(Invalid):
    code = "attachment_refused"
    default_message = _("Only PNG, JPEG, GIF, WebP images and PDF documents can be attached.")


class AttachmentTooLarge(DomainError):
    code = "too_large"
    status = 413
    default_message = _("The file is too large.")


class ThreadAwaitingReview(Conflict):
    code = "thread_awaiting_review"
    default_message = _("This thread awaits a moderator's review; replies open once it is published.")

"""The one place that decides who may see and do what.

Views, the CLI, feeds, search and export all ask here; nothing else decides visibility.
Every answer is a :class:`Verdict` that carries the reason in words a visitor can act
on, so a refusal page can say *why* and *what would help*.

The rules are kept in one module per area (:mod:`.base`: who is asking and who may read
a community; :mod:`.forum`; :mod:`.moderation`; :mod:`.curation`), and every one is
re-exported here: callers write ``policy.can_reply(...)`` whatever the area.
"""

from __future__ import annotations

from .base import (
    ALLOW as ALLOW,
)
from .base import (
    ANONYMOUS as ANONYMOUS,
)
from .base import (
    MODERATING_ROLES as MODERATING_ROLES,
)
from .base import (
    STAFF_ROLES as STAFF_ROLES,
)
from .base import (
    Actor as Actor,
)
from .base import (
    Verdict as Verdict,
)
from .base import (
    can_view_community as can_view_community,
)
from .base import (
    is_active_member as is_active_member,
)
from .base import (
    is_moderator as is_moderator,
)
from .base import (
    level_label as level_label,
)
from .base import (
    readable_communities_clause as readable_communities_clause,
)
from .curation import (
    EDITING_ROLES as EDITING_ROLES,
)
from .curation import (
    can_approve as can_approve,
)
from .curation import (
    can_dispute as can_dispute,
)
from .curation import (
    can_edit_information as can_edit_information,
)
from .curation import (
    can_uphold as can_uphold,
)
from .curation import (
    can_verify_post as can_verify_post,
)
from .curation import (
    can_view_editors_dashboard as can_view_editors_dashboard,
)
from .curation import (
    can_view_item as can_view_item,
)
from .curation import (
    edits_anywhere as edits_anywhere,
)
from .curation import (
    is_editor as is_editor,
)
from .curation import (
    is_on_display as is_on_display,
)
from .forum import (
    can_delete_post as can_delete_post,
)
from .forum import (
    can_edit_post as can_edit_post,
)
from .forum import (
    can_follow_community as can_follow_community,
)
from .forum import (
    can_follow_topic as can_follow_topic,
)
from .forum import (
    can_join as can_join,
)
from .forum import (
    can_leave as can_leave,
)
from .forum import (
    can_manage_members as can_manage_members,
)
from .forum import (
    can_reply as can_reply,
)
from .forum import (
    can_see_account_behind as can_see_account_behind,
)
from .forum import (
    can_start_topic as can_start_topic,
)
from .forum import (
    can_view_post as can_view_post,
)
from .forum import (
    can_view_topic as can_view_topic,
)
from .forum import (
    listed_posts_clause as listed_posts_clause,
)
from .forum import (
    listed_topics_clause as listed_topics_clause,
)
from .forum import (
    lists_published_posts_only as lists_published_posts_only,
)
from .moderation import (
    APPEAL_MONTHS as APPEAL_MONTHS,
)
from .moderation import (
    Restriction as Restriction,
)
from .moderation import (
    Standing as Standing,
)
from .moderation import (
    appeal_deadline as appeal_deadline,
)
from .moderation import (
    can_appeal as can_appeal,
)
from .moderation import (
    can_decide_appeal as can_decide_appeal,
)
from .moderation import (
    can_moderate as can_moderate,
)
from .moderation import (
    can_moderate_site as can_moderate_site,
)
from .moderation import (
    can_report as can_report,
)
from .moderation import (
    can_take_measure as can_take_measure,
)
from .moderation import (
    can_view_decision as can_view_decision,
)
from .moderation import (
    can_view_own_moderation as can_view_own_moderation,
)
from .moderation import (
    moderates_anywhere as moderates_anywhere,
)
from .moderation import (
    needs_approval as needs_approval,
)
from .privacy import (
    FRESH_SIGN_IN as FRESH_SIGN_IN,
)
from .privacy import (
    can_download_export as can_download_export,
)
from .privacy import (
    can_erase_own_account as can_erase_own_account,
)
from .privacy import (
    can_request_export as can_request_export,
)
from .search import (
    SearchScope as SearchScope,
)
from .search import (
    search_scope as search_scope,
)

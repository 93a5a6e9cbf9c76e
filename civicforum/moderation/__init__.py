"""Moderation: house rules, reports, measures with their statement of reasons, appeals,
pre-moderation, help resources and transparency figures."""

"""Trusted information: articles and verdicts on posts that editors verify with sources,
a second editor's approval and a date to check them again."""

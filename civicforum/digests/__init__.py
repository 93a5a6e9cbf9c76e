"""Calm e-mail: one digest a day or a week with what is new for a member, never a stream
of notifications, never during their quiet hours, never twice for one period."""

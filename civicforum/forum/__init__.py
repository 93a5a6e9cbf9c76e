"""Communities, memberships, topics and posts."""

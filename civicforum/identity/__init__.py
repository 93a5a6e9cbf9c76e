"""Who someone is in the forum: members, their linked identities, and local accounts."""

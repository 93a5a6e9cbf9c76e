"""A person's data is theirs: a copy of it to take along (GDPR Articles 15 and 20), its
erasure (Article 17), and how long the forum keeps what it keeps (retention)."""

"""Atom feeds (RFC 4287) of public communities, topics and reliable information."""

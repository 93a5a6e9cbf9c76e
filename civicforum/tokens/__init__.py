"""Personal tokens: API tokens and feed tokens a member makes on their settings page."""

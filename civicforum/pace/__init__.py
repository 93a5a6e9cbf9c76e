"""Each person's own pace: their preferences (how often the forum writes, quiet hours,
content under warnings), what they follow, and the settings pages for them."""

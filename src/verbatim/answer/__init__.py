"""Answering: a question (read in the light of the conversation) → candidate sentences →
features → ranked answers with their highlights, or an abstention."""

"""Notifications: what a scan tells the team's channels (through Apprise), never a secret."""

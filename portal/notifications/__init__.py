"""Notifications: an outbox of emails and the in-app list, filled in the event's transaction."""

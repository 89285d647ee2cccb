"""Periodic work of the accounts app."""

from celery import shared_task

from accounts import tokens


@shared_task
def save_token_uses() -> int:
    """Beat, every ten minutes: the API tokens' last uses from the cache to their rows."""
    return tokens.save_last_uses()

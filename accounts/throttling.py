"""API rate limits per user (and per address for anonymous calls).

The counters live in the cache (Redis in production). When the cache cannot be reached the
request is let through and a warning logged: a rate limit must not turn a Redis outage into an
API outage.
"""

import logging

from redis import RedisError
from rest_framework import throttling

logger = logging.getLogger(__name__)


class _FailOpen:
    def allow_request(self, request, view):
        try:
            return super().allow_request(request, view)
        except (RedisError, OSError):
            logger.warning("API rate limit skipped: the cache is unreachable", exc_info=True)
            return True


class UserRateThrottle(_FailOpen, throttling.UserRateThrottle):
    """Scope "user": REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["user"] (API_USER_RATE)."""


class AnonRateThrottle(_FailOpen, throttling.AnonRateThrottle):
    """Scope "anon": REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["anon"] (API_ANON_RATE)."""

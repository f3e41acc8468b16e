"""API rate limits per user (and per address for anonymous calls).

The counters live in the cache (Redis in production). When the cache cannot be reached the
request is let through and a warning logged: a rate limit must not turn a Redis outage into an
API outage.
"""

import logging
import math

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


class _FixedWindow:
    """One counter per caller and period (a minute for "600/minute"), incremented in place.

    DRF's own throttle keeps the time of every request in the period in one cached list,
    which each call reads, trims and writes back: at 600 a minute, a list of 600 on every
    request, and the largest single cost of a list call under load. A counter costs the same
    whatever the rate. The price: a caller can spend one period's allowance at its end and the
    next one's at the start, so at most twice the rate within a few seconds."""

    def allow_request(self, request, view):
        if self.rate is None:
            return True
        ident = self.get_cache_key(request, view)
        if ident is None:
            return True
        now = self.timer()
        period = int(now // self.duration)
        self.retry_after = (period + 1) * self.duration - now
        key = f"{ident}_{period}"
        try:
            count = self.cache.incr(key)
        except ValueError:  # the period's first request
            count = 1 if self.cache.add(key, 1, self.duration + 1) else self.cache.incr(key)
        return count <= self.num_requests

    def wait(self):
        return max(1, math.ceil(self.retry_after))


class UserRateThrottle(_FailOpen, _FixedWindow, throttling.UserRateThrottle):
    """Scope "user": REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["user"] (API_USER_RATE)."""


class AnonRateThrottle(_FailOpen, _FixedWindow, throttling.AnonRateThrottle):
    """Scope "anon": REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["anon"] (API_ANON_RATE)."""

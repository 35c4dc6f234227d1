"""The one real dependency readiness reflects: Redis, pinged with a short timeout.

What: `RedisDependency(url)` holds one redis-py asyncio client; `problem()` answers None when a
PING comes back within `timeout_s`, else the reason ("redis unreachable: ..."); `close()` closes
the client's connection pool.
When: the lifespan creates it when PROXYLAB_REDIS_URL is set and closes it at shutdown;
/health/ready awaits `problem()` on every probe. /health/live never calls it.
Why: readiness answers "should traffic reach this instance now?", and an instance whose cache is
gone should be taken out of rotation, not restarted (a restart cannot bring Redis back). The
timeout is short and below the probes' own, so a hanging Redis reads as "not ready" rather than
as a probe timeout that looks like a dead process.
"""

from __future__ import annotations

import asyncio

from redis.asyncio import Redis
from redis.exceptions import RedisError

DEFAULT_TIMEOUT_S = 0.5


class RedisDependency:
    """A Redis the instance needs before it takes traffic."""

    def __init__(self, url: str, timeout_s: float = DEFAULT_TIMEOUT_S) -> None:
        self.url = url
        self.timeout_s = timeout_s
        # No retries: a probe wants today's answer, fast; the next probe is the retry.
        self._client = Redis.from_url(
            url, socket_timeout=timeout_s, socket_connect_timeout=timeout_s, retry=None
        )

    async def problem(self) -> str | None:
        """None when Redis answers PING in time, else why not (names the URL's host, not secrets)."""
        try:
            await asyncio.wait_for(self._client.ping(), timeout=self.timeout_s)
        except (TimeoutError, RedisError, OSError) as error:
            return f"redis unreachable: {type(error).__name__}: {error}".rstrip(": ")
        return None

    async def close(self) -> None:
        """Close every pooled connection; called once from the lifespan shutdown."""
        await self._client.aclose()

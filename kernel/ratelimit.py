"""Token-bucket rate limits, shared by every process when ``REDIS_URL`` is set.

``check("send:42", rate=10, burst=30)`` lets member 42 send 30 at once and 10 a second after
that; past it, :class:`kernel.errors.RateLimited` says how long to wait. With Redis, the bucket
is one hash updated by a Lua script (atomic, clocked by Redis's ``TIME`` so process clocks do
not matter). Without Redis, or while Redis is unreachable, the bucket lives in this process:
limits keep working, only per process.
"""

from __future__ import annotations

import math
import threading

import redis

from kernel import clock
from kernel import redis as rt_redis
from kernel.errors import RateLimited

_BUCKET_LUA = """
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local state = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(state[1]) or burst
local ts = tonumber(state[2]) or now
tokens = math.min(burst, tokens + math.max(0, now - ts) * rate)
local wait = 0
if tokens >= 1 then
  tokens = tokens - 1
else
  wait = (1 - tokens) / rate
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil(burst / rate * 1000) + 1000)
return tostring(wait)
"""

_local: dict[str, tuple[float, float]] = {}
# Seconds read off a monotonic clock that has run for days keep about ten decimal places: two
# refills of half a token can add up to 0.9999999999.
_EPSILON = 1e-9
_local_lock = threading.Lock()
_health = rt_redis.OnceLogger("rate limits")


def _take_local(key: str, rate: float, burst: int) -> float:
    """Take a token from this process's bucket; the seconds to wait, 0 when allowed."""
    now = clock.monotonic()
    with _local_lock:
        tokens, ts = _local.get(key, (float(burst), now))
        tokens = min(float(burst), tokens + max(0.0, now - ts) * rate)
        wait = 0.0
        if tokens >= 1 - _EPSILON:  # a token due, give or take the clock's rounding
            tokens = max(0.0, tokens - 1)
        else:
            wait = (1 - tokens) / rate
        _local[key] = (tokens, now)
        if len(_local) > 100_000:  # forget full buckets rather than grow without end
            for k in [k for k, (t, s) in _local.items() if t + (now - s) * rate >= burst][:50_000]:
                del _local[k]
    return wait


def _raise_if_waiting(wait: float) -> None:
    if wait > 0:
        raise RateLimited(retry_after=max(0.001, math.ceil(wait * 1000) / 1000))


def check(key: str, *, rate: float, burst: int) -> None:
    """Take one token from the bucket ``key``; raise RateLimited(retry_after=…) when empty."""
    if rate <= 0 or burst < 1:
        raise ValueError("rate must be positive and burst at least 1")
    if rt_redis.enabled():
        try:
            wait = float(rt_redis.sync_client().eval(_BUCKET_LUA, 1, rt_redis.key("rl", key), rate, burst))
            _health.ok()
        except redis.RedisError as error:
            _health.failed(error)
            wait = _take_local(key, rate, burst)
    else:
        wait = _take_local(key, rate, burst)
    _raise_if_waiting(wait)


async def acheck(key: str, *, rate: float, burst: int) -> None:
    """:func:`check` for async code (the gateway), without a thread hop."""
    if rate <= 0 or burst < 1:
        raise ValueError("rate must be positive and burst at least 1")
    if rt_redis.enabled():
        try:
            client = rt_redis.async_client()
            wait = float(await client.eval(_BUCKET_LUA, 1, rt_redis.key("rl", key), rate, burst))  # type: ignore[misc]
            _health.ok()
        except (redis.RedisError, OSError) as error:
            _health.failed(error)
            wait = _take_local(key, rate, burst)
    else:
        wait = _take_local(key, rate, burst)
    _raise_if_waiting(wait)


def reset_local() -> None:
    """Forget this process's buckets (tests)."""
    with _local_lock:
        _local.clear()

"""The ground floor: what every app shares and nothing else.

Domain errors with their codes (``errors``), the same-origin check (``origin``), the language of
a request or socket (``language``), the clock (``clock``), and rate limits (``ratelimit``) with
the Redis clients for the project's own keys (``redis``): the login limits of ``members`` need
them as much as the gateway does. It imports Django and no app of the project; every app may
import it.
"""

"""The ground floor: what every app shares and nothing else.

Domain errors with their codes (``errors``), the same-origin check (``origin``), the language of
a request or socket (``language``) and the clock (``clock``). It imports Django and no app of the
project; every app may import it.
"""

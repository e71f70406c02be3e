"""Staff of the agent desk: password hashing, accounts and login throttling, signed
sessions with CSRF tokens, and what each role may do.

Submodules are imported directly (``from bot.staff.accounts import authenticate``);
this package imports nothing so that ``bot.db`` can be loaded without it.
"""

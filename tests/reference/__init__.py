"""Plain reference implementations the fast native paths are differential-tested against.

They are the code the package ran before the fast paths replaced it: short, obviously
correct, slow.  Only tests import them.
"""

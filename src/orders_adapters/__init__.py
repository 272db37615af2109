"""Implementations of orders_core's ports.

``memory`` and ``sqlite`` use only the standard library; ``dynamodb``, ``appconfig`` and
``eventbridge`` need the ``aws`` extra and are imported only by those who use them.
"""

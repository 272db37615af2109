"""The discount flags document: its flag names, what its rules may ask, and its check.

The document is a Powertools feature-flags document with two *non-boolean* flags
(``"boolean_type": false``), ``premium_discount`` and ``campaign_discount``. Every value of
either flag (its ``default`` and each rule's ``when_match``) is a discount value:

- ``false``: no discount;
- a JSON number: that percent off, above 0, at most 100, at most 2 decimals;
- ``{"enabled": true|false, "percent": <number>}``: the percent while enabled, none otherwise,
  so a campaign can be switched off without losing its figure.

Rules see the caller as ``{"tier": "standard"|"premium", "role": "customer"|"staff"}`` and may
also use Powertools' time conditions; a condition on any other key, or naming a tier or role
that does not exist, makes the document invalid (it could never match, silently).

The same document may set the payment deadline of new orders: a non-boolean flag
``payment_deadline_minutes`` whose values are whole minutes (1 to 43,200, i.e. 30 days); its
rules may use the time conditions only (a deadline does not depend on who orders). Without the
flag a new order has 30 minutes to be paid (``orders_core.DEFAULT_PAYMENT_DEADLINE``).

:func:`check_discount_flags` is the whole check of these two flags in the standard library:
the Pulumi program runs it on the document it hosts, and ``orders_adapters.appconfig`` runs it
after Powertools' own schema check, which also covers any other feature's flags.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any, Final

PREMIUM_DISCOUNT: Final = "premium_discount"
CAMPAIGN_DISCOUNT: Final = "campaign_discount"
# flag name -> the code of the Discount it produces (the codes FixedDiscounts uses too)
DISCOUNT_FLAGS: Final = {PREMIUM_DISCOUNT: "premium", CAMPAIGN_DISCOUNT: "campaign"}
PAYMENT_DEADLINE: Final = "payment_deadline_minutes"
# orders_core.MAX_PAYMENT_DEADLINE in minutes (a test keeps them the same)
MAX_DEADLINE_MINUTES: Final = 30 * 24 * 60
# what a rule may ask about the caller, and the values each key can take (orders_core's
# CustomerTier and Role; a test keeps them the same)
CONTEXT_VALUES: Final[Mapping[str, frozenset[str]]] = {
    "tier": frozenset({"standard", "premium"}),
    "role": frozenset({"customer", "staff"}),
}
TIME_KEYS: Final = frozenset({"CURRENT_TIME", "CURRENT_DAY_OF_WEEK", "CURRENT_DATETIME"})
# The condition actions Powertools feature flags evaluate (its RuleAction; a test keeps them
# the same).
RULE_ACTIONS: Final = frozenset(
    {
        "EQUALS",
        "NOT_EQUALS",
        "KEY_GREATER_THAN_VALUE",
        "KEY_GREATER_THAN_OR_EQUAL_VALUE",
        "KEY_LESS_THAN_VALUE",
        "KEY_LESS_THAN_OR_EQUAL_VALUE",
        "STARTSWITH",
        "ENDSWITH",
        "IN",
        "NOT_IN",
        "KEY_IN_VALUE",
        "KEY_NOT_IN_VALUE",
        "VALUE_IN_KEY",
        "VALUE_NOT_IN_KEY",
        "ALL_IN_VALUE",
        "ANY_IN_VALUE",
        "NONE_IN_VALUE",
        "SCHEDULE_BETWEEN_TIME_RANGE",
        "SCHEDULE_BETWEEN_DATETIME_RANGE",
        "SCHEDULE_BETWEEN_DAYS_OF_WEEK",
        "MODULO_RANGE",
    }
)
_HUNDREDTH: Final = Decimal("0.01")


class InvalidFlagsDocument(ValueError):
    """A flags document that breaks the schema; the message says where."""


def default_flags_document() -> dict[str, Any]:
    """The shipped flags document: 10% off for premium customers, the 5% campaign off.

    A fresh copy on each call; this is what the deployment hosts unless told otherwise and a
    starting point for a local ``--flags`` file. (The fail-safe defaults, used when no valid
    document can be had, are different: no discount at all.)
    """
    return {
        PREMIUM_DISCOUNT: {
            "boolean_type": False,
            "default": False,
            "rules": {
                "premium customers": {
                    "when_match": 10,
                    "conditions": [{"action": "EQUALS", "key": "tier", "value": "premium"}],
                },
            },
        },
        CAMPAIGN_DISCOUNT: {
            "boolean_type": False,
            "default": {"enabled": False, "percent": 5},
        },
    }


def check_discount_flags(document: object) -> dict[str, Any]:
    """Check the discount flags of ``document``; return it unchanged.

    Raises ``InvalidFlagsDocument`` naming the first problem. Other flags are only required
    to be objects here.
    """
    if not isinstance(document, dict):
        raise InvalidFlagsDocument("a flags document is a JSON object of flags")
    for name, feature in document.items():
        if not isinstance(feature, dict):
            raise InvalidFlagsDocument(f"{name}: a flag is a JSON object")
    for name in DISCOUNT_FLAGS:
        if name in document:
            _check_flag(name, document[name])
    if PAYMENT_DEADLINE in document:
        _check_flag(
            PAYMENT_DEADLINE,
            document[PAYMENT_DEADLINE],
            unit="minutes",
            value=deadline_minutes,
            condition=_check_time_condition,
        )
    return document


def deadline_minutes(value: object, where: str) -> int:
    """The whole minutes a ``payment_deadline_minutes`` value gives."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidFlagsDocument(f"{where}: a deadline is a whole number of minutes")
    if not 1 <= value <= MAX_DEADLINE_MINUTES:
        raise InvalidFlagsDocument(f"{where}: a deadline is 1 to {MAX_DEADLINE_MINUTES} minutes")
    return value


def discount_percent(value: object, where: str) -> Decimal | None:
    """The percent a discount value grants, None for no discount; see the module docstring."""
    if value is False:
        return None
    if isinstance(value, dict):
        if set(value) != {"enabled", "percent"} or not isinstance(value["enabled"], bool):
            raise InvalidFlagsDocument(f'{where}: expected {{"enabled": bool, "percent": number}}')
        percent = _percent(value["percent"], where)
        return percent if value["enabled"] else None
    return _percent(value, where)


def _percent(value: object, where: str) -> Decimal:
    # JSON numbers arrive as int or float; going through str keeps the written figure exactly
    # (str of a float is its shortest repr) instead of the float's binary expansion.
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidFlagsDocument(f"{where}: a percent is a JSON number, or false for none")
    try:
        percent = Decimal(str(value))
    except InvalidOperation as exc:  # pragma: no cover - str of an int or float always parses
        raise InvalidFlagsDocument(f"{where}: not a number") from exc
    if (
        not percent.is_finite()
        or not Decimal(0) < percent <= Decimal(100)
        or percent != percent.quantize(_HUNDREDTH)
    ):
        raise InvalidFlagsDocument(f"{where}: a percent is above 0, at most 100, 2 decimals")
    return percent


def _check_flag(
    name: str,
    feature: dict[str, Any],
    *,
    unit: str = "percents",
    value: Callable[[object, str], object] = discount_percent,
    condition: Callable[[object, str], None] | None = None,
) -> None:
    """A non-boolean flag whose default and every rule's value pass ``value``, and whose
    conditions pass ``condition`` (by default: the caller keys or a time key)."""
    check_condition = condition or _check_condition
    if feature.get("boolean_type") is not False:
        raise InvalidFlagsDocument(f'{name}: needs "boolean_type": false, its values are {unit}')
    if "default" not in feature:
        raise InvalidFlagsDocument(f"{name}: needs a default")
    value(feature["default"], f"{name}.default")
    rules = feature.get("rules") or {}
    if not isinstance(rules, dict):
        raise InvalidFlagsDocument(f"{name}.rules: an object of named rules")
    for rule_name, rule in rules.items():
        where = f"{name}.rules[{rule_name!r}]"
        if not isinstance(rule, dict) or "when_match" not in rule:
            raise InvalidFlagsDocument(f"{where}: a rule is an object with when_match")
        value(rule["when_match"], f"{where}.when_match")
        conditions = rule.get("conditions")
        if not isinstance(conditions, list) or not conditions:
            raise InvalidFlagsDocument(f"{where}.conditions: a non-empty list")
        for index, found in enumerate(conditions):
            check_condition(found, f"{where}.conditions[{index}]")


def _check_time_condition(condition: object, where: str) -> None:
    _check_condition(condition, where)
    assert isinstance(condition, dict)  # noqa: S101 - _check_condition refuses anything else
    if condition["key"] not in TIME_KEYS:
        raise InvalidFlagsDocument(f"{where}: a deadline rule may use time keys only")


def _check_condition(condition: object, where: str) -> None:
    if not isinstance(condition, dict) or not {"action", "key", "value"} <= set(condition):
        raise InvalidFlagsDocument(f"{where}: a condition has an action, a key and a value")
    if condition["action"] not in RULE_ACTIONS:
        raise InvalidFlagsDocument(f"{where}: action {condition['action']!r} is not known")
    key = condition["key"]
    if key in TIME_KEYS:
        return
    allowed = CONTEXT_VALUES.get(key)
    if allowed is None:
        keys = ", ".join(sorted(CONTEXT_VALUES))
        raise InvalidFlagsDocument(f"{where}: key {key!r} is not known; use {keys} or a time key")
    value = condition["value"]
    values = value if isinstance(value, list) else [value]
    if not all(isinstance(item, str) and item in allowed for item in values):
        raise InvalidFlagsDocument(f"{where}: {key} is one of {', '.join(sorted(allowed))}")


__all__ = [
    "CAMPAIGN_DISCOUNT",
    "CONTEXT_VALUES",
    "DISCOUNT_FLAGS",
    "MAX_DEADLINE_MINUTES",
    "PAYMENT_DEADLINE",
    "PREMIUM_DISCOUNT",
    "RULE_ACTIONS",
    "TIME_KEYS",
    "InvalidFlagsDocument",
    "check_discount_flags",
    "deadline_minutes",
    "default_flags_document",
    "discount_percent",
]

"""Tags for every taggable resource, from one place: the stack's settings.

A stack transformation runs before each resource is registered and adds the tags to any AWS
resource whose type takes ``tags``, so a resource added later is tagged without anyone
remembering to. Tags a resource sets itself win over these on a clash.
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping

import pulumi


def takes_tags(resource_class: type) -> bool:
    """Whether a pulumi-aws resource type has a ``tags`` input."""
    init = getattr(resource_class, "_internal_init", None)
    return init is not None and "tags" in inspect.signature(init).parameters


# The tags of the stack being declared, and the stack (root resource) the transformation is
# registered on: a process that declares several stacks (the tests) registers once per stack
# and never lets an earlier stack's tags leak into a later one.
_current: dict[str, str] = {}
_registered_on: list[object] = []


def _add_tags(args: pulumi.ResourceTransformationArgs) -> pulumi.ResourceTransformationResult:
    if not args.type_.startswith("aws:") or not takes_tags(type(args.resource)):
        return pulumi.ResourceTransformationResult(args.props, args.opts)
    fixed = dict(_current)
    own = args.props.get("tags")
    merged = pulumi.Output.from_input(own or {}).apply(lambda mine: {**fixed, **(mine or {})})
    return pulumi.ResourceTransformationResult({**args.props, "tags": merged}, args.opts)


def tag_everything(tags: Mapping[str, str]) -> None:
    """Give every AWS resource declared after this call that takes tags these ``tags``."""
    _current.clear()
    _current.update(tags)
    root = pulumi.runtime.get_root_resource()
    if root not in _registered_on:
        _registered_on.append(root)
        pulumi.runtime.register_stack_transformation(_add_tags)

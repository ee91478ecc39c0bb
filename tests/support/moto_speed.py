"""moto made faster for the test suite, its answers unchanged: where moto 5.2.5 spends CPU on work whose result
cannot differ, that work is done once or in linear time.

Each patch below replaces one moto function with one that computes the same result (same return values, same
exceptions at the same point, same side effects), and says why it is the same. They are applied only to the moto
version they were read against (`MOTO_VERSION_PATCHED`, pinned in requirements-dev.txt); with another version the
tests run at moto's own speed. They are installed by `tests/conftest.py` in `pytest_configure`, so `tests/bench`
measures moto unchanged. The local runtime does not use them (only the routing fix, which is its own:
`local/moto_fixes.py`).
"""

from __future__ import annotations

import functools
import re
from typing import Any

MOTO_VERSION_PATCHED = "5.2.5"
ORIGINALS: dict[tuple[Any, str], Any] = {}  # (owner, attribute) → moto's own, for tests/unit/test_moto_speed.py


def _replace(owner: Any, name: str, new: Any) -> None:
    ORIGINALS.setdefault((owner, name), getattr(owner, name))
    setattr(owner, name, new)


def apply() -> None:
    """Install every patch once (idempotent), if moto is the version they were checked against."""
    import moto
    from moto.core import responses

    from local import moto_fixes

    moto_fixes.route_without_listing_moto()  # server mode: the local runtime's own fix (any moto version)
    if moto.__version__ != MOTO_VERSION_PATCHED or getattr(responses, "_tests_sped_up", False):
        return
    _serializer_lookups()
    _method_names_once_per_class()
    _items_sized_in_linear_time()
    _update_expressions_walked_with_their_types_once()
    _mock_registrations_built_once()
    responses._tests_sped_up = True


def _serializer_lookups() -> None:
    """Answer moto's question "which key of this dict holds the member?" once per shape instead of once per value.

    moto 5.2 serializes every response by walking the botocore output shape and, for every member of every structure
    (each of the ten members of each DynamoDB AttributeValue), asks six alias providers for candidate keys and tries
    each with a caught KeyError: half of the CPU of a DynamoDB call. For a plain dict the candidates depend only on
    the member name and its shape (a dict has no `Meta` aliases, and its class name is always "dict"), so they are
    computed once and looked up with `in`; everything else (objects, other pickers, dotted aliases) goes through
    moto's own code."""
    from moto.core import serialize

    original = serialize.ResponseSerializer.get_value
    picker_type, default_providers = serialize.XFormedAttributePicker, serialize.DEFAULT_ALIAS_PROVIDERS
    candidates: dict[tuple[str, Any, Any], tuple[str, ...] | None] = {}  # shapes hash by identity and stay alive

    def get_value(self, value: Any, key: str, shape: Any) -> Any:
        picker = self._value_picker
        plain = type(picker) is picker_type and picker.alias_providers is default_providers
        if type(value) is not dict or not plain:
            return original(self, value, key, shape)
        cache_key = (key, shape, getattr(shape, "parent", None))
        try:
            keys = candidates[cache_key]
        except KeyError:
            context = serialize.AttributePickerContext(obj={}, key=key, shape=shape,
                                                       operation_model=self.operation_model,
                                                       service_model=self.service_model)
            keys = tuple(picker.get_possible_keys(context))
            if not all(isinstance(name, str) and "." not in name for name in keys):
                keys = None  # a path: moto walks it
            candidates[cache_key] = keys
        if keys is None:
            return original(self, value, key, shape)
        found = None
        for name in keys:
            if name in value:
                found = value[name]
                break
        if picker.response_transformers:
            key_path = f"{'.'.join(self.path)}.{key}"
            for suffix, transform in picker.response_transformers.items():
                if key_path.endswith(suffix):
                    return transform(found)
        return found

    _replace(serialize.ResponseSerializer, "get_value", get_value)


def _method_names_once_per_class() -> None:
    """moto lists the handler class's methods (`inspect.getmembers`, ~300 members) on every request to check that
    the action exists. A class's functions do not change while the tests run, and the only caller tests membership
    in the list it gets, so the list is built once per class."""
    from moto.core import responses

    _replace(responses, "method_names_from_class", functools.cache(responses.method_names_from_class))


def _items_sized_in_linear_time() -> None:
    """`Item(...)` fills a `LimitedSizeDict` one attribute at a time, and each insertion re-measures every attribute
    already in it (the 400 KB item limit): quadratic in the attributes, on every put, update and read of an item.
    Here the running total is kept instead: before inserting an attribute the check compares the same sum (the sizes
    of the keys and values already in, plus the new key and value) with the same limit and raises the same
    `ItemSizeTooLarge` at the same attribute. Later writes to `attrs` still go through moto's own check."""
    from moto.dynamodb.exceptions import ItemSizeTooLarge
    from moto.dynamodb.models import dynamo_type
    from moto.dynamodb.models.utilities import bytesize

    def __init__(self: Any, hash_key: Any, range_key: Any, attrs: dict[str, Any]) -> None:
        self.hash_key = hash_key
        self.range_key = range_key
        self.attrs = dynamo_type.LimitedSizeDict()
        total = 0
        for key, value in attrs.items():
            typed = dynamo_type.DynamoType(value)
            added = bytesize(key) + typed.size()
            if total + added > 405000:  # moto's limit (LimitedSizeDict.__setitem__)
                raise ItemSizeTooLarge
            dict.__setitem__(self.attrs, key, typed)
            total += added

    _replace(dynamo_type.Item, "__init__", __init__)


def _update_expressions_walked_with_their_types_once() -> None:
    """Each of the ten processors that validate and apply an UpdateExpression walks its syntax tree, and at every
    node rebuilds its map of node types to handlers twice (`nodes_to_be_processed`, `process`). The maps are dict
    literals of the processor's bound methods, constant for the walk, so they are built once per walk; the walk is
    otherwise moto's own: depth first, children before their parent, `pre_processing_of_child` before each child,
    the first matching handler's result put in the parent's place."""
    from moto.dynamodb.parsing.ast_nodes import DepthFirstTraverser, Node

    default_pre = DepthFirstTraverser.pre_processing_of_child

    def traverse(self: Any, root: Any) -> Any:
        kinds = self.nodes_to_be_processed()
        handlers = tuple(self._processing_map().items())
        pre = self.pre_processing_of_child if type(self).pre_processing_of_child is not default_pre else None

        def walk(node: Any, child_id: int = -1) -> Any:
            if isinstance(node, Node):
                parent_node = node.parent
                if node.children is not None:
                    for index, child in enumerate(node.children):
                        if pre is not None:
                            pre(node, index)
                        walk(child, index)
                if isinstance(node, kinds):
                    node = next(handler for kind, handler in handlers if isinstance(node, kind))(node)
                    node.parent = parent_node
                    if parent_node:
                        parent_node.children[child_id] = node
            return node

        return walk(root)

    _replace(DepthFirstTraverser, "traverse", traverse)


def _mock_registrations_built_once() -> None:
    """Every `mock_aws` start (one per test) registers ~1,300 `responses` callbacks, one per HTTP method and AWS
    URL pattern, for `requests` calls to AWS URLs (a presigned S3 URL fetched in a test): built anew each time. The
    same objects are registered each time instead, in moto's order, their record of calls emptied first (what a
    new one holds)."""
    from moto import backend_index
    from moto.core import models

    registrations: list[Any] = []
    for method in models.RESPONSES_METHODS:
        registrations.extend(models.CallbackResponse(method=method, url=pattern,
                                                     callback=models.botocore_stubber.process_prepared_request)
                             for _, pattern in backend_index.backend_url_patterns)
        registrations.append(models.CallbackResponse(method=method, url=re.compile(r"https?://.+\.amazonaws.com/.*"),
                                                     callback=models.not_implemented_callback))

    def _enable_patching(self: Any, reset: bool = True) -> None:
        models.botocore_stubber.enabled = True
        if reset:
            self.reset()
        models.responses_mock.start()
        for registration in registrations:
            registration.calls.reset()
            models.responses_mock.add(registration)

    _replace(models.MockAWS, "_enable_patching", _enable_patching)

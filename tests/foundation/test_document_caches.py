"""Repeated documents are parsed and validated once (the limits must not defeat the caches)."""

from __future__ import annotations

from typing import Any

from strawberry.extensions.parser_cache import _get_parse_cache
from strawberry.extensions.validation_cache import _get_validate_cache

from tests.support import GraphQLClient


def _hits(cache: Any) -> int:
    """An lru_cache's hit count (the caches are typed as plain callables)."""
    return int(cache.cache_info().hits)


QUERY = 'query CachedPublicSchool { schoolBySlug(slug: "no-such-school") { name } }'


async def test_the_second_identical_request_hits_both_caches(gql: GraphQLClient) -> None:
    await gql.data(QUERY)
    parse_hits = _hits(_get_parse_cache(256))
    validate_hits = _hits(_get_validate_cache(256))

    await gql.data(QUERY)

    assert _hits(_get_parse_cache(256)) == parse_hits + 1
    assert _hits(_get_validate_cache(256)) == validate_hits + 1

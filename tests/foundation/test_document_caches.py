"""Repeated documents are parsed and validated once (the limits must not defeat the caches)."""

from __future__ import annotations

from strawberry.extensions.parser_cache import _get_parse_cache
from strawberry.extensions.validation_cache import _get_validate_cache

from tests.support import GraphQLClient

QUERY = 'query CachedPublicSchool { schoolBySlug(slug: "no-such-school") { name } }'


async def test_the_second_identical_request_hits_both_caches(gql: GraphQLClient) -> None:
    await gql.data(QUERY)
    parse_hits = _get_parse_cache(256).cache_info().hits
    validate_hits = _get_validate_cache(256).cache_info().hits

    await gql.data(QUERY)

    assert _get_parse_cache(256).cache_info().hits == parse_hits + 1
    assert _get_validate_cache(256).cache_info().hits == validate_hits + 1

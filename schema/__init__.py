"""One GraphQL schema stitched from the domains' roots.

Adding a domain: give it `schema/<domain>/{types,inputs,mutations,queries}.py` and add
its roots to the three `merge_types` calls below. `schema.graphql` beside this package
is the committed SDL; tests fail when it drifts (`clutch export-schema` rewrites it).
"""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

import strawberry
from strawberry.extensions import ParserCache, ValidationCache
from strawberry.schema.config import StrawberryConfig
from strawberry.tools import merge_types

from resolvers.context import Info
from schema.accounts.mutations import AccountMutation
from schema.accounts.queries import AccountQuery
from schema.assignments.mutations import AssignmentMutation
from schema.assignments.queries import AssignmentQuery, AssignmentSubscription
from schema.audit.queries import AuditQuery
from schema.billing.mutations import BillingMutation
from schema.billing.queries import BillingQuery
from schema.calendar.mutations import CalendarMutation
from schema.calendar.queries import CalendarQuery
from schema.common.errors import ErrorPolicy, ExecutionMarker
from schema.common.limits import limit_extensions
from schema.common.node import Node, resolve_node
from schema.common.permissions import IsAuthenticated
from schema.community.mutations import CommunityMutation
from schema.community.queries import CommunityQuery, CommunitySubscription
from schema.earnings.mutations import EarningsMutation
from schema.earnings.queries import EarningsQuery
from schema.feedback.mutations import FeedbackMutation
from schema.feedback.queries import FeedbackQuery
from schema.packages.mutations import PackageMutation
from schema.packages.queries import PackageQuery, PackageSubscription
from schema.payments.mutations import PaymentMutation
from schema.payments.queries import PaymentQuery
from schema.progress.mutations import ProgressMutation
from schema.progress.queries import ProgressQuery
from schema.scheduling.mutations import SchedulingMutation
from schema.scheduling.queries import SchedulingQuery, SchedulingSubscription
from schema.schools.mutations import SchoolMutation
from schema.schools.queries import SchoolQuery
from schema.series.mutations import SeriesMutation
from schema.series.queries import SeriesQuery, SeriesSubscription
from schema.theory.mutations import TheoryMutation
from schema.theory.queries import TheoryQuery, TheorySubscription

MAX_NODES = 100


@strawberry.type
class NodeQuery:
    @strawberry.field(
        description="Fetch any object by its global ID. Null when it does not exist or you may not see it.",
        permission_classes=[IsAuthenticated],
    )
    async def node(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="A global ID.")],
    ) -> Node | None:
        return await resolve_node(info, id)  # type: ignore[no-any-return]

    @strawberry.field(
        description="Fetch up to 100 objects by global ID, in order; null for each you may not see.",
        permission_classes=[IsAuthenticated],
    )
    async def nodes(
        self,
        info: Info,
        ids: Annotated[
            list[strawberry.ID], strawberry.argument(description="Up to 100 global IDs.")
        ],
    ) -> list[Node | None]:
        if len(ids) > MAX_NODES:
            from services.errors import CommonErrorCode, DomainError

            raise DomainError(CommonErrorCode.INVALID, f"At most {MAX_NODES} ids at once.", "ids")
        # Gathered, so the loaders batch: one query per type, not one per id.
        return list(await asyncio.gather(*(resolve_node(info, i) for i in ids)))


Query = merge_types(
    "Query",
    (
        NodeQuery,
        AccountQuery,
        SchoolQuery,
        AssignmentQuery,
        AuditQuery,
        SchedulingQuery,
        SeriesQuery,
        CommunityQuery,
        FeedbackQuery,
        ProgressQuery,
        CalendarQuery,
        TheoryQuery,
        PackageQuery,
        BillingQuery,
        EarningsQuery,
        PaymentQuery,
    ),
)
Mutation = merge_types(
    "Mutation",
    (
        AccountMutation,
        SchoolMutation,
        AssignmentMutation,
        SchedulingMutation,
        SeriesMutation,
        CommunityMutation,
        FeedbackMutation,
        ProgressMutation,
        CalendarMutation,
        TheoryMutation,
        PackageMutation,
        BillingMutation,
        EarningsMutation,
        PaymentMutation,
    ),
)
Subscription = merge_types(
    "Subscription",
    (
        AssignmentSubscription,
        SchedulingSubscription,
        SeriesSubscription,
        CommunitySubscription,
        TheorySubscription,
        PackageSubscription,
    ),
)


class ClutchSchema(strawberry.Schema):
    def process_errors(self, errors: Any, execution_context: Any = None) -> None:
        """Strawberry logs every error, client mistakes included, with a traceback;
        `ErrorPolicy` already logs the unexpected ones, once."""


def build_schema(
    *,
    max_depth: int = 12,
    max_aliases: int = 15,
    max_tokens: int = 2500,
    introspection: bool = True,
) -> strawberry.Schema:
    extensions: list[Any] = [
        *limit_extensions(max_depth=max_depth, max_aliases=max_aliases, max_tokens=max_tokens),
        # Clients send the same few documents over and over: parse and validate each once.
        # After the limits, which set the parse options and rules these caches key on.
        lambda: ParserCache(maxsize=256),
        lambda: ValidationCache(maxsize=256),
        ExecutionMarker,
        ErrorPolicy,
    ]
    if not introspection:
        from strawberry.extensions import DisableIntrospection

        extensions.append(DisableIntrospection)
    return ClutchSchema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        extensions=extensions,
        # Without introspection, "Did you mean …?" hints would leak the schema anyway.
        config=StrawberryConfig(disable_field_suggestions=not introspection),
    )


schema = build_schema()

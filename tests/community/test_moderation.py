"""Moderation: the approval and report queues, hide and restore, who may moderate and
manage forums, visibility across roles and schools, and the audit trail."""

from __future__ import annotations

from sqlalchemy import select

from models.community import CommunityForum, CommunityInteraction, CommunityPost
from models.events import AuditEntry
from resolvers.context import AppState
from services.actor import Role
from tests.community.helpers import (
    CREATE_POST,
    CREATE_REPLY,
    POST,
    count,
    fetch,
    forum_gid,
    make_forum,
    make_forums,
    make_post,
    make_reply,
    name_moderators,
    post_gid,
    reply_gid,
)
from tests.support import Factory, GraphQLClient, SchoolWorld, gid

QUEUE = """
query Queue {
  moderationQueue(first: 20) {
    edges { node { __typename ... on Post { id title } ... on Reply { id body } } }
  }
}
"""

APPROVE = """
mutation Approve($input: ContentInput!) {
  approveContent(input: $input) {
    content { ... on Post { id status isApproved } ... on Reply { id status } }
    errors { code field }
  }
}
"""

HIDE = """
mutation Hide($input: ModerateContentInput!) {
  hideContent(input: $input) {
    content { ... on Post { id status moderationNote } ... on Reply { id status body } }
    errors { code field }
  }
}
"""

RESTORE = """
mutation Restore($input: ContentInput!) {
  restoreContent(input: $input) { content { ... on Reply { id status body } } errors { code } }
}
"""

REPORT = """
mutation Report($input: ReportContentInput!) {
  reportContent(input: $input) { report { id status reason } errors { code field } }
}
"""

REPORTS = """
query Reports {
  communityReports(first: 20) {
    edges { node { id reason details status reporter { displayName } target { __typename } } }
  }
}
"""

CREATE_FORUM = """
mutation CreateForum($input: CreateForumInput!) {
  createForum(input: $input) { forum { id name isPlatformWide isPublic } errors { code field } }
}
"""

FORUMS = "query Forums { forums(first: 50) { edges { node { id name } } } }"
NODE = "query Node($id: ID!) { node(id: $id) { id } }"


async def test_the_approval_queue_holds_pending_posts_and_replies_until_approved(
    gql: GraphQLClient, state: AppState, factory: Factory, world: SchoolWorld
) -> None:
    # Given a forum requiring approval with a published post by a moderator
    forums = await make_forums(state, factory, world)
    host = await make_post(state, world.admin, forums.moderated)
    student = await gql.login(world.student.email)

    # When a student posts and replies there
    post = (
        await gql.data(
            CREATE_POST,
            {"input": {"forumId": forum_gid(forums.moderated), "title": "Q", "body": "?"}},
            token=student,
        )
    )["createPost"]["post"]
    reply = (
        await gql.data(
            CREATE_REPLY, {"input": {"postId": post_gid(host), "body": "Me?"}}, token=student
        )
    )["createReply"]["reply"]

    # Then both wait in the admin's queue, are invisible to other students, and uncounted
    admin = await gql.login(world.admin.email)
    queue = (await gql.data(QUEUE, token=admin))["moderationQueue"]["edges"]
    assert [(e["node"]["__typename"], e["node"]["id"]) for e in queue] == [
        ("Post", post["id"]),
        ("Reply", reply["id"]),
    ]
    other = await gql.login(world.other_student.email)
    assert (await gql.data(NODE, {"id": post["id"]}, token=other))["node"] is None
    assert (await gql.data(QUEUE, token=other))["moderationQueue"]["edges"] == []
    assert (await gql.data(POST, {"id": post_gid(host)}, token=other))["node"]["replyCount"] == 0

    # When the admin approves both, they are published and counted, and the queue is empty
    for target in (post["id"], reply["id"]):
        done = await gql.data(APPROVE, {"input": {"targetId": target}}, token=admin)
        assert done["approveContent"]["errors"] == []
    assert (await gql.data(NODE, {"id": post["id"]}, token=other))["node"] == {"id": post["id"]}
    assert (await gql.data(POST, {"id": post_gid(host)}, token=other))["node"]["replyCount"] == 1
    assert (await gql.data(QUEUE, token=admin))["moderationQueue"]["edges"] == []
    again = await gql.data(APPROVE, {"input": {"targetId": post["id"]}}, token=admin)
    assert again["approveContent"]["errors"] == [{"code": "WRONG_STATE", "field": "targetId"}]


async def test_students_and_unnamed_instructors_may_not_moderate(
    gql: GraphQLClient, state: AppState, factory: Factory, world: SchoolWorld
) -> None:
    forums = await make_forums(state, factory, world)
    post = await make_post(state, world.student, forums.school)
    reply = await make_reply(state, world.other_student, post)

    for email in (world.other_student.email, world.instructor.email):
        body = await gql.execute(
            HIDE, {"input": {"targetId": reply_gid(reply)}}, token=await gql.login(email)
        )
        assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"

    # a named moderator may
    await name_moderators(state, factory, forums.school, world.instructor)
    named = await gql.data(
        HIDE,
        {"input": {"targetId": reply_gid(reply), "note": "Off topic"}},
        token=await gql.login(world.instructor.email),
    )
    assert named["hideContent"]["content"]["status"] == "HIDDEN"


async def test_hiding_and_restoring_a_reply_moves_the_count_and_is_audited(
    gql: GraphQLClient, state: AppState, factory: Factory, world: SchoolWorld
) -> None:
    forums = await make_forums(state, factory, world)
    post = await make_post(state, world.student, forums.school)
    reply = await make_reply(state, world.other_student, post, body="Rude words")
    admin = await gql.login(world.admin.email)
    reader = await gql.login(world.student.email)

    hidden = await gql.data(
        HIDE, {"input": {"targetId": reply_gid(reply), "note": "Be kind"}}, token=admin
    )
    as_reader = await gql.data(
        "query R($id: ID!) { node(id: $id) { ... on Reply { status body author { displayName } } } }",
        {"id": reply_gid(reply)},
        token=reader,
    )
    after_hide = await fetch(state, CommunityPost, post.id)
    restored = await gql.data(RESTORE, {"input": {"targetId": reply_gid(reply)}}, token=admin)
    after_restore = await fetch(state, CommunityPost, post.id)

    assert hidden["hideContent"]["content"]["body"] == "Rude words"  # moderators still read it
    assert as_reader["node"] == {"status": "HIDDEN", "body": None, "author": None}
    assert after_hide.reply_count == 0
    assert restored["restoreContent"]["content"] == {
        "id": reply_gid(reply),
        "status": "PUBLISHED",
        "body": "Rude words",
    }
    assert after_restore.reply_count == 1
    async with state.db.session() as session:
        actions = list(
            await session.scalars(
                select(AuditEntry.action)
                .where(AuditEntry.entity_id == str(reply.id))
                .order_by(AuditEntry.id)
            )
        )
    assert actions == ["community.content.hidden", "community.content.restored"]


async def test_reports_reach_the_report_queue_once_per_person_and_hiding_closes_them(
    gql: GraphQLClient, state: AppState, factory: Factory, world: SchoolWorld
) -> None:
    forums = await make_forums(state, factory, world)
    post = await make_post(state, world.other_student, forums.school, post_type="discussion")
    student = await gql.login(world.student.email)
    report = {"input": {"targetId": post_gid(post), "reason": "SPAM", "details": "Ads"}}

    first = await gql.data(REPORT, report, token=student)
    second = await gql.data(REPORT, report, token=student)
    own = await gql.data(REPORT, report, token=await gql.login(world.other_student.email))
    admin = await gql.login(world.admin.email)
    queue = (await gql.data(REPORTS, token=admin))["communityReports"]["edges"]
    await gql.data(HIDE, {"input": {"targetId": post_gid(post)}}, token=admin)
    after = (await gql.data(REPORTS, token=admin))["communityReports"]["edges"]

    assert first["reportContent"]["report"]["status"] == "OPEN"
    assert second["reportContent"]["errors"] == [{"code": "ALREADY_REPORTED", "field": "targetId"}]
    assert own["reportContent"]["errors"] == [{"code": "OWN_CONTENT", "field": "targetId"}]
    assert [(e["node"]["reason"], e["node"]["target"]["__typename"]) for e in queue] == [
        ("SPAM", "Post")
    ]
    assert after == []
    stored = await fetch(state, CommunityInteraction, queue and _pk(queue[0]["node"]["id"]))
    assert stored.report_status == "actioned"


REJECT = """
mutation Reject($input: ModerateContentInput!) {
  rejectContent(input: $input) {
    content { ... on Post { id status moderationNote } }
    errors { code field }
  }
}
"""

PIN = """
mutation Pin($input: PinPostInput!) { pinPost(input: $input) { post { isPinned } errors { code } } }
"""

LOCK = """
mutation Lock($input: LockPostInput!) { lockPost(input: $input) { post { isLocked } errors { code } } }
"""

RESOLVE = """
mutation Resolve($input: ResolveReportInput!) {
  resolveReport(input: $input) { report { id status } errors { code field } }
}
"""


async def test_rejecting_pinning_locking_and_resolving_are_each_audited(
    gql: GraphQLClient, state: AppState, factory: Factory, world: SchoolWorld
) -> None:
    # Given a student's post awaiting approval, another student's published question with
    # a report against it, and the school admin as moderator
    forums = await make_forums(state, factory, world)
    pending = await make_post(state, world.student, forums.moderated, title="Pending")
    question = await make_post(state, world.other_student, forums.school)
    student = await gql.login(world.student.email)
    filed = await gql.data(
        REPORT, {"input": {"targetId": post_gid(question), "reason": "OFF_TOPIC"}}, token=student
    )
    report_id = filed["reportContent"]["report"]["id"]
    admin = await gql.login(world.admin.email)

    # When the admin rejects the pending post with a note, pins and locks the question, and
    # dismisses the report (twice)
    rejected = await gql.data(
        REJECT, {"input": {"targetId": post_gid(pending), "note": "Off topic"}}, token=admin
    )
    pinned = await gql.data(PIN, {"input": {"postId": post_gid(question)}}, token=admin)
    locked = await gql.data(LOCK, {"input": {"postId": post_gid(question)}}, token=admin)
    resolve = {"input": {"reportId": report_id, "resolution": "DISMISSED"}}
    dismissed = await gql.data(RESOLVE, resolve, token=admin)
    again = await gql.data(RESOLVE, resolve, token=admin)

    # Then each took effect, the second dismissal is refused, the queue is empty...
    assert rejected["rejectContent"] == {
        "content": {"id": post_gid(pending), "status": "HIDDEN", "moderationNote": "Off topic"},
        "errors": [],
    }
    assert pinned["pinPost"] == {"post": {"isPinned": True}, "errors": []}
    assert locked["lockPost"] == {"post": {"isLocked": True}, "errors": []}
    assert dismissed["resolveReport"] == {
        "report": {"id": report_id, "status": "DISMISSED"},
        "errors": [],
    }
    assert again["resolveReport"]["errors"] == [{"code": "WRONG_STATE", "field": "reportId"}]
    assert (await gql.data(REPORTS, token=admin))["communityReports"]["edges"] == []

    # ...and every action is in the audit log, by the admin, with the state before and after
    async with state.db.session() as session:
        entries = list(
            await session.scalars(
                select(AuditEntry)
                .where(AuditEntry.action.like("community.%"))
                .where(AuditEntry.actor_id == world.admin.id)
                .order_by(AuditEntry.id)
            )
        )
    assert [(e.action, e.entity_id) for e in entries] == [
        ("community.content.rejected", str(pending.id)),
        ("community.post.pinned", str(question.id)),
        ("community.post.locked", str(question.id)),
        ("community.report.dismissed", str(_pk(report_id))),
    ]
    changes = [(e.before or {}, e.after or {}) for e in entries]
    assert [(before["status"], after["status"]) for before, after in changes] == [
        ("pending", "hidden"),
        ("published", "published"),
        ("published", "published"),
        ("open", "dismissed"),
    ]
    assert (changes[1][0]["pinned"], changes[1][1]["pinned"]) == (False, True)
    assert (changes[2][0]["locked"], changes[2][1]["locked"]) == (False, True)


def _pk(global_id: str) -> object:
    from schema.common.node import parse_global_id

    parsed = parse_global_id(global_id)
    assert parsed is not None
    return parsed[1]


async def test_who_creates_forums(
    gql: GraphQLClient,
    state: AppState,
    factory: Factory,
    world: SchoolWorld,
    other_world: SchoolWorld,
) -> None:
    admin = await gql.login(world.admin.email)
    platform_admin = await factory.platform_admin()
    root = await gql.login(platform_admin.email)

    own = await gql.data(CREATE_FORUM, {"input": {"name": "Ours"}}, token=admin)
    duplicate = await gql.data(CREATE_FORUM, {"input": {"name": "OURS"}}, token=admin)
    platform_by_admin = await gql.execute(
        CREATE_FORUM, {"input": {"name": "All", "platformWide": True}}, token=admin
    )
    foreign = await gql.data(
        CREATE_FORUM,
        {"input": {"name": "Theirs", "schoolId": gid("School", other_world.school.id)}},
        token=admin,
    )
    by_student = await gql.execute(
        CREATE_FORUM, {"input": {"name": "Mine"}}, token=await gql.login(world.student.email)
    )
    platform = await gql.data(
        CREATE_FORUM, {"input": {"name": "Ours", "platformWide": True}}, token=root
    )

    assert own["createForum"]["forum"]["isPlatformWide"] is False
    assert duplicate["createForum"]["errors"] == [{"code": "NAME_TAKEN", "field": "name"}]
    assert platform_by_admin["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert foreign["createForum"]["errors"] == [{"code": "SCHOOL_NOT_FOUND", "field": "schoolId"}]
    assert by_student["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert platform["createForum"]["forum"]["isPlatformWide"] is True
    assert await count(state, CommunityForum) == 2


async def test_who_reads_which_forum(
    gql: GraphQLClient,
    state: AppState,
    factory: Factory,
    world: SchoolWorld,
    other_world: SchoolWorld,
) -> None:
    # Given a platform forum, school A's public and staff-only forums, and school B's forum
    platform = await make_forum(state, factory, name="Everyone")
    public = await make_forum(state, factory, school=world.school, name="A public")
    staff = await make_forum(state, factory, school=world.school, name="A staff", is_public=False)
    closed = await make_forum(state, factory, school=world.school, name="A closed")
    async with state.db.transaction() as session:
        stored = await session.get(CommunityForum, closed.id)
        assert stored is not None
        stored.is_active = False
    theirs = await make_forum(state, factory, school=other_world.school, name="B public")
    pending = await factory.user(world.school, Role.STUDENT, status="pending_review")

    async def names(email: str) -> set[str]:
        data = await gql.data(FORUMS, token=await gql.login(email))
        return {e["node"]["name"] for e in data["forums"]["edges"]}

    assert await names(world.student.email) == {platform.name, public.name}
    assert await names(world.instructor.email) == {platform.name, public.name, staff.name}
    assert await names(world.admin.email) == {platform.name, public.name, staff.name, closed.name}
    assert await names(other_world.student.email) == {platform.name, theirs.name}
    assert await names(pending.email) == set()
    # and another school's forum is null through node(id:)
    token = await gql.login(other_world.admin.email)
    assert (await gql.data(NODE, {"id": forum_gid(public)}, token=token))["node"] is None


UPDATE_FORUM = """
mutation UpdateForum($input: UpdateForumInput!) {
  updateForum(input: $input) {
    forum { name displayOrder requiresApproval isActive }
    errors { code field }
  }
}
"""

SET_MODERATORS = """
mutation Moderators($input: SetForumModeratorsInput!) {
  setForumModerators(input: $input) {
    forum { moderators { displayName } }
    errors { code field }
  }
}
"""

CAN_MODERATE = "query F($id: ID!) { node(id: $id) { ... on Forum { viewerCanModerate } } }"


async def test_a_forums_administrators_change_it_and_name_its_moderators(
    gql: GraphQLClient,
    state: AppState,
    factory: Factory,
    world: SchoolWorld,
    other_world: SchoolWorld,
) -> None:
    # Given the school's forum and its admin
    forums = await make_forums(state, factory, world)
    forum = forum_gid(forums.school)
    admin = await gql.login(world.admin.email)
    instructor = await gql.login(world.instructor.email)
    assert (await gql.data(CAN_MODERATE, {"id": forum}, token=instructor))["node"] == {
        "viewerCanModerate": False
    }

    # When the admin renames and reorders it and makes it moderated, then names the
    # instructor its moderator, and tries to name another school's student too
    changed = await gql.data(
        UPDATE_FORUM,
        {
            "input": {
                "forumId": forum,
                "name": "Highway Code",
                "displayOrder": 3,
                "requiresApproval": True,
            }
        },
        token=admin,
    )
    named = await gql.data(
        SET_MODERATORS,
        {"input": {"forumId": forum, "userIds": [gid("User", world.instructor.id)]}},
        token=admin,
    )
    foreign = await gql.data(
        SET_MODERATORS,
        {"input": {"forumId": forum, "userIds": [gid("User", other_world.student.id)]}},
        token=admin,
    )

    # Then the settings changed, the instructor moderates (but may not change the forum),
    # and the foreign student was refused without touching the list
    assert changed["updateForum"] == {
        "forum": {
            "name": "Highway Code",
            "displayOrder": 3,
            "requiresApproval": True,
            "isActive": True,
        },
        "errors": [],
    }
    assert named["setForumModerators"]["errors"] == []
    assert foreign["setForumModerators"]["errors"] == [
        {"code": "USER_NOT_FOUND", "field": "userIds"}
    ]
    assert (await gql.data(CAN_MODERATE, {"id": forum}, token=instructor))["node"] == {
        "viewerCanModerate": True
    }
    by_moderator = await gql.execute(
        UPDATE_FORUM, {"input": {"forumId": forum, "name": "Mine now"}}, token=instructor
    )
    assert by_moderator["errors"][0]["extensions"]["code"] == "FORBIDDEN"

    # And when the admin closes it, students no longer see it or post in it
    closed = await gql.data(
        UPDATE_FORUM, {"input": {"forumId": forum, "isActive": False}}, token=admin
    )
    assert closed["updateForum"]["forum"]["isActive"] is False
    student = await gql.login(world.student.email)
    visible = (await gql.data(FORUMS, token=student))["forums"]["edges"]
    assert forum not in {edge["node"]["id"] for edge in visible}
    posted = await gql.data(
        CREATE_POST, {"input": {"forumId": forum, "title": "Q", "body": "?"}}, token=student
    )
    assert posted["createPost"]["post"] is None
    assert posted["createPost"]["errors"][0]["code"] == "FORUM_NOT_FOUND"
    async with state.db.session() as session:
        actions = list(
            await session.scalars(
                select(AuditEntry.action)
                .where(AuditEntry.entity_id == str(forums.school.id))
                .where(AuditEntry.actor_id == world.admin.id)
                .order_by(AuditEntry.id)
            )
        )
    assert actions == [
        "community.forum.updated",
        "community.forum.moderators_set",
        "community.forum.deactivated",
    ]

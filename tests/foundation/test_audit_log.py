"""The audit log: admins read their school's trail; nobody reads another school's."""

from __future__ import annotations

from tests.support import GraphQLClient, SchoolWorld, gid

AUDIT_LOG = """
query Audit($action: String) {
  auditLog(first: 50, action: $action) {
    edges { node { action entityType entityId actor { email } before after createdAt } }
  }
}
"""
SUSPEND = """
mutation Suspend($id: ID!) { suspendUser(input: {userId: $id, reason: "late payments"}) { errors { code } } }
"""


async def test_a_school_admin_reads_their_schools_trail_newest_first(
    gql: GraphQLClient, world: SchoolWorld, other_world: SchoolWorld
) -> None:
    token = await gql.login(world.admin.email)
    other_token = await gql.login(other_world.admin.email)
    await gql.data(SUSPEND, {"id": gid("User", world.student.id)}, token=token)
    await gql.data(SUSPEND, {"id": gid("User", other_world.student.id)}, token=other_token)

    edges = (await gql.data(AUDIT_LOG, token=token))["auditLog"]["edges"]

    actions = [edge["node"]["action"] for edge in edges]
    assert actions[0] == "user.suspended"
    assert "assignment.created" in actions
    suspended = [e["node"] for e in edges if e["node"]["action"] == "user.suspended"]
    assert [s["entityId"] for s in suspended] == [str(world.student.id)]
    assert suspended[0]["actor"] == {"email": world.admin.email}
    assert suspended[0]["before"]["status"] == "active"
    assert suspended[0]["after"]["status"] == "suspended"
    assert str(other_world.student.id) not in str(edges)


async def test_instructors_and_students_may_not_read_the_audit_log(
    gql: GraphQLClient, world: SchoolWorld
) -> None:
    for user in (world.instructor, world.student):
        token = await gql.login(user.email)

        body = await gql.execute(AUDIT_LOG, token=token)

        assert body["data"] is None
        assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"

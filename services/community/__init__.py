"""The community (SPEC §5): forums, posts, nested replies, interactions, moderation,
follows, reputation and badges.

    errors        the codes clients see in ``CommunityErrorCode``
    access        who may read, post in and moderate a forum (SQL predicates and checks)
    content       Markdown rendering and sanitising; limits on titles, bodies, tags, URLs
    events        channel keys and the outbox events subscribers follow
    forums        forums and their named moderators
    posts         posts: create, edit, delete, count a view
    replies       replies at any depth, the accepted solution
    interactions  likes, dislikes, bookmarks and reports, one of each per user and target
    counters      like, reply and view counts updated atomically with their rows
    moderation    approval and report queues, hide/restore, lock, pin
    follows       following a post, and telling followers of new replies
    reputation    the points ledger, badges, and badges for milestones of other domains

Every function takes ``(uow, actor, …)`` and raises ``DomainError`` with a
``CommunityErrorCode``; counters and one-per-user rules are enforced by PostgreSQL.
"""

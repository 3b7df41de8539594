use serde_json::{Value, json};

use crate::{
    groups::{TestGroup, create_group, join_member},
    helpers::{Account, TestApp, email, error_code, spawn_app, spawn_app_with, text},
};

const START: &str = "mutation($input: StartThreadInput!) { startThread(input: $input) { id title bodyHtml viewerCanEdit } }";
const POST: &str = "mutation($input: PostCommentInput!) { postComment(input: $input) { id depth body bodyHtml quote { excerpt } } }";
const COMMENTS: &str =
    "query($id: ID!) { thread(id: $id) { commentCount comments(first: 20) { totalCount nodes {
    id depth body replyCount author { displayName } quote { excerpt }
    replies(first: 3) { nodes { id depth body quote { excerpt comment { id } } } } } } } }";

pub async fn start_thread(
    app: &TestApp,
    author: &Account,
    group: &TestGroup,
    title: &str,
    body: &str,
) -> String {
    let input = json!({ "groupId": group.id, "title": title, "body": body, "topics": ["ethics"] });
    let started = app
        .graphql(Some(&author.access_token), START, json!({ "input": input }))
        .await;
    assert!(
        started["data"]["startThread"]["id"].is_string(),
        "startThread failed: {started}"
    );
    text(&started["data"]["startThread"]["id"])
}

pub async fn post(app: &TestApp, author: &Account, input: Value) -> Value {
    app.graphql(Some(&author.access_token), POST, json!({ "input": input }))
        .await
}

pub async fn comment(app: &TestApp, author: &Account, thread: &str, body: &str) -> String {
    let posted = post(app, author, json!({ "threadId": thread, "body": body })).await;
    assert!(
        posted["data"]["postComment"]["id"].is_string(),
        "postComment failed: {posted}"
    );
    text(&posted["data"]["postComment"]["id"])
}

/// A public group with an owner, a member and a thread by the member.
pub async fn discussion(app: &TestApp, visibility: &str) -> (Account, Account, TestGroup, String) {
    let owner = app.register(&email("owner"), "Owner").await;
    let group = create_group(app, &owner, "Debate club", visibility, "OPEN").await;
    let (member, _) = join_member(app, &group, "Debater").await;
    let thread = start_thread(
        app,
        &member,
        &group,
        "Er KI-etikk bare PR?",
        "Les [artikkelen](https://example.no/ki). Selskapene sier de tar etikk på alvor.",
    )
    .await;
    (owner, member, group, thread)
}

#[tokio::test]
async fn a_long_thread_with_replies_and_quotes_reads_back_in_order() {
    let app = spawn_app().await;
    let (owner, member, _, thread) = discussion(&app, "PUBLIC").await;
    let mut top = Vec::new();
    for i in 0..9 {
        let author = if i % 2 == 0 { &owner } else { &member };
        top.push(
            comment(
                &app,
                author,
                &thread,
                &format!("Innlegg nummer {i}: jeg mener noe om dette."),
            )
            .await,
        );
    }
    let reply = post(
        &app,
        &member,
        json!({ "threadId": thread, "body": "Uenig.", "parentId": top[2],
            "quote": { "commentId": top[2], "excerpt": "jeg mener noe" } }),
    )
    .await;
    let reply_id = text(&reply["data"]["postComment"]["id"]);
    assert_eq!(reply["data"]["postComment"]["depth"], 1);
    let answer = post(
        &app,
        &owner,
        json!({ "threadId": thread, "body": "Svar til svaret.", "parentId": reply_id }),
    )
    .await;
    assert_eq!(answer["data"]["postComment"]["depth"], 2);
    let on_article = post(
        &app,
        &owner,
        json!({ "threadId": thread, "body": "Det er nettopp poenget.", "quote": { "commentId": thread, "excerpt": "tar etikk på alvor" } }),
    )
    .await;
    assert_eq!(
        on_article["data"]["postComment"]["quote"]["excerpt"], "tar etikk på alvor",
        "{on_article}"
    );

    let read = app.graphql(None, COMMENTS, json!({ "id": thread })).await;
    let page = &read["data"]["thread"]["comments"];
    assert_eq!(read["data"]["thread"]["commentCount"], 12, "{read}");
    assert_eq!(page["totalCount"], 10);
    let nodes = page["nodes"].as_array().expect("nodes");
    let bodies: Vec<String> = nodes.iter().map(|n| text(&n["body"])).collect();
    for (i, body) in bodies.iter().take(9).enumerate() {
        assert!(
            body.starts_with(&format!("Innlegg nummer {i}:")),
            "{bodies:?}"
        );
    }
    assert!(nodes.iter().all(|n| n["depth"] == 0));
    assert_eq!(nodes[2]["replyCount"], 1);
    assert_eq!(
        nodes[2]["replies"]["nodes"][0]["quote"]["excerpt"],
        "jeg mener noe"
    );
    assert_eq!(
        nodes[2]["replies"]["nodes"][0]["quote"]["comment"]["id"],
        top[2].as_str()
    );
    assert_eq!(nodes[9]["quote"]["excerpt"], "tar etikk på alvor");
}

#[tokio::test]
async fn a_quote_that_is_not_in_its_source_is_refused_and_the_quote_outlives_edits() {
    let app = spawn_app().await;
    let (owner, member, _, thread) = discussion(&app, "PUBLIC").await;
    let original = comment(&app, &member, &thread, "Personvern er en menneskerett.").await;
    let wrong = post(
        &app,
        &owner,
        json!({ "threadId": thread, "body": "Nei.", "quote": { "commentId": original, "excerpt": "noe hun aldri sa" } }),
    )
    .await;
    assert_eq!(error_code(&wrong), "BAD_USER_INPUT", "{wrong}");
    assert_eq!(wrong["errors"][0]["extensions"]["field"], "quote.excerpt");

    let quoted = post(
        &app,
        &owner,
        json!({ "threadId": thread, "body": "Enig!", "quote": { "commentId": original, "excerpt": "en menneskerett" } }),
    )
    .await;
    let quoted_id = text(&quoted["data"]["postComment"]["id"]);
    app.graphql(
        Some(&member.access_token),
        "mutation($id: ID!) { editComment(input: {commentId: $id, body: \"Personvern er viktig.\"}) { id } }",
        json!({ "id": original }),
    )
    .await;
    let read = app
        .graphql(
            None,
            "query($id: ID!) { node(id: $id) { ... on Comment { quote { excerpt } } } }",
            json!({ "id": quoted_id }),
        )
        .await;
    assert_eq!(read["data"]["node"]["quote"]["excerpt"], "en menneskerett");
    let count = app
        .graphql(
            None,
            "query($id: ID!) { thread(id: $id) { commentCount } }",
            json!({ "id": thread }),
        )
        .await;
    assert_eq!(
        count["data"]["thread"]["commentCount"], 2,
        "the refused quote wrote nothing"
    );
}

#[tokio::test]
async fn edits_keep_revisions_for_the_author_and_moderators_who_can_redact_them() {
    let app = spawn_app().await;
    let (owner, member, group, thread) = discussion(&app, "PUBLIC").await;
    let (bystander, _) = join_member(&app, &group, "Bystander").await;
    let id = comment(&app, &member, &thread, "Sjefen min er udugelig.").await;
    let edit = "mutation($id: ID!, $body: String!) { editComment(input: {commentId: $id, body: $body}) { body editedAt } }";
    let refused = app
        .graphql(
            Some(&bystander.access_token),
            edit,
            json!({ "id": id, "body": "Hacked" }),
        )
        .await;
    assert_eq!(error_code(&refused), "FORBIDDEN");
    let edited = app
        .graphql(
            Some(&member.access_token),
            edit,
            json!({ "id": id, "body": "Ledelsen kunne vært bedre." }),
        )
        .await;
    assert_eq!(
        edited["data"]["editComment"]["body"],
        "Ledelsen kunne vært bedre."
    );
    assert!(edited["data"]["editComment"]["editedAt"].is_string());

    let history =
        "query($id: ID!) { node(id: $id) { ... on Comment { revisions { id body redacted } } } }";
    let by_author = app
        .graphql(Some(&member.access_token), history, json!({ "id": id }))
        .await;
    assert_eq!(
        by_author["data"]["node"]["revisions"][0]["body"],
        "Sjefen min er udugelig."
    );
    let by_other = app
        .graphql(Some(&bystander.access_token), history, json!({ "id": id }))
        .await;
    assert_eq!(by_other["data"]["node"]["revisions"], Value::Null);

    let revision = text(&by_author["data"]["node"]["revisions"][0]["id"]);
    let redact = "mutation($id: ID!) { redactRevision(revisionId: $id) { body redacted } }";
    assert_eq!(
        error_code(
            &app.graphql(
                Some(&member.access_token),
                redact,
                json!({ "id": revision })
            )
            .await
        ),
        "FORBIDDEN"
    );
    let redacted = app
        .graphql(Some(&owner.access_token), redact, json!({ "id": revision }))
        .await;
    assert_eq!(
        redacted["data"]["redactRevision"],
        json!({ "body": null, "redacted": true })
    );
    let after = app
        .graphql(Some(&member.access_token), history, json!({ "id": id }))
        .await;
    assert_eq!(
        after["data"]["node"]["revisions"][0],
        json!({ "id": revision, "body": null, "redacted": true })
    );
}

#[tokio::test]
async fn a_deleted_comment_leaves_a_tombstone_that_keeps_its_replies() {
    let app = spawn_app().await;
    let (owner, member, group, thread) = discussion(&app, "PUBLIC").await;
    let (other, _) = join_member(&app, &group, "Other").await;
    let parent = comment(&app, &member, &thread, "Jeg angrer på dette.").await;
    post(
        &app,
        &owner,
        json!({ "threadId": thread, "body": "Godt poeng.", "parentId": parent }),
    )
    .await;
    let delete =
        "mutation($id: ID!) { deleteComment(commentId: $id) { deleted body author { id } } }";
    assert_eq!(
        error_code(
            &app.graphql(Some(&other.access_token), delete, json!({ "id": parent }))
                .await
        ),
        "FORBIDDEN"
    );
    let deleted = app
        .graphql(Some(&member.access_token), delete, json!({ "id": parent }))
        .await;
    assert_eq!(
        deleted["data"]["deleteComment"],
        json!({ "deleted": true, "body": null, "author": null })
    );

    let read = app.graphql(None, COMMENTS, json!({ "id": thread })).await;
    let tombstone = &read["data"]["thread"]["comments"]["nodes"][0];
    assert_eq!(tombstone["body"], Value::Null);
    assert_eq!(tombstone["author"], Value::Null);
    assert_eq!(tombstone["replyCount"], 1);
    assert_eq!(tombstone["replies"]["nodes"][0]["body"], "Godt poeng.");
}

#[tokio::test]
async fn a_locked_thread_takes_no_comments_and_only_moderators_lock_and_pin() {
    let app = spawn_app().await;
    let (owner, member, group, thread) = discussion(&app, "PUBLIC").await;
    let (moderator, moderator_membership) = join_member(&app, &group, "Moderator").await;
    app.graphql(
        Some(&owner.access_token),
        "mutation($id: ID!) { setMemberRole(input: {membershipId: $id, role: MODERATOR}) { role } }",
        json!({ "id": moderator_membership }),
    )
    .await;
    let lock = "mutation($id: ID!) { lockThread(threadId: $id) { locked } }";
    assert_eq!(
        error_code(
            &app.graphql(Some(&member.access_token), lock, json!({ "id": thread }))
                .await
        ),
        "FORBIDDEN"
    );
    let locked = app
        .graphql(Some(&moderator.access_token), lock, json!({ "id": thread }))
        .await;
    assert_eq!(locked["data"]["lockThread"]["locked"], true);
    let refused = post(
        &app,
        &member,
        json!({ "threadId": thread, "body": "Men jeg vil si noe!" }),
    )
    .await;
    assert_eq!(error_code(&refused), "CONFLICT");

    let second = start_thread(&app, &member, &group, "Another thread", "Second body").await;
    let pin = "mutation($id: ID!) { pinThread(threadId: $id) { pinned } }";
    assert_eq!(
        error_code(
            &app.graphql(Some(&member.access_token), pin, json!({ "id": thread }))
                .await
        ),
        "FORBIDDEN"
    );
    app.graphql(Some(&owner.access_token), pin, json!({ "id": thread }))
        .await;
    let list = app
        .graphql(
            None,
            "query($slug: String!) { group(slug: $slug) { threads { nodes { id pinned } } } }",
            json!({ "slug": group.slug }),
        )
        .await;
    let ids: Vec<String> = list["data"]["group"]["threads"]["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .map(|n| text(&n["id"]))
        .collect();
    assert_eq!(
        ids,
        [thread, second],
        "pinned first, then by latest activity"
    );
}

#[tokio::test]
async fn reactions_are_idempotent_and_counted_per_kind() {
    let app = spawn_app().await;
    let (owner, member, _, thread) = discussion(&app, "PUBLIC").await;
    let id = comment(&app, &member, &thread, "Innsiktsfullt?").await;
    let react =
        "mutation($id: ID!, $r: ReactionKind!) { react(input: {commentId: $id, reaction: $r}) {
        reactions { kind count } viewerReactions } }";
    let unreact =
        "mutation($id: ID!, $r: ReactionKind!) { unreact(input: {commentId: $id, reaction: $r}) {
        reactions { kind count } viewerReactions } }";
    for _ in 0..3 {
        app.graphql(
            Some(&owner.access_token),
            react,
            json!({ "id": id, "r": "INSIGHTFUL" }),
        )
        .await;
    }
    let both = app
        .graphql(
            Some(&member.access_token),
            react,
            json!({ "id": id, "r": "INSIGHTFUL" }),
        )
        .await;
    assert_eq!(
        both["data"]["react"]["reactions"],
        json!([{ "kind": "INSIGHTFUL", "count": 2 }])
    );
    let agree = app
        .graphql(
            Some(&owner.access_token),
            react,
            json!({ "id": id, "r": "AGREE" }),
        )
        .await;
    assert_eq!(
        agree["data"]["react"]["viewerReactions"],
        json!(["INSIGHTFUL", "AGREE"])
    );
    for _ in 0..2 {
        app.graphql(
            Some(&owner.access_token),
            unreact,
            json!({ "id": id, "r": "INSIGHTFUL" }),
        )
        .await;
    }
    let after = app
        .graphql(
            Some(&owner.access_token),
            unreact,
            json!({ "id": id, "r": "LIKE" }),
        )
        .await;
    assert_eq!(
        after["data"]["unreact"]["reactions"],
        json!([{ "kind": "INSIGHTFUL", "count": 1 }, { "kind": "AGREE", "count": 1 }])
    );
    let outsider = app.register(&email("outsider"), "Outsider").await;
    assert_eq!(
        error_code(
            &app.graphql(
                Some(&outsider.access_token),
                react,
                json!({ "id": id, "r": "LIKE" })
            )
            .await
        ),
        "FORBIDDEN"
    );
    let refused = app
        .graphql(
            Some(&outsider.access_token),
            unreact,
            json!({ "id": id, "r": "AGREE" }),
        )
        .await;
    assert_eq!(error_code(&refused), "FORBIDDEN");
}

#[tokio::test]
async fn markup_in_bodies_is_rendered_safely() {
    let app = spawn_app().await;
    let (_, member, group, _) = discussion(&app, "PUBLIC").await;
    let hostile = "Se her <script>alert(1)</script> <img src=x onerror=alert(1)> [lenke](javascript:alert(1)) **fet**";
    let thread = app
        .graphql(
            Some(&member.access_token),
            START,
            json!({ "input": { "groupId": group.id, "title": "<img src=x onerror=alert(1)>", "body": hostile } }),
        )
        .await;
    let html = text(&thread["data"]["startThread"]["bodyHtml"]);
    let thread_id = text(&thread["data"]["startThread"]["id"]);
    let comment = post(
        &app,
        &member,
        json!({ "threadId": thread_id, "body": hostile }),
    )
    .await;
    let comment_html = text(&comment["data"]["postComment"]["bodyHtml"]);
    for html in [html, comment_html] {
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("onerror"), "{html}");
        assert!(!html.contains("javascript:"), "{html}");
        assert!(html.contains("<strong>fet</strong>"), "{html}");
    }
    assert_eq!(
        comment["data"]["postComment"]["body"], hostile,
        "stored as written"
    );
    assert_eq!(
        thread["data"]["startThread"]["title"],
        "<img src=x onerror=alert(1)>"
    );
}

#[tokio::test]
async fn members_write_outsiders_read_public_threads_and_authors_edit_their_own() {
    let app = spawn_app().await;
    let (owner, member, group, thread) = discussion(&app, "PUBLIC").await;
    let outsider = app.register(&email("outsider"), "Outsider").await;
    let read = app
        .graphql(
            Some(&outsider.access_token),
            COMMENTS,
            json!({ "id": thread }),
        )
        .await;
    assert_eq!(read["data"]["thread"]["commentCount"], 0);
    let refused = app
        .graphql(
            Some(&outsider.access_token),
            START,
            json!({ "input": { "groupId": group.id, "title": "Outsider thread", "body": "Hi" } }),
        )
        .await;
    assert_eq!(error_code(&refused), "FORBIDDEN");
    assert_eq!(
        error_code(
            &post(
                &app,
                &outsider,
                json!({ "threadId": thread, "body": "Hei" })
            )
            .await
        ),
        "FORBIDDEN"
    );

    let update = "mutation($id: ID!) { updateThread(input: {threadId: $id, title: \"Er KI-etikk mer enn PR?\"}) { title editedAt } }";
    assert_eq!(
        error_code(
            &app.graphql(Some(&owner.access_token), update, json!({ "id": thread }))
                .await
        ),
        "FORBIDDEN"
    );
    let updated = app
        .graphql(Some(&member.access_token), update, json!({ "id": thread }))
        .await;
    assert_eq!(
        updated["data"]["updateThread"]["title"],
        "Er KI-etikk mer enn PR?"
    );

    let delete = "mutation($id: ID!) { deleteThread(threadId: $id) { deleted title } }";
    let (other, _) = join_member(&app, &group, "Other").await;
    assert_eq!(
        error_code(
            &app.graphql(Some(&other.access_token), delete, json!({ "id": thread }))
                .await
        ),
        "FORBIDDEN"
    );
    let deleted = app
        .graphql(Some(&owner.access_token), delete, json!({ "id": thread }))
        .await;
    assert_eq!(
        deleted["data"]["deleteThread"],
        json!({ "deleted": true, "title": null })
    );
    let list = app
        .graphql(
            None,
            "query($slug: String!) { group(slug: $slug) { threads { totalCount } } }",
            json!({ "slug": group.slug }),
        )
        .await;
    assert_eq!(list["data"]["group"]["threads"]["totalCount"], 0);
}

#[tokio::test]
async fn moderators_hide_and_restore_comments_and_review_reports() {
    let app = spawn_app().await;
    let (owner, member, group, thread) = discussion(&app, "PUBLIC").await;
    let (reporter, _) = join_member(&app, &group, "Reporter").await;
    let id = comment(&app, &member, &thread, "Noe upassende.").await;
    let report =
        "mutation($id: ID!) { reportContent(input: {subjectId: $id, reason: \"Personangrep\"}) }";
    let outsider = app.register(&email("outsider"), "Outsider").await;
    assert_eq!(
        error_code(
            &app.graphql(Some(&outsider.access_token), report, json!({ "id": id }))
                .await
        ),
        "FORBIDDEN"
    );
    assert_eq!(
        app.graphql(Some(&reporter.access_token), report, json!({ "id": id }))
            .await["data"]["reportContent"],
        true
    );
    assert_eq!(
        error_code(
            &app.graphql(Some(&reporter.access_token), report, json!({ "id": id }))
                .await
        ),
        "CONFLICT"
    );

    let queue = "query($slug: String!) { group(slug: $slug) { moderationQueue { totalCount nodes { id reason
        reporter { displayName } comment { id } thread { id } } } } }";
    assert_eq!(
        error_code(
            &app.graphql(
                Some(&member.access_token),
                queue,
                json!({ "slug": group.slug })
            )
            .await
        ),
        "FORBIDDEN"
    );
    let open = app
        .graphql(
            Some(&owner.access_token),
            queue,
            json!({ "slug": group.slug }),
        )
        .await;
    let item = &open["data"]["group"]["moderationQueue"]["nodes"][0];
    assert_eq!(item["reporter"]["displayName"], "Reporter", "{open}");
    assert_eq!(item["comment"]["id"], id.as_str());
    assert_eq!(item["thread"]["id"], thread.as_str());

    let hide = "mutation($id: ID!) { hideComment(input: {commentId: $id, reason: \"Personangrep\"}) { hidden body } }";
    assert_eq!(
        error_code(
            &app.graphql(Some(&reporter.access_token), hide, json!({ "id": id }))
                .await
        ),
        "FORBIDDEN"
    );
    let hidden = app
        .graphql(Some(&owner.access_token), hide, json!({ "id": id }))
        .await;
    assert_eq!(
        hidden["data"]["hideComment"],
        json!({ "hidden": true, "body": "Noe upassende." })
    );
    let body = "query($id: ID!) { node(id: $id) { ... on Comment { hidden body } } }";
    assert_eq!(
        app.graphql(Some(&reporter.access_token), body, json!({ "id": id }))
            .await["data"]["node"]["body"],
        Value::Null
    );
    assert_eq!(
        app.graphql(Some(&member.access_token), body, json!({ "id": id }))
            .await["data"]["node"]["body"],
        "Noe upassende."
    );
    let restore = "mutation($id: ID!) { restoreComment(commentId: $id) { hidden body } }";
    assert_eq!(
        error_code(
            &app.graphql(Some(&member.access_token), restore, json!({ "id": id }))
                .await
        ),
        "FORBIDDEN"
    );
    app.graphql(Some(&owner.access_token), restore, json!({ "id": id }))
        .await;
    assert_eq!(
        app.graphql(Some(&reporter.access_token), body, json!({ "id": id }))
            .await["data"]["node"]["body"],
        "Noe upassende."
    );

    let resolve = "mutation($id: ID!) { resolveReport(reportId: $id) { resolved } }";
    let report_id = text(&item["id"]);
    assert_eq!(
        error_code(
            &app.graphql(
                Some(&member.access_token),
                resolve,
                json!({ "id": report_id })
            )
            .await
        ),
        "NOT_FOUND"
    );
    assert_eq!(
        app.graphql(
            Some(&owner.access_token),
            resolve,
            json!({ "id": report_id })
        )
        .await["data"]["resolveReport"]["resolved"],
        true
    );
    let log = app
        .graphql(
            Some(&owner.access_token),
            "query($slug: String!) { group(slug: $slug) { auditLog { nodes { action } } } }",
            json!({ "slug": group.slug }),
        )
        .await;
    let actions: Vec<String> = log["data"]["group"]["auditLog"]["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .map(|n| text(&n["action"]))
        .collect();
    assert_eq!(
        actions[..3],
        ["report.resolve", "comment.restore", "comment.hide"],
        "{actions:?}"
    );
}

#[tokio::test]
async fn an_outsider_never_receives_a_members_only_threads_comments() {
    let app = spawn_app().await;
    let (_, member, _, thread) = discussion(&app, "MEMBERS_ONLY").await;
    let id = comment(&app, &member, &thread, "Internt: lønnsforhandlinger.").await;
    let outsider = app.register(&email("outsider"), "Outsider").await;
    for viewer in [None, Some(outsider.access_token.as_str())] {
        assert_eq!(
            error_code(&app.graphql(viewer, COMMENTS, json!({ "id": thread })).await),
            "NOT_FOUND"
        );
        let node = app
            .graphql(
                viewer,
                "query($id: ID!) { node(id: $id) { id } }",
                json!({ "id": id }),
            )
            .await;
        assert_eq!(error_code(&node), "NOT_FOUND");
    }
    let mut socket = app
        .websocket(json!({ "authorization": format!("Bearer {}", outsider.access_token) }))
        .await
        .expect("connect");
    socket
        .subscribe(
            "1",
            "subscription($id: ID!) { commentAdded(threadId: $id) { body } }",
            json!({ "id": thread }),
        )
        .await;
    let refused = socket.next_message().await.expect("an answer");
    assert_eq!(
        refused["payload"]["errors"][0]["extensions"]["code"], "NOT_FOUND",
        "{refused}"
    );
    assert_eq!(refused["payload"]["data"], Value::Null);
}

#[tokio::test]
async fn a_subscriber_receives_a_comment_posted_by_another_member() {
    let app = spawn_app().await;
    let (owner, member, _, thread) = discussion(&app, "MEMBERS_ONLY").await;
    let mut socket = app
        .websocket(json!({ "authorization": format!("Bearer {}", owner.access_token) }))
        .await
        .expect("connect");
    socket
        .subscribe("1", "subscription($id: ID!) { commentAdded(threadId: $id) { body author { displayName } } }", json!({ "id": thread }))
        .await;
    socket.subscribe("2", "{ me { id } }", json!({})).await;
    assert_eq!(socket.next_message().await.expect("barrier")["id"], "2");
    let posted_at = std::time::Instant::now();
    comment(&app, &member, &thread, "Live fra møtet!").await;
    let mut delivered = None;
    while let Some(message) = socket.next_message().await {
        if message["id"] == "1" && message["type"] == "next" {
            delivered = Some(message);
            break;
        }
    }
    let delivered = delivered.expect("the comment arrives");
    assert!(posted_at.elapsed() < std::time::Duration::from_secs(1));
    assert_eq!(
        delivered["payload"]["data"]["commentAdded"],
        json!({ "body": "Live fra møtet!", "author": { "displayName": "Debater" } })
    );
}

#[tokio::test]
async fn a_page_of_fifty_comments_with_authors_and_reactions_runs_a_fixed_number_of_statements() {
    let app = spawn_app().await;
    let (owner, member, _, thread) = discussion(&app, "PUBLIC").await;
    for i in 0..50 {
        let author = if i % 2 == 0 { &owner } else { &member };
        let id = comment(&app, author, &thread, &format!("Kommentar {i}")).await;
        if i % 5 == 0 {
            app.graphql(
                Some(&member.access_token),
                "mutation($id: ID!) { react(input: {commentId: $id, reaction: LIKE}) { id } }",
                json!({ "id": id }),
            )
            .await;
        }
    }
    let query = "query($id: ID!) { thread(id: $id) { title commentCount comments(first: 50) { nodes {
        body author { displayName } reactions { kind count } viewerReactions replyCount depth } } } }";
    let (body, statements) = app
        .graphql_counted(Some(&owner.access_token), query, json!({ "id": thread }))
        .await;
    let nodes = body["data"]["thread"]["comments"]["nodes"]
        .as_array()
        .expect("nodes");
    assert_eq!(nodes.len(), 50);
    assert_eq!(
        nodes[0]["reactions"],
        json!([{ "kind": "LIKE", "count": 1 }])
    );
    assert_eq!(nodes[1]["author"]["displayName"], "Debater");
    // session, thread, group, membership, comment count, comments, authors, reactions,
    // viewer's reactions, reply counts: one each, whatever the page size.
    assert!(statements <= 11, "{statements} statements");
}

#[tokio::test]
async fn a_page_that_shows_no_comment_details_reads_the_listed_columns_and_one_that_does_shows_them()
 {
    // A page of comments that shows neither a comment's Markdown source, its quote nor whom it
    // speaks for reads 9 of a comment's 17 columns; one that shows them reads them in the same
    // statement, and a hidden comment's text stays its author's and the moderators' either way.
    let app = spawn_app().await;
    let (owner, member, _, thread) = discussion(&app, "PUBLIC").await;
    let quoting = post(
        &app,
        &member,
        json!({ "threadId": thread, "body": "Tar de *det*?", "quote": { "commentId": thread, "excerpt": "tar etikk på alvor" } }),
    )
    .await;
    assert!(
        quoting["data"]["postComment"]["id"].is_string(),
        "{quoting}"
    );
    let hidden = comment(&app, &member, &thread, "Noe upassende.").await;
    let hide = "mutation($id: ID!) { hideComment(input: {commentId: $id, reason: \"Personangrep\"}) { hidden } }";
    let hid = app
        .graphql(Some(&owner.access_token), hide, json!({ "id": hidden }))
        .await;
    assert_eq!(hid["data"]["hideComment"]["hidden"], true, "{hid}");
    // The details' columns, which only a read of whole comments names.
    let details_read =
        |statements: &[String]| statements.iter().any(|sql| sql.contains("quote_excerpt"));

    let listed = "query($id: ID!) { thread(id: $id) { comments(first: 10) {
        nodes { id depth bodyHtml hidden author { displayName headline } } } } }";
    let mut counts = Vec::new();
    for (viewer, token, shown) in [
        ("a visitor", None, Value::Null),
        (
            "the author",
            Some(&member.access_token),
            json!("<p>Noe upassende.</p>\n"),
        ),
    ] {
        let (body, statements) = app
            .graphql_recorded(token.map(String::as_str), listed, json!({ "id": thread }))
            .await;
        let nodes = &body["data"]["thread"]["comments"]["nodes"];
        assert_eq!(
            nodes[0]["bodyHtml"], "<p>Tar de <em>det</em>?</p>\n",
            "{viewer}: {body}"
        );
        assert_eq!(nodes[0]["author"]["displayName"], "Debater", "{body}");
        assert_eq!(nodes[1]["hidden"], true, "{body}");
        assert_eq!(nodes[1]["bodyHtml"], shown, "{viewer}: {body}");
        assert!(!details_read(&statements), "{viewer}: {statements:#?}");
        counts.push(statements.len());
    }

    let detailed = "query($id: ID!) { thread(id: $id) { comments(first: 10) {
        edges { node { id ...Details author { displayName } } } } } }
        fragment Details on Comment { body speakingAs roleTitle quote { excerpt } }";
    for (index, (viewer, token, shown)) in [
        ("a visitor", None, Value::Null),
        (
            "the author",
            Some(&member.access_token),
            json!("Noe upassende."),
        ),
    ]
    .into_iter()
    .enumerate()
    {
        let (body, statements) = app
            .graphql_recorded(token.map(String::as_str), detailed, json!({ "id": thread }))
            .await;
        let edges = &body["data"]["thread"]["comments"]["edges"];
        assert_eq!(
            edges[0]["node"]["body"], "Tar de *det*?",
            "{viewer}: {body}"
        );
        assert_eq!(edges[0]["node"]["speakingAs"], "PRIVATE", "{body}");
        assert_eq!(edges[0]["node"]["roleTitle"], Value::Null, "{body}");
        assert_eq!(
            edges[0]["node"]["quote"]["excerpt"], "tar etikk på alvor",
            "{body}"
        );
        assert_eq!(edges[1]["node"]["body"], shown, "{viewer}: {body}");
        assert_eq!(edges[1]["node"]["quote"], Value::Null, "{body}");
        assert!(details_read(&statements), "{viewer}: {statements:#?}");
        // The details come in the page's own statement: no statement more than the listed read.
        assert_eq!(statements.len(), counts[index], "{viewer}: {statements:#?}");
    }
}

#[tokio::test]
async fn replies_bring_their_authors_in_the_statement_that_reads_them() {
    let app = spawn_app().await;
    let (owner, member, _, thread) = discussion(&app, "PUBLIC").await;
    for i in 0..4 {
        let parent = comment(&app, &owner, &thread, &format!("Innlegg {i}")).await;
        for (n, author) in [&member, &owner, &member].into_iter().enumerate() {
            let reply = post(
                &app,
                author,
                json!({ "threadId": thread, "parentId": parent, "body": format!("Svar {n}") }),
            )
            .await;
            assert!(reply["data"]["postComment"]["id"].is_string(), "{reply}");
        }
    }
    let query = "query($id: ID!) { thread(id: $id) { comments(first: 10) { nodes {
        author { displayName } replies(first: 2) { edges { node { body author { displayName } } } }
        } } } }";
    let (body, statements) = app
        .graphql_counted(None, query, json!({ "id": thread }))
        .await;
    let nodes = body["data"]["thread"]["comments"]["nodes"]
        .as_array()
        .expect("nodes");
    assert_eq!(nodes.len(), 4, "{body}");
    for node in nodes {
        assert_eq!(node["author"]["displayName"], "Owner");
        assert_eq!(
            node["replies"]["edges"],
            json!([
                { "node": { "body": "Svar 0", "author": { "displayName": "Debater" } } },
                { "node": { "body": "Svar 1", "author": { "displayName": "Owner" } } },
            ])
        );
    }
    // The thread with its group and author; the comments with theirs; the reply counts; the
    // first replies with theirs.
    assert!(statements <= 4, "{statements} statements");
}

#[tokio::test]
async fn a_member_posting_faster_than_a_person_is_throttled_and_others_are_not() {
    let app = spawn_app_with(&[
        ("COMMENT_LIMIT_PER_MEMBER_PER_MINUTE", "3"),
        ("REACTION_LIMIT_PER_MEMBER_PER_MINUTE", "2"),
    ])
    .await;
    let (owner, member, _, thread) = discussion(&app, "PUBLIC").await;
    for n in 0..3 {
        comment(&app, &member, &thread, &format!("Innlegg {n}")).await;
    }
    let fourth = post(
        &app,
        &member,
        json!({ "threadId": thread, "body": "Ett til" }),
    )
    .await;
    assert_eq!(error_code(&fourth), "RATE_LIMITED", "{fourth}");
    let wait = fourth["errors"][0]["extensions"]["retryAfterSeconds"]
        .as_u64()
        .unwrap_or_default();
    assert!((1..=60).contains(&wait), "{fourth}");
    // The refused comment is not there; the owner still writes.
    let owners = comment(&app, &owner, &thread, "Rolig nå").await;
    let read = app.graphql(None, COMMENTS, json!({ "id": thread })).await;
    assert_eq!(read["data"]["thread"]["commentCount"], 4, "{read}");

    let react = "mutation($id: ID!) { react(input: {commentId: $id, reaction: LIKE}) { id } }";
    let unreact = "mutation($id: ID!) { unreact(input: {commentId: $id, reaction: LIKE}) { id } }";
    let token = Some(member.access_token.as_str());
    let vars = json!({ "id": owners });
    assert!(
        app.graphql(token, react, vars.clone())
            .await
            .get("errors")
            .is_none()
    );
    assert!(
        app.graphql(token, unreact, vars.clone())
            .await
            .get("errors")
            .is_none()
    );
    let third = app.graphql(token, react, vars).await;
    assert_eq!(error_code(&third), "RATE_LIMITED", "{third}");
}

#[tokio::test]
async fn threads_and_reports_are_throttled_per_member() {
    let app = spawn_app_with(&[
        ("THREAD_LIMIT_PER_MEMBER_PER_MINUTE", "1"),
        ("REPORT_LIMIT_PER_MEMBER_PER_MINUTE", "1"),
    ])
    .await;
    let (owner, member, group, thread) = discussion(&app, "PUBLIC").await;
    let input = json!({ "groupId": group.id, "title": "En tråd til", "body": "Og en til." });
    let second = app
        .graphql(Some(&member.access_token), START, json!({ "input": input }))
        .await;
    assert_eq!(error_code(&second), "RATE_LIMITED", "{second}");
    let report = "mutation($id: ID!) { reportContent(input: {subjectId: $id, reason: \"Spam\"}) }";
    let token = Some(owner.access_token.as_str());
    let first = app.graphql(token, report, json!({ "id": thread })).await;
    assert_eq!(first["data"]["reportContent"], true, "{first}");
    let again = app.graphql(token, report, json!({ "id": thread })).await;
    assert_eq!(error_code(&again), "RATE_LIMITED", "{again}");
}

//! Watch levels, mentions and handles, and the notifications about groups and meetups: what
//! reaches whom, and that fan-out to watchers costs the poster nothing.

use chrono::Utc;
use sea_orm::{ActiveValue::Set, EntityTrait};
use serde_json::{Value, json};

use crate::{
    discussions::{comment, discussion, post, start_thread},
    groups::{create_group, join_member},
    helpers::{
        Account, TestApp, email, error_code, outcome_where, raw_id, spawn_app, spawn_app_with, text,
    },
    meetups::create_meetup,
};

const INBOX: &str = "query($kinds: [NotificationKind!]) {
    me { unreadNotificationCount }
    notifications(first: 20, kinds: $kinds) { totalCount nodes {
        kind count actor { displayName } group { name }
        subject { __typename
            ... on Comment { body bodyHtml hidden }
            ... on Thread { title }
            ... on Meetup { title status }
            ... on Membership { status role member { displayName } }
            ... on Invitation { status group { name } } } } } }";

async fn inbox(app: &TestApp, member: &Account) -> Value {
    let answer = app
        .graphql(Some(&member.access_token), INBOX, json!({}))
        .await;
    assert!(answer["errors"].is_null(), "{answer}");
    answer["data"]["notifications"].clone()
}

fn kinds(inbox: &Value) -> Vec<String> {
    inbox["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .map(|node| text(&node["kind"]))
        .collect()
}

/// Workers on, polling often: fan-out jobs run while the test waits for their outcome.
async fn app_with_workers() -> TestApp {
    spawn_app_with(&[("WORKERS_JOBS", "1"), ("JOBS_POLL_MS", "20")]).await
}

/// Waits until a job of `kind` has finished.
async fn job_done(
    outcomes: &mut tokio::sync::broadcast::Receiver<fagruppe::jobs::Outcome>,
    kind: &str,
) {
    let outcome = outcome_where(outcomes, |o| o.kind == kind).await;
    assert_eq!(outcome.state, entity::job::State::Done, "{outcome:?}");
}

async fn set_level(app: &TestApp, member: &Account, subject: &str, level: &str) -> Value {
    app.graphql(
        Some(&member.access_token),
        "mutation($id: ID!, $level: WatchLevel!) { setWatchLevel(subjectId: $id, level: $level) }",
        json!({ "id": subject, "level": level }),
    )
    .await
}

async fn handle_of(app: &TestApp, member: &Account) -> String {
    let me = app
        .graphql(Some(&member.access_token), "{ me { handle } }", json!({}))
        .await;
    text(&me["data"]["me"]["handle"])
}

/// A member row written straight to the database, signed up at `now` with no password.
fn member_row(
    email: String,
    handle: String,
    now: chrono::DateTime<Utc>,
) -> entity::member::ActiveModel {
    entity::member::ActiveModel {
        id: Set(uuid::Uuid::now_v7()),
        email_key: Set(email.clone()),
        email: Set(email),
        password_hash: Set("not a hash".into()),
        display_name: Set(format!("Member {handle}")),
        handle: Set(handle),
        headline: Set(None),
        organisation: Set(None),
        bio: Set(None),
        website_url: Set(None),
        avatar_url: Set(None),
        is_site_admin: Set(false),
        created_at: Set(now),
        updated_at: Set(now),
        email_verified_at: Set(Some(now)),
        locale: Set("NB".into()),
        notification_email: Set("NEVER".into()),
        digest_sent_at: Set(None),
        profile_visibility: Set("{}".into()),
        default_speaking_as: Set(Default::default()),
        default_organisation_id: Set(None),
    }
}

/// `count` members watching `group`, written straight to the database in chunks.
async fn add_group_watchers(app: &TestApp, group: &str, count: usize) {
    let db = app.db().await;
    let group_id = raw_id(group);
    let now = Utc::now();
    let members: Vec<entity::member::ActiveModel> = (0..count)
        .map(|i| {
            member_row(
                format!("watcher{i}@example.test"),
                format!("watcher_{i}"),
                now,
            )
        })
        .collect();
    let watches: Vec<entity::watch::group::ActiveModel> = members
        .iter()
        .map(|member| entity::watch::group::ActiveModel {
            member_id: member.id.clone(),
            group_id: Set(group_id),
            level: Set(entity::watch::Level::Watching),
            updated_at: Set(now),
        })
        .collect();
    for chunk in members.chunks(500) {
        entity::member::Entity::insert_many(chunk.to_vec())
            .exec(db)
            .await
            .expect("insert watchers");
    }
    for chunk in watches.chunks(500) {
        entity::watch::group::Entity::insert_many(chunk.to_vec())
            .exec(db)
            .await
            .expect("insert watches");
    }
}

#[tokio::test]
async fn handles_come_from_names_are_unique_and_editable() {
    let app = spawn_app().await;
    let first = app.register(&email("aase"), "Åse Ærlig-Øren").await;
    let second = app.register(&email("aase2"), "Åse Ærlig-Øren").await;
    assert_eq!(handle_of(&app, &first).await, "aase_aerlig_oeren");
    assert_eq!(handle_of(&app, &second).await, "aase_aerlig_oeren2");

    // The first 50 of a name's handles are looked up by the handle's index; when all are taken,
    // the first free one after them.
    let now = Utc::now();
    let namesakes: Vec<entity::member::ActiveModel> = (3..=50)
        .chain([52])
        .map(|n| {
            member_row(
                format!("aase{n}@example.test"),
                format!("aase_aerlig_oeren{n}"),
                now,
            )
        })
        .collect();
    entity::member::Entity::insert_many(namesakes)
        .exec(app.db().await)
        .await
        .expect("insert namesakes");
    let fifty_first = app.register(&email("aase51"), "Åse Ærlig-Øren").await;
    assert_eq!(handle_of(&app, &fifty_first).await, "aase_aerlig_oeren51");

    const UPDATE: &str =
        "mutation($handle: String!) { updateProfile(input: {handle: $handle}) { handle } }";
    let changed = app
        .graphql(
            Some(&second.access_token),
            UPDATE,
            json!({ "handle": "@Aase_E" }),
        )
        .await;
    assert_eq!(
        changed["data"]["updateProfile"]["handle"], "aase_e",
        "{changed}"
    );
    // Taken in any case, or malformed: refused, and nothing changes.
    for (handle, message) in [
        ("AASE_AERLIG_OEREN", "That handle is taken"),
        ("å", "A handle has 3 to 30 characters"),
        ("kåre", "A handle has only letters a-z, digits and _"),
    ] {
        let refused = app
            .graphql(
                Some(&second.access_token),
                UPDATE,
                json!({ "handle": handle }),
            )
            .await;
        assert_eq!(error_code(&refused), "BAD_USER_INPUT", "{refused}");
        assert_eq!(refused["errors"][0]["message"], message);
    }
    assert_eq!(handle_of(&app, &second).await, "aase_e");
    let found = app
        .graphql(
            None,
            "{ memberByHandle(handle: \"@AASE_E\") { displayName } }",
            json!({}),
        )
        .await;
    assert_eq!(
        found["data"]["memberByHandle"]["displayName"],
        "Åse Ærlig-Øren"
    );
}

#[tokio::test]
async fn a_mention_notifies_its_member_once_links_them_and_never_an_outsider() {
    let app = spawn_app().await;
    let (owner, member, group, thread) = discussion(&app, "MEMBERS_ONLY").await;
    let (colleague, _) = join_member(&app, &group, "Kari Nordmann").await;
    let outsider = app.register(&email("outsider"), "Ola Utenfor").await;
    // The owner answers the thread's author and mentions them, a colleague and an outsider.
    let body = "Hva mener @debater, @Kari_Nordmann og @ola_utenfor? Og `@kari_nordmann` i kode.";
    let posted = post(&app, &owner, json!({ "threadId": thread, "body": body })).await;
    assert!(posted["errors"].is_null(), "{posted}");

    // The author was answered: one REPLY, no MENTION on top.
    assert_eq!(kinds(&inbox(&app, &member).await), ["REPLY"]);
    let colleagues = inbox(&app, &colleague).await;
    assert_eq!(kinds(&colleagues), ["MENTION"]);
    let mention = &colleagues["nodes"][0];
    assert_eq!(mention["actor"]["displayName"], "Owner");
    let html = text(&mention["subject"]["bodyHtml"]);
    assert!(
        html.contains(r#"<a class="mention" href="/@kari_nordmann""#),
        "{html}"
    );
    assert!(html.contains("<code>@kari_nordmann</code>"), "{html}");
    // The outsider may not read the group: nothing, though their handle exists.
    assert_eq!(inbox(&app, &outsider).await["totalCount"], 0);

    // A thread's body mentions too, and an edit tells only those it newly mentions.
    let started = start_thread(&app, &owner, &group, "Ny tråd", "Hei @kari_nordmann").await;
    let edit = app
        .graphql(
            Some(&owner.access_token),
            "mutation($id: ID!) { updateThread(input: {threadId: $id, body: \"Hei @kari_nordmann og @debater\"}) { id } }",
            json!({ "id": started }),
        )
        .await;
    assert!(edit["errors"].is_null(), "{edit}");
    assert_eq!(
        kinds(&inbox(&app, &colleague).await),
        ["MENTION", "MENTION"]
    );
    assert_eq!(kinds(&inbox(&app, &member).await), ["MENTION", "REPLY"]);
}

#[tokio::test]
async fn watching_gets_every_comment_and_a_muted_thread_sends_nothing() {
    let app = app_with_workers().await;
    let mut outcomes = app.job_outcomes.subscribe();
    let (owner, member, group, thread) = discussion(&app, "PUBLIC").await;
    job_done(&mut outcomes, "notify-watchers").await;
    let (watcher, _) = join_member(&app, &group, "Watcher").await;
    let (muter, _) = join_member(&app, &group, "Muter").await;
    let (voice, _) = join_member(&app, &group, "Voice").await;
    let level = "query($id: ID!) { node(id: $id) { ... on Thread { viewerWatchLevel } } }";
    let level_of = |member: &Account| {
        let app = &app;
        let thread = &thread;
        let token = member.access_token.clone();
        async move {
            app.graphql(Some(&token), level, json!({ "id": thread }))
                .await["data"]["node"]["viewerWatchLevel"]
                .clone()
        }
    };
    // The author watches their thread; the others start at NORMAL.
    assert_eq!(level_of(&member).await, "WATCHING");
    assert_eq!(level_of(&watcher).await, "NORMAL");
    assert_eq!(
        set_level(&app, &watcher, &thread, "WATCHING").await["data"]["setWatchLevel"],
        "WATCHING"
    );
    assert_eq!(
        set_level(&app, &muter, &thread, "MUTED").await["data"]["setWatchLevel"],
        "MUTED"
    );
    // The muter wrote the first comment, so a reply would normally reach them.
    let muters = comment(&app, &muter, &thread, "Jeg følger ikke med.").await;
    job_done(&mut outcomes, "notify-watchers").await;
    assert_eq!(level_of(&muter).await, "MUTED");

    for body in ["En.", "To.", "Tre."] {
        comment(&app, &voice, &thread, body).await;
        job_done(&mut outcomes, "notify-watchers").await;
    }
    // A commenter tracks the thread from then on.
    assert_eq!(level_of(&voice).await, "TRACKING");
    let answer = post(
        &app,
        &owner,
        json!({ "threadId": thread, "parentId": muters, "body": "Svar til @muter" }),
    )
    .await;
    assert!(answer["errors"].is_null(), "{answer}");
    job_done(&mut outcomes, "notify-watchers").await;

    // Watching: every comment, folded into one notification counting them.
    let watchers = inbox(&app, &watcher).await;
    assert_eq!(kinds(&watchers), ["NEW_COMMENT"], "{watchers}");
    assert_eq!(watchers["nodes"][0]["count"], 5);
    assert_eq!(watchers["nodes"][0]["actor"]["displayName"], "Owner");
    // The author watches: top-level comments are replies to them, the answer to the muter
    // is news in a watched thread.
    let authors = inbox(&app, &member).await;
    let mut author_kinds = kinds(&authors);
    author_kinds.sort();
    assert_eq!(author_kinds, ["NEW_COMMENT", "REPLY"], "{authors}");
    // Muted: not the reply, not the mention.
    assert_eq!(inbox(&app, &muter).await["totalCount"], 0);
    // Normal (the voice tracks): nothing but what answers them.
    assert_eq!(inbox(&app, &voice).await["totalCount"], 0);
}

#[tokio::test]
async fn watching_a_group_tells_of_its_new_threads_and_comments_but_a_thread_level_wins() {
    let app = app_with_workers().await;
    let mut outcomes = app.job_outcomes.subscribe();
    let (owner, _member, group, thread) = discussion(&app, "MEMBERS_ONLY").await;
    job_done(&mut outcomes, "notify-watchers").await;
    let (watcher, _) = join_member(&app, &group, "Watcher").await;
    let outsider = app.register(&email("outsider"), "Outsider").await;
    assert_eq!(
        error_code(&set_level(&app, &outsider, &group.id, "WATCHING").await),
        "NOT_FOUND"
    );
    assert_eq!(
        error_code(&set_level(&app, &outsider, &thread, "WATCHING").await),
        "NOT_FOUND"
    );
    assert_eq!(
        error_code(&set_level(&app, &watcher, &owner.id, "WATCHING").await),
        "BAD_USER_INPUT"
    );
    set_level(&app, &watcher, &group.id, "WATCHING").await;
    let shown = app
        .graphql(
            Some(&watcher.access_token),
            "query($slug: String!) { group(slug: $slug) { viewerWatchLevel } }",
            json!({ "slug": group.slug }),
        )
        .await;
    assert_eq!(shown["data"]["group"]["viewerWatchLevel"], "WATCHING");

    let started = start_thread(&app, &owner, &group, "Ny tråd om ROI", "Hva gir effekt?").await;
    job_done(&mut outcomes, "notify-watchers").await;
    comment(&app, &owner, &thread, "I den gamle tråden.").await;
    job_done(&mut outcomes, "notify-watchers").await;
    let seen = inbox(&app, &watcher).await;
    let mut seen_kinds = kinds(&seen);
    seen_kinds.sort();
    assert_eq!(seen_kinds, ["NEW_COMMENT", "NEW_THREAD"], "{seen}");

    // Normal on one thread of a watched group: its comments stay quiet.
    set_level(&app, &watcher, &started, "NORMAL").await;
    comment(&app, &owner, &started, "Stille her.").await;
    job_done(&mut outcomes, "notify-watchers").await;
    assert_eq!(inbox(&app, &watcher).await["totalCount"], 2);
}

#[tokio::test]
async fn a_comment_in_a_thread_with_two_thousand_watchers_costs_the_poster_the_same_statements() {
    let app = spawn_app().await;
    let (owner, _member, group, thread) = discussion(&app, "PUBLIC").await;
    const POST: &str = "mutation($input: PostCommentInput!) { postComment(input: $input) { id } }";
    let input = |body: &str| json!({ "input": { "threadId": thread, "body": body } });
    comment(&app, &owner, &thread, "Første.").await;
    let (quiet, without) = app
        .graphql_counted(Some(&owner.access_token), POST, input("Uten tilskuere."))
        .await;
    assert!(quiet["errors"].is_null(), "{quiet}");

    // Two thousand members watching the group, written straight to the database.
    add_group_watchers(&app, &group.id, 2000).await;
    let (watched, with) = app
        .graphql_counted(Some(&owner.access_token), POST, input("Med tusenvis."))
        .await;
    assert!(watched["errors"].is_null(), "{watched}");
    assert_eq!(
        with, without,
        "the poster's statements grew with the watchers"
    );
}

#[tokio::test]
async fn the_fan_out_reaches_two_thousand_watchers_with_one_statement() {
    let app = app_with_workers().await;
    let mut outcomes = app.job_outcomes.subscribe();
    let (owner, _member, group, thread) = discussion(&app, "PUBLIC").await;
    job_done(&mut outcomes, "notify-watchers").await;
    add_group_watchers(&app, &group.id, 2000).await;
    comment(&app, &owner, &thread, "Til alle.").await;
    job_done(&mut outcomes, "notify-watchers").await;
    comment(&app, &owner, &thread, "Og en til.").await;
    job_done(&mut outcomes, "notify-watchers").await;
    let rows = entity::notification::Entity::find()
        .all(app.db().await)
        .await
        .expect("notifications");
    let new_comments: Vec<_> = rows
        .iter()
        .filter(|n| n.kind == entity::notification::Kind::NewComment)
        .collect();
    // One unread notification per watcher, counting both comments; none for the poster.
    assert_eq!(new_comments.len(), 2000);
    assert!(new_comments.iter().all(|n| n.count == 2));
    let mut distinct: Vec<uuid::Uuid> = new_comments.iter().map(|n| n.id).collect();
    distinct.sort();
    distinct.dedup();
    assert_eq!(distinct.len(), 2000);
}

#[tokio::test]
async fn organisers_hear_of_join_requests_and_members_of_approvals_roles_and_invitations() {
    let app = spawn_app().await;
    let owner = app.register(&email("owner"), "Owner").await;
    let group = create_group(&app, &owner, "Careful group", "MEMBERS_ONLY", "APPROVAL").await;
    let asker = app.register(&email("asker"), "Asker").await;
    let asked = app
        .graphql(
            Some(&asker.access_token),
            "mutation($id: ID!) { joinGroup(groupId: $id) { id status } }",
            json!({ "id": group.id }),
        )
        .await;
    assert_eq!(asked["data"]["joinGroup"]["status"], "PENDING", "{asked}");
    let owners = inbox(&app, &owner).await;
    assert_eq!(kinds(&owners), ["JOIN_REQUEST"]);
    let request = &owners["nodes"][0]["subject"];
    assert_eq!(request["__typename"], "Membership");
    assert_eq!(request["status"], "PENDING");
    assert_eq!(request["member"]["displayName"], "Asker");
    // The asker may not read the group yet: nothing of theirs is there.
    assert_eq!(inbox(&app, &asker).await["totalCount"], 0);

    let membership = text(&asked["data"]["joinGroup"]["id"]);
    app.graphql(
        Some(&owner.access_token),
        "mutation($id: ID!) { approveMembership(membershipId: $id) { status } }",
        json!({ "id": membership }),
    )
    .await;
    app.graphql(
        Some(&owner.access_token),
        "mutation($id: ID!) { setMemberRole(input: {membershipId: $id, role: ORGANISER}) { role } }",
        json!({ "id": membership }),
    )
    .await;
    let askers = inbox(&app, &asker).await;
    assert_eq!(
        kinds(&askers),
        ["ROLE_CHANGED", "MEMBERSHIP_APPROVED"],
        "{askers}"
    );
    assert_eq!(askers["nodes"][0]["subject"]["role"], "ORGANISER");
    assert_eq!(askers["nodes"][0]["group"]["name"], "Careful group");

    // An invitation reaches a member who cannot read the group yet.
    let invitee = app.register(&email("invitee"), "Invitee").await;
    let invited = app
        .graphql(
            Some(&owner.access_token),
            "mutation($input: InviteToGroupInput!) { inviteToGroup(input: $input) { id } }",
            json!({ "input": { "groupId": group.id, "email": invitee.email } }),
        )
        .await;
    assert!(invited["errors"].is_null(), "{invited}");
    let invitees = inbox(&app, &invitee).await;
    assert_eq!(kinds(&invitees), ["INVITATION"]);
    assert_eq!(invitees["nodes"][0]["subject"]["status"], "PENDING");
    assert_eq!(
        invitees["nodes"][0]["subject"]["group"]["name"],
        "Careful group"
    );
    // Filtering by kind.
    let only = app
        .graphql(
            Some(&asker.access_token),
            INBOX,
            json!({ "kinds": ["ROLE_CHANGED"] }),
        )
        .await;
    assert_eq!(kinds(&only["data"]["notifications"]), ["ROLE_CHANGED"]);
}

#[tokio::test]
async fn members_hear_of_published_and_cancelled_meetups() {
    let app = app_with_workers().await;
    let owner = app.register(&email("owner"), "Owner").await;
    let group = create_group(&app, &owner, "Meetup group", "MEMBERS_ONLY", "OPEN").await;
    let (member, _) = join_member(&app, &group, "Member").await;
    let (goer, _) = join_member(&app, &group, "Goer").await;
    let mut outcomes = app.job_outcomes.subscribe();
    let meetup = create_meetup(&app, &owner, &group, json!({ "publish": true })).await;
    job_done(&mut outcomes, "notify-meetup").await;
    let members = inbox(&app, &member).await;
    assert_eq!(kinds(&members), ["MEETUP_PUBLISHED"]);
    assert_eq!(
        members["nodes"][0]["subject"]["title"],
        "Etikk og KI over en pils"
    );
    // The organiser who published it is not told.
    assert_eq!(inbox(&app, &owner).await["totalCount"], 0);

    let going = app
        .graphql(
            Some(&goer.access_token),
            "mutation($id: ID!) { rsvp(input: {meetupId: $id, response: GOING}) { status } }",
            json!({ "id": meetup }),
        )
        .await;
    assert_eq!(going["data"]["rsvp"]["status"], "GOING", "{going}");
    let cancelled = app
        .graphql(
            Some(&owner.access_token),
            "mutation($id: ID!) { cancelMeetup(input: {meetupId: $id, reason: \"Sykdom\"}) { status } }",
            json!({ "id": meetup }),
        )
        .await;
    assert!(cancelled["errors"].is_null(), "{cancelled}");
    job_done(&mut outcomes, "notify-meetup").await;
    let goers = inbox(&app, &goer).await;
    assert_eq!(
        kinds(&goers),
        ["MEETUP_CANCELLED", "MEETUP_PUBLISHED"],
        "{goers}"
    );
    assert_eq!(goers["nodes"][0]["subject"]["status"], "CANCELLED");
    // Not going: only the publication.
    assert_eq!(kinds(&inbox(&app, &member).await), ["MEETUP_PUBLISHED"]);
}

#[tokio::test]
async fn an_author_hears_their_comment_was_hidden_and_a_reporter_that_the_report_was_resolved() {
    let app = spawn_app().await;
    let (owner, member, group, thread) = discussion(&app, "PUBLIC").await;
    let (reporter, _) = join_member(&app, &group, "Reporter").await;
    let id = comment(&app, &member, &thread, "Noe upassende.").await;
    let reported = app
        .graphql(
            Some(&reporter.access_token),
            "mutation($id: ID!) { reportContent(input: {subjectId: $id, reason: \"Personangrep\"}) }",
            json!({ "id": id }),
        )
        .await;
    assert!(reported["errors"].is_null(), "{reported}");
    app.graphql(
        Some(&owner.access_token),
        "mutation($id: ID!) { hideComment(input: {commentId: $id, reason: \"Personangrep\"}) { hidden } }",
        json!({ "id": id }),
    )
    .await;
    let authors = inbox(&app, &member).await;
    assert_eq!(kinds(&authors), ["CONTENT_HIDDEN"]);
    // The author still reads their own hidden words.
    assert_eq!(
        authors["nodes"][0]["subject"],
        json!({ "__typename": "Comment", "body": "Noe upassende.",
            "bodyHtml": "<p>Noe upassende.</p>\n", "hidden": true })
    );
    let queue = app
        .graphql(
            Some(&owner.access_token),
            "query($slug: String!) { group(slug: $slug) { moderationQueue { nodes { id } } } }",
            json!({ "slug": group.slug }),
        )
        .await;
    let report = text(&queue["data"]["group"]["moderationQueue"]["nodes"][0]["id"]);
    app.graphql(
        Some(&owner.access_token),
        "mutation($id: ID!) { resolveReport(reportId: $id) { resolved } }",
        json!({ "id": report }),
    )
    .await;
    let reporters = inbox(&app, &reporter).await;
    assert_eq!(kinds(&reporters), ["REPORT_RESOLVED"]);
    // The reporter is no moderator: the hidden comment reads as hidden, without its text.
    assert_eq!(
        reporters["nodes"][0]["subject"],
        json!({ "__typename": "Comment", "body": null, "bodyHtml": null, "hidden": true })
    );
}

#[tokio::test]
async fn a_burst_of_comments_reaches_a_watcher_counted_exactly_once() {
    let app = app_with_workers().await;
    let mut outcomes = app.job_outcomes.subscribe();
    let (owner, _member, group, thread) = discussion(&app, "PUBLIC").await;
    job_done(&mut outcomes, "notify-watchers").await;
    let (watcher, _) = join_member(&app, &group, "Watcher").await;
    set_level(&app, &watcher, &thread, "WATCHING").await;
    let mut voices = vec![owner];
    for name in ["Voice Two", "Voice Three", "Voice Four"] {
        voices.push(join_member(&app, &group, name).await.0);
    }
    // Eight comments at once: their fan-outs overlap, each claims what is not told yet.
    let comments = voices.iter().cycle().take(8).enumerate().map(|(i, voice)| {
        let app = &app;
        let thread = &thread;
        async move { comment(app, voice, thread, &format!("Innspill {i}")).await }
    });
    futures_util::future::join_all(comments).await;
    for _ in 0..8 {
        job_done(&mut outcomes, "notify-watchers").await;
    }
    let seen = inbox(&app, &watcher).await;
    assert_eq!(kinds(&seen), ["NEW_COMMENT"], "{seen}");
    assert_eq!(seen["nodes"][0]["count"], 8, "{seen}");
}

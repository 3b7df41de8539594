use serde_json::{Value, json};

use crate::helpers::{Account, TestApp, email, error_code, names, spawn_app, spawn_app_with, text};

const CREATE: &str = "mutation($input: CreateGroupInput!) { createGroup(input: $input) {
    id slug name visibility joinPolicy viewerRole memberCount topics { slug name } } }";
const JOIN: &str = "mutation($id: ID!) { joinGroup(groupId: $id) { id role status } }";
const GROUP: &str = "query($slug: String!) { group(slug: $slug) {
    id name description topics { slug } memberCount viewerRole viewerMembership { status } } }";
const MEMBERS: &str = "query($slug: String!, $after: String) { group(slug: $slug) {
    members(first: 2, after: $after) { totalCount edges { cursor node { id role member { id displayName } } }
    pageInfo { hasNextPage endCursor } } } }";
const SET_ROLE: &str = "mutation($id: ID!, $role: GroupRole!) { setMemberRole(input: {membershipId: $id, role: $role}) { role } }";

pub struct TestGroup {
    pub id: String,
    pub slug: String,
}

pub async fn create_group(
    app: &TestApp,
    owner: &Account,
    name: &str,
    visibility: &str,
    policy: &str,
) -> TestGroup {
    let body = app
        .graphql(
            Some(&owner.access_token),
            CREATE,
            json!({ "input": { "name": name, "visibility": visibility, "joinPolicy": policy, "topics": ["ethics"] } }),
        )
        .await;
    let group = &body["data"]["createGroup"];
    assert!(group.is_object(), "createGroup failed: {body}");
    TestGroup {
        id: text(&group["id"]),
        slug: text(&group["slug"]),
    }
}

/// A member with an active membership in `group`, and that membership's id.
pub async fn join_member(app: &TestApp, group: &TestGroup, name: &str) -> (Account, String) {
    let member = app
        .register(&email(&name.to_lowercase().replace(' ', "-")), name)
        .await;
    let body = app
        .graphql(Some(&member.access_token), JOIN, json!({ "id": group.id }))
        .await;
    assert_eq!(body["data"]["joinGroup"]["status"], "ACTIVE", "{body}");
    let membership = text(&body["data"]["joinGroup"]["id"]);
    (member, membership)
}

async fn set_role(app: &TestApp, actor: &Account, membership: &str, role: &str) -> Value {
    app.graphql(
        Some(&actor.access_token),
        SET_ROLE,
        json!({ "id": membership, "role": role }),
    )
    .await
}

async fn own_membership(app: &TestApp, member: &Account, group: &TestGroup) -> String {
    let body = app
        .graphql(
            Some(&member.access_token),
            "query($slug: String!) { group(slug: $slug) { viewerMembership { id } } }",
            json!({ "slug": group.slug }),
        )
        .await;
    text(&body["data"]["group"]["viewerMembership"]["id"])
}

#[tokio::test]
async fn creating_a_group_makes_the_creator_owner_and_derives_a_norwegian_slug() {
    let app = spawn_app().await;
    let leader = app.register(&email("leader"), "Leader").await;
    let body = app
        .graphql(
            Some(&leader.access_token),
            CREATE,
            json!({ "input": { "name": "Ærlig øl på Åsen", "topics": ["ethics", "leadership"] } }),
        )
        .await;
    let group = &body["data"]["createGroup"];
    assert_eq!(group["slug"], "aerlig-ol-pa-asen", "{body}");
    assert_eq!(group["viewerRole"], "OWNER");
    assert_eq!(group["memberCount"], 1);
    assert_eq!(group["visibility"], "PUBLIC");
    assert_eq!(group["joinPolicy"], "OPEN");
    assert_eq!(
        group["topics"],
        json!([{ "slug": "ethics", "name": "Ethics" }, { "slug": "leadership", "name": "Leadership" }])
    );

    let second = app
        .graphql(
            Some(&leader.access_token),
            CREATE,
            json!({ "input": { "name": "Sosiale medier & etikk" } }),
        )
        .await;
    assert_eq!(
        second["data"]["createGroup"]["slug"],
        "sosiale-medier-etikk"
    );
    let again = app
        .graphql(
            Some(&leader.access_token),
            CREATE,
            json!({ "input": { "name": "Sosiale medier & etikk" } }),
        )
        .await;
    assert_eq!(
        again["data"]["createGroup"]["slug"],
        "sosiale-medier-etikk-2"
    );
    let taken = app
        .graphql(
            Some(&leader.access_token),
            CREATE,
            json!({ "input": { "name": "Another", "slug": "sosiale-medier-etikk" } }),
        )
        .await;
    assert_eq!(error_code(&taken), "CONFLICT");
}

#[tokio::test]
async fn creating_a_group_needs_an_account_and_valid_input() {
    let app = spawn_app().await;
    let anonymous = app
        .graphql(
            None,
            CREATE,
            json!({ "input": { "name": "Nobody's group" } }),
        )
        .await;
    assert_eq!(error_code(&anonymous), "UNAUTHENTICATED");
    let member = app.register(&email("m"), "M").await;
    for (input, field) in [
        (json!({ "name": "x" }), "name"),
        (
            json!({ "name": "Valid name", "topics": ["no-such-topic"] }),
            "topics",
        ),
        (
            json!({ "name": "Valid name", "slug": "Not A Slug" }),
            "slug",
        ),
    ] {
        let body = app
            .graphql(
                Some(&member.access_token),
                CREATE,
                json!({ "input": input }),
            )
            .await;
        assert_eq!(error_code(&body), "BAD_USER_INPUT", "{body}");
        assert_eq!(body["errors"][0]["extensions"]["field"], field);
    }
    let mine = app
        .graphql(
            Some(&member.access_token),
            "{ myGroups { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(mine["data"]["myGroups"]["totalCount"], 0);
}

#[tokio::test]
async fn the_three_join_policies_admit_members_differently() {
    let app = spawn_app().await;
    let owner = app.register(&email("owner"), "Owner").await;
    let open = create_group(&app, &owner, "Open group", "PUBLIC", "OPEN").await;
    let approval = create_group(&app, &owner, "Approval group", "PUBLIC", "APPROVAL").await;
    let invite_only =
        create_group(&app, &owner, "Invite only group", "PUBLIC", "INVITE_ONLY").await;
    let joiner = app.register(&email("joiner"), "Joiner").await;

    let joined = app
        .graphql(Some(&joiner.access_token), JOIN, json!({ "id": open.id }))
        .await;
    assert_eq!(joined["data"]["joinGroup"]["status"], "ACTIVE");
    assert_eq!(joined["data"]["joinGroup"]["role"], "MEMBER");

    let asked = app
        .graphql(
            Some(&joiner.access_token),
            JOIN,
            json!({ "id": approval.id }),
        )
        .await;
    assert_eq!(asked["data"]["joinGroup"]["status"], "PENDING");
    let group = app
        .graphql(
            Some(&joiner.access_token),
            GROUP,
            json!({ "slug": approval.slug }),
        )
        .await;
    assert_eq!(group["data"]["group"]["viewerRole"], Value::Null);
    assert_eq!(
        group["data"]["group"]["viewerMembership"]["status"],
        "PENDING"
    );
    assert_eq!(group["data"]["group"]["memberCount"], 1);

    let refused = app
        .graphql(
            Some(&joiner.access_token),
            JOIN,
            json!({ "id": invite_only.id }),
        )
        .await;
    assert_eq!(error_code(&refused), "FORBIDDEN");

    let invite = app
        .graphql(
            Some(&owner.access_token),
            "mutation($input: InviteToGroupInput!) { inviteToGroup(input: $input) { id status } }",
            json!({ "input": { "groupId": invite_only.id, "email": joiner.email } }),
        )
        .await;
    assert_eq!(
        invite["data"]["inviteToGroup"]["status"], "PENDING",
        "{invite}"
    );
    let invited = app
        .graphql(
            Some(&joiner.access_token),
            JOIN,
            json!({ "id": invite_only.id }),
        )
        .await;
    assert_eq!(
        invited["data"]["joinGroup"]["status"], "ACTIVE",
        "{invited}"
    );
}

#[tokio::test]
async fn organisers_approve_and_reject_requests_and_can_change_their_minds() {
    let app = spawn_app().await;
    let owner = app.register(&email("owner"), "Owner").await;
    let group = create_group(&app, &owner, "Careful group", "MEMBERS_ONLY", "APPROVAL").await;
    let (organiser, organiser_membership) = {
        let organiser = app.register(&email("organiser"), "Organiser").await;
        let asked = app
            .graphql(
                Some(&organiser.access_token),
                JOIN,
                json!({ "id": group.id }),
            )
            .await;
        let id = text(&asked["data"]["joinGroup"]["id"]);
        let approve = "mutation($id: ID!) { approveMembership(membershipId: $id) { status } }";
        let approved = app
            .graphql(Some(&owner.access_token), approve, json!({ "id": id }))
            .await;
        assert_eq!(approved["data"]["approveMembership"]["status"], "ACTIVE");
        (organiser, id)
    };
    assert_eq!(
        set_role(&app, &owner, &organiser_membership, "ORGANISER").await["data"]["setMemberRole"]["role"],
        "ORGANISER"
    );

    let applicant = app.register(&email("applicant"), "Applicant").await;
    let asked = app
        .graphql(
            Some(&applicant.access_token),
            JOIN,
            json!({ "id": group.id }),
        )
        .await;
    let request = text(&asked["data"]["joinGroup"]["id"]);

    let queue = "query($slug: String!, $status: MembershipStatus!) { group(slug: $slug) {
        membershipRequests(status: $status) { totalCount nodes { id member { displayName } } } } }";
    let pending = app
        .graphql(
            Some(&organiser.access_token),
            queue,
            json!({ "slug": group.slug, "status": "PENDING" }),
        )
        .await;
    assert_eq!(
        pending["data"]["group"]["membershipRequests"]["nodes"][0]["member"]["displayName"],
        "Applicant"
    );

    let reject = "mutation($id: ID!) { rejectMembership(membershipId: $id) { status } }";
    let approve = "mutation($id: ID!) { approveMembership(membershipId: $id) { status } }";
    let by_applicant = app
        .graphql(
            Some(&applicant.access_token),
            approve,
            json!({ "id": request }),
        )
        .await;
    assert_eq!(
        error_code(&by_applicant),
        "NOT_FOUND",
        "an outsider of a members-only group: {by_applicant}"
    );
    let rejected = app
        .graphql(
            Some(&organiser.access_token),
            reject,
            json!({ "id": request }),
        )
        .await;
    assert_eq!(rejected["data"]["rejectMembership"]["status"], "REJECTED");
    let rejected_list = app
        .graphql(
            Some(&owner.access_token),
            queue,
            json!({ "slug": group.slug, "status": "REJECTED" }),
        )
        .await;
    assert_eq!(
        rejected_list["data"]["group"]["membershipRequests"]["totalCount"],
        1
    );
    let again = app
        .graphql(
            Some(&applicant.access_token),
            JOIN,
            json!({ "id": group.id }),
        )
        .await;
    assert_eq!(error_code(&again), "FORBIDDEN");

    let reversed = app
        .graphql(
            Some(&organiser.access_token),
            approve,
            json!({ "id": request }),
        )
        .await;
    assert_eq!(reversed["data"]["approveMembership"]["status"], "ACTIVE");
    let seen = app
        .graphql(
            Some(&applicant.access_token),
            GROUP,
            json!({ "slug": group.slug }),
        )
        .await;
    assert_eq!(seen["data"]["group"]["viewerRole"], "MEMBER");
    let queue_by_member = app
        .graphql(
            Some(&applicant.access_token),
            queue,
            json!({ "slug": group.slug, "status": "PENDING" }),
        )
        .await;
    assert_eq!(error_code(&queue_by_member), "FORBIDDEN");
    let by_member = app
        .graphql(
            Some(&applicant.access_token),
            reject,
            json!({ "id": organiser_membership }),
        )
        .await;
    assert_eq!(error_code(&by_member), "FORBIDDEN");
}

#[tokio::test]
async fn outsiders_see_only_the_name_card_of_a_members_only_group() {
    let app = spawn_app().await;
    let owner = app.register(&email("owner"), "Owner").await;
    let group = create_group(&app, &owner, "Closed circle", "MEMBERS_ONLY", "APPROVAL").await;
    let outsider = app.register(&email("outsider"), "Outsider").await;
    for token in [None, Some(outsider.access_token.as_str())] {
        let card = app
            .graphql(token, GROUP, json!({ "slug": group.slug }))
            .await;
        assert_eq!(card["data"]["group"]["name"], "Closed circle");
        assert_eq!(
            card["data"]["group"]["topics"],
            json!([{ "slug": "ethics" }])
        );
        assert_eq!(card["data"]["group"]["memberCount"], Value::Null);
        let members = app
            .graphql(token, MEMBERS, json!({ "slug": group.slug }))
            .await;
        assert_eq!(error_code(&members), "NOT_FOUND", "{members}");
        assert_eq!(members["data"]["group"]["members"], Value::Null);
    }
    let owner_view = app
        .graphql(
            Some(&owner.access_token),
            MEMBERS,
            json!({ "slug": group.slug }),
        )
        .await;
    assert_eq!(owner_view["data"]["group"]["members"]["totalCount"], 1);
}

#[tokio::test]
async fn every_role_mutation_is_allowed_for_the_right_role_and_refused_for_others() {
    let app = spawn_app().await;
    let owner = app.register(&email("owner"), "Owner").await;
    let group = create_group(&app, &owner, "Role test", "PUBLIC", "OPEN").await;
    let (organiser, organiser_id) = join_member(&app, &group, "Organiser").await;
    let (moderator, moderator_id) = join_member(&app, &group, "Moderator").await;
    let (member, member_id) = join_member(&app, &group, "Member").await;
    set_role(&app, &owner, &organiser_id, "ORGANISER").await;
    set_role(&app, &owner, &moderator_id, "MODERATOR").await;

    // setMemberRole: owners only.
    for actor in [&organiser, &moderator, &member] {
        assert_eq!(
            error_code(&set_role(&app, actor, &member_id, "MODERATOR").await),
            "FORBIDDEN"
        );
    }
    // updateGroup and archiveGroup: owners only.
    let update = "mutation($id: ID!) { updateGroup(input: {groupId: $id, description: \"New words\"}) { description } }";
    assert_eq!(
        error_code(
            &app.graphql(
                Some(&organiser.access_token),
                update,
                json!({ "id": group.id })
            )
            .await
        ),
        "FORBIDDEN"
    );
    let updated = app
        .graphql(Some(&owner.access_token), update, json!({ "id": group.id }))
        .await;
    assert_eq!(updated["data"]["updateGroup"]["description"], "New words");
    // inviteToGroup: owners and organisers.
    let invite = "mutation($id: ID!, $email: String!) { inviteToGroup(input: {groupId: $id, email: $email}) { status } }";
    let by_member = app
        .graphql(
            Some(&member.access_token),
            invite,
            json!({ "id": group.id, "email": email("x") }),
        )
        .await;
    assert_eq!(error_code(&by_member), "FORBIDDEN");
    let by_organiser = app
        .graphql(
            Some(&organiser.access_token),
            invite,
            json!({ "id": group.id, "email": email("y") }),
        )
        .await;
    assert_eq!(by_organiser["data"]["inviteToGroup"]["status"], "PENDING");
    // removeMember: organisers remove those below them, not their peers or owners.
    let remove = "mutation($id: ID!) { removeMember(membershipId: $id) }";
    let owner_membership = own_membership(&app, &owner, &group).await;
    assert_eq!(
        error_code(
            &app.graphql(
                Some(&organiser.access_token),
                remove,
                json!({ "id": owner_membership })
            )
            .await
        ),
        "FORBIDDEN"
    );
    assert_eq!(
        error_code(
            &app.graphql(
                Some(&moderator.access_token),
                remove,
                json!({ "id": member_id })
            )
            .await
        ),
        "FORBIDDEN"
    );
    let removed = app
        .graphql(
            Some(&organiser.access_token),
            remove,
            json!({ "id": member_id }),
        )
        .await;
    assert_eq!(removed["data"]["removeMember"], true, "{removed}");
    // transferOwnership: owners only.
    let transfer = "mutation($id: ID!) { transferOwnership(membershipId: $id) { role } }";
    assert_eq!(
        error_code(
            &app.graphql(
                Some(&organiser.access_token),
                transfer,
                json!({ "id": moderator_id })
            )
            .await
        ),
        "FORBIDDEN"
    );
    let transferred = app
        .graphql(
            Some(&owner.access_token),
            transfer,
            json!({ "id": organiser_id }),
        )
        .await;
    assert_eq!(transferred["data"]["transferOwnership"]["role"], "OWNER");
    let old_owner = app
        .graphql(
            Some(&owner.access_token),
            GROUP,
            json!({ "slug": group.slug }),
        )
        .await;
    assert_eq!(old_owner["data"]["group"]["viewerRole"], "ORGANISER");
    // archiveGroup: owners only; afterwards the group takes no changes.
    let archive = "mutation($id: ID!) { archiveGroup(groupId: $id) { archived } }";
    assert_eq!(
        error_code(
            &app.graphql(
                Some(&owner.access_token),
                archive,
                json!({ "id": group.id })
            )
            .await
        ),
        "FORBIDDEN"
    );
    let archived = app
        .graphql(
            Some(&organiser.access_token),
            archive,
            json!({ "id": group.id }),
        )
        .await;
    assert_eq!(archived["data"]["archiveGroup"]["archived"], true);
    let late = app.register(&email("late"), "Late").await;
    assert_eq!(
        error_code(
            &app.graphql(Some(&late.access_token), JOIN, json!({ "id": group.id }))
                .await
        ),
        "CONFLICT"
    );
}

#[tokio::test]
async fn the_last_owner_cannot_leave_be_removed_or_be_demoted() {
    let app = spawn_app().await;
    let owner = app.register(&email("owner"), "Owner").await;
    let group = create_group(&app, &owner, "One owner", "PUBLIC", "OPEN").await;
    let own = own_membership(&app, &owner, &group).await;

    let leave = app
        .graphql(
            Some(&owner.access_token),
            "mutation($id: ID!) { leaveGroup(groupId: $id) }",
            json!({ "id": group.id }),
        )
        .await;
    assert_eq!(error_code(&leave), "CONFLICT");
    let demote = set_role(&app, &owner, &own, "MEMBER").await;
    assert_eq!(error_code(&demote), "CONFLICT");

    let (second, second_id) = join_member(&app, &group, "Second").await;
    set_role(&app, &owner, &second_id, "OWNER").await;
    let demoted = set_role(&app, &owner, &own, "MEMBER").await;
    assert_eq!(
        demoted["data"]["setMemberRole"]["role"], "MEMBER",
        "two owners: one may step down"
    );
    let remove_last = app
        .graphql(
            Some(&second.access_token),
            "mutation($id: ID!) { removeMember(membershipId: $id) }",
            json!({ "id": second_id }),
        )
        .await;
    assert_eq!(error_code(&remove_last), "BAD_USER_INPUT");
    let left = app
        .graphql(
            Some(&owner.access_token),
            "mutation($id: ID!) { leaveGroup(groupId: $id) }",
            json!({ "id": group.id }),
        )
        .await;
    assert_eq!(left["data"]["leaveGroup"], true);
}

#[tokio::test]
async fn two_owners_demoting_each_other_at_the_same_moment_leave_one_owner() {
    let app = spawn_app().await;
    let first = app.register(&email("first"), "First").await;
    let group = create_group(&app, &first, "Duel", "PUBLIC", "OPEN").await;
    let first_id = own_membership(&app, &first, &group).await;
    let (second, second_id) = join_member(&app, &group, "Second").await;
    set_role(&app, &first, &second_id, "OWNER").await;

    for _ in 0..5 {
        let (a, b) = tokio::join!(
            set_role(&app, &first, &second_id, "MEMBER"),
            set_role(&app, &second, &first_id, "MEMBER"),
        );
        let succeeded = [&a, &b]
            .iter()
            .filter(|r| r["data"]["setMemberRole"]["role"] == "MEMBER")
            .count();
        assert_eq!(succeeded, 1, "exactly one demotion wins: {a} {b}");
        let owners = app
            .graphql(
                Some(&first.access_token),
                "query($slug: String!) { group(slug: $slug) { members(role: OWNER) { totalCount nodes { id } } } }",
                json!({ "slug": group.slug }),
            )
            .await;
        assert_eq!(
            owners["data"]["group"]["members"]["totalCount"], 1,
            "{owners}"
        );
        // Restore two owners for the next round.
        let remaining = text(&owners["data"]["group"]["members"]["nodes"][0]["id"]);
        let (owner, demoted) = if remaining == first_id {
            (&first, &second_id)
        } else {
            (&second, &first_id)
        };
        set_role(&app, owner, demoted, "OWNER").await;
    }
}

#[tokio::test]
async fn an_invitation_can_be_declined() {
    let app = spawn_app().await;
    let owner = app.register(&email("owner"), "Owner").await;
    let group = create_group(&app, &owner, "Decline me", "PUBLIC", "INVITE_ONLY").await;
    let guest = app.register(&email("guest"), "Guest").await;
    let invited = app
        .graphql(
            Some(&owner.access_token),
            "mutation($id: ID!, $email: String!) { inviteToGroup(input: {groupId: $id, email: $email}) { id } }",
            json!({ "id": group.id, "email": guest.email }),
        )
        .await;
    let id = text(&invited["data"]["inviteToGroup"]["id"]);
    let decline = "mutation($id: ID!) { declineInvitation(invitationId: $id) { status } }";
    assert_eq!(
        error_code(
            &app.graphql(Some(&owner.access_token), decline, json!({ "id": id }))
                .await
        ),
        "NOT_FOUND"
    );
    let declined = app
        .graphql(Some(&guest.access_token), decline, json!({ "id": id }))
        .await;
    assert_eq!(declined["data"]["declineInvitation"]["status"], "DECLINED");
    let pending = app
        .graphql(
            Some(&guest.access_token),
            "{ myInvitations { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(pending["data"]["myInvitations"]["totalCount"], 0);
}

/// Cursors are made only for the rows whose cursor the client selects, however it selects them:
/// through a named or an inline fragment, under an alias, or only the page's ends through
/// `pageInfo`. Each is the same cursor, and each one pages on.
#[tokio::test]
async fn a_page_gives_the_cursors_it_is_asked_for_however_they_are_selected() {
    let app = spawn_app().await;
    let owner = app.register(&email("ends"), "Owner").await;
    for i in 0..5 {
        create_group(&app, &owner, &format!("Ends group {i}"), "PUBLIC", "OPEN").await;
    }
    let every = app
        .graphql(
            None,
            "{ groups(first: 3, search: \"ends\") { edges { cursor node { name } } } }",
            json!({}),
        )
        .await;
    let cursors = names(&every["data"]["groups"]["edges"], &["cursor"]);
    assert_eq!(cursors.len(), 3, "{every}");
    assert!(cursors.iter().all(|cursor| !cursor.is_empty()), "{every}");

    let through_fragments = app
        .graphql(
            None,
            "query { list: groups(first: 3, search: \"ends\") { ...Ends edges { ... on GroupEdge { at: cursor } } } }
             fragment Ends on GroupConnection { pageInfo { startCursor endCursor } }",
            json!({}),
        )
        .await;
    let list = &through_fragments["data"]["list"];
    assert_eq!(
        text(&list["pageInfo"]["startCursor"]),
        cursors[0],
        "{through_fragments}"
    );
    assert_eq!(
        text(&list["pageInfo"]["endCursor"]),
        cursors[2],
        "{through_fragments}"
    );
    assert_eq!(
        names(&list["edges"], &["at"]),
        cursors,
        "{through_fragments}"
    );

    let ends_only = app
        .graphql(
            None,
            "{ groups(first: 3, search: \"ends\") { nodes { name } pageInfo { startCursor endCursor } } }",
            json!({}),
        )
        .await;
    let page_info = &ends_only["data"]["groups"]["pageInfo"];
    assert_eq!(text(&page_info["startCursor"]), cursors[0], "{ends_only}");
    assert_eq!(text(&page_info["endCursor"]), cursors[2], "{ends_only}");
    let next = app
        .graphql(
            None,
            "query($after: String) { groups(first: 3, after: $after, search: \"ends\") { nodes { name } } }",
            json!({ "after": page_info["endCursor"] }),
        )
        .await;
    assert_eq!(
        names(&next["data"]["groups"]["nodes"], &["name"]),
        ["Ends group 1", "Ends group 0"],
        "{next}"
    );
}

#[tokio::test]
async fn members_and_groups_page_with_stable_cursors() {
    let app = spawn_app().await;
    let owner = app.register(&email("owner"), "Owner").await;
    let group = create_group(&app, &owner, "Paged", "PUBLIC", "OPEN").await;
    for i in 0..4 {
        join_member(&app, &group, &format!("Member {i}")).await;
    }
    let first = app
        .graphql(None, MEMBERS, json!({ "slug": group.slug }))
        .await;
    let page = &first["data"]["group"]["members"];
    assert_eq!(page["totalCount"], 5);
    let cursor = page["pageInfo"]["endCursor"].clone();
    let before_insert: Vec<Value> = page["edges"].as_array().expect("edges").to_vec();
    // A member joining between pages does not shift the next page.
    join_member(&app, &group, "Latecomer").await;
    let second = app
        .graphql(
            None,
            MEMBERS,
            json!({ "slug": group.slug, "after": cursor }),
        )
        .await;
    let names: Vec<&str> = second["data"]["group"]["members"]["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .filter_map(|edge| edge["node"]["member"]["displayName"].as_str())
        .collect();
    assert_eq!(names, ["Member 1", "Member 2"], "{second}");
    assert_eq!(before_insert[0]["node"]["member"]["displayName"], "Owner");

    for i in 0..4 {
        create_group(
            &app,
            &owner,
            &format!("Directory group {i}"),
            "PUBLIC",
            "OPEN",
        )
        .await;
    }
    let directory =
        "query($after: String) { groups(first: 2, after: $after, search: \"directory\") {
        totalCount nodes { name } pageInfo { hasNextPage endCursor } } }";
    let mut names = Vec::new();
    let mut after = Value::Null;
    loop {
        let page = app
            .graphql(None, directory, json!({ "after": after }))
            .await;
        let groups = &page["data"]["groups"];
        assert_eq!(groups["totalCount"], 4, "{page}");
        names.extend(
            groups["nodes"]
                .as_array()
                .expect("nodes")
                .iter()
                .map(|n| text(&n["name"])),
        );
        if groups["pageInfo"]["hasNextPage"] != true {
            break;
        }
        after = groups["pageInfo"]["endCursor"].clone();
    }
    assert_eq!(
        names,
        [
            "Directory group 3",
            "Directory group 2",
            "Directory group 1",
            "Directory group 0"
        ]
    );
}

#[tokio::test]
async fn groups_can_be_found_by_topic() {
    let app = spawn_app().await;
    let owner = app.register(&email("owner"), "Owner").await;
    create_group(&app, &owner, "Ethics circle", "PUBLIC", "OPEN").await;
    app.graphql(
        Some(&owner.access_token),
        CREATE,
        json!({ "input": { "name": "Security people", "topics": ["data-security"] } }),
    )
    .await;
    let found = app
        .graphql(
            None,
            "{ groups(topic: \"data-security\") { nodes { name } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        found["data"]["groups"]["nodes"],
        json!([{ "name": "Security people" }])
    );
    let topics = app.graphql(None, "{ topics { slug } }", json!({})).await;
    assert_eq!(topics["data"]["topics"].as_array().map(Vec::len), Some(6));
}

#[tokio::test]
async fn listing_twenty_groups_with_counts_roles_and_topics_runs_a_fixed_number_of_statements() {
    let app = spawn_app().await;
    let owner = app.register(&email("owner"), "Owner").await;
    for i in 0..20 {
        create_group(
            &app,
            &owner,
            &format!("Counted group {i}"),
            "PUBLIC",
            "OPEN",
        )
        .await;
    }
    let (body, statements) = app
        .graphql_counted(
            Some(&owner.access_token),
            "{ groups(first: 20) { totalCount nodes { name memberCount viewerRole topics { slug } } } }",
            json!({}),
        )
        .await;
    let nodes = body["data"]["groups"]["nodes"].as_array().expect("nodes");
    assert_eq!(nodes.len(), 20);
    assert!(
        nodes
            .iter()
            .all(|n| n["memberCount"] == 1 && n["viewerRole"] == "OWNER"),
        "{body}"
    );
    // session check, page, total count, memberships, member counts, topics.
    assert!(statements <= 6, "{statements} statements");
}

#[tokio::test]
async fn only_site_admins_add_topics() {
    let app = spawn_app().await;
    let member = app.register(&email("member"), "Member").await;
    let admin = app.register(&email("admin"), "Admin").await;
    app.execute_sql(&format!(
        "UPDATE member SET is_site_admin = true WHERE email_key = '{}'",
        admin.email.to_lowercase()
    ))
    .await;
    let create = "mutation { createTopic(input: {name: \"Open source\"}) { slug name } }";
    assert_eq!(
        error_code(
            &app.graphql(Some(&member.access_token), create, json!({}))
                .await
        ),
        "FORBIDDEN"
    );
    let created = app
        .graphql(Some(&admin.access_token), create, json!({}))
        .await;
    assert_eq!(created["data"]["createTopic"]["slug"], "open-source");
    assert_eq!(
        error_code(
            &app.graphql(Some(&admin.access_token), create, json!({}))
                .await
        ),
        "CONFLICT"
    );
}

#[tokio::test]
async fn role_changes_removals_and_approvals_are_audited() {
    let app = spawn_app().await;
    let owner = app.register(&email("owner"), "Owner").await;
    let group = create_group(&app, &owner, "Audited", "PUBLIC", "OPEN").await;
    let (_, member_id) = join_member(&app, &group, "Audited member").await;
    set_role(&app, &owner, &member_id, "MODERATOR").await;
    app.graphql(
        Some(&owner.access_token),
        "mutation($id: ID!) { removeMember(membershipId: $id) }",
        json!({ "id": member_id }),
    )
    .await;
    let query = "query($slug: String!) { group(slug: $slug) { auditLog { nodes { action actor { displayName } } } } }";
    let log = app
        .graphql(
            Some(&owner.access_token),
            query,
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
        actions,
        [
            "membership.remove",
            "membership.role_change",
            "group.create"
        ],
        "{log}"
    );
    let (member, _) = join_member(&app, &group, "Curious").await;
    assert_eq!(
        error_code(
            &app.graphql(
                Some(&member.access_token),
                query,
                json!({ "slug": group.slug })
            )
            .await
        ),
        "FORBIDDEN"
    );
}

#[tokio::test]
async fn node_hides_a_members_only_groups_memberships_and_invitations_from_outsiders() {
    let app = spawn_app().await;
    let owner = app.register(&email("owner"), "Owner").await;
    let group = create_group(
        &app,
        &owner,
        "Private node test",
        "MEMBERS_ONLY",
        "INVITE_ONLY",
    )
    .await;
    let own = own_membership(&app, &owner, &group).await;
    let invited = app
        .graphql(
            Some(&owner.access_token),
            "mutation($id: ID!, $email: String!) { inviteToGroup(input: {groupId: $id, email: $email}) { id } }",
            json!({ "id": group.id, "email": email("someone") }),
        )
        .await;
    let invitation = text(&invited["data"]["inviteToGroup"]["id"]);
    let outsider = app.register(&email("outsider"), "Outsider").await;
    let node = "query($id: ID!) { node(id: $id) { id } }";
    for id in [&own, &invitation] {
        let by_owner = app
            .graphql(Some(&owner.access_token), node, json!({ "id": id }))
            .await;
        assert_eq!(by_owner["data"]["node"]["id"], id.as_str(), "{by_owner}");
        for token in [None, Some(outsider.access_token.as_str())] {
            let hidden = app.graphql(token, node, json!({ "id": id })).await;
            assert_eq!(error_code(&hidden), "NOT_FOUND", "{hidden}");
        }
    }
    let card = app
        .graphql(
            None,
            "query($id: ID!) { node(id: $id) { ... on Group { name memberCount } } }",
            json!({ "id": group.id }),
        )
        .await;
    assert_eq!(card["data"]["node"]["name"], "Private node test");
    assert_eq!(card["data"]["node"]["memberCount"], Value::Null);
}

#[tokio::test]
async fn members_joining_and_leaving_at_the_same_moment_are_all_counted() {
    let app = spawn_app().await;
    let owner = app.register(&email("owner"), "Owner").await;
    let group = create_group(&app, &owner, "Crowded group", "PUBLIC", "OPEN").await;
    let mut people = Vec::new();
    for i in 0..30 {
        people.push(
            app.register(&email(&format!("crowd-{i}")), &format!("Crowd {i}"))
                .await,
        );
    }
    let joined =
        futures_util::future::join_all(people.iter().map(|person| {
            app.graphql(Some(&person.access_token), JOIN, json!({ "id": group.id }))
        }))
        .await;
    assert!(
        joined
            .iter()
            .all(|body| body["data"]["joinGroup"]["status"] == "ACTIVE"),
        "{joined:?}"
    );
    let leave = "mutation($id: ID!) { leaveGroup(groupId: $id) }";
    let left =
        futures_util::future::join_all(people[..12].iter().map(|person| {
            app.graphql(Some(&person.access_token), leave, json!({ "id": group.id }))
        }))
        .await;
    assert!(
        left.iter().all(|body| body["data"]["leaveGroup"] == true),
        "{left:?}"
    );

    // The stored count is the number of active members the list shows.
    let body = app
        .graphql(
            None,
            "query($slug: String!) { group(slug: $slug) { memberCount members { totalCount } } }",
            json!({ "slug": group.slug }),
        )
        .await;
    assert_eq!(body["data"]["group"]["memberCount"], 19, "{body}");
    assert_eq!(body["data"]["group"]["members"]["totalCount"], 19, "{body}");
}

#[tokio::test]
async fn creating_groups_and_inviting_are_throttled_per_member() {
    let app = spawn_app_with(&[
        ("GROUP_LIMIT_PER_MEMBER_PER_MINUTE", "1"),
        ("INVITATION_LIMIT_PER_MEMBER_PER_MINUTE", "1"),
    ])
    .await;
    let owner = app.register(&email("many"), "Mange grupper").await;
    let group = create_group(&app, &owner, "Første", "PUBLIC", "INVITE_ONLY").await;
    let second = app
        .graphql(
            Some(&owner.access_token),
            CREATE,
            json!({ "input": { "name": "Andre", "visibility": "PUBLIC", "joinPolicy": "OPEN" } }),
        )
        .await;
    assert_eq!(error_code(&second), "RATE_LIMITED", "{second}");
    let invite = "mutation($input: InviteToGroupInput!) { inviteToGroup(input: $input) { id } }";
    let token = Some(owner.access_token.as_str());
    let first = app
        .graphql(
            token,
            invite,
            json!({ "input": { "groupId": group.id, "email": email("a") } }),
        )
        .await;
    assert!(first.get("errors").is_none(), "{first}");
    let again = app
        .graphql(
            token,
            invite,
            json!({ "input": { "groupId": group.id, "email": email("b") } }),
        )
        .await;
    assert_eq!(error_code(&again), "RATE_LIMITED", "{again}");
}

#[tokio::test]
async fn a_cursor_works_only_in_its_own_list_and_enums_offer_only_what_works() {
    let app = spawn_app().await;
    let owner = app.register(&email("cursor"), "Markør").await;
    for name in ["Første gruppe", "Andre gruppe"] {
        create_group(&app, &owner, name, "PUBLIC", "APPROVAL").await;
    }
    let token = Some(owner.access_token.as_str());
    let groups = app
        .graphql(
            token,
            "{ groups(first: 1) { edges { cursor } } }",
            json!({}),
        )
        .await;
    let cursor = text(&groups["data"]["groups"]["edges"][0]["cursor"]);
    let next = app
        .graphql(
            token,
            "query($after: String) { groups(first: 1, after: $after) { nodes { name } } }",
            json!({ "after": cursor }),
        )
        .await;
    assert!(next.get("errors").is_none(), "{next}");
    let elsewhere = app
        .graphql(
            token,
            "query($after: String) { myGroups(first: 1, after: $after) { totalCount } }",
            json!({ "after": cursor }),
        )
        .await;
    assert_eq!(error_code(&elsewhere), "BAD_USER_INPUT", "{elsewhere}");
    assert_eq!(elsewhere["errors"][0]["extensions"]["field"], "after");

    // Requests are pending or rejected; ACTIVE is not a value the field offers.
    let active = app
        .graphql(
            token,
            "query($slug: String!) { group(slug: $slug) { membershipRequests(status: ACTIVE) { totalCount } } }",
            json!({ "slug": "forste-gruppe" }),
        )
        .await;
    assert_eq!(error_code(&active), "BAD_USER_INPUT", "{active}");
    assert_eq!(
        active["errors"][0]["extensions"]["field"], "status",
        "{active}"
    );
}

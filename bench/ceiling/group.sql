-- The group page as one hand-written statement: the ceiling of what PostgreSQL can serve.
SELECT json_build_object('data', json_build_object('group', json_build_object(
  'id', g.id, 'name', g.name, 'description', g.description, 'memberCount', g.member_count,
  'meetups', json_build_object('nodes', (
    SELECT coalesce(json_agg(json_build_object(
             'id', m.id, 'title', m.title, 'startsAt', m.starts_at, 'goingCount', m.going_count,
             'attendees', json_build_object('nodes', (
               SELECT coalesce(json_agg(json_build_object('member',
                        json_build_object('id', p.id, 'displayName', p.display_name))
                        ORDER BY a.queued_at, a.id), '[]'::json)
               FROM (SELECT member_id, queued_at, id FROM rsvp
                     WHERE meetup_id = m.id AND status = 'GOING'
                     ORDER BY queued_at, id LIMIT 5) a
               JOIN member p ON p.id = a.member_id)))
             ORDER BY m.starts_at, m.id), '[]'::json)
    FROM (SELECT id, title, starts_at, going_count FROM meetup
          WHERE group_id = g.id AND status <> 'DRAFT' AND ends_at >= now()
          ORDER BY starts_at, id LIMIT 10) m)))))
FROM interest_group g
WHERE g.slug = :slug;

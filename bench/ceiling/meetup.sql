-- The meetup page as one hand-written statement: the ceiling of what PostgreSQL can serve.
SELECT json_build_object('data', json_build_object('meetup', json_build_object(
  'id', m.id, 'title', m.title, 'startsAt', m.starts_at, 'goingCount', m.going_count,
  'group', json_build_object('id', g.id, 'name', g.name),
  'attendees', json_build_object('totalCount', m.going_count, 'nodes', (
    SELECT coalesce(json_agg(json_build_object('member',
             json_build_object('id', p.id, 'displayName', p.display_name))
             ORDER BY a.queued_at, a.id), '[]'::json)
    FROM (SELECT member_id, queued_at, id FROM rsvp
          WHERE meetup_id = m.id AND status = 'GOING'
          ORDER BY queued_at, id LIMIT 20) a
    JOIN member p ON p.id = a.member_id)))))
FROM meetup m JOIN interest_group g ON g.id = m.group_id
WHERE m.id = :id::uuid;

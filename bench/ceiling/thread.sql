-- The thread page as one hand-written statement: the ceiling of what PostgreSQL can serve.
SELECT json_build_object('data', json_build_object('thread', json_build_object(
  'id', t.id, 'title', t.title, 'bodyHtml', t.body_html,
  'author', json_build_object('id', a.id, 'displayName', a.display_name),
  'comments', json_build_object('nodes', (
    SELECT coalesce(json_agg(json_build_object(
             'id', c.id, 'depth', c.depth, 'bodyHtml', c.body_html, 'createdAt', c.created_at,
             'author', json_build_object('id', p.id, 'displayName', p.display_name,
                                         'headline', p.headline))
             ORDER BY c.id), '[]'::json)
    FROM (SELECT id, depth, body_html, created_at, author_id FROM comment
          WHERE thread_id = t.id AND parent_id IS NULL
          ORDER BY id LIMIT 50) c
    LEFT JOIN member p ON p.id = c.author_id)))))
FROM thread t
JOIN interest_group g ON g.id = t.group_id
LEFT JOIN member a ON a.id = t.author_id
WHERE t.id = :id::uuid;

-- The directory as one hand-written statement: the ceiling of what PostgreSQL can serve.
SELECT json_build_object('data', json_build_object('groups', json_build_object('nodes', (
  SELECT coalesce(json_agg(json_build_object(
           'id', g.id, 'slug', g.slug, 'name', g.name, 'memberCount', g.member_count)
           ORDER BY g.id DESC), '[]'::json)
  FROM (SELECT id, slug, name, member_count FROM interest_group
        WHERE archived_at IS NULL ORDER BY id DESC LIMIT 20) g))));

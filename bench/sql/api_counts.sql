-- api_counts.sql - the counts of a GET /v1/metrics answer (:'file' is
-- replaced by the path of the JSON body, on one line) as the rows of flow_counts.sql, to diff.
CREATE TEMP TABLE api_json (doc jsonb);
\copy api_json FROM :'file' WITH (FORMAT csv, QUOTE E'\x01', DELIMITER E'\x02')
SELECT g->>'key',
  g->'counts'->>'carried_over', g->'counts'->>'received', g->'counts'->>'received_online',
  g->'counts'->>'received_direct', g->'counts'->>'received_postal', g->'counts'->>'finished',
  g->'counts'->>'early', g->'counts'->>'on_time', g->'counts'->>'late',
  g->'counts'->>'withdrawn', g->'counts'->>'stopped', g->'counts'->>'resolved',
  g->'counts'->>'pending', g->'counts'->>'in_time', g->'counts'->>'overdue',
  g->'counts'->>'waiting'
FROM api_json, jsonb_array_elements(doc->'groups') g
ORDER BY 1;

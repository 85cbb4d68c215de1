-- flow_counts.sql - the counts of GET /v1/metrics (flow basis, spec §5) in
-- plain SQL over the dossier table: what the roll-ups are measured against.
-- psql variables: periods = a SELECT of (key text, s timestamptz, a timestamptz),
-- each period's first instant and as_of; group = the key of each output row:
-- 'key' (one row per period) or 'agency_code' (with one period).
-- The data of the benchmarks has its own due_at on every dossier, so no
-- catalog due date is needed; the classes compare Vietnam local dates (§4).
SELECT :group AS key,
  count(*) FILTER (WHERE received_at < s) AS carried_over,
  count(*) FILTER (WHERE received_at >= s) AS received,
  count(*) FILTER (WHERE received_at >= s AND channel = 2) AS received_online,
  count(*) FILTER (WHERE received_at >= s AND channel = 1) AS received_direct,
  count(*) FILTER (WHERE received_at >= s AND channel = 3) AS received_postal,
  count(*) FILTER (WHERE fin) AS finished,
  count(*) FILTER (WHERE fin AND supplement_count <= 1 AND due_at IS NOT NULL AND fday < dday) AS early,
  count(*) FILTER (WHERE fin AND supplement_count <= 1 AND (due_at IS NULL OR fday = dday)) AS on_time,
  count(*) FILTER (WHERE fin AND (supplement_count > 1 OR fday > dday)) AS late,
  count(*) FILTER (WHERE fin AND status = 7) AS withdrawn,
  count(*) FILTER (WHERE fin AND status = 8) AS stopped,
  count(*) FILTER (WHERE fin AND status IN (9, 10)) AS resolved,
  count(*) FILTER (WHERE NOT fin) AS pending,
  count(*) FILTER (WHERE NOT fin AND NOT over) AS in_time,
  count(*) FILTER (WHERE NOT fin AND over) AS overdue,
  count(*) FILTER (WHERE NOT fin AND waiting) AS waiting
FROM (
  SELECT d.agency_code, d.channel, d.status, d.received_at, d.due_at, d.supplement_count,
    p.key, p.s,
    d.status BETWEEN 7 AND 10 AND d.finished_at <= p.a AS fin,
    (d.finished_at AT TIME ZONE 'Asia/Ho_Chi_Minh')::date AS fday,
    (d.due_at AT TIME ZONE 'Asia/Ho_Chi_Minh')::date AS dday,
    w.waiting,
    d.supplement_count > 1 OR (d.due_at IS NOT NULL AND
      (CASE WHEN w.waiting THEN w.ws ELSE p.a END AT TIME ZONE 'Asia/Ho_Chi_Minh')::date
      > (d.due_at AT TIME ZONE 'Asia/Ho_Chi_Minh')::date) AS over
  FROM (:periods) p
  JOIN dossier d ON d.received_at <= p.a AND (d.finished_at IS NULL OR d.finished_at >= p.s)
  CROSS JOIN LATERAL (SELECT COALESCE(d.supplement_requested_at, d.updated_at, d.received_at) AS ws) s0
  CROSS JOIN LATERAL (SELECT d.status IN (5, 6) AND s0.ws <= p.a AS waiting, s0.ws) w
  WHERE d.status NOT IN (1, 3)
) x
GROUP BY 1
ORDER BY 1

-- Claims: a worker works on a video only while it holds the row's lease, taken by one
-- conditional update, so two deliveries of one message (or two machines) never analyse the
-- same video at once, and a completed or cancelled video is never run again by a duplicate.
alter table videos add column if not exists lease_owner text;
alter table videos add column if not exists lease_token uuid;
alter table videos add column if not exists lease_until timestamptz;
-- Bumped by every requeue (retry); a message carries the generation it was sent for, so a
-- message left over from before a retry is recognised as superseded.
alter table videos add column if not exists generation integer not null default 0;
create index if not exists videos_lease_idx on videos (processing_status, lease_until);

-- Takes videos, one per delivery, in one statement (concurrent deliveries share it). Each request
-- ({id, owner, lease, generation, title, source}) claims its video only when the row is not
-- completed, not cancelled, not leased by a live owner and not newer than the message; with
-- p_create a missing row is made already claimed (the embedded store; Supabase rows are made
-- upstream). Returns the claimed rows; a video missing from the answer was not claimed.
create or replace function claim_videos(p_requests jsonb, p_create boolean default false)
returns setof videos
language sql
volatile
as $$
  with req as (
    select * from jsonb_to_recordset(p_requests) as r(id uuid, owner text, lease double precision, generation integer, title text, source jsonb)
  )
  insert into videos as v (id, title, source, processing_status, lease_owner, lease_token, lease_until, attempts, started_at, updated_at)
  select r.id, r.title, r.source, 'processing', r.owner, gen_random_uuid(), now() + make_interval(secs => r.lease), 1, now(), now()
    from req r
   where p_create or exists (select 1 from videos e where e.id = r.id)
  on conflict (id) do update set
    lease_owner = excluded.lease_owner,
    lease_token = excluded.lease_token,
    lease_until = excluded.lease_until,
    attempts = v.attempts + 1,
    processing_status = 'processing',
    started_at = now(),
    completed_at = null,
    error_cause = null,
    analysis_result = null,
    is_processed = false,
    stage_ms = '{}'::jsonb,
    title = coalesce(v.title, excluded.title),
    source = coalesce(v.source, excluded.source),
    updated_at = now()
  where v.processing_status is distinct from 'completed'
    and not (v.processing_status = 'failed' and v.error_cause is not distinct from 'cancelled')
    and (v.lease_until is null or v.lease_until <= now())
    and coalesce((select r.generation >= v.generation from req r where r.id = v.id), true)
  returning v.*;
$$;

-- Writes of running jobs, any number in one statement: each ({id, token, p, release, renew})
-- sets only the columns its patch `p` names, and only while `token` is still the row's claim;
-- `release` ends the claim, `renew` extends it by that many seconds. Returns the rows written.
create or replace function update_leased_videos(p_writes jsonb)
returns setof videos
language sql
volatile
as $$
  update videos v set
    processing_status = case when u.p ? 'processing_status' then u.p->>'processing_status' else v.processing_status end,
    analysis_result = case when u.p ? 'analysis_result' then u.p->>'analysis_result' else v.analysis_result end,
    is_processed = case when u.p ? 'is_processed' then (u.p->>'is_processed')::boolean else v.is_processed end,
    attempts = case when u.p ? 'attempts' then (u.p->>'attempts')::integer else v.attempts end,
    error_cause = case when u.p ? 'error_cause' then u.p->>'error_cause' else v.error_cause end,
    stage_ms = case when u.p ? 'stage_ms' then u.p->'stage_ms' else v.stage_ms end,
    started_at = case when u.p ? 'started_at' then (u.p->>'started_at')::timestamptz else v.started_at end,
    completed_at = case when u.p ? 'completed_at' then (u.p->>'completed_at')::timestamptz else v.completed_at end,
    title = case when u.p ? 'title' then u.p->>'title' else v.title end,
    lease_owner = case when u.release then null else v.lease_owner end,
    lease_token = case when u.release then null else v.lease_token end,
    lease_until = case when u.release then null when u.renew is not null then now() + make_interval(secs => u.renew) else v.lease_until end,
    updated_at = case when u.p = '{}'::jsonb and not u.release then v.updated_at else now() end
  from jsonb_to_recordset(p_writes) as u(id uuid, token uuid, p jsonb, release boolean, renew double precision)
  where v.id = u.id and v.lease_token = u.token
  returning v.*;
$$;

-- Sets a video `queued` for a new message only when no message of it is pending: the row is
-- completed or failed for good (cancelled included) and nobody holds a live claim. Returns
-- nothing when refused, so two retries at once make one message.
create or replace function requeue_video(p_id uuid, p_new_generation boolean default true)
returns setof videos
language sql
volatile
as $$
  update videos set
    processing_status = 'queued',
    analysis_result = null,
    is_processed = false,
    error_cause = null,
    completed_at = null,
    generation = generation + case when p_new_generation then 1 else 0 end,
    updated_at = now()
  where id = p_id
    and (processing_status = 'completed' or (processing_status = 'failed' and completed_at is not null))
    and (lease_until is null or lease_until <= now())
  returning *;
$$;

-- Fails a video for good while it is unsettled (waiting, in flight, or failed with a retry
-- pending) and nobody holds a live claim: an operator's cancel of a waiting video, a message
-- the queue gave up on, a row the reconciler found stuck. With p_if_updated_at only when the
-- row has not changed since it was looked at.
create or replace function settle_video(p_id uuid, p_cause text, p_error text, p_if_updated_at timestamptz default null)
returns setof videos
language sql
volatile
as $$
  update videos set
    processing_status = 'failed',
    error_cause = p_cause,
    analysis_result = 'Error: ' || p_error,
    is_processed = false,
    completed_at = now(),
    lease_owner = null,
    lease_token = null,
    lease_until = null,
    updated_at = now()
  where id = p_id
    and (processing_status in ('queued', 'processing', 'downloading', 'uploading')
         or (processing_status = 'failed' and completed_at is null))
    and (lease_until is null or lease_until <= now())
    and (p_if_updated_at is null or date_trunc('milliseconds', updated_at) = date_trunc('milliseconds', p_if_updated_at))
  returning *;
$$;

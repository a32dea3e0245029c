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

-- Takes the video for one delivery, or returns nothing when it may not be taken (completed,
-- cancelled, leased by a live owner, or the message is older than the row's generation).
-- With p_create a missing row is made first (the embedded store; Supabase rows are made upstream).
create or replace function claim_video(
  p_id uuid,
  p_owner text,
  p_lease_seconds double precision,
  p_generation integer default null,
  p_title text default null,
  p_source jsonb default null,
  p_create boolean default false
) returns setof videos
language sql
volatile
as $$
  insert into videos (id, title, source, processing_status)
  select p_id, p_title, p_source, 'queued' where p_create
  on conflict (id) do nothing;
  update videos set
    lease_owner = p_owner,
    lease_token = gen_random_uuid(),
    lease_until = now() + make_interval(secs => p_lease_seconds),
    attempts = attempts + 1,
    processing_status = 'processing',
    started_at = now(),
    completed_at = null,
    error_cause = null,
    analysis_result = null,
    is_processed = false,
    stage_ms = '{}'::jsonb,
    title = coalesce(title, p_title),
    source = coalesce(source, p_source),
    updated_at = now()
  where id = p_id
    and processing_status is distinct from 'completed'
    and not (processing_status = 'failed' and error_cause is not distinct from 'cancelled')
    and (lease_until is null or lease_until <= now())
    and (p_generation is null or generation <= p_generation)
  returning *;
$$;

-- Extends a held claim; returns the row while the claim is still this delivery's.
create or replace function renew_video_lease(p_id uuid, p_token uuid, p_lease_seconds double precision)
returns setof videos
language sql
volatile
as $$
  update videos set lease_until = now() + make_interval(secs => p_lease_seconds)
  where id = p_id and lease_token = p_token
  returning *;
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

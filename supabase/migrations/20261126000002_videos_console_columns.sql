-- Columns the worker and the console need beyond the seed's four.
alter table videos add column if not exists title text;
alter table videos add column if not exists source jsonb;
alter table videos add column if not exists attempts integer not null default 0;
alter table videos add column if not exists error_cause text;
alter table videos add column if not exists stage_ms jsonb not null default '{}'::jsonb;
alter table videos add column if not exists created_at timestamptz not null default now();
alter table videos add column if not exists updated_at timestamptz not null default now();
alter table videos add column if not exists started_at timestamptz;
alter table videos add column if not exists completed_at timestamptz;
create index if not exists videos_status_idx on videos (processing_status);
create index if not exists videos_created_idx on videos (created_at desc);

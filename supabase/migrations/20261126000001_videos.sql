-- The seed's table of record. Idempotent: safe on a database that already has it.
create table if not exists videos (
  id uuid primary key,
  processing_status text not null default 'queued',
  analysis_result text,
  is_processed boolean not null default false
);

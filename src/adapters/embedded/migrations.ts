/**
 * Migrations that exist only in the embedded database (PGlite): the local queue, its
 * dead letters, and the console's journal. The `videos` table itself comes from
 * `supabase/migrations/*.sql`, shared with Supabase, and runs first.
 */
export interface Migration {
  /** Unique, sortable name; recorded in `schema_migrations`. */
  name: string
  sql: string
}

export const embeddedMigrations: readonly Migration[] = [
  {
    name: 'embedded/0001_queue',
    sql: `
      create table if not exists queue_messages (
        seq bigserial primary key,
        id uuid not null unique default gen_random_uuid(),
        queue text not null,
        body text not null,
        group_id text,
        dedup_id text,
        sent_at timestamptz not null default now(),
        visible_at timestamptz not null default now(),
        receive_count integer not null default 0,
        first_received_at timestamptz,
        receipt_handle uuid unique
      );
      create index if not exists queue_messages_ready_idx on queue_messages (queue, visible_at, seq);
      create index if not exists queue_messages_group_idx on queue_messages (queue, group_id, seq) where group_id is not null;
      create index if not exists queue_messages_dedup_idx on queue_messages (queue, dedup_id) where dedup_id is not null;
      create table if not exists queue_dead_letters (
        id uuid primary key,
        queue text not null,
        body text not null,
        group_id text,
        sent_at timestamptz not null,
        receive_count integer not null,
        reason text not null,
        dead_at timestamptz not null default now()
      );
      create index if not exists queue_dead_letters_queue_idx on queue_dead_letters (queue, dead_at);
    `
  },
  {
    name: 'embedded/0002_journal',
    sql: `
      create table if not exists journal_entries (
        id bigserial primary key,
        video_id uuid not null,
        at timestamptz not null default now(),
        attempt integer not null default 0,
        type text not null,
        status text,
        level text not null default 'info',
        message text not null,
        data jsonb
      );
      create index if not exists journal_entries_video_idx on journal_entries (video_id, id);
      create table if not exists stats_samples (
        id bigserial primary key,
        at timestamptz not null,
        processed integer not null,
        failed integer not null,
        in_flight integer not null
      );
      create index if not exists stats_samples_at_idx on stats_samples (at);
      create table if not exists token_usage (
        video_id uuid not null,
        model text not null,
        prompt_tokens bigint not null default 0,
        output_tokens bigint not null default 0,
        thoughts_tokens bigint not null default 0,
        total_tokens bigint not null default 0,
        cost_usd double precision not null default 0,
        calls integer not null default 0,
        updated_at timestamptz not null default now(),
        primary key (video_id, model)
      );
    `
  },
  {
    // Sorting and filtering the console's list on 10,000+ rows without full sorts.
    name: 'embedded/0003_videos_list_indexes',
    sql: `
      create index if not exists videos_updated_idx on videos (updated_at desc);
      create index if not exists videos_status_created_idx on videos (processing_status, created_at desc);
    `
  }
]

//! Versioned migrations, applied in order at start under an advisory lock
//! (two instances starting together apply each once). Never edit a
//! released migration: add a new one.
//!
//! ## Why this layout
//!
//! - `events` is the offices' logs, verbatim, partitioned by month of the
//!   business date (`RANGE (day)`): the biggest table by far (≈ 0.93 M rows
//!   a day for 584 units), written in date order and read by date, so a
//!   month is one table that vacuum, backups and retention handle whole
//!   (dropping a month is `DROP TABLE`, not a `DELETE` of 28 M rows).
//!   The primary key `(unit_id, event_id, day)` must carry the partition
//!   key; `(unit_id, event_id)` alone is unique because each unit's pushes
//!   are serialised on its `units` row and only ids above its watermark
//!   are stored (`ingest::store`), and an event's `day` follows from its
//!   time, so the same event sent twice would collide on the key anyway.
//! - The figures are computed from projections kept in the same
//!   transaction as the events (one row per ticket, dossier, rating, kiosk
//!   device, counter): exact, never behind the log, and small enough that
//!   a unit's day is a few hundred index rows. `tickets` is partitioned
//!   like `events` (it is the second biggest and read by date).
//! - `unit_days` holds each closed day's figures per unit (and the city's,
//!   `unit_id = 0`), written by the rollup worker: thirty days of 584
//!   units for the dashboard are 17,520 small rows, not 4 M tickets.

/// Each entry moves the schema from version `i` to `i + 1`.
pub const MIGRATIONS: &[&str] = &[
    // 1: units, the event log, the projections, releases.
    r#"
    CREATE TABLE units (
        unit_id       serial PRIMARY KEY,
        unit_code     text NOT NULL UNIQUE,
        name          text NOT NULL,
        grp           text,
        -- SHA-256 of the office's bearer token, hex.
        token_sha256  text UNIQUE,
        -- Every event up to here is stored (the watermark).
        last_event_id bigint NOT NULL DEFAULT 0,
        last_seen     timestamptz,
        -- What the hub said about itself at its last push (HubReport).
        hub_version   text,
        office_name   text,
        kiosks        text[] NOT NULL DEFAULT '{}',
        catalogue     jsonb,
        calendar      jsonb,
        registered_at timestamptz NOT NULL DEFAULT now()
    );

    CREATE TABLE events (
        unit_id   integer NOT NULL,
        event_id  bigint NOT NULL,
        -- Office-local date of at_ms: the partition key.
        day       date NOT NULL,
        at_ms     bigint NOT NULL,
        kind      text NOT NULL,
        data      json NOT NULL,
        PRIMARY KEY (unit_id, event_id, day)
    ) PARTITION BY RANGE (day);

    -- One row per ticket, its latest state. Times in ms from the events
    -- that set them (the views carry whole seconds only).
    CREATE TABLE tickets (
        unit_id        integer NOT NULL,
        business_date  date NOT NULL,
        ticket_id      bigint NOT NULL,
        number         text NOT NULL,
        service        text NOT NULL,
        priority       text,
        state          text NOT NULL,
        counter        integer,
        issued_ms      bigint,
        called_ms      bigint,
        started_ms     bigint,
        finished_ms    bigint,
        dossier_code   text,
        print_status   text,
        last_event_id  bigint NOT NULL,
        -- Which of the times above this row's last write left as they
        -- were (bit 1 issued, 2 called, 4 started, 8 finished): read by the
        -- upsert's conflict branch only.
        keep_mask      smallint NOT NULL DEFAULT 0,
        -- Date first: the city overview reads one date of every unit.
        PRIMARY KEY (business_date, unit_id, ticket_id)
    ) PARTITION BY RANGE (business_date);

    CREATE TABLE dossiers (
        unit_id        integer NOT NULL,
        code           text NOT NULL,
        business_date  date,
        procedure      text,
        channel        text,
        received_ms    bigint,
        due_ms         bigint,
        sent_ms        bigint,
        result_ms      bigint,
        -- The portal status (motcua_api::PortalStatus); NULL only for a
        -- dossier whose first event was not dossier.received.
        status         text,
        delivery_failures integer NOT NULL DEFAULT 0,
        last_event_id  bigint NOT NULL,
        PRIMARY KEY (unit_id, code)
    );
    CREATE INDEX dossiers_day ON dossiers (business_date, unit_id);
    CREATE INDEX dossiers_result ON dossiers (result_ms, unit_id) WHERE result_ms IS NOT NULL;
    CREATE INDEX dossiers_unsent ON dossiers (unit_id, received_ms)
        WHERE sent_ms IS NULL AND status = 'pending';

    CREATE TABLE ratings (
        unit_id        integer NOT NULL,
        ticket_id      bigint NOT NULL,
        -- The ticket's business date (the hub counts ratings by it too).
        business_date  date NOT NULL,
        level          text NOT NULL,
        reasons        text[] NOT NULL,
        counter        integer,
        officer        text,
        channel        text NOT NULL,
        rated_ms       bigint NOT NULL,
        PRIMARY KEY (unit_id, ticket_id)
    );
    CREATE INDEX ratings_day ON ratings (business_date, unit_id);

    -- Each kiosk device's latest state.
    CREATE TABLE device_states (
        unit_id   integer NOT NULL,
        kiosk     text NOT NULL,
        device    text NOT NULL,
        state     text NOT NULL,
        kind      text,
        since_ms  bigint NOT NULL,
        PRIMARY KEY (unit_id, kiosk, device)
    );

    -- Spans during which a kiosk was out of service (its printer in
    -- fault); end_ms NULL while it still is.
    CREATE TABLE kiosk_outages (
        unit_id   integer NOT NULL,
        kiosk     text NOT NULL,
        start_ms  bigint NOT NULL,
        end_ms    bigint,
        kind      text,
        PRIMARY KEY (unit_id, kiosk, start_ms)
    );
    CREATE INDEX kiosk_outages_open ON kiosk_outages (unit_id, kiosk) WHERE end_ms IS NULL;

    -- Counters: state and the officer signed in.
    CREATE TABLE counters (
        unit_id       integer NOT NULL,
        counter       integer NOT NULL,
        name          text,
        state         text,
        services      text[],
        officer_code  text,
        officer_name  text,
        updated_ms    bigint NOT NULL,
        PRIMARY KEY (unit_id, counter)
    );

    -- A closed day's figures (motcua_api::UnitKpis as JSON) per unit, and
    -- the city's as unit 0.
    CREATE TABLE unit_days (
        unit_id     integer NOT NULL,
        day         date NOT NULL,
        kpis        jsonb NOT NULL,
        computed_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (unit_id, day)
    );
    -- Days whose rollup must be (re)computed: late events (an office back
    -- after an outage) land here.
    CREATE TABLE stale_days (
        unit_id integer NOT NULL,
        day     date NOT NULL,
        PRIMARY KEY (unit_id, day)
    );

    -- Published catalogues and calendars, newest = highest version.
    CREATE TABLE releases (
        kind          text NOT NULL CHECK (kind IN ('catalogue', 'calendar')),
        version       bigint NOT NULL,
        published_at  timestamptz NOT NULL DEFAULT now(),
        body          jsonb NOT NULL,
        PRIMARY KEY (kind, version)
    );
    "#,
    // 2: the dashboard: sign-ins (shared by every instance) and alerts.
    r#"
    CREATE TABLE dashboard_sessions (
        -- SHA-256 of the cookie's value, hex: the database never holds a
        -- usable session.
        id_sha256   text PRIMARY KEY,
        login       text NOT NULL,
        csrf        text NOT NULL,
        expires_at  timestamptz NOT NULL
    );

    -- An alert from when its condition held to when it cleared (NULL while
    -- open). Started and cleared times are computed from the data where
    -- the data says (a kiosk's outage, a hub's last push), so instances
    -- agree; one open row per condition.
    CREATE TABLE alerts (
        alert_id    bigserial PRIMARY KEY,
        unit_id     integer NOT NULL,
        kind        text NOT NULL,
        subject     text NOT NULL DEFAULT '',
        started_at  timestamptz NOT NULL,
        cleared_at  timestamptz,
        detail      text NOT NULL DEFAULT ''
    );
    CREATE UNIQUE INDEX alerts_open ON alerts (unit_id, kind, subject) WHERE cleared_at IS NULL;
    CREATE INDEX alerts_recent ON alerts (started_at);
    "#,
    // 3: the citizen's phone pages (`/t/{unit}/{id}`, `/d/{unit}/{code}`)
    // and the ratings given there, relayed to the office's hub.
    r#"
    -- SHA-256 (hex) of the ticket's or dossier's lookup token, from the
    -- hub's ticket.issued / dossier.received event: the page's capability
    -- is checked against it; the token itself never leaves the office.
    ALTER TABLE tickets ADD COLUMN lookup_hash text;
    ALTER TABLE tickets ADD COLUMN service_name_vi text;
    ALTER TABLE tickets ADD COLUMN service_name_en text;
    -- A phone page names a ticket by unit and id, without its date.
    CREATE INDEX tickets_by_id ON tickets (unit_id, ticket_id);
    -- The people ahead: waiting tickets of a unit's service on a date.
    CREATE INDEX tickets_waiting ON tickets (unit_id, business_date, service, issued_ms)
        WHERE state IN ('issued', 'transferred');
    ALTER TABLE dossiers ADD COLUMN lookup_hash text;
    -- When the portal first said it was processing it (the page's step).
    ALTER TABLE dossiers ADD COLUMN processing_ms bigint;

    -- A rating given on the city's phone page, until the office's hub
    -- holds it (delivered_at set by the hub's acknowledgement, or by the
    -- ticket.rated event of that ticket coming back through ingestion).
    CREATE TABLE phone_ratings (
        unit_id       integer NOT NULL,
        ticket_id     bigint NOT NULL,
        level         text NOT NULL,
        reasons       text[] NOT NULL,
        rated_at      timestamptz NOT NULL,
        delivered_at  timestamptz,
        PRIMARY KEY (unit_id, ticket_id)
    );
    CREATE INDEX phone_ratings_pending ON phone_ratings (unit_id, rated_at)
        WHERE delivered_at IS NULL;
    "#,
    // 4: each kiosk's version and last call, as its hub last reported
    // them (HubReport::kiosks_seen), for the fleet page.
    r#"
    ALTER TABLE units ADD COLUMN kiosks_seen jsonb NOT NULL DEFAULT '[]';
    "#,
];

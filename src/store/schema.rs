//! Versioned migrations, applied in order at open; the version lives in
//! `PRAGMA user_version`. Never edit a released migration: add a new one.

use std::path::Path;

use rusqlite::Connection;

use super::error::StoreError;

/// Each entry moves the schema from version `i` to `i + 1`.
const MIGRATIONS: &[&str] = &[
    // 1: the queue.
    r#"
    CREATE TABLE events (
        id      INTEGER PRIMARY KEY AUTOINCREMENT,
        at_ms   INTEGER NOT NULL,
        kind    TEXT NOT NULL,
        data    TEXT NOT NULL
    );

    -- The last number each service issued on each business date (office
    -- local). Allocation reads and bumps it inside the issuing transaction.
    CREATE TABLE daily_counters (
        service       TEXT NOT NULL,
        business_date TEXT NOT NULL,
        last_number   INTEGER NOT NULL,
        PRIMARY KEY (service, business_date)
    ) WITHOUT ROWID;

    CREATE TABLE tickets (
        id              INTEGER PRIMARY KEY,
        business_date   TEXT NOT NULL,
        -- The service whose numbering issued the ticket; `service` is where
        -- it waits now (they differ after a transfer).
        number_service  TEXT NOT NULL,
        number          INTEGER NOT NULL,
        display         TEXT NOT NULL,
        service         TEXT NOT NULL,
        priority        TEXT,
        state           TEXT NOT NULL,
        issued_at_ms    INTEGER NOT NULL,
        called_at_ms    INTEGER,
        started_at_ms   INTEGER,
        finished_at_ms  INTEGER,
        counter         INTEGER,
        recall_count    INTEGER NOT NULL DEFAULT 0,
        transfer_count  INTEGER NOT NULL DEFAULT 0,
        lookup_token    TEXT NOT NULL,
        issued_by       TEXT NOT NULL,
        print_status    TEXT,
        print_error     TEXT,
        UNIQUE (business_date, number_service, number)
    );
    CREATE INDEX tickets_day ON tickets (business_date, service, state, finished_at_ms);
    -- Only waiting tickets, in queue order per service and kind: finding
    -- the next ticket to call is two index seeks per service.
    CREATE INDEX tickets_waiting ON tickets (business_date, service, (priority IS NOT NULL), issued_at_ms, id)
        WHERE state IN ('issued', 'transferred');

    -- Waiting tickets per business date, service and kind (priority 0/1),
    -- kept exact by the triggers below inside every transaction (and
    -- rolled back with it), so issuing a ticket does not count the queue.
    CREATE TABLE waiting_counts (
        business_date TEXT NOT NULL,
        service       TEXT NOT NULL,
        priority      INTEGER NOT NULL,
        waiting       INTEGER NOT NULL,
        PRIMARY KEY (business_date, service, priority)
    ) WITHOUT ROWID;

    CREATE TRIGGER tickets_waiting_insert AFTER INSERT ON tickets
    WHEN NEW.state IN ('issued', 'transferred')
    BEGIN
        INSERT INTO waiting_counts VALUES (NEW.business_date, NEW.service, NEW.priority IS NOT NULL, 1)
        ON CONFLICT DO UPDATE SET waiting = waiting + 1;
    END;

    CREATE TRIGGER tickets_waiting_leave AFTER UPDATE OF state, service ON tickets
    WHEN OLD.state IN ('issued', 'transferred')
    BEGIN
        UPDATE waiting_counts SET waiting = waiting - 1
        WHERE business_date = OLD.business_date AND service = OLD.service
          AND priority = (OLD.priority IS NOT NULL);
    END;

    CREATE TRIGGER tickets_waiting_enter AFTER UPDATE OF state, service ON tickets
    WHEN NEW.state IN ('issued', 'transferred')
    BEGIN
        INSERT INTO waiting_counts VALUES (NEW.business_date, NEW.service, NEW.priority IS NOT NULL, 1)
        ON CONFLICT DO UPDATE SET waiting = waiting + 1;
    END;

    CREATE TABLE counters (
        number          INTEGER PRIMARY KEY,
        state           TEXT NOT NULL DEFAULT 'closed',
        current_ticket  INTEGER REFERENCES tickets (id),
        priority_streak INTEGER NOT NULL DEFAULT 0,
        updated_at_ms   INTEGER NOT NULL DEFAULT 0
    );

    -- Responses to requests that carried an Idempotency-Key, replayed for a
    -- retry with the same key by the same principal.
    CREATE TABLE idempotency (
        principal     TEXT NOT NULL,
        key           TEXT NOT NULL,
        fingerprint   TEXT NOT NULL,
        status        INTEGER NOT NULL,
        body          TEXT NOT NULL,
        created_at_ms INTEGER NOT NULL,
        PRIMARY KEY (principal, key)
    ) WITHOUT ROWID;
    "#,
    // 2: online filing — dossiers, their timeline, the portal outbox.
    r#"
    -- A dossier filed at the office. `code` is <unit>-YYMMDD-XXXX; the
    -- running count is (business_date, sequence), unique, so a duplicate
    -- code is impossible even if the logic were wrong.
    CREATE TABLE dossiers (
        code                 TEXT PRIMARY KEY,
        business_date        TEXT NOT NULL,
        sequence             INTEGER NOT NULL,
        procedure            TEXT NOT NULL,
        received_at_ms       INTEGER NOT NULL,
        due_at_ms            INTEGER NOT NULL,
        fee                  INTEGER NOT NULL,
        pages                INTEGER,
        copies               INTEGER,
        -- Personal data (JSON), NULL once purged after the retention.
        applicant            TEXT,
        fields               TEXT,
        -- Kept after the purge: the masked ID and a non-personal summary
        -- (procedure, documents, legal time, fee lines) for lookups.
        masked_id            TEXT NOT NULL,
        summary              TEXT NOT NULL,
        -- Sent with every delivery attempt; the portal deduplicates on it.
        portal_key           TEXT NOT NULL UNIQUE,
        filed_by             TEXT NOT NULL,
        ticket_id            INTEGER REFERENCES tickets (id),
        portal_status        TEXT NOT NULL,
        portal_reference     TEXT,
        accepted_at_ms       INTEGER,
        portal_checked_at_ms INTEGER,
        purged_at_ms         INTEGER,
        UNIQUE (business_date, sequence)
    );
    CREATE INDEX dossiers_to_purge ON dossiers (accepted_at_ms) WHERE purged_at_ms IS NULL;
    CREATE INDEX dossiers_open ON dossiers (portal_checked_at_ms)
        WHERE portal_reference IS NOT NULL AND portal_status NOT IN ('result_ready', 'refused');

    -- What happened to a dossier, oldest first.
    CREATE TABLE dossier_timeline (
        id      INTEGER PRIMARY KEY,
        code    TEXT NOT NULL REFERENCES dossiers (code),
        at_ms   INTEGER NOT NULL,
        stage   TEXT NOT NULL,
        note    TEXT
    );
    CREATE INDEX dossier_timeline_code ON dossier_timeline (code, id);

    -- Dossiers the portal has not acknowledged yet. A row is written in the
    -- transaction that files the dossier and deleted in the one that
    -- records the portal's reference: a dossier is in exactly one of the
    -- two states, whatever crashes in between.
    CREATE TABLE outbox (
        code               TEXT PRIMARY KEY REFERENCES dossiers (code),
        created_at_ms      INTEGER NOT NULL,
        attempts           INTEGER NOT NULL DEFAULT 0,
        last_attempt_at_ms INTEGER,
        next_attempt_at_ms INTEGER,
        last_error         TEXT
    );
    CREATE INDEX outbox_order ON outbox (created_at_ms, code);

    -- The dossier a ticket was issued for (citizen must come to a counter).
    ALTER TABLE tickets ADD COLUMN dossier_code TEXT;
    "#,
    // 3: officers at counters, and citizen ratings.
    r#"
    -- The officer (staff code) who last acted on a ticket at a counter:
    -- called it, started or finished it. NULL for work done with a plain
    -- counter token.
    ALTER TABLE tickets ADD COLUMN officer TEXT;

    -- Signed-in officers. The session secret itself is never stored, only
    -- its SHA-256, so a copy of the database signs nobody in.
    CREATE TABLE staff_sessions (
        digest        TEXT PRIMARY KEY,
        staff         TEXT NOT NULL,
        counter       INTEGER NOT NULL,
        created_at_ms INTEGER NOT NULL,
        expires_at_ms INTEGER NOT NULL
    ) WITHOUT ROWID;

    -- One rating per ticket (UNIQUE): a second one is refused, not merged.
    CREATE TABLE ratings (
        id            INTEGER PRIMARY KEY,
        ticket_id     INTEGER NOT NULL UNIQUE REFERENCES tickets (id),
        -- The ticket's business date: reports group ratings by it.
        business_date TEXT NOT NULL,
        dossier_code  TEXT,
        counter       INTEGER,
        officer       TEXT,
        level         TEXT NOT NULL CHECK (level IN ('very_satisfied', 'satisfied', 'unsatisfied')),
        -- JSON array of reason codes (only with 'unsatisfied').
        reasons       TEXT NOT NULL DEFAULT '[]',
        -- Where the citizen rated: 'kiosk' or 'counter'.
        channel       TEXT NOT NULL,
        rated_by      TEXT NOT NULL,
        rated_at_ms   INTEGER NOT NULL
    );
    CREATE INDEX ratings_day ON ratings (business_date);
    "#,
    // 4: the latest state of each kiosk's devices (device events).
    r#"
    -- One row per kiosk and device, replaced by each report; the history
    -- is in `events` (device.fault, device.warning, device.recovered).
    CREATE TABLE device_states (
        kiosk       TEXT NOT NULL,
        device      TEXT NOT NULL,
        state       TEXT NOT NULL,
        kind        TEXT,
        since_ms    INTEGER NOT NULL,
        updated_ms  INTEGER NOT NULL,
        PRIMARY KEY (kiosk, device)
    ) WITHOUT ROWID;
    "#,
    // 5: the dossier's lookup token (the receipt's QR for the phone page).
    r#"
    -- Given once, in the filing answer; the phone page `/d/{code}?k=…`
    -- checks it. Dossiers filed before have none (and no phone page). Not
    -- personal data: it stays after the purge, like the code.
    CREATE TABLE dossier_lookup (
        code  TEXT PRIMARY KEY REFERENCES dossiers (code),
        token TEXT NOT NULL
    ) WITHOUT ROWID;
    "#,
];

/// The schema version this build writes.
pub const VERSION: i64 = MIGRATIONS.len() as i64;

/// The hub's migrations.
pub const HUB: &[&str] = MIGRATIONS;

/// Brings the hub database up to [`VERSION`], each step in its own
/// transaction.
pub fn migrate(conn: &mut Connection, path: &Path) -> Result<(), StoreError> {
    migrate_with(conn, path, MIGRATIONS)
}

/// Brings a database up to `migrations.len()` (the portal sandbox keeps its
/// own schema in its own file).
pub fn migrate_with(
    conn: &mut Connection,
    path: &Path,
    migrations: &[&str],
) -> Result<(), StoreError> {
    let version = migrations.len() as i64;
    let found: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if found > version {
        return Err(StoreError::SchemaTooNew {
            path: path.to_owned(),
            found,
            supported: version,
        });
    }
    for (i, sql) in migrations.iter().enumerate().skip(found as usize) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", i as i64 + 1)?;
        tx.commit()?;
        tracing::info!(version = i + 1, "database migrated");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrates_an_empty_database_and_is_idempotent() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m.db");
        let mut conn = Connection::open(&path).unwrap();
        migrate(&mut conn, &path).unwrap();
        migrate(&mut conn, &path).unwrap();
        let v: i64 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(v, VERSION);
    }

    #[test]
    fn refuses_a_newer_database() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m.db");
        let mut conn = Connection::open(&path).unwrap();
        conn.pragma_update(None, "user_version", VERSION + 1)
            .unwrap();
        assert!(matches!(
            migrate(&mut conn, &path),
            Err(StoreError::SchemaTooNew { .. })
        ));
    }
}

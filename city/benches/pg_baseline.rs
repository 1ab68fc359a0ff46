//! What this machine's PostgreSQL does on its own, before any of the
//! service: a plain client, 4 writers, 500-event batches of realistic
//! events (the simulator's), each batch one transaction (fsync on), into a
//! table keyed like the city's log (payload as `json`, as the service stores it).
//!
//! - `INSERT … SELECT FROM unnest(…) ON CONFLICT DO NOTHING` (idempotent);
//! - binary `COPY` (no deduplication);
//! - bytes per event on disk, key included.
//!
//! `cargo bench -p motcua-city --bench pg_baseline [-- --units 200]`

mod common;

use std::time::Instant;

use futures_util::pin_mut;
use motcua_api::IngestEvent;
use motcua_city::pg::TempCluster;
use tokio_postgres::binary_copy::BinaryCopyInWriter;
use tokio_postgres::types::Type;
use tokio_postgres::{Client, NoTls};

const WRITERS: usize = 4;
const BATCH: usize = 500;

#[derive(Clone, Copy, PartialEq)]
enum Mode {
    Insert,
    Copy,
}

async fn connect(url: &str) -> Client {
    let (client, connection) = tokio_postgres::connect(url, NoTls).await.expect("connect");
    tokio::spawn(connection);
    client
}

async fn write_batch(client: &mut Client, mode: Mode, unit: i32, batch: &[IngestEvent]) {
    let day = common::day();
    match mode {
        Mode::Insert => {
            let ids: Vec<i64> = batch.iter().map(|e| e.id).collect();
            let at: Vec<i64> = batch.iter().map(|e| e.at_ms).collect();
            let kinds: Vec<&str> = batch.iter().map(|e| e.event.as_str()).collect();
            let data: Vec<&serde_json::Value> = batch.iter().map(|e| &e.data).collect();
            let units = vec![unit; batch.len()];
            let days = vec![day; batch.len()];
            client
                .execute(
                    "INSERT INTO ev SELECT * FROM unnest($1::int4[], $2::int8[], $3::date[], \
                     $4::int8[], $5::text[], $6::json[]) ON CONFLICT DO NOTHING",
                    &[&units, &ids, &days, &at, &kinds, &data],
                )
                .await
                .expect("insert");
        }
        Mode::Copy => {
            let tx = client.transaction().await.expect("begin");
            let sink = tx.copy_in("COPY ev FROM STDIN BINARY").await.expect("copy");
            let writer = BinaryCopyInWriter::new(
                sink,
                &[
                    Type::INT4,
                    Type::INT8,
                    Type::DATE,
                    Type::INT8,
                    Type::TEXT,
                    Type::JSON,
                ],
            );
            pin_mut!(writer);
            for e in batch {
                writer
                    .as_mut()
                    .write(&[&unit, &e.id, &day, &e.at_ms, &e.event, &e.data])
                    .await
                    .expect("row");
            }
            writer.finish().await.expect("finish");
            tx.commit().await.expect("commit");
        }
    }
}

async fn run(url: &str, mode: Mode, days: &[Vec<IngestEvent>], units: usize) -> (usize, f64) {
    let setup = connect(url).await;
    setup
        .batch_execute(
            "DROP TABLE IF EXISTS ev; CREATE TABLE ev (unit_id int4 NOT NULL, \
             event_id int8 NOT NULL, day date NOT NULL, at_ms int8 NOT NULL, kind text NOT NULL, \
             data json NOT NULL, PRIMARY KEY (unit_id, event_id)); CHECKPOINT;",
        )
        .await
        .expect("table");
    let started = Instant::now();
    let mut writers = Vec::new();
    for w in 0..WRITERS {
        let url = url.to_owned();
        let days = days.to_vec();
        writers.push(tokio::spawn(async move {
            let mut client = connect(&url).await;
            let mut n = 0;
            for unit in (w..units).step_by(WRITERS) {
                let log = &days[unit % days.len()];
                for batch in log.chunks(BATCH) {
                    write_batch(&mut client, mode, unit as i32, batch).await;
                    n += batch.len();
                }
            }
            n
        }));
    }
    let mut total = 0;
    for w in writers {
        total += w.await.expect("writer");
    }
    (total, started.elapsed().as_secs_f64())
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let units: usize = common::arg("--units", 200);
    let load_before = common::load();
    let pg = TempCluster::start_with(None, "bench", &common::PG_SETTINGS)
        .await
        .expect("PostgreSQL");
    let url = pg.url();
    let days = common::office_days(16);
    println!("pg_baseline: {units} units × ~1,600 events, {WRITERS} writers, {BATCH}-event batches, fsync on");
    println!("load before: {load_before}");
    let (n, secs) = run(&url, Mode::Insert, &days, units).await;
    let client = connect(&url).await;
    let bytes: i64 = client
        .query_one("SELECT pg_total_relation_size('ev')", &[])
        .await
        .expect("size")
        .get(0);
    println!(
        "INSERT … ON CONFLICT DO NOTHING: {n} events in {secs:.2} s = {:.0} events/s; {:.0} bytes/event with its key",
        n as f64 / secs,
        bytes as f64 / n as f64
    );
    let (n, secs) = run(&url, Mode::Copy, &days, units).await;
    println!(
        "COPY (binary, no dedup):         {n} events in {secs:.2} s = {:.0} events/s",
        n as f64 / secs
    );
    println!("load after: {}", common::load());
}

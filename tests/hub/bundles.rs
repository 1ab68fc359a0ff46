//! Support bundles at the hub (issue 12, item 6): a per-office quota that
//! removes the oldest, at most two uploads at once, no partial file left
//! behind, and `DELETE` for technicians.

use reqwest::StatusCode;

use crate::util::{TestHub, KIOSK, TECHNICIAN};

/// A valid bundle (a tar with `manifest.json`) of about `size` bytes,
/// different for each `seed`.
fn bundle(seed: u32, size: usize) -> Vec<u8> {
    let mut builder = tar::Builder::new(Vec::new());
    let mut add = |name: &str, data: &[u8]| {
        let mut header = tar::Header::new_gnu();
        header.set_size(data.len() as u64);
        header.set_mode(0o644);
        header.set_cksum();
        builder.append_data(&mut header, name, data).unwrap();
    };
    add("manifest.json", format!("{{\"seed\":{seed}}}").as_bytes());
    add("log.txt", &vec![b'x'; size]);
    builder.into_inner().unwrap()
}

async fn upload(hub: &TestHub, bytes: Vec<u8>) -> (StatusCode, serde_json::Value) {
    let resp = reqwest::Client::new()
        .post(format!("{}/api/v1/support-bundles", hub.url))
        .bearer_auth(KIOSK)
        .header("content-type", "application/x-tar")
        .body(bytes)
        .send()
        .await
        .unwrap();
    let status = resp.status();
    (status, resp.json().await.unwrap_or_default())
}

fn stored(hub: &TestHub) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(hub.dir.path().join("support-bundles"))
        .map(|d| {
            d.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_quota_removes_the_oldest_and_refuses_what_never_fits() {
    let mut config = motcua::config::Config::demo();
    config.hub.support_bundles_max_bytes = 250 * 1024;
    config.hub.support_bundles_max_count = 3;
    let hub = TestHub::with(config, None).await;

    let mut names = Vec::new();
    for seed in 0..3 {
        let (status, info) = upload(&hub, bundle(seed, 60 * 1024)).await;
        assert_eq!(status, StatusCode::CREATED, "{info}");
        names.push(info["name"].as_str().unwrap().to_owned());
    }
    // The fourth is over the count: the first goes.
    let (status, info) = upload(&hub, bundle(3, 60 * 1024)).await;
    assert_eq!(status, StatusCode::CREATED, "{info}");
    names.push(info["name"].as_str().unwrap().to_owned());
    let mut expected = names[1..].to_vec();
    expected.sort();
    assert_eq!(stored(&hub), expected);

    // A big one takes the room of the two oldest left.
    let (status, info) = upload(&hub, bundle(4, 150 * 1024)).await;
    assert_eq!(status, StatusCode::CREATED, "{info}");
    let mut expected = vec![names[3].clone(), info["name"].as_str().unwrap().to_owned()];
    expected.sort();
    assert_eq!(stored(&hub), expected);

    // Larger than the whole quota: 507, and nothing removed for it.
    let (status, refused) = upload(&hub, bundle(5, 300 * 1024)).await;
    assert_eq!(status, StatusCode::INSUFFICIENT_STORAGE, "{refused}");
    assert_eq!(refused["code"], "disk_full", "{refused}");
    assert_eq!(stored(&hub), expected);
    hub.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn partial_uploads_are_removed_at_start() {
    let hub = TestHub::start().await;
    // What a hub that died mid-upload leaves behind; the start-up sweep
    // (the function `hub::start` runs) removes it, and only it.
    let bundles = hub.dir.path().join("support-bundles");
    std::fs::create_dir_all(&bundles).unwrap();
    std::fs::write(bundles.join(".upload-left-by-a-crash"), b"half").unwrap();
    let (status, info) = upload(&hub, bundle(1, 100)).await;
    assert_eq!(status, StatusCode::CREATED, "{info}");
    motcua::hub::routes::technician::remove_partial_uploads(hub.running.as_ref().unwrap().hub());
    assert_eq!(stored(&hub), [info["name"].as_str().unwrap()]);
    hub.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn at_most_two_uploads_run_at_once() {
    let hub = TestHub::start().await;
    // Two uploads that have sent their headers and part of their body, and
    // wait: each holds an upload slot.
    let mut held = Vec::new();
    for _ in 0..2 {
        let (tx, rx) = tokio::sync::mpsc::channel::<Result<Vec<u8>, std::io::Error>>(1);
        tx.send(Ok(vec![0u8; 1024])).await.unwrap();
        let body = reqwest::Body::wrap_stream(tokio_stream::wrappers::ReceiverStream::new(rx));
        let req = reqwest::Client::new()
            .post(format!("{}/api/v1/support-bundles", hub.url))
            .bearer_auth(KIOSK)
            .header("content-type", "application/x-tar")
            .body(body)
            .send();
        held.push((tx, tokio::spawn(req)));
    }
    // The third is refused at once (not stalled) while those two run; it
    // may race their start, so it is tried until they are both in.
    let refused = loop {
        let (status, body) = upload(&hub, bundle(9, 10)).await;
        if status == StatusCode::SERVICE_UNAVAILABLE {
            break body;
        }
        assert_eq!(status, StatusCode::CREATED, "{body}");
        tokio::task::yield_now().await;
    };
    assert_eq!(refused["code"], "busy", "{refused}");
    // The held uploads fail (their bodies end broken): no partial file.
    for (tx, req) in held {
        tx.send(Err(std::io::Error::other("cut"))).await.unwrap();
        drop(tx);
        let _ = req.await;
    }
    let (status, body) = upload(&hub, bundle(10, 10)).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert!(stored(&hub).iter().all(|n| !n.starts_with(".upload-")));
    hub.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn technicians_delete_bundles() {
    let hub = TestHub::start().await;
    let (status, info) = upload(&hub, bundle(1, 100)).await;
    assert_eq!(status, StatusCode::CREATED, "{info}");
    let name = info["name"].as_str().unwrap();
    let http = reqwest::Client::new();
    let url = format!("{}/api/v1/support-bundles/{name}", hub.url);
    let by_kiosk = http.delete(&url).bearer_auth(KIOSK).send().await.unwrap();
    assert_eq!(by_kiosk.status(), StatusCode::FORBIDDEN);
    let deleted = http
        .delete(&url)
        .bearer_auth(TECHNICIAN)
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    assert!(stored(&hub).is_empty());
    let again = http
        .delete(&url)
        .bearer_auth(TECHNICIAN)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::NOT_FOUND);
    let body: serde_json::Value = again.json().await.unwrap();
    assert_eq!(body["code"], "support_bundle_not_found");
    hub.stop().await;
}

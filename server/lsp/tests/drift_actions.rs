//! The ways out of drift in the editor, end to end against an in-process emulator: the lenses
//! and code actions each state offers; "Deploy (local wins)" as a job whose `$/progress` walks the deploy's
//! steps and whose lens turns to in sync; "Pull remote" as a versioned edit (a stale version
//! gets `ContentModified` and no edit), after which the lens is in sync and the pulled read is
//! the baseline; "Deploy (local wins)" asking first (no answer: nothing written) and the
//! optimistic guard catching a console change made after the lens was read.

mod support;

use std::path::Path;

use serde_json::{Value, json};
use support::remote::*;
use support::{ClientSetup, TestClient, file_uri};

/// The management operations the emulator served (its request log, D21), in order.
fn operations(emu: &Emulator) -> Vec<String> {
    std::fs::read_to_string(emu.data.path().join("requests.jsonl"))
        .unwrap_or_default()
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter_map(|e| e["operation"].as_str().map(str::to_string))
        .collect()
}

fn writes(emu: &Emulator) -> Vec<String> {
    operations(emu)
        .into_iter()
        .filter(|o| !o.starts_with("Get") && !o.starts_with("List"))
        .collect()
}

/// Runs `command` with `arguments` as a job and returns its progress reports and end message.
async fn run_job(
    client: &mut TestClient,
    command: &str,
    arguments: &Value,
    token: &str,
) -> (Vec<String>, String) {
    let result = client
        .request(
            "workspace/executeCommand",
            json!({"command": command, "arguments": arguments, "workDoneToken": token}),
        )
        .await;
    assert_eq!(result, Value::Null, "a job answers at once");
    let mut reports = Vec::new();
    loop {
        let msg = client
            .expect(&format!("$/progress {token}"), |m| {
                m["method"] == "$/progress" && m["params"]["token"] == token
            })
            .await;
        let value = &msg["params"]["value"];
        match value["kind"].as_str() {
            Some("report") => reports.push(value["message"].as_str().unwrap_or("").to_string()),
            Some("end") => return (reports, value["message"].as_str().unwrap_or("").to_string()),
            _ => {}
        }
    }
}

/// The `window/showMessage` the job ended with.
async fn shown_message(client: &mut TestClient) -> Value {
    client
        .expect("window/showMessage", |m| {
            m["method"] == "window/showMessage"
        })
        .await["params"]
        .clone()
}

async fn remote_function(emu: &Emulator, name: &str) -> fc::types::Function {
    fc_client(&emu.url)
        .get_function(name, None)
        .await
        .expect("the function exists")
}

/// Seeds `name` as deployed (with its baseline), then makes user B's console change.
async fn deployed_then_changed(
    emu: &Emulator,
    dir: &Path,
    text: &str,
    change: fc::types::Function,
) {
    let console = fc_client(&emu.url);
    for f in functions(dir, text) {
        ops::seed::create(&console, &f, &ctx()).await.expect("seed");
        ops::seed::record_baseline(&console, &f, dir, emulator::DEFAULT_ACCOUNT_ID)
            .await
            .expect("baseline");
        console
            .update_function(&f.function_name, &change)
            .await
            .expect("console change");
    }
}

fn memory(m: u64) -> fc::types::Function {
    fc::types::Function {
        memory_size: Some(m),
        ..fc::types::Function::default()
    }
}

/// Writes the file as the user saved it; returns its uri.
fn saved(dir: &Path, text: &str) -> String {
    std::fs::write(dir.join("s.yaml"), text).expect("s.yaml");
    file_uri(&dir.join("s.yaml"))
}

fn quiet(m: &Value) -> bool {
    m["method"] == "textDocument/publishDiagnostics" || m["method"] == "window/logMessage"
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deploy_from_the_lens_walks_its_steps_and_the_lens_turns_to_in_sync() {
    let emu = emulator().await;
    let (_guard, dir) = project();
    let home = tempfile::tempdir().expect("home");
    let text = yaml(&["fresh"]);
    let mut client = start(&dir, &emu.url, home.path(), true).await;
    let uri = saved(&dir, &text);
    client.open(&uri, &text).await;

    let titles = read_lenses(&mut client, &uri).await;
    assert_eq!(titles["fresh"], "● not deployed");
    let actions = action_lenses(&mut client, &uri).await;
    let deploy = &actions["fresh"];
    assert_eq!(deploy.len(), 1, "{deploy:?}");
    assert_eq!(deploy[0]["title"], "Deploy (local wins)");
    assert_eq!(deploy[0]["command"], "sdls.deploy");
    assert_eq!(deploy[0]["arguments"][2]["mode"], "localWins");

    let (reports, end) = run_job(
        &mut client,
        "sdls.deploy",
        &deploy[0]["arguments"],
        "deploy-1",
    )
    .await;
    let expected = [
        "fresh: reading its status",
        "fresh: packaging the code",
        "fresh: checking the remote is unchanged",
        "fresh: uploading the code",
        "fresh: updating the function",
        "fresh: async-invoke, concurrency, scaling and domain configs",
        "fresh: verifying and recording the baseline",
        "reading the functions back",
    ];
    let mut at = 0;
    for report in &reports {
        if at < expected.len() && report.starts_with(expected[at]) {
            at += 1;
        }
    }
    assert_eq!(at, expected.len(), "steps in order: {reports:#?}");
    assert_eq!(end, "fresh (fresh): deployed — function created");
    let message = shown_message(&mut client).await;
    assert_eq!(message["type"], 3, "info: {message}");
    assert_eq!(message["message"], format!("sdls: {end}"));

    let live = remote_function(&emu, "fresh").await;
    assert_eq!(live.memory_size, Some(512));
    assert_eq!(live.timeout, Some(10));
    let titles = read_lenses(&mut client, &uri).await;
    assert_eq!(titles["fresh"], "✓ in sync");
    assert!(action_lenses(&mut client, &uri).await.is_empty());
    // Its diff agrees with the lens: no server defaults shown as removed lines.
    let shown = client
        .request(
            "workspace/executeCommand",
            json!({"command": "sdls.showDrift", "arguments": [uri, "fresh"]}),
        )
        .await;
    let diff = shown["text"].as_str().unwrap_or("");
    assert!(diff.contains("# no differences"), "{diff}");
    assert!(!diff.contains("\n-"), "{diff}");
    client
        .expect("window/showDocument", |m| {
            m["method"] == "window/showDocument"
        })
        .await;

    // A second deploy has nothing to do and writes nothing.
    let before = writes(&emu).len();
    let (_, end) = run_job(&mut client, "sdls.deploy", &json!([uri, null]), "deploy-2").await;
    assert_eq!(end, "fresh (fresh): in sync, nothing to deploy");
    shown_message(&mut client).await;
    assert_eq!(writes(&emu).len(), before);

    // An edit not saved yet: the lens offers the deploy, which ships the editor's text and says so.
    let edited = edit(&text, "fresh", "timeout", "10", "30");
    client.change(&uri, &edited).await;
    assert_eq!(
        lenses(&mut client, &uri).await["fresh"],
        "✎ local changes: timeout 10→30"
    );
    let actions = action_lenses(&mut client, &uri).await;
    let (_, end) = run_job(
        &mut client,
        "sdls.deploy",
        &actions["fresh"][0]["arguments"],
        "deploy-3",
    )
    .await;
    assert_eq!(
        end,
        "fresh (fresh): deployed — function updated (config; code unchanged)\n(the editor's unsaved text was deployed; save the file to keep s.yaml and the remote in step)"
    );
    shown_message(&mut client).await;
    assert_eq!(remote_function(&emu, "fresh").await.timeout, Some(30));

    client
        .settle_and_discard(std::time::Duration::from_millis(200), quiet)
        .await;
    client.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pull_is_a_versioned_edit_of_one_line_and_the_pulled_read_becomes_the_baseline() {
    let emu = emulator().await;
    let (_guard, dir) = project();
    let home = tempfile::tempdir().expect("home");
    let text = yaml(&["drifted"]);
    deployed_then_changed(&emu, &dir, &text, memory(1024)).await;
    let mut client = start(&dir, &emu.url, home.path(), true).await;
    let uri = saved(&dir, &text);
    client.open(&uri, &text).await;

    let titles = read_lenses(&mut client, &uri).await;
    assert_eq!(
        titles["drifted"],
        "⚠ changed remotely since your last deploy: memorySize 512→1024"
    );
    let actions = action_lenses(&mut client, &uri).await;
    let titles: Vec<&str> = actions["drifted"]
        .iter()
        .map(|c| c["title"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(titles, ["Pull remote", "Deploy (local wins)"]);

    // The code actions on the function's lines: the pull fixes its remote-drift diagnostic.
    let line = line_of(&text, "drifted", "memorySize");
    let code_actions = client
        .request(
            "textDocument/codeAction",
            json!({
                "textDocument": {"uri": uri},
                "range": {"start": {"line": line, "character": 6}, "end": {"line": line, "character": 6}},
                "context": {"diagnostics": []},
            }),
        )
        .await;
    let offered: Vec<(String, String)> = code_actions
        .as_array()
        .expect("actions")
        .iter()
        .map(|a| {
            (
                a["title"].as_str().unwrap_or("").to_string(),
                a["kind"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    let offered: Vec<(&str, &str)> = offered
        .iter()
        .map(|(t, k)| (t.as_str(), k.as_str()))
        .collect();
    assert_eq!(
        offered,
        [
            ("Pull remote into s.yaml (drifted)", "quickfix"),
            ("Deploy (local wins) (drifted)", "source.sdls"),
            ("Show diff with the remote (drifted)", "source.sdls"),
        ]
    );
    let pull_action = &code_actions[0];
    assert_eq!(
        pull_action["diagnostics"][0]["code"], "remote-drift",
        "{pull_action}"
    );
    assert_eq!(pull_action["command"]["command"], "sdls.pull");

    // The document changes after the pull was offered: ContentModified, and no edit is sent.
    let offered_args = actions["drifted"][0]["arguments"].clone();
    let commented = format!("# a comment typed meanwhile\n{text}");
    client.change(&uri, &commented).await;
    let stale = client
        .request_raw(
            "workspace/executeCommand",
            json!({"command": "sdls.pull", "arguments": offered_args}),
        )
        .await;
    assert_eq!(stale["error"]["code"], -32801, "{stale}");
    assert!(
        stale["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("nothing was edited")),
        "{stale}"
    );
    client
        .settle_and_discard(std::time::Duration::from_millis(300), quiet)
        .await;
    client.discard(|m| m["method"] == "$/progress");
    assert!(client.queue_is_empty(), "no edit may follow a stale pull");

    // Offered again on the current version: one line changes, versioned.
    let writes_before = writes(&emu);
    let actions = action_lenses(&mut client, &uri).await;
    let args = actions["drifted"][0]["arguments"].clone();
    let version = client.versions[&uri];
    assert_eq!(args[2], version);
    let result = client
        .request(
            "workspace/executeCommand",
            json!({"command": "sdls.pull", "arguments": args}),
        )
        .await;
    assert_eq!(
        result,
        json!({"pulled": ["memorySize"], "notPulled": [], "editSent": true})
    );
    let apply = client
        .expect("workspace/applyEdit", |m| {
            m["method"] == "workspace/applyEdit"
        })
        .await;
    let change = &apply["params"]["edit"]["documentChanges"][0];
    assert_eq!(change["textDocument"]["version"], version, "{apply}");
    let edits = change["edits"].as_array().expect("edits").clone();
    let pulled = support::apply_edits(&commented, &edits);
    assert_eq!(
        pulled,
        edit(&commented, "drifted", "memorySize", "512", "1024"),
        "only the value changed"
    );
    client.change(&uri, &pulled).await;

    // In sync without reading the remote again, and the read is the baseline now.
    let deadline = tokio::time::Instant::now() + support::WAIT;
    loop {
        let titles = lenses(&mut client, &uri).await;
        if titles["drifted"] == "✓ in sync" {
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "{titles:?}");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let deadline = tokio::time::Instant::now() + support::WAIT;
    loop {
        let store = ops::baseline::BaselineStore::new(&dir);
        if let ops::baseline::BaselineRead::Found { baseline, .. } =
            store.read(emulator::DEFAULT_ACCOUNT_ID, REGION, "drifted", None)
            && baseline
                .snapshot
                .function
                .as_ref()
                .is_some_and(|f| f.memory_size == Some(1024))
        {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "baseline not adopted"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    // Nothing was written remotely by the pull.
    assert_eq!(writes(&emu), writes_before, "pull writes nothing remotely");
    assert_eq!(
        remote_function(&emu, "drifted").await.memory_size,
        Some(1024)
    );

    client
        .settle_and_discard(std::time::Duration::from_millis(200), quiet)
        .await;
    client.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn local_wins_asks_first_and_the_guard_catches_a_change_made_after_the_lens() {
    let emu = emulator().await;
    let (_guard, dir) = project();
    let home = tempfile::tempdir().expect("home");
    let text = yaml(&["drifted"]);
    deployed_then_changed(&emu, &dir, &text, memory(1024)).await;
    let mut client = start(&dir, &emu.url, home.path(), true).await;
    let uri = saved(&dir, &text);
    client.open(&uri, &text).await;
    read_lenses(&mut client, &uri).await;
    let actions = action_lenses(&mut client, &uri).await;
    let local_wins = actions["drifted"][1].clone();
    assert_eq!(local_wins["title"], "Deploy (local wins)");
    assert_eq!(local_wins["arguments"][2]["mode"], "localWins");
    let writes_before = writes(&emu);

    // The question is asked; closing it (no answer) writes nothing.
    let token = "deploy-unconfirmed";
    client
        .request(
            "workspace/executeCommand",
            json!({"command": "sdls.deploy", "arguments": local_wins["arguments"], "workDoneToken": token}),
        )
        .await;
    let question = client
        .expect("window/showMessageRequest", |m| {
            m["method"] == "window/showMessageRequest"
        })
        .await;
    let asked = question["params"]["message"].as_str().unwrap_or("");
    assert!(
        asked.contains("remote-drift (memorySize)") && asked.contains("Overwrite?"),
        "{asked}"
    );
    let end = client.progress_end(token).await;
    assert!(end.contains("not confirmed; nothing was written"), "{end}");
    assert_eq!(shown_message(&mut client).await["type"], 2, "a warning");
    assert_eq!(writes(&emu), writes_before);
    assert_eq!(
        remote_function(&emu, "drifted").await.memory_size,
        Some(1024)
    );

    // User B changes the timeout after the lens was read: the guard refuses, nothing written.
    let console = fc_client(&emu.url);
    let timeout = fc::types::Function {
        timeout: Some(20),
        ..fc::types::Function::default()
    };
    console
        .update_function("drifted", &timeout)
        .await
        .expect("console");
    let writes_before = writes(&emu);
    let mut confirmed = local_wins["arguments"].clone();
    confirmed[2]["confirmed"] = json!(true);
    let (_, end) = run_job(&mut client, "sdls.deploy", &confirmed, "deploy-guarded").await;
    assert!(
        end.contains("changed since its status was read (remotely: lastModifiedTime")
            && end.contains("nothing was deployed"),
        "{end}"
    );
    shown_message(&mut client).await;
    assert_eq!(writes(&emu), writes_before);
    let live = remote_function(&emu, "drifted").await;
    assert_eq!((live.memory_size, live.timeout), (Some(1024), Some(20)));

    // The job read the function again: the lens shows both changes; now local wins.
    let titles = lenses(&mut client, &uri).await;
    assert!(
        titles["drifted"].contains("memorySize 512→1024")
            && titles["drifted"].contains("timeout 10→20"),
        "{titles:?}"
    );
    let (_, end) = run_job(&mut client, "sdls.deploy", &confirmed, "deploy-confirmed").await;
    assert_eq!(
        end,
        "drifted (drifted): deployed — function updated (config; code unchanged)"
    );
    shown_message(&mut client).await;
    let live = remote_function(&emu, "drifted").await;
    assert_eq!((live.memory_size, live.timeout), (Some(512), Some(10)));
    assert_eq!(lenses(&mut client, &uri).await["drifted"], "✓ in sync");

    client
        .settle_and_discard(std::time::Duration::from_millis(200), quiet)
        .await;
    client.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn answering_overwrite_deploys_over_remote_changes() {
    let emu = emulator().await;
    let (_guard, dir) = project();
    let home = tempfile::tempdir().expect("home");
    let text = yaml(&["drifted"]);
    deployed_then_changed(&emu, &dir, &text, memory(1024)).await;
    let mut client = TestClient::start(ClientSetup {
        capabilities: capabilities(),
        root: Some(dir.clone()),
        initialization_options: Some(json!({"sdls": {"remote": emu.url}})),
        options: Some(server_options(home.path(), true)),
        message_action: Some("Overwrite remote".into()),
        ..Default::default()
    })
    .await;
    let uri = saved(&dir, &text);
    client.open(&uri, &text).await;
    read_lenses(&mut client, &uri).await;
    let actions = action_lenses(&mut client, &uri).await;
    let (_, end) = run_job(
        &mut client,
        "sdls.deploy",
        &actions["drifted"][1]["arguments"],
        "deploy-overwrite",
    )
    .await;
    client
        .expect("window/showMessageRequest", |m| {
            m["method"] == "window/showMessageRequest"
        })
        .await;
    assert_eq!(
        end,
        "drifted (drifted): deployed — function updated (config; code unchanged)"
    );
    shown_message(&mut client).await;
    assert_eq!(
        remote_function(&emu, "drifted").await.memory_size,
        Some(512)
    );
    assert_eq!(lenses(&mut client, &uri).await["drifted"], "✓ in sync");
    client
        .settle_and_discard(std::time::Duration::from_millis(200), quiet)
        .await;
    client.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn legacy_and_not_deployed_functions_get_no_pull_and_a_clear_refusal() {
    let emu = emulator().await;
    let (_guard, dir) = project();
    let home = tempfile::tempdir().expect("home");
    // A legacy file (D11: read-only remotely), seeded and changed in the console.
    let text = format!(
        "edition: 1.0.0\nname: legacy\nservices:\n  svc:\n    component: fc\n    props:\n      region: {REGION}\n      service:\n        name: mysvc\n      function:\n        name: hello\n        runtime: python3.10\n        handler: index.handler\n        codeUri: ./code\n        memorySize: 512\n        timeout: 10\n"
    );
    deployed_then_changed(&emu, &dir, &text, memory(1024)).await;
    let mut client = start(&dir, &emu.url, home.path(), true).await;
    let uri = saved(&dir, &text);
    client.open(&uri, &text).await;
    let titles = read_lenses(&mut client, &uri).await;
    assert_eq!(
        titles["svc"],
        "⚠ changed remotely since your last deploy: memorySize 512→1024"
    );
    assert!(
        action_lenses(&mut client, &uri).await.is_empty(),
        "no way out is offered on a legacy function"
    );
    let version = client.versions[&uri];
    let refused = client
        .request_raw(
            "workspace/executeCommand",
            json!({"command": "sdls.pull", "arguments": [uri, "svc", version]}),
        )
        .await;
    assert_eq!(refused["error"]["code"], -32600, "{refused}");
    let message = refused["error"]["message"].as_str().unwrap_or("");
    assert!(
        message.contains("edition 3.0.0") && message.contains("Convert to edition 3.0.0"),
        "{message}"
    );
    let writes_before = writes(&emu);
    let confirmed = json!({"mode": "localWins", "confirmed": true});
    let (_, end) = run_job(
        &mut client,
        "sdls.deploy",
        &json!([uri, "svc", confirmed]),
        "deploy-legacy",
    )
    .await;
    assert!(
        end.starts_with("svc (mysvc$hello): refused — mysvc/hello uses the legacy `fc` component"),
        "{end}"
    );
    assert_eq!(shown_message(&mut client).await["type"], 2);
    assert_eq!(
        writes(&emu),
        writes_before,
        "nothing written for a legacy function"
    );

    // A 3.0.0 function not deployed: nothing to pull.
    let fresh = yaml(&["fresh"]);
    let fresh_uri = file_uri(&dir.join("s.yaml"));
    std::fs::write(dir.join("s.yaml"), &fresh).expect("s.yaml");
    client.change(&fresh_uri, &fresh).await;
    read_lenses(&mut client, &fresh_uri).await;
    let version = client.versions[&fresh_uri];
    let refused = client
        .request_raw(
            "workspace/executeCommand",
            json!({"command": "sdls.pull", "arguments": [fresh_uri, "fresh", version]}),
        )
        .await;
    assert_eq!(refused["error"]["code"], -32600, "{refused}");
    assert_eq!(
        refused["error"]["message"],
        "fresh: not deployed: there is nothing to pull"
    );
    // Bad arguments are named.
    let bad = client
        .request_raw(
            "workspace/executeCommand",
            json!({"command": "sdls.deploy", "arguments": [fresh_uri, "fresh", {"mode": "sideways"}]}),
        )
        .await;
    assert_eq!(bad["error"]["code"], -32602, "{bad}");
    assert!(
        bad["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("sdls.deploy options") && m.contains("localWins")),
        "{bad}"
    );
    client
        .settle_and_discard(std::time::Duration::from_millis(200), quiet)
        .await;
    client.shutdown().await;
}

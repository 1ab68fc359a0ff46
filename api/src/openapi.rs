//! The OpenAPI 3.1 document of `/api/v1`, generated from this crate's types
//! (utoipa derives their schemas) and from the route table below. The hub
//! serves it at `GET /api/v1/openapi.json`; `docs/openapi.json` is a copy
//! that a test keeps equal to [`to_json`].
//!
//! Each route names its roles, parameters, body and answers; the refusals
//! every route of its shape can give are added by rule, so the document
//! cannot forget them: a token (401, 403), an `Idempotency-Key` (400 for a
//! malformed key, 422 for a key reused with another request, 415 for a
//! body declared as something other than JSON), a JSON body (400 malformed
//! JSON, 413 too large, 415 not JSON, 422 wrong fields), a path parameter
//! (404), a query or header parameter (400); and on every route the two
//! refusals of a head the server will not read (414, 431).
//!
//! The event stream is documented one event at a time, as Server-Sent
//! Events are in OpenAPI 3.1: each event is an object with `event` (the
//! kind), `id` and `data`, a JSON text whose schema (`contentSchema`) is
//! the kind's frame and payload.

use std::collections::BTreeMap;

use serde_json::{json, Map, Value};
use utoipa::ToSchema;

use crate::devices::{DeviceEventRequest, DeviceList, DeviceReport};
use crate::error::ErrorBody;
use crate::events::{EventFrame, HubEvent, Resync};
use crate::filing::{CatalogueView, DossierView, FileRequest, FiledDossier};
use crate::queue::{
    Calls, CounterView, IssueRequest, PrintStatusRequest, Priority, QueueView, ServiceInfo,
    TicketView, TransferRequest, MAX_CALLS,
};
use crate::rating::{RateRequest, RatingLookup, RatingOptions, RatingView};
use crate::role::Role;
use crate::staff::{SignInRequest, SignedIn};
use crate::stats::DayStats;
use crate::technician::{BundleInfo, Health, HubDiagnostics, OutboxRetry};

/// The document as the hub serves it: pretty JSON with a final newline.
pub fn to_json() -> String {
    let mut text = serde_json::to_string_pretty(&document()).unwrap_or_default();
    text.push('\n');
    text
}

/// The document.
pub fn document() -> Value {
    let mut doc = Doc::default();
    routes(&mut doc);
    open_flattened(&mut doc.schemas);
    json!({
        "openapi": "3.1.0",
        "info": { "title": "motcua hub API", "version": "1", "description": DESCRIPTION },
        "servers": [{ "url": "http://127.0.0.1:8686" }],
        "security": [{ "bearer": [] }],
        "paths": doc.paths,
        "components": {
            "schemas": doc.schemas,
            "securitySchemes": { "bearer": { "type": "http", "scheme": "bearer" } }
        }
    })
}

/// A struct flattened into another (`#[serde(flatten)]`: the other's
/// schema is an `allOf` of both) must not forbid properties of its own:
/// JSON Schema would then refuse the fields of the struct it is part of
/// (serde reads them fine). Its `additionalProperties: false` is dropped.
fn open_flattened(schemas: &mut BTreeMap<String, Value>) {
    let flattened: Vec<String> = schemas
        .values()
        .filter_map(|s| s["allOf"].as_array())
        .flatten()
        .filter_map(|part| part["$ref"].as_str())
        .filter_map(|r| r.strip_prefix("#/components/schemas/"))
        .map(str::to_owned)
        .collect();
    for name in flattened {
        if let Some(Value::Object(schema)) = schemas.get_mut(&name) {
            schema.remove("additionalProperties");
        }
    }
}

const DESCRIPTION: &str = "The office hub of motcua: queue tickets, counters, live events, \
online filing (procedures, dossiers), ratings, kiosks' devices and technicians' tools. Bodies \
are JSON (support bundles: a tar); every refusal is {code, message_vi, message_en} with a 4xx or \
5xx status. Authenticate with `Authorization: Bearer <token>`; roles: kiosk, counter, display, \
technician (a technician may do everything). Request bodies are limited to 64 KB (support \
bundles: 16 MB). Every POST that changes something honours `Idempotency-Key`: a retry with the \
same key gets the stored answer, and the same key with another request is refused (422 \
idempotency_key_reused). Generated from the motcua-api crate's types.";

/// The document being built: paths, and every schema they reference.
#[derive(Default)]
struct Doc {
    paths: BTreeMap<String, Map<String, Value>>,
    schemas: BTreeMap<String, Value>,
}

impl Doc {
    /// A reference to `T`'s schema, registered with those it references.
    fn schema<T: ToSchema>(&mut self) -> Value {
        let mut found = Vec::new();
        T::schemas(&mut found);
        found.push((T::name().into_owned(), T::schema()));
        for (name, schema) in found {
            self.schemas
                .entry(name)
                .or_insert_with(|| serde_json::to_value(schema).unwrap_or(Value::Null));
        }
        json!({ "$ref": format!("#/components/schemas/{}", T::name()) })
    }

    /// An array of `T`.
    fn list<T: ToSchema>(&mut self) -> Value {
        json!({ "type": "array", "items": self.schema::<T>() })
    }

    fn add(&mut self, method: &str, path: &str, route: Route) {
        let operation = route.operation(self);
        self.paths
            .entry(path.to_owned())
            .or_default()
            .insert(method.to_owned(), operation);
    }
}

/// Who may call a route: `None` is anyone, without a token.
type Roles = Option<&'static [Role]>;

const ANYONE: Roles = None;
const TECHNICIAN: Roles = Some(&[]);
const KIOSK: Roles = Some(&[Role::Kiosk]);
const COUNTER: Roles = Some(&[Role::Counter]);
const KIOSK_COUNTER: Roles = Some(&[Role::Kiosk, Role::Counter]);
const COUNTER_DISPLAY: Roles = Some(&[Role::Counter, Role::Display]);
const READERS: Roles = Some(&[Role::Kiosk, Role::Counter, Role::Display]);

/// The body a route reads.
enum Body {
    Json(Value),
    /// A support bundle: a tar, sent as bytes.
    Tar,
}

/// What an answer carries.
enum Answer {
    Json(Value),
    Tar,
    Events(Value),
    Nothing,
}

/// One route of the table.
struct Route {
    tag: &'static str,
    summary: &'static str,
    description: &'static str,
    roles: Roles,
    params: Vec<Value>,
    body: Option<Body>,
    /// Reads `Idempotency-Key`.
    idempotent: bool,
    answers: Vec<(u16, &'static str, Answer)>,
    /// Refusals beside the ones added by rule: (status, what).
    refusals: Vec<(u16, &'static str)>,
}

impl Route {
    fn new(tag: &'static str, roles: Roles, summary: &'static str) -> Self {
        Self {
            tag,
            summary,
            description: "",
            roles,
            params: Vec::new(),
            body: None,
            idempotent: false,
            answers: Vec::new(),
            refusals: Vec::new(),
        }
    }

    fn describe(mut self, description: &'static str) -> Self {
        self.description = description;
        self
    }

    fn param(mut self, param: Value) -> Self {
        self.params.push(param);
        self
    }

    fn body(mut self, body: Body) -> Self {
        self.body = Some(body);
        self
    }

    /// A change: honours `Idempotency-Key` and reads its body within the
    /// limit.
    fn idempotent(mut self) -> Self {
        self.idempotent = true;
        self
    }

    fn answer(mut self, status: u16, what: &'static str, answer: Answer) -> Self {
        self.answers.push((status, what, answer));
        self
    }

    fn refuse(mut self, status: u16, what: &'static str) -> Self {
        self.refusals.push((status, what));
        self
    }

    fn operation(self, doc: &mut Doc) -> Value {
        let mut refusals: BTreeMap<u16, Vec<&'static str>> = BTreeMap::new();
        let mut refuse = |status: u16, what: &'static str| {
            let list = refusals.entry(status).or_default();
            if !list.contains(&what) {
                list.push(what);
            }
        };
        // hyper's own refusals of a head it will not read (the hub gives
        // them the envelope too: `web::refusals`).
        refuse(414, "uri_too_long: a URI longer than 64 KB");
        refuse(
            431,
            "headers_too_large: more than 100 header fields, or a head too large to read",
        );
        if self.roles.is_some() {
            refuse(401, "unauthorized: no bearer token, or an unknown one");
            refuse(403, "forbidden: the token's role may not do this");
        }
        let mut params = self.params;
        if self.idempotent {
            params.push(idempotency_key());
            refuse(400, "bad_idempotency_key: Idempotency-Key is empty, longer than 200 or not printable ASCII");
            refuse(
                422,
                "idempotency_key_reused: this Idempotency-Key came with another request before",
            );
            refuse(413, "body_too_large");
            refuse(
                503,
                "unavailable: the database cannot write right now; retry with the same key",
            );
            refuse(
                503,
                "database_replaced: the database file was deleted or replaced under the running hub; nothing is written until a technician restores it and restarts",
            );
            refuse(
                507,
                "disk_full: the hub's disk is full; nothing was written; retry once space is freed",
            );
        }
        match &self.body {
            Some(Body::Json(_)) => {
                refuse(400, "malformed_json: the body is not JSON");
                refuse(413, "body_too_large: more than 64 KB");
                refuse(
                    415,
                    "unsupported_media_type: a Content-Type that is not JSON",
                );
                refuse(
                    422,
                    "invalid_body: missing, unknown or wrongly typed fields",
                );
            }
            Some(Body::Tar) => refuse(413, "body_too_large: more than 16 MB"),
            // A POST without a body is read as one: declared, it must be JSON.
            None if self.idempotent => refuse(
                415,
                "unsupported_media_type: a body declared as something other than JSON",
            ),
            None => {}
        }
        for p in &params {
            match (p["in"].as_str(), p["name"].as_str()) {
                (Some("path"), _) => refuse(404, "the path names nothing the hub has"),
                (_, Some("Idempotency-Key")) => {}
                _ => refuse(400, "bad_query: a parameter is not what the route takes"),
            }
        }
        for (status, what) in &self.refusals {
            refuse(*status, what);
        }
        let error = doc.schema::<ErrorBody>();
        let roles = match self.roles {
            None => "No token needed.".to_owned(),
            Some([]) => "Roles: technician.".to_owned(),
            Some(roles) => format!(
                "Roles: {} (a technician may do everything).",
                roles
                    .iter()
                    .map(|r| r.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        };
        let description = [roles.as_str(), self.description]
            .into_iter()
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(" ");
        let mut operation = Map::new();
        operation.insert("tags".into(), json!([self.tag]));
        operation.insert("summary".into(), json!(self.summary));
        operation.insert("description".into(), json!(description));
        if self.roles.is_none() {
            operation.insert("security".into(), json!([]));
        }
        if !params.is_empty() {
            operation.insert("parameters".into(), Value::Array(params));
        }
        if let Some(body) = self.body {
            let content = match body {
                Body::Json(schema) => json!({ "application/json": { "schema": schema } }),
                Body::Tar => json!({
                    "application/x-tar": { "schema": binary() },
                    "application/octet-stream": { "schema": binary() }
                }),
            };
            operation.insert(
                "requestBody".into(),
                json!({ "required": true, "content": content }),
            );
        }
        let mut responses = Map::new();
        for (status, what, answer) in self.answers {
            let content = match answer {
                Answer::Json(schema) => Some(json!({ "application/json": { "schema": schema } })),
                Answer::Tar => Some(json!({ "application/x-tar": { "schema": binary() } })),
                Answer::Events(schema) => {
                    Some(json!({ "text/event-stream": { "schema": schema } }))
                }
                Answer::Nothing => None,
            };
            let mut response = json!({ "description": what });
            if let Some(content) = content {
                response["content"] = content;
            }
            responses.insert(status.to_string(), response);
        }
        for (status, whats) in refusals {
            responses.entry(status.to_string()).or_insert_with(|| {
                json!({
                    "description": whats.join("; "),
                    "content": { "application/json": { "schema": error.clone() } }
                })
            });
        }
        operation.insert("responses".into(), Value::Object(responses));
        Value::Object(operation)
    }
}

fn binary() -> Value {
    json!({ "type": "string", "format": "binary" })
}

/// Where a parameter is.
#[derive(Clone, Copy)]
enum In {
    Path,
    Query,
    Header,
}

fn param(name: &str, at: In, required: bool, schema: Value, what: &str) -> Value {
    let at = match at {
        In::Path => "path",
        In::Query => "query",
        In::Header => "header",
    };
    json!({ "name": name, "in": at, "required": required, "description": what, "schema": schema })
}

fn idempotency_key() -> Value {
    param(
        "Idempotency-Key",
        In::Header,
        false,
        json!({ "type": "string", "minLength": 1, "maxLength": 200, "pattern": "^[!-~]+$" }),
        "Any 1–200 printable ASCII characters, the same for every retry of one request.",
    )
}

fn ticket_id() -> Value {
    param(
        "id",
        In::Path,
        true,
        json!({ "type": "integer", "format": "int64", "minimum": 1 }),
        "The ticket's id.",
    )
}

fn counter() -> Value {
    param(
        "counter",
        In::Path,
        true,
        json!({ "type": "integer", "format": "int32", "minimum": 1, "maximum": 4294967295u64 }),
        "The counter's number (404 unknown_counter when the office has no such counter).",
    )
}

/// Every route of `/api/v1`.
fn routes(doc: &mut Doc) {
    let (get, post, delete) = ("get", "post", "delete");
    let ticket = doc.schema::<TicketView>();
    let counter_view = doc.schema::<CounterView>();

    let health = doc.schema::<Health>();
    doc.add(
        get,
        "/api/v1/health",
        Route::new(
            "system",
            ANYONE,
            "Liveness; with a token also database, portal, free disk and kiosks' devices",
        )
        .describe(
            "Keys in alphabetical order. Without a token only `status`, `version` and \
             `now`; a device token (any role) adds the rest.",
        )
        .answer(200, "Healthy", Answer::Json(health.clone()))
        .answer(
            503,
            "The database does not answer, its disk is full (`degraded`), or its file was \
             deleted or replaced (`fail`)",
            Answer::Json(health),
        ),
    );
    doc.add(
        get,
        "/api/v1/openapi.json",
        Route::new("system", ANYONE, "This document").answer(
            200,
            "The OpenAPI document",
            Answer::Json(json!({ "type": "object" })),
        ),
    );

    // Queue.
    let services = doc.list::<ServiceInfo>();
    doc.add(
        get,
        "/api/v1/services",
        Route::new("queue", READERS, "Service areas (code, prefix, names)").answer(
            200,
            "Services",
            Answer::Json(services),
        ),
    );
    let priorities = doc.list::<Priority>();
    doc.add(
        get,
        "/api/v1/priorities",
        Route::new("queue", READERS, "Priority categories offered at the kiosk").answer(
            200,
            "Categories",
            Answer::Json(priorities),
        ),
    );
    let queue = doc.schema::<QueueView>();
    doc.add(
        get,
        "/api/v1/queue",
        Route::new("queue", READERS, "Waiting per service, counters, estimates").answer(
            200,
            "The queue now",
            Answer::Json(queue),
        ),
    );
    let issue = doc.schema::<IssueRequest>();
    doc.add(
        post,
        "/api/v1/tickets",
        Route::new("tickets", KIOSK_COUNTER, "Issue a queue ticket")
            .describe("The number is allocated atomically per service and business date (office local time); a 201 means the ticket is durably on disk. Emits ticket.issued.")
            .body(Body::Json(issue))
            .idempotent()
            .answer(201, "Issued", Answer::Json(ticket.clone()))
            .refuse(409, "daily_cap_reached: every number of the service is taken today")
            .refuse(422, "unknown_service, unknown_priority"),
    );
    doc.add(
        get,
        "/api/v1/tickets/{id}",
        Route::new("tickets", READERS, "One ticket")
            .describe("Displays get it without its lookup token.")
            .param(ticket_id())
            .answer(200, "The ticket", Answer::Json(ticket.clone()))
            .refuse(404, "ticket_not_found"),
    );
    let print_status = doc.schema::<PrintStatusRequest>();
    doc.add(
        post,
        "/api/v1/tickets/{id}/print-status",
        Route::new(
            "tickets",
            KIOSK_COUNTER,
            "Record whether the kiosk printed the ticket",
        )
        .describe("Emits ticket.printed or ticket.print_failed.")
        .param(ticket_id())
        .body(Body::Json(print_status))
        .idempotent()
        .answer(200, "Updated ticket", Answer::Json(ticket.clone()))
        .refuse(404, "ticket_not_found"),
    );
    doc.add(
        post,
        "/api/v1/tickets/{id}/cancel",
        Route::new("tickets", KIOSK_COUNTER, "Cancel a waiting ticket")
            .describe("No body. Emits ticket.cancelled.")
            .param(ticket_id())
            .idempotent()
            .answer(200, "Cancelled ticket", Answer::Json(ticket.clone()))
            .refuse(404, "ticket_not_found")
            .refuse(409, "illegal_transition: the ticket is no longer waiting"),
    );
    let print_failed = doc.list::<TicketView>();
    doc.add(
        get,
        "/api/v1/tickets/print-failed",
        Route::new("queue", COUNTER, "Today's tickets the kiosk could not print that are still in the queue or at a counter (for staff to reprint)")
            .answer(200, "Tickets, oldest first, with lookup tokens (for the reprint's QR code)", Answer::Json(print_failed)),
    );
    let counters = doc.list::<CounterView>();
    doc.add(
        get,
        "/api/v1/counters",
        Route::new("counters", READERS, "Every counter with its current ticket").answer(
            200,
            "Counters",
            Answer::Json(counters),
        ),
    );
    let counter_refusals = |route: Route| {
        route
            .param(counter())
            .idempotent()
            .refuse(
                403,
                "counter_not_allowed: an officer's session is bound to another counter",
            )
            .refuse(404, "unknown_counter")
    };
    doc.add(
        post,
        "/api/v1/counters/{counter}/call-next",
        counter_refusals(Route::new("counters", COUNTER, "Call the next ticket"))
            .describe("No body. Priority first, interleaved (at most queue.max_priority_in_row in a row; a normal ticket waiting queue.max_normal_wait_minutes goes next). A ticket being served is finished first; a closed counter is opened. Emits ticket.called (and counter.opened, ticket.finished).")
            .answer(200, "The called ticket", Answer::Json(ticket.clone()))
            .answer(204, "Nobody waits", Answer::Nothing)
            .refuse(409, "counter_paused; counter_busy: a called ticket is still at the counter"),
    );
    for (action, summary, what) in [
        (
            "recall",
            "Call the current ticket again",
            "Keeps a recall count. Emits ticket.recalled.",
        ),
        (
            "start",
            "Start serving the current ticket",
            "Emits ticket.started.",
        ),
        (
            "finish",
            "Finish the current ticket",
            "Emits ticket.finished.",
        ),
        (
            "no-show",
            "Mark the current ticket a no-show",
            "Emits ticket.no_show.",
        ),
    ] {
        doc.add(
            post,
            &format!("/api/v1/counters/{{counter}}/{action}"),
            counter_refusals(Route::new("counters", COUNTER, summary))
                .describe(what)
                .answer(200, "The ticket", Answer::Json(ticket.clone()))
                .refuse(409, "no_current_ticket; illegal_transition"),
        );
    }
    let transfer = doc.schema::<TransferRequest>();
    doc.add(
        post,
        "/api/v1/counters/{counter}/transfer",
        counter_refusals(Route::new("counters", COUNTER, "Send the current ticket to another service"))
            .describe("The ticket keeps its number and its place by original issue time. Emits ticket.transferred.")
            .body(Body::Json(transfer))
            .answer(200, "The ticket", Answer::Json(ticket.clone()))
            .refuse(409, "no_current_ticket; same_service; illegal_transition")
            .refuse(422, "unknown_service"),
    );
    for (action, summary, what) in [
        (
            "pause",
            "Pause the counter (no calls)",
            "Emits counter.paused.",
        ),
        ("open", "Open the counter", "Emits counter.opened."),
        (
            "close",
            "Close the counter",
            "Refused while a ticket is at the counter. Emits counter.closed.",
        ),
    ] {
        doc.add(
            post,
            &format!("/api/v1/counters/{{counter}}/{action}"),
            counter_refusals(Route::new("counters", COUNTER, summary))
                .describe(what)
                .answer(200, "The counter", Answer::Json(counter_view.clone()))
                .refuse(409, "counter_busy: a ticket is at the counter"),
        );
    }
    let calls = doc.schema::<Calls>();
    doc.add(
        get,
        "/api/v1/calls",
        Route::new("queue", READERS, "The latest calls and recalls of today, newest first, with their event ids (the hall board reloads them after a resync)")
            .param(param(
                "limit",
                In::Query,
                false,
                json!({ "type": "integer", "minimum": 1, "maximum": MAX_CALLS, "default": 6 }),
                "How many calls (1–50).",
            ))
            .answer(200, "Calls", Answer::Json(calls)),
    );
    let stats = doc.schema::<DayStats>();
    doc.add(
        get,
        "/api/v1/stats",
        Route::new("reports", COUNTER_DISPLAY, "Figures for a business date")
            .param(param(
                "date",
                In::Query,
                false,
                json!({ "type": "string", "format": "date" }),
                "The business date, YYYY-MM-DD (default today in the office).",
            ))
            .answer(200, "Figures", Answer::Json(stats)),
    );

    // Staff.
    let sign_in = doc.schema::<SignInRequest>();
    let signed_in = doc.schema::<SignedIn>();
    doc.add(
        post,
        "/api/v1/staff/sign-in",
        Route::new("staff", COUNTER, "An officer signs in at a counter with staff code and PIN; the answer's session is the bearer token for that counter's requests (in the officer's name)")
            .describe("Failed attempts are logged (never the PIN); after 5 failures for one code within 5 minutes the code is refused for 5 minutes. Sessions last hub.staff_session_minutes and are bound to the counter. Emits staff.signed_in.")
            .body(Body::Json(sign_in))
            .answer(200, "Signed in", Answer::Json(signed_in))
            .refuse(401, "bad_credentials (unknown code or wrong PIN, same answer)")
            .refuse(403, "counter_not_allowed: not this officer's counter")
            .refuse(404, "unknown_counter")
            .refuse(429, "too_many_attempts"),
    );
    doc.add(
        post,
        "/api/v1/staff/sign-out",
        Route::new("staff", COUNTER, "Ends the caller's own officer session")
            .describe("No body. Emits staff.signed_out.")
            .answer(204, "Signed out", Answer::Nothing)
            .refuse(409, "not_signed_in: the caller is not an officer's session"),
    );

    // Ratings.
    let rate = doc.schema::<RateRequest>();
    let rating = doc.schema::<RatingView>();
    doc.add(
        post,
        "/api/v1/ratings",
        Route::new("rating", KIOSK_COUNTER, "Rates a finished ticket (once): Rất hài lòng / Hài lòng / Không hài lòng, reasons only with the last")
            .describe("A kiosk names the ticket by id + lookup token (its QR code) or by today's typed number (finished within rating.typed_window_minutes); a counter by id (an officer's session: tickets of its counter). Stored with the ticket, its dossier (nullable), counter and officer; emits ticket.rated.")
            .body(Body::Json(rate))
            .idempotent()
            .answer(201, "Stored", Answer::Json(rating))
            .refuse(404, "ticket_not_found (also for a wrong token)")
            .refuse(409, "already_rated, not_rateable (not finished), rating_closed (too late), rating_disabled")
            .refuse(422, "invalid_body: unknown reason, reasons without unsatisfied, no ticket named"),
    );
    let options = doc.schema::<RatingOptions>();
    doc.add(
        get,
        "/api/v1/ratings/options",
        Route::new(
            "rating",
            KIOSK_COUNTER,
            "The rating scale and the reasons offered with Không hài lòng",
        )
        .answer(200, "Options", Answer::Json(options)),
    );
    let lookup = doc.schema::<RatingLookup>();
    doc.add(
        get,
        "/api/v1/ratings/lookup",
        Route::new("rating", KIOSK_COUNTER, "A ticket as a rating screen shows it: whether it can be rated now, and its rating if any")
            .describe("Give ticket (with token at a kiosk) or number (with check, the 4-digit code printed on the ticket).")
            .param(param("ticket", In::Query, false, json!({ "type": "integer", "format": "int64" }), "The ticket's id."))
            .param(param("token", In::Query, false, json!({ "type": "string" }), "The lookup token of the ticket's QR code."))
            .param(param("number", In::Query, false, json!({ "type": "string" }), "Today's number, e.g. A012."))
            .param(param("check", In::Query, false, json!({ "type": "string" }), "With number: the 4-digit check code printed on the ticket (a wrong or missing one answers 404)."))
            .answer(200, "Found", Answer::Json(lookup))
            .refuse(400, "bad_query: neither ticket nor number")
            .refuse(404, "ticket_not_found")
            .refuse(422, "invalid_body: both ticket and number"),
    );

    // Filing.
    let catalogue = doc.schema::<CatalogueView>();
    doc.add(
        get,
        "/api/v1/procedures",
        Route::new("filing", KIOSK_COUNTER, "The procedure catalogue with each form schema")
            .describe("The catalogue in use: the portal's when it answered (source \"portal\"), otherwise the shipped data/procedures.toml or the office's filing.procedures file (source \"local\"). Each procedure carries its documents, legal processing time, fee rule, whether the citizen must come to a counter, and its form. The applicant's own fields (the person filing) are the same for every procedure and listed once in applicant_form.")
            .answer(200, "Catalogue", Answer::Json(catalogue)),
    );
    let file = doc.schema::<FileRequest>();
    let filed = doc.schema::<FiledDossier>();
    doc.add(
        post,
        "/api/v1/dossiers",
        Route::new("filing", KIOSK_COUNTER, "File a dossier")
            .describe("Validates the form (422 invalid_form with a message per field, nothing written), then in one transaction: assigns the dossier code <unit>-YYMMDD-XXXX (daily running count, at most 9999 a day: 409 dossier_daily_limit), computes the due time (working-day calendar, 15:00 rule) and the fee, stores the dossier, queues it for the portal (outbox) and, when the procedure needs the citizen at a counter, issues a queue ticket linked to it. A 201 means all of that is on disk; the outbox worker delivers the dossier to the portal afterwards (portal_status \"pending\" until then). Emits dossier.received.")
            .body(Body::Json(file))
            .idempotent()
            .answer(201, "Filed", Answer::Json(filed))
            .refuse(409, "dossier_daily_limit")
            .refuse(422, "invalid_form (fields holds one message per field), unknown_procedure"),
    );
    let dossier = doc.schema::<DossierView>();
    doc.add(
        get,
        "/api/v1/dossiers",
        Route::new("filing", KIOSK_COUNTER, "A dossier found by the short code on its receipt")
            .describe("The short code a citizen reads off the receipt: the last 4 digits of the dossier code and the filing date (day and month, the year optional). Answers as GET /api/v1/dossiers/{code} when one dossier fits; 409 dossier_code_ambiguous when several do (the same day and number in different years): type the full code or scan the QR code.")
            .param(param("number", In::Query, true, json!({ "type": "string", "pattern": "^[0-9]{4}$" }), "The last 4 digits of the dossier code, e.g. 0007."))
            .param(param("date", In::Query, true, json!({ "type": "string" }), "The filing date, dd/mm or dd/mm/yyyy, e.g. 26/11."))
            .answer(200, "Dossier", Answer::Json(dossier.clone()))
            .refuse(400, "bad_query: number or date missing or malformed")
            .refuse(404, "dossier_not_found")
            .refuse(409, "dossier_code_ambiguous"),
    );
    doc.add(
        get,
        "/api/v1/dossiers/{code}",
        Route::new("filing", KIOSK_COUNTER, "A dossier's status and timeline")
            .describe("The code as printed on the receipt. When the dossier has reached the portal and is not finished, its status is first refreshed from the portal (at most 2 s; otherwise the hub's last known status). Kiosks see no personal data; counters and technicians also get applicant, fields and receipt (until the retention purge).")
            .param(param("code", In::Path, true, json!({ "type": "string" }), "The dossier code, <unit>-YYMMDD-XXXX."))
            .answer(200, "Dossier", Answer::Json(dossier))
            .refuse(404, "dossier_not_found"),
    );

    // Devices.
    let devices = doc.schema::<DeviceList>();
    doc.add(
        get,
        "/api/v1/devices",
        Route::new("devices", READERS, "Device states of every kiosk (printer, scanner), for the counter's out-of-service banner")
            .describe("Keys in alphabetical order.")
            .answer(200, "Kiosks and their devices", Answer::Json(devices)),
    );
    let report = doc.schema::<DeviceEventRequest>();
    let reported = doc.schema::<DeviceReport>();
    doc.add(
        post,
        "/api/v1/devices/events",
        Route::new("devices", KIOSK, "A kiosk reports a device fault, warning or recovery")
            .describe("Keeps the latest state per kiosk and device. A change emits device.fault, device.warning or device.recovered on the event stream; a report of the current state only updates updated_at.")
            .body(Body::Json(report))
            .idempotent()
            .answer(200, "The device's state", Answer::Json(reported))
            .refuse(403, "forbidden: a kiosk token naming another kiosk")
            .refuse(422, "invalid_body: a warning or fault without a kind, a kind that is not one of the device kinds, a kiosk name that is not a word"),
    );

    // Technicians.
    let diagnostics = doc.schema::<HubDiagnostics>();
    doc.add(
        get,
        "/api/v1/diagnostics",
        Route::new(
            "technician",
            TECHNICIAN,
            "The hub's own diagnostics: database integrity, size, free disk; the outbox",
        )
        .answer(200, "Diagnostics", Answer::Json(diagnostics)),
    );
    let retry = doc.schema::<OutboxRetry>();
    doc.add(
        post,
        "/api/v1/outbox/retry",
        Route::new(
            "technician",
            TECHNICIAN,
            "Retry now: wake the outbox worker and clear its backoff",
        )
        .describe("Harmless to repeat; no body. Keys in alphabetical order.")
        .answer(202, "Retrying", Answer::Json(retry)),
    );
    let bundles = doc.list::<BundleInfo>();
    doc.add(
        get,
        "/api/v1/support-bundles",
        Route::new(
            "technician",
            TECHNICIAN,
            "Support bundles stored at the hub, newest first",
        )
        .answer(200, "Bundles", Answer::Json(bundles)),
    );
    let bundle = doc.schema::<BundleInfo>();
    doc.add(
        post,
        "/api/v1/support-bundles",
        Route::new("technician", KIOSK, "Store a support bundle: a tar with manifest.json, diagnostics.json, config.toml (secrets masked), log.txt")
            .describe("At most 16 MB. Stored beside the database as support-bundles/motcua-support-<first 16 hex of its SHA-256>.tar, so a retried upload lands on the same file. The office keeps at most hub.support_bundles_max_bytes (256 MB) and hub.support_bundles_max_count (100) bundles: the oldest are removed to make room. At most 2 uploads at once. Emits support_bundle.received.")
            .body(Body::Tar)
            .idempotent()
            .answer(201, "Stored", Answer::Json(bundle))
            .refuse(422, "bad_support_bundle: not a tar, or no manifest.json in it")
            .refuse(503, "busy: two uploads are already running; retry")
            .refuse(507, "disk_full: the bundle does not fit in the office's quota (hub.support_bundles_max_bytes) even alone, or the disk is full"),
    );
    doc.add(
        delete,
        "/api/v1/support-bundles/{name}",
        Route::new("technician", TECHNICIAN, "Delete a stored support bundle")
            .param(param(
                "name",
                In::Path,
                true,
                json!({ "type": "string" }),
                "motcua-support-<16 hex>.tar",
            ))
            .answer(204, "Deleted", Answer::Nothing)
            .refuse(404, "support_bundle_not_found"),
    );
    doc.add(
        get,
        "/api/v1/support-bundles/{name}",
        Route::new("technician", TECHNICIAN, "Download a stored support bundle")
            .param(param(
                "name",
                In::Path,
                true,
                json!({ "type": "string" }),
                "motcua-support-<16 hex>.tar",
            ))
            .answer(200, "The tar", Answer::Tar)
            .refuse(404, "support_bundle_not_found"),
    );

    // Events.
    let stream = event_schema(doc);
    doc.add(
        get,
        "/api/v1/events",
        Route::new("events", READERS, "Live events (Server-Sent Events)")
            .describe("Each event has an increasing id (id:), a kind (event:) and JSON data {at_ms, data, id} whose data is the kind's payload (HubEvent), keys in alphabetical order. Reconnect with Last-Event-ID (or ?last_event_id=) to receive what was missed; when that is older than hub.event_replay events (or unknown), one resync event ({last_event_id}) comes instead: reload and carry on. A comment every 15 s keeps the connection alive.")
            .param(param(
                "Last-Event-ID",
                In::Header,
                false,
                json!({ "type": "integer", "format": "int64" }),
                "Resume after this event.",
            ))
            .param(param(
                "last_event_id",
                In::Query,
                false,
                json!({ "type": "integer", "format": "int64" }),
                "Resume after this event, for clients that cannot set the header.",
            ))
            .answer(200, "An event stream", Answer::Events(stream)),
    );
}

/// The schema of one event of the stream: `{event, id, data}` with `data` a
/// JSON text, one variant per kind of [`HubEvent`].
fn event_schema(doc: &mut Doc) -> Value {
    doc.schema::<HubEvent>();
    doc.schema::<EventFrame>();
    let resync = doc.schema::<Resync>();
    // The payload schema of each kind, as utoipa derives the tagged enum:
    // one object per variant, `event` a one-value enum, `data` the payload.
    let tagged = doc.schemas[&HubEvent::name().into_owned()].clone();
    let mut variants = Vec::new();
    for variant in tagged["oneOf"].as_array().into_iter().flatten() {
        let kind = variant["properties"]["event"]["enum"][0].clone();
        let payload = variant["properties"]["data"].clone();
        let content = if kind == "resync" {
            resync.clone()
        } else {
            json!({
                "type": "object",
                "required": ["at_ms", "data", "id"],
                "properties": {
                    "at_ms": { "type": "integer", "format": "int64" },
                    "data": payload,
                    "id": { "type": "integer", "format": "int64" }
                }
            })
        };
        variants.push(json!({
            "type": "object",
            "required": ["event", "data"],
            "properties": {
                "event": { "const": kind },
                "id": { "type": "string", "pattern": "^[0-9]+$" },
                "data": {
                    "type": "string",
                    "contentMediaType": "application/json",
                    "contentSchema": content
                }
            }
        }));
    }
    json!({ "oneOf": variants })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `docs/openapi.json` is what the code generates (`MOTCUA_BLESS=1`
    /// writes it again).
    #[test]
    fn the_committed_document_is_the_generated_one() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/openapi.json");
        let generated = to_json();
        if std::env::var_os("MOTCUA_BLESS").is_some() {
            std::fs::write(&path, &generated).unwrap();
            return;
        }
        let committed = std::fs::read_to_string(&path).unwrap();
        assert!(
            committed == generated,
            "docs/openapi.json differs from what the code generates; run \
             MOTCUA_BLESS=1 cargo test -p motcua-api openapi"
        );
    }

    /// Every event kind has its variant in the stream's schema.
    #[test]
    fn the_stream_documents_every_event_kind() {
        let doc: Value = serde_json::from_str(&to_json()).unwrap();
        let variants = doc["paths"]["/api/v1/events"]["get"]["responses"]["200"]["content"]
            ["text/event-stream"]["schema"]["oneOf"]
            .as_array()
            .unwrap()
            .clone();
        let kinds: Vec<&str> = variants
            .iter()
            .map(|v| v["properties"]["event"]["const"].as_str().unwrap())
            .collect();
        assert_eq!(kinds, HubEvent::KINDS);
        for v in &variants {
            let content = &v["properties"]["data"]["contentSchema"];
            assert!(content.is_object(), "{v}");
        }
    }
}

//! A local emulator of the subset of Railway's public GraphQL API that railway-operator uses; it
//! must never be used by production code paths, only by tests, benchmarks, demos and `--sandbox`.
//!
//! The server answers `POST /graphql/v2` with the exact type, field and argument names of
//! `graphql/railway.graphql`, reproduces Railway's semantics (one environment per new project,
//! unique service names, soft deletes, the `numReplicas` reset, HTTP 200 error envelopes) and adds
//! test-only knobs: request counters (`GET /_sandbox/stats`, `POST /_sandbox/stats/reset`), rate
//! limits, fault injection ([`FaultPlan`], on every query and mutation including the volume
//! ones), a JSON state file, a YAML seed file, `POST /_sandbox/domains/verify`,
//! `POST /_sandbox/domains/renames`, `POST /_sandbox/volumes/usage` and
//! `POST /_sandbox/deployments/outcome` (all below).
//!
//! # Renames of generated domains (R30, disputed)
//!
//! `serviceDomainUpdate` with a new `domain` renames the host at once, as Railway's CLI expects.
//! `POST /_sandbox/domains/renames` with the body `ignore` or `pending` makes renames not take
//! from then on (`apply` restores the default): `ignore` answers `true` and changes the port but
//! keeps the host; `pending` keeps the host too and shows the requested name in
//! `ServiceDomain.newDomainName`, never applying it. Both are guesses at what a live-tested
//! client saw (only `targetPort` changing) and at what `newDomainName` means.
//!
//! # Faults
//!
//! `--faults 'OP=KIND[@RATE],...'` (or the body of `POST /_sandbox/faults`, which replaces the
//! plan at run time; an empty body clears it). `OP` is an operation name (`ServiceCreate`), a
//! root field (`serviceCreate`) or `*` for every request; `RATE` is in (0, 1], default 1.
//! Several rules may match one request: one seeded draw per request picks at most one of them,
//! each with its own rate (`*=error500@0.05,*=reset@0.04` faults 9% of requests), so a run is
//! reproducible with `--fault-seed`. The kinds:
//!
//! - `drop-after-commit`: the operation is performed and kept, then the connection is closed
//!   without a response (a response lost in transit);
//! - `reset`: the connection is closed without a response and WITHOUT performing the operation;
//! - `slow`: the operation is performed, then the answer waits [`SandboxConfig::slow_delay`]
//!   (default 5 s, `--slow-ms`), past a short client timeout;
//! - `error500`: HTTP 500 with an HTML page, nothing performed;
//! - `error502`: HTTP 502 with a Cloudflare-like HTML page, nothing performed;
//! - `ratelimit`: HTTP 429 with `Retry-After: 1`, nothing performed;
//! - `problem`: HTTP 200 `{"data": null, "errors": [{"message": "Problem processing request"}]}`
//!   (plus a `traceId`), nothing performed;
//! - `try-again`: HTTP 200 with Railway's "Failed to create service domain, please try again",
//!   nothing performed;
//! - `redeploy-not-ready`: HTTP 200 with Railway's "Cannot redeploy yet, please wait for the
//!   original deployment to finish building", nothing performed;
//! - `in-progress`: HTTP 200 with "Cannot complete the request: an operation is already in
//!   progress" (Railway's text ends so; the start is a guess), nothing performed;
//! - `error503-text`: HTTP 503 with a plain-text "upstream connect error ..." body;
//! - `error503-json`: HTTP 503 with a JSON `{"errors": [{"message": "Service Unavailable"}]}`;
//! - `error504`: HTTP 504 with a Cloudflare-like HTML page; nothing performed for any of them.
//! - `undecrypted` (R12, R27): performed as if the request's `decryptVariables` were false, as
//!   for a token that cannot decrypt: unsealed variables come back with a null value.
//!
//! # Railway's limits
//!
//! - Creation throttles (HTTP 200, `extensions.code` `INTERNAL_SERVER_ERROR`): a second
//!   `environmentCreate` by the same token within 30 s answers "Whoa there pal! Only one
//!   environment can be created per user every 30s. Try again in a sec" (a project's default
//!   environment does not count); a second `projectCreate` in the same workspace within 30 s
//!   "You are creating projects too quickly. This workspace allows 1 project per 30 seconds.
//!   Try again shortly."; a second `volumeCreate` by the same token within 2 s (a guess)
//!   "Whoa there pal! You are creating volumes too quickly. Try again in a sec". Refused or
//!   failed creates do not start a window. [`SandboxConfig::create_cooldown`]
//!   (`--create-cooldown`) sets every window; `0s` turns them off.
//! - Custom domains per service, over all its environments: 1 on `trial`, 2 on `hobby`, 20 on
//!   `pro` (the default; [`SandboxConfig::plan`], `--plan`).
//! - A `preDeployCommand` list of more than one command: "Error in preDeployCommand - Invalid
//!   input".
//! - Deleting an unknown or already deleted service, domain, TCP proxy, volume or backup answers
//!   "Not Authorized".
//! - Unidentified clients: above [`SandboxConfig::unidentified_rate_limit`] requests per second
//!   (default 10, `--unidentified-rate-limit`, 0 = off) a request with neither a non-empty
//!   `source` query parameter (`/graphql/v2?source=railway-operator`) nor a non-empty `x-source`
//!   header gets Cloudflare's HTML 403 "Access denied", before the rate limits below count it.
//! - Read lag: new volumes and volume instances are left out of `Project.volumes`,
//!   `Environment.volumeInstances` and `Volume.volumeInstances` for
//!   [`SandboxConfig::visibility_delay`] (`--visibility-delay`, default 0).
//!
//! # Rate limits
//!
//! Like Railway's Hobby plan when configured with 10 per second and 1000 per hour
//! (`rate_limit_per_second`, `rate_limit_per_hour`): beyond either the sandbox answers HTTP 429
//! with `Retry-After` (whole seconds). Every answer then carries `X-RateLimit-Limit`,
//! `X-RateLimit-Remaining` and `X-RateLimit-Reset` (seconds until the window ends) of the
//! tighter window, the one with fewer requests remaining. `GET /_sandbox/stats` counts every
//! 429 answered (limits and the `ratelimit` fault) as `rateLimited`, and injected faults by
//! kind under `faults`; both are left out while zero.
//!
//! # Domains and TCP proxies
//!
//! Service domains, custom domains and TCP proxies follow Railway's shapes (generated
//! `{service}-{environment}.up.railway.app` names, soft deletes, `networking` in the config
//! blob). A new custom domain waits for DNS: its routing record is `REQUIRES_UPDATE` and its
//! certificate `CERTIFICATE_STATUS_TYPE_VALIDATING_OWNERSHIP` until a test calls
//! `POST /_sandbox/domains/verify` with the hostname as the body (404 for an unknown hostname).
//! From then on the records are `PROPAGATED`, `verified` is true and the certificate is
//! `CERTIFICATE_STATUS_TYPE_ISSUING`, becoming `CERTIFICATE_STATUS_TYPE_VALID` one second later.
//! The fault kind `try-again` (e.g. `serviceDomainCreate=try-again@0.5`) answers Railway's
//! transient "Failed to create service domain, please try again" without performing anything.
//!
//! # Volumes, backups and workflows
//!
//! `volumeCreate` gives a volume a generated two-word name (`gentle-harbor`) no other live volume
//! of the project has (`volumeUpdate` refuses a taken name) and, only when
//! `environmentId` is given, one instance there (`sizeMB` 50000, `currentSizeMB` 0, `READY`,
//! region `us-west2` unless given); a service mounts at most one volume per environment.
//! A volume has one instance per environment (`Volume.volumeInstances`).
//! `volumeDelete` soft-deletes all its instances (`deletedAt`, `DELETED`, still listed) and drops
//! their backups. `volumeInstanceUpdate` without `serviceId` (absent or null) detaches the volume;
//! without `environmentId` it changes every instance. `volumeInstanceBackupScheduleUpdate` replaces the set of schedules. Each live
//! instance shows in `Environment.config` as `services.<serviceId>.volumeMounts.<volumeId>`
//! (`mountPath`, `backupSchedules` when any) and `volumes.<volumeId>` (`sizeMB`, `region`).
//! `volumeInstanceBackupCreate` is refused while `currentSizeMB` exceeds half of `sizeMB` (the
//! message is a guess); otherwise it starts a workflow that is `Running` for
//! [`SandboxConfig::backup_duration`] and then `Complete`; its backup (named `Manual` unless
//! named) is listed from then on, expiring 30 days after creation (a guess) unless locked
//! (`volumeInstanceBackupLock`, `expiresAt: null`). `POST /_sandbox/volumes/scheduled-backup`
//! with `<volumeInstanceId>=<DAILY|WEEKLY|MONTHLY>` fires that schedule of the instance now: its
//! backup takes the same time and expires after 6 days, 30 days or 90 days (404 when the
//! instance has no such schedule). Workflows live in
//! memory only: after a restart `workflowStatus` answers `NotFound`. A test sets how full an
//! instance is with `POST /_sandbox/volumes/usage` and the body `<volumeInstanceId>=<currentSizeMB>`
//! (400 for a malformed body, 404 for an unknown instance).
//!
//! # Environments, patches and staged changes
//!
//! An environment created with `sourceEnvironmentId` is a fork (`sourceEnvironment`), filled by
//! one patch copying the source's instances, unsealed variables and (new, empty) volume
//! instances. `serviceCreate` reaches every non-fork environment unless given a fork's id;
//! `serviceInstanceUpdate` and `serviceDelete` with a non-fork id reach every non-fork
//! ([`SandboxConfig::instance_update_scope`] narrows the update to the named environment).
//! `environmentPatchCommit` deep-merges an EnvironmentConfig patch into the same records the
//! typed mutations write (null clears or deletes, `isCreated`/`isDeleted` per environment) and
//! deploys affected services; `environmentStageChanges` keeps one staged patch per environment,
//! counted by `unmergedChangesCount` and committed by `environmentPatchCommitStaged`. Placement
//! is `deploy.multiRegionConfig` only (`ServiceInstance.region` reads null); each deployment
//! records it in `meta.serviceManifest.deploy.multiRegionConfig`. A test stands in for
//! a dashboard edit (which Railway stages) with `POST /_sandbox/environments/stage` and the body
//! `{"environmentId": "...", "patch": {...}}`, merged into the staged patch (400 for a malformed
//! body, 404 for an unknown environment).
//!
//! # Deployments
//!
//! Every deployment is kept in a history (`deployments(input)`, newest first; `deployment(id)`;
//! `ServiceInstance.latestDeployment` is its newest, `activeDeployments` the running ones). Its
//! status is computed from timestamps whenever it is read, so nothing runs in the background:
//! `INITIALIZING` → `BUILDING` → `DEPLOYING` → `SUCCESS` over [`SandboxConfig::deploy_duration`]
//! (`--deploy-ms`, default 300 ms: 10 % initializing, 50 % building, 40 % deploying). A cron
//! service's finished run reads `SUCCESS` with `deploymentStopped: true`; `nextCronRunAt` is the
//! schedule's next fire time in UTC. Deployments start exactly where Railway starts them (R43):
//! `serviceCreate` with a source, `environmentCreate` from a source unless `skipInitialDeploys`,
//! variable upserts unless `skipDeploys` and every `variableDelete` (R28: a service's variables
//! deploy that service, shared ones every service referencing them), `serviceInstanceDeployV2`
//! (returns the id), `serviceInstanceDeploy`, `serviceInstanceRedeploy` and `deploymentRedeploy`;
//! never `serviceInstanceUpdate`, replica or limit changes, domains or TCP proxies. A new
//! deployment aborts the instance's deployments still in progress, and once it is `SUCCESS` the
//! one it replaces goes `REMOVING`, then `REMOVED` (a quarter of the deploy time later).
//! Redeploying a deployment still initializing or building answers Railway's "Cannot redeploy
//! yet, please wait for the original deployment to finish building" (R38).
//!
//! A test forces how a service's deployments end with `--deploy-outcome SERVICE=OUTCOME`
//! ([`SandboxConfig::deploy_outcomes`]) or at run time with `POST /_sandbox/deployments/outcome`
//! and the body `{"service": "api", "outcome": "FAILED"}` (400 for a malformed body). Outcomes:
//! `SUCCESS` (the default; clears a forced outcome), `FAILED` (the build fails: no `DEPLOYING`),
//! `CRASHED` (dies after deploying; at run time it also crashes the running deployment),
//! `SKIPPED` (at once) and `UNHEALTHY` (R44): with a `healthcheckPath` the deployment stays
//! `DEPLOYING` until `healthcheckTimeout` has passed, then `FAILED`; without one nothing is checked
//! and it succeeds. The sandbox scales `healthcheckTimeout` to [`HEALTHCHECK_MS_PER_SECOND`]
//! (10) milliseconds per second, so Railway's default 300 s is 3 s. A run-time outcome also
//! applies to the service's deployments still in progress: `SUCCESS` ends a wait for health.
//! Seeded services' deployments are live at once.
//!
//! # Seed file format (YAML)
//!
//! ```yaml
//! memberTokens: [member-token]       # R35: non-admin account tokens (accepted like the admin's)
//! workspaces:                         # R33: the user's workspaces besides the sandbox's own
//!   - { id: 7c2e..., name: Agency }
//! projects:
//!   - name: shop                      # required
//!     id: 4f0c...                     # optional, a UUID is generated otherwise
//!     workspaceId: 5a9d...            # optional: SANDBOX_WORKSPACE_ID puts it in the sandbox's
//!                                     # workspace; absent = a personal project (R33)
//!     environments:                   # default: one environment named "production"
//!       - name: production
//!         sharedVariables: { REGION: eu }
//!         sealedSharedVariables: [REGION]   # names among `sharedVariables` sealed in this environment
//!       - name: pr-12
//!         ephemeral: true
//!       - name: audit
//!         restricted: true          # R35: members (below) see canAccess: false and no contents
//!     services:
//!       - name: api
//!         image: nginx:1.27           # or `repo: owner/name` plus optional `branch: main`
//!         variables: { PORT: "8080" } # set in every environment the service lives in
//!         sealedVariables: [PORT]     # names among `variables` whose values can never be read back
//!         settings: { numReplicas: 2, startCommand: "./run" }   # every environment
//!         environments:               # per-environment overrides of `settings`
//!           production: { numReplicas: 3 }
//!       - name: db
//!         image: postgres:16
//!         volume:                     # one volume mounted on the service
//!           mountPath: /var/lib/postgresql/data   # required
//!           name: pgdata              # default: a generated name
//!           id: 9b1c...               # default: a generated UUID
//!           sizeMB: 10000             # default 50000
//!           currentSizeMB: 8500       # usage, default 0
//!           region: europe-west4      # default us-west2
//!           schedules: [DAILY]        # DAILY, WEEKLY, MONTHLY
//!           environments: [production]   # default: every environment of the project
//!           backups:                  # in every instance of the volume
//!             - name: nightly         # default: a generated name
//!               createdAt: "2026-01-01T00:00:00Z"   # required, RFC 3339
//!               locked: true          # no expiry; otherwise createdAt + retention
//!               schedule: DAILY       # made by that schedule (among `schedules`); manual otherwise
//!               creatorId: someone    # default: sandbox-user for manual, none for scheduled
//! ```
//!
//! Settings use the camelCase field names of `ServiceInstance` (`builder`, `buildCommand`,
//! `startCommand`, `rootDirectory`, `dockerfilePath`, `railwayConfigFile`, `preDeployCommand`,
//! `watchPatterns`, `healthcheckPath`, `healthcheckTimeout`, `numReplicas`, `region`,
//! `cronSchedule`, `restartPolicyType`, `restartPolicyMaxRetries`, `sleepApplication`,
//! `drainingSeconds`, `overlapSeconds`). A seeded backup expires after 30 days when manual and
//! after its schedule's retention (6, 30 or 90 days) when scheduled. When both a state file that exists and a seed file are
//! given, the state file wins and the seed is ignored.

mod change_set;
mod config_blob;
mod faults;
mod graphql_layer;
mod model;
mod patch_merge;
mod persist;
mod schema;
mod seed;
mod server;
mod service_config;
mod store;
mod templates;

use std::path::PathBuf;
use std::time::Duration;

pub use faults::{FaultKind, FaultPlan, FaultPlanError, FaultRule};
pub use model::{DeploymentOutcome, UnknownOutcome};
pub use server::Sandbox;
pub use store::HEALTHCHECK_MS_PER_SECOND;
pub use store::InstanceUpdateScope;
pub use store::SandboxPlan;

/// The id of the sandbox's single workspace.
pub const SANDBOX_WORKSPACE_ID: &str = "5a9d1c3e-7b2f-4e61-9c8a-0d4b6f2e1a77";

/// How long a manual volume backup runs when nothing else is configured.
pub const DEFAULT_BACKUP_DURATION: Duration = Duration::from_millis(300);

/// How long a deployment takes from creation to SUCCESS when nothing else is configured.
pub const DEFAULT_DEPLOY_DURATION: Duration = Duration::from_millis(300);

/// How long the `slow` fault delays a response when nothing else is configured.
pub const DEFAULT_SLOW_DELAY: Duration = Duration::from_secs(5);

/// Requests per second above which Railway's edge turns away clients that do not identify
/// themselves (R40).
pub const DEFAULT_UNIDENTIFIED_RATE_LIMIT: u32 = 10;

/// Everything that shapes one sandbox instance.
#[derive(Debug, Clone)]
pub struct SandboxConfig {
    /// Loaded at start when it exists; rewritten (temp file + rename) after every mutation.
    pub state_file: Option<PathBuf>,
    /// YAML preloading live projects (format in the module documentation).
    pub seed_file: Option<PathBuf>,
    pub faults: FaultPlan,
    pub fault_seed: u64,
    /// Requests per second above which the sandbox answers HTTP 429 with `Retry-After: 1`.
    pub rate_limit_per_second: Option<u32>,
    /// Requests per hour (fixed windows from the sandbox's start) above which the sandbox answers
    /// HTTP 429 with `Retry-After` set to the seconds left in the hour. Only requests the
    /// per-second limit let through count here.
    pub rate_limit_per_hour: Option<u32>,
    /// `Some`: only this token is accepted; `None`: any non-empty token.
    pub token: Option<String>,
    /// How long `volumeInstanceBackupCreate`'s workflow stays `Running` before `Complete`.
    pub backup_duration: Duration,
    /// How long the `slow` fault holds a response back (past a client's timeout).
    pub slow_delay: Duration,
    /// Added before every GraphQL answer, to stand in for the round trip to Railway.
    pub latency: Duration,
    /// R7 (disputed): whether `serviceInstanceUpdate` with a non-fork `environmentId` updates
    /// every non-fork environment (default) or only the named one.
    pub instance_update_scope: InstanceUpdateScope,
    /// Creation throttles (R4, R24, R36): `None` = Railway's windows (30 s per environment and
    /// token owner, 30 s per project and workspace, 2 s per volume and token owner, the last a
    /// guess); `Some(d)` = every window is `d`; `Some(Duration::ZERO)` disables them.
    pub create_cooldown: Option<Duration>,
    /// The Railway plan whose limits apply (R32: custom domains per service).
    pub plan: SandboxPlan,
    /// R40: requests per second above which unidentified clients (no `?source=` on the URL, no
    /// `x-source` header) get an HTML 403 "Access denied"; `None` disables the cap.
    pub unidentified_rate_limit: Option<u32>,
    /// R41: new volumes and volume instances stay out of lists this long.
    pub visibility_delay: Duration,
    /// From a deployment's creation to SUCCESS: 10 % INITIALIZING, 50 % BUILDING, 40 % DEPLOYING.
    pub deploy_duration: Duration,
    /// Forced ends of deployments by service name (`--deploy-outcome SERVICE=OUTCOME`).
    pub deploy_outcomes: Vec<(String, DeploymentOutcome)>,
    /// Guess: Railway refuses queries past some complexity or size, limit and text unknown.
    /// `Some(n)` refuses a query selecting more than `n` fields (counted through fragments and
    /// aliases) with async-graphql's "Query is too complex."; `None` admits any.
    pub max_query_complexity: Option<usize>,
    /// R46 (disputed): whether a template database gets its TCP proxy (Railway's compiler:
    /// yes, the default) or stays private (Railway's docs).
    pub database_tcp_proxy: bool,
}

impl Default for SandboxConfig {
    fn default() -> Self {
        Self {
            state_file: None,
            seed_file: None,
            faults: FaultPlan::default(),
            fault_seed: 0,
            rate_limit_per_second: None,
            rate_limit_per_hour: None,
            token: None,
            backup_duration: DEFAULT_BACKUP_DURATION,
            slow_delay: DEFAULT_SLOW_DELAY,
            latency: Duration::ZERO,
            instance_update_scope: InstanceUpdateScope::default(),
            create_cooldown: None,
            plan: SandboxPlan::default(),
            unidentified_rate_limit: Some(DEFAULT_UNIDENTIFIED_RATE_LIMIT),
            visibility_delay: Duration::ZERO,
            deploy_duration: DEFAULT_DEPLOY_DURATION,
            deploy_outcomes: Vec::new(),
            max_query_complexity: None,
            database_tcp_proxy: true,
        }
    }
}

#[derive(thiserror::Error, Debug)]
pub enum SandboxError {
    #[error("sandbox state file {path}: {reason}")]
    StateFile { path: PathBuf, reason: String },
    #[error("sandbox seed file {path}: {reason}")]
    SeedFile { path: PathBuf, reason: String },
    #[error("sandbox could not listen on {addr}: {source}")]
    Bind {
        addr: std::net::SocketAddr,
        #[source]
        source: std::io::Error,
    },
}

/// The sandbox's GraphQL schema as SDL, for conformance checks against `graphql/railway.graphql`.
pub fn schema_sdl() -> String {
    schema::sdl()
}

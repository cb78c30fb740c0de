//! R52: upstream enums that fields of served types return although the sandbox keeps no state
//! behind them. Each defaults to the value a sandbox record reads as (a guess where not obvious).

use async_graphql::Enum;

/// Upstream `ActivePlatformFlag`.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq, Default)]
pub(crate) enum ActivePlatformFlag {
    #[default]
    #[graphql(name = "ALERT_SUS_USERS_CRON_KILLSWITCH")]
    AlertSusUsersCronKillswitch,
    #[graphql(name = "BAN_APPEAL_FORM")]
    BanAppealForm,
    #[graphql(name = "BUILD_DEPLOY_QUEUE_V2")]
    BuildDeployQueueV2,
    #[graphql(name = "CANVAS_CROSS_ENV_GUARD_ENFORCE")]
    CanvasCrossEnvGuardEnforce,
    #[graphql(name = "CHAT_SANDBOX")]
    ChatSandbox,
    #[graphql(name = "CLICKHOUSE_WORKSPACE_LIMIT_ENFORCE")]
    ClickhouseWorkspaceLimitEnforce,
    #[graphql(name = "CS_MCP")]
    CsMcp,
    #[graphql(name = "CTRD_IMAGE_STORE_ROLLOUT")]
    CtrdImageStoreRollout,
    #[graphql(name = "DEFAULT_USAGE_ALERTS")]
    DefaultUsageAlerts,
    #[graphql(name = "DEMO_PERCENTAGE_ROLLOUT")]
    DemoPercentageRollout,
    #[graphql(name = "DEPLOYMENT_DIAGNOSIS_KILLSWITCH")]
    DeploymentDiagnosisKillswitch,
    #[graphql(name = "DEPLOY_SUPERSEDE_ON_PUSH")]
    DeploySupersedeOnPush,
    #[graphql(name = "DEV_STUDIO")]
    DevStudio,
    #[graphql(name = "DEV_STUDIO_ANON_PROVISIONS")]
    DevStudioAnonProvisions,
    #[graphql(name = "FIXED_DOMAIN_RADAR_RULES")]
    FixedDomainRadarRules,
    #[graphql(name = "IN_DASHBOARD_SUPPORT")]
    InDashboardSupport,
    #[graphql(name = "KAFKA_EPHEMERAL_ENVIRONMENT_UPDATES")]
    KafkaEphemeralEnvironmentUpdates,
    #[graphql(name = "LOGS_V2_READS")]
    LogsV2Reads,
    #[graphql(name = "NEW_STRIPE_WEBHOOK_VERSION_ROLLOUT")]
    NewStripeWebhookVersionRollout,
    #[graphql(name = "OAUTH_DCR_KILLSWITCH")]
    OauthDcrKillswitch,
    #[graphql(name = "REMOVE_DEPLOYMENT_COMPACT")]
    RemoveDeploymentCompact,
    #[graphql(name = "SERVICEINSTANCE_DATALOADER_FOR_STATIC_URL")]
    ServiceinstanceDataloaderForStaticUrl,
    #[graphql(name = "SPLIT_USAGE_QUERIES")]
    SplitUsageQueries,
    #[graphql(name = "STRIPE_METERS_NEW_ACCOUNTS")]
    StripeMetersNewAccounts,
    #[graphql(name = "STRIPE_METERS_SHADOW_ENABLED")]
    StripeMetersShadowEnabled,
    #[graphql(name = "UPDATED_VM_QUERIES")]
    UpdatedVmQueries,
    #[graphql(name = "WORKSPACE_MCP_KILLSWITCH")]
    WorkspaceMcpKillswitch,
}

/// Upstream `CnameCheckStatus`.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq, Default)]
pub(crate) enum CnameCheckStatus {
    #[graphql(name = "ERROR")]
    Error,
    #[graphql(name = "INFO")]
    Info,
    #[graphql(name = "INVALID")]
    Invalid,
    #[default]
    #[graphql(name = "VALID")]
    Valid,
    #[graphql(name = "WAITING")]
    Waiting,
}

/// Upstream `CreditType`.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq, Default)]
pub(crate) enum CreditType {
    #[default]
    #[graphql(name = "APPLIED")]
    Applied,
    #[graphql(name = "CREDIT")]
    Credit,
    #[graphql(name = "DEBIT")]
    Debit,
    #[graphql(name = "STRIPE")]
    Stripe,
    #[graphql(name = "TRANSFER")]
    Transfer,
    #[graphql(name = "WAIVED")]
    Waived,
}

/// Upstream `PartnerProfileType`.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq, Default)]
pub(crate) enum PartnerProfileType {
    #[default]
    #[graphql(name = "BASIC_PARTNER")]
    BasicPartner,
    #[graphql(name = "LIMITED_PARTNER")]
    LimitedPartner,
    #[graphql(name = "TEMPLATE_MAINTAINER")]
    TemplateMaintainer,
}

/// Upstream `Plan`.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq, Default)]
pub(crate) enum Plan {
    #[graphql(name = "FREE")]
    Free,
    #[graphql(name = "HOBBY")]
    Hobby,
    #[default]
    #[graphql(name = "PRO")]
    Pro,
}

/// Upstream `PluginStatus`.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq, Default)]
pub(crate) enum PluginStatus {
    #[graphql(name = "DEPRECATED")]
    Deprecated,
    #[graphql(name = "LOCKED")]
    Locked,
    #[graphql(name = "REMOVED")]
    Removed,
    #[default]
    #[graphql(name = "RUNNING")]
    Running,
    #[graphql(name = "STOPPED")]
    Stopped,
}

/// Upstream `PluginType`.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq, Default)]
pub(crate) enum PluginType {
    #[graphql(name = "mongodb")]
    Mongodb,
    #[graphql(name = "mysql")]
    Mysql,
    #[default]
    #[graphql(name = "postgresql")]
    Postgresql,
    #[graphql(name = "redis")]
    Redis,
}

/// Upstream `ProjectRole`.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq, Default)]
pub(crate) enum ProjectRole {
    #[default]
    #[graphql(name = "ADMIN")]
    Admin,
    #[graphql(name = "MEMBER")]
    Member,
    #[graphql(name = "VIEWER")]
    Viewer,
}

/// Upstream `PurgeOnDeploy`.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq, Default)]
pub(crate) enum PurgeOnDeploy {
    #[default]
    #[graphql(name = "ALL")]
    All,
    #[graphql(name = "HTML")]
    Html,
    #[graphql(name = "OFF")]
    Off,
}

/// Upstream `ReferralStatus`.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq, Default)]
pub(crate) enum ReferralStatus {
    #[graphql(name = "REFEREE_CREDITED")]
    RefereeCredited,
    #[graphql(name = "REFERRER_CREDITED")]
    ReferrerCredited,
    #[default]
    #[graphql(name = "REGISTERED")]
    Registered,
}

/// Upstream `RegistrationStatus`.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq, Default)]
pub(crate) enum RegistrationStatus {
    #[default]
    #[graphql(name = "ONBOARDED")]
    Onboarded,
    #[graphql(name = "REGISTERED")]
    Registered,
    #[graphql(name = "WAITLISTED")]
    Waitlisted,
}

/// Upstream `SubscriptionModel`.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq, Default)]
pub(crate) enum SubscriptionModel {
    #[graphql(name = "FREE")]
    Free,
    #[default]
    #[graphql(name = "TEAM")]
    Team,
    #[graphql(name = "USER")]
    User,
}

/// Upstream `SubscriptionState`.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq, Default)]
pub(crate) enum SubscriptionState {
    #[default]
    #[graphql(name = "ACTIVE")]
    Active,
    #[graphql(name = "CANCELLED")]
    Cancelled,
    #[graphql(name = "INACTIVE")]
    Inactive,
    #[graphql(name = "PAST_DUE")]
    PastDue,
    #[graphql(name = "UNPAID")]
    Unpaid,
}

/// Upstream `SupportTierOverride`.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq, Default)]
pub(crate) enum SupportTierOverride {
    #[default]
    #[graphql(name = "BUSINESS_CLASS")]
    BusinessClass,
    #[graphql(name = "BUSINESS_CLASS_TRIAL")]
    BusinessClassTrial,
}

/// Upstream `TeamRole`.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq, Default)]
pub(crate) enum TeamRole {
    #[default]
    #[graphql(name = "ADMIN")]
    Admin,
    #[graphql(name = "MEMBER")]
    Member,
    #[graphql(name = "VIEWER")]
    Viewer,
}

/// Upstream `UserFlag`.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq, Default)]
pub(crate) enum UserFlag {
    #[default]
    #[graphql(name = "BETA")]
    Beta,
}

/// Upstream `WithdrawalPlatformTypes`.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq, Default)]
pub(crate) enum WithdrawalPlatformTypes {
    #[default]
    #[graphql(name = "BMAC")]
    Bmac,
    #[graphql(name = "GITHUB")]
    Github,
    #[graphql(name = "PAYPAL")]
    Paypal,
    #[graphql(name = "STRIPE_CONNECT")]
    StripeConnect,
}

/// Upstream `WorkspaceIdPConnectionStatus`.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq, Default)]
pub(crate) enum WorkspaceIdPConnectionStatus {
    #[default]
    #[graphql(name = "ACTIVE")]
    Active,
    #[graphql(name = "DRAFT")]
    Draft,
    #[graphql(name = "INACTIVE")]
    Inactive,
    #[graphql(name = "PENDING")]
    Pending,
    #[graphql(name = "VALIDATING")]
    Validating,
}
